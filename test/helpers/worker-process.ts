import { spawn } from 'node:child_process';
import { resolve } from 'node:path';
import { devServers } from './servers';

/** A separate worker process (src/main/worker.ts) on the run's servers, ready once it polls its task queue. */
export async function startWorkerProcess(taskQueue: string, extraEnv: Record<string, string> = {}): Promise<{ kill(): Promise<void>; stop(): Promise<void> }> {
  const { temporalAddress, mongoUri } = await devServers();
  const child = spawn(process.execPath, ['--import', 'tsx', 'src/main/worker.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress, MONGODB_URI: mongoUri, TEMPORAL_TASK_QUEUE: taskQueue, WEBHOOK_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0', ...extraEnv },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  await new Promise<void>((ready, fail) => {
    const timer = setTimeout(() => fail(new Error('worker process did not start polling within 60 s')), 60_000);
    let output = '';
    child.stdout.on('data', (chunk: Buffer) => {
      output += chunk.toString();
      if (output.includes('worker polling')) {
        clearTimeout(timer);
        ready();
      }
    });
    child.once('exit', (code) => fail(new Error(`worker process exited with ${code}`)));
  });
  child.stdout.resume();
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
