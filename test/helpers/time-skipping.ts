import type { ConnectionPlugin } from '@temporalio/client';
import { TestWorkflowEnvironment } from '@temporalio/testing';
import type { Worker, WorkerPlugin } from '@temporalio/worker';
import { TEMPORAL_TEST_SERVER } from '../../src/dev/servers';
import { addSearchAttributes } from '../../src/temporal/search-attributes';

/**
 * The test server (grpc-java) permits a client ping every 5 minutes at most and, after three pings closer together
 * with nothing sent back, cuts the connection (GOAWAY "too_many_pings", which grpc-js logs as "rejected by server
 * because of excess pings"). @temporalio/client pings every 30 s, so 90 s of silence (an env.sleep() waiting on a slow
 * or stuck workflow) ended in a cut, and a cut env.sleep() leaves time skipping unlocked or locked for good.
 * The server is a child process on loopback: a dead one shows as a closed socket, so this connection needs no pings.
 */
const withoutKeepalive: ConnectionPlugin = {
  name: 'parley-test-no-keepalive',
  configureConnection: (options) => ({
    ...options,
    // undefined is the SDK's documented opt-out of each of its keepalive defaults.
    channelArgs: { ...options.channelArgs, 'grpc.keepalive_time_ms': undefined, 'grpc.keepalive_timeout_ms': undefined, 'grpc.keepalive_permit_without_calls': undefined },
  }),
};

// How long teardown waits for a left-over worker (a timed-out test's) to finish its in-flight tasks.
const WORKER_STOP_MS = 10_000;

/**
 * A time-skipping test server (the pinned one from .tools) for one test, with Parley's search attributes registered.
 * One per test, not per suite: the server keeps a time-skipping lock for each task in flight when its workflow is
 * terminated or abandoned (temporalio/sdk-java#1138), and from then on env.sleep('45 minutes') takes 45 real minutes.
 * A test that fails half-way leaves such tasks behind, so a shared server passed its failure on to the tests after it.
 */
export async function createTimeSkippingEnv(): Promise<TestWorkflowEnvironment> {
  const workers = new Map<Worker, Promise<void>>();
  // Handed to the env, this reaches every Worker created on env.nativeConnection.
  const trackWorkers: WorkerPlugin = {
    name: 'parley-test-track-workers',
    runWorker: (worker, next) => {
      const run = next(worker).finally(() => workers.delete(worker));
      workers.set(worker, run);
      return run;
    },
  };
  const env = await TestWorkflowEnvironment.createTimeSkipping({
    server: { executable: { type: 'existing-path', path: TEMPORAL_TEST_SERVER } },
    plugins: [withoutKeepalive, trackWorkers],
  });
  const closeConnectionsAndServer = env.teardown.bind(env);
  // Workers first (a timed-out test's runUntil never stopped its own): closing a connection a worker holds throws.
  env.teardown = async () => {
    for (const worker of workers.keys()) if (worker.getState() === 'RUNNING') worker.shutdown();
    await Promise.race([Promise.allSettled(workers.values()), new Promise((ok) => setTimeout(ok, WORKER_STOP_MS).unref())]);
    await closeConnectionsAndServer();
  };
  try {
    await addSearchAttributes(env.connection, 'default');
  } catch (err) {
    await env.teardown(); // never leave a test server running behind a failed set-up
    throw err;
  }
  return env;
}

/**
 * Mocha hooks for a suite: a fresh time-skipping server for each of its tests, torn down after it (the reason is
 * on createTimeSkippingEnv). Returns the current test's env.
 */
export function useTimeSkippingEnvPerTest(): () => TestWorkflowEnvironment {
  let env: TestWorkflowEnvironment | undefined;
  beforeEach(async () => {
    env = await createTimeSkippingEnv();
  });
  afterEach(async () => {
    await env?.teardown();
    env = undefined;
  });
  return () => {
    if (!env) throw new Error('the time-skipping env exists only while a test runs');
    return env;
  };
}
