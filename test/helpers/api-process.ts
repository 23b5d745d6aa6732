import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from '../../src/dev/servers';
import { eventually } from './eventually';
import { devServers } from './servers';

/** A second, separate API process (src/main/api.ts) on the run's servers: a replica as production runs them. */
export async function startApiProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<{ baseUrl: string; stop(): Promise<void> }> {
  const { temporalAddress, mongoUri } = await devServers();
  const port = await freePort();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/api.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_ADDRESS: temporalAddress, MONGODB_URI: mongoUri, TEMPORAL_TASK_QUEUE: taskQueue, LOG_LEVEL: 'silent', ...extraEnv },
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  await eventually(async () => {
    if (child.exitCode !== null) throw new Error(`api process exited with ${child.exitCode}`);
    if (!(await fetch(`${baseUrl}/healthz`)).ok) throw new Error('not ready');
  }, 20_000);
  return {
    baseUrl,
    stop: async () => {
      if (child.exitCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
