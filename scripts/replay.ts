/**
 * `npm run replay -- history.json [more.json …]`: replays downloaded session histories (Temporal UI
 * "Download" or `temporal workflow show -o json`) against the current workflow code, offline.
 */
import { readFileSync } from 'node:fs';
import { DefaultLogger, Runtime, Worker } from '@temporalio/worker';
import { Resource } from '@opentelemetry/resources';
import { NoopSpanProcessor } from '@opentelemetry/sdk-trace-base';
import { bundleSessionWorkflows, tracingWorkerOptions } from '../src/temporal/worker';
import { loadConfig, payloadKeysOf } from '../src/config';
import { encryptingDataConverter } from '../src/temporal/payload-codec';

async function main(files: string[]) {
  if (files.length === 0) throw new Error('usage: npm run replay -- history.json [more.json …]');
  Runtime.install({ logger: new DefaultLogger('WARN') });
  // Traced: a superset of what a worker runs, and what replays a history recorded either way.
  const workflowBundle = await bundleSessionWorkflows(true);
  // Spans made while replaying go nowhere; the sink only has to exist.
  const tracing = tracingWorkerOptions({ enabled: true, spanProcessor: new NoopSpanProcessor(), resource: Resource.empty(), shutdown: async () => undefined });
  // Encrypted payloads decrypt with PAYLOAD_ENCRYPTION_KEYS (as the worker has them); plain ones pass through.
  const dataConverter = encryptingDataConverter(payloadKeysOf(loadConfig()));
  let failed = 0;
  for (const file of files) {
    try {
      await Worker.runReplayHistory({ workflowBundle, dataConverter, ...tracing }, JSON.parse(readFileSync(file, 'utf8')));
      console.log(`ok      ${file}`);
    } catch (err) {
      failed++;
      console.log(`FAILED  ${file}: ${err instanceof Error ? `${err.name}: ${err.message}` : String(err)}`);
    }
  }
  process.exit(failed === 0 ? 0 : 1);
}

main(process.argv.slice(2)).catch((err: unknown) => {
  console.error(err instanceof Error ? err.message : err);
  process.exit(2);
});
