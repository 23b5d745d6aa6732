import { startApiProcess as startProcess } from '../../src/dev/api-process';
import { devServers } from './servers';

/** A second, separate API process (src/main/api.ts) on the run's servers: a replica as production runs them. */
export async function startApiProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const { temporalAddress, mongoUri, redisUrl } = await devServers();
  return startProcess({ temporalAddress, mongoUri, redisUrl, taskQueue, env: extraEnv });
}
