import { recordedSpans } from './helpers/tracing'; // first: instrumentation patches modules as they load
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import { stopDevServers } from './helpers/servers';

// Workers and test servers log only what needs attention; expected retries stay out of the output.
Runtime.install({
  logger: new DefaultLogger('ERROR'),
  telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } },
});

/** Servers are started lazily by the suites that need them and stopped once, after the whole run. */
export async function mochaGlobalTeardown(): Promise<void> {
  await stopDevServers();
}

/** Spans are kept for one test at a time. */
export const mochaHooks = {
  beforeEach(): void {
    recordedSpans.reset();
  },
};
