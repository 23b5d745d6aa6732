import { spawn } from 'node:child_process';
import { resolve } from 'node:path';

export interface WorkerProcessOptions {
  temporalAddress: string;
  mongoUri: string;
  taskQueue: string;
  /** More variables for src/main/worker.ts (they win over the defaults here). */
  env?: Record<string, string>;
  /** Node options before the script, e.g. --cpu-prof (which NODE_OPTIONS refuses). */
  execArgv?: string[];
  /** Gets the worker's log lines (JSON); by default they are read and dropped. */
  onOutput?: (chunk: Buffer) => void;
  startTimeoutMs?: number;
}

export interface WorkerProcess {
  pid: number;
  /** SIGKILL: a crash, nothing finished or flushed. */
  kill(): Promise<void>;
  /** SIGTERM: the SDK's graceful shutdown. */
  stop(): Promise<void>;
}

/** A separate worker process (src/main/worker.ts), ready once it says it polls its task queue. */
export async function startWorkerProcess(options: WorkerProcessOptions): Promise<WorkerProcess> {
  const child = spawn(process.execPath, [...(options.execArgv ?? []), '--import', 'tsx', 'src/main/worker.ts'], {
    cwd: resolve(__dirname, '../..'),
    env: {
      ...process.env, TEMPORAL_ADDRESS: options.temporalAddress, MONGODB_URI: options.mongoUri, TEMPORAL_TASK_QUEUE: options.taskQueue,
      OUTBOUND_ALLOW_PRIVATE: 'true', LOG_LEVEL: 'info', WORKER_METRICS_PORT: '0', TEMPORAL_METRICS_PORT: '0', ...options.env,
    },
    stdio: ['ignore', 'pipe', 'inherit'],
  });
  const exited = new Promise<void>((ok) => child.once('exit', () => ok()));
  await new Promise<void>((ready, fail) => {
    const timeoutMs = options.startTimeoutMs ?? 60_000;
    const timer = setTimeout(() => fail(new Error(`worker process did not start polling within ${timeoutMs / 1000} s`)), timeoutMs);
    let output = '';
    const watch = (chunk: Buffer) => {
      output += chunk.toString();
      if (!output.includes('worker polling')) return;
      clearTimeout(timer);
      child.stdout.off('data', watch);
      ready();
    };
    child.stdout.on('data', watch);
    child.once('exit', (code) => fail(new Error(`worker process exited with ${code}`)));
  });
  if (options.onOutput) child.stdout.on('data', options.onOutput);
  else child.stdout.resume();
  const signal = async (name: NodeJS.Signals) => {
    if (child.exitCode === null && child.signalCode === null) child.kill(name);
    await exited;
  };
  return { pid: child.pid!, kill: () => signal('SIGKILL'), stop: () => signal('SIGTERM') };
}
