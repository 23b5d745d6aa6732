import { startWorkerProcess as startProcess } from '../../src/dev/worker-process';
import { devServers, testWorkerCache } from './servers';

/** A separate worker process (src/main/worker.ts) on the run's servers, ready once it polls its task queue. */
export async function startWorkerProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<{ kill(): Promise<void>; stop(): Promise<void> }> {
  const { temporalAddress, mongoUri } = await devServers();
  const { maxCachedWorkflows } = testWorkerCache();
  const cache: Record<string, string> = maxCachedWorkflows === undefined ? {} : { WORKER_MAX_CACHED_WORKFLOWS: String(maxCachedWorkflows) };
  return startProcess({ temporalAddress, mongoUri, taskQueue, env: { ...cache, ...extraEnv } });
}
