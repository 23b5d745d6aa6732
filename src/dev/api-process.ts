import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { freePort } from './servers';

export interface ApiProcessOptions {
  temporalAddress: string;
  mongoUri: string;
  /** The rate limiter's Redis. */
  redisUrl: string;
  taskQueue: string;
  /** More variables for src/main/api.ts (they win over the defaults here). */
  env?: Record<string, string>;
  /** Node options before the script, e.g. --cpu-prof (which NODE_OPTIONS refuses). */
  execArgv?: string[];
}

export interface ApiProcess {
  baseUrl: string;
  pid: number;
  stop(): Promise<void>;
}

/** A separate API process (src/main/api.ts) on 127.0.0.1 and a free port, ready once /healthz answers. */
export async function startApiProcess(options: ApiProcessOptions): Promise<ApiProcess> {
  const port = await freePort();
  const child = spawn(process.execPath, [...(options.execArgv ?? []), '--import', 'tsx', 'src/main/api.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: {
      ...process.env, PORT: String(port), HOST: '127.0.0.1', TEMPORAL_ADDRESS: options.temporalAddress, MONGODB_URI: options.mongoUri,
      REDIS_URL: options.redisUrl, TEMPORAL_TASK_QUEUE: options.taskQueue, LOG_LEVEL: 'silent', ...options.env,
    },
    stdio: 'ignore',
  });
  const baseUrl = `http://127.0.0.1:${port}`;
  const deadline = Date.now() + 30_000;
  for (;;) {
    if (child.exitCode !== null) throw new Error(`api process exited with ${child.exitCode}`);
    const healthy = await fetch(`${baseUrl}/healthz`, { signal: AbortSignal.timeout(1_000) }).then((r) => r.ok, () => false);
    if (healthy) break;
    if (Date.now() > deadline) {
      child.kill('SIGKILL');
      throw new Error('api process did not answer /healthz within 30 s');
    }
    await new Promise((ok) => setTimeout(ok, 100));
  }
  return {
    baseUrl,
    pid: child.pid!,
    stop: async () => {
      if (child.exitCode !== null || child.signalCode !== null) return;
      const exited = new Promise((ok) => child.once('exit', ok));
      child.kill('SIGTERM');
      await exited;
    },
  };
}
