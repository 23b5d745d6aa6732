/**
 * The baseline's two processes, so their CPU is measured apart as Parley's API and worker are:
 * `baseline-process.ts worker <receiverUrl>` runs BaselineSession; `baseline-process.ts client` does
 * signalWithStart for each `{ id, user, text }` sent over IPC and answers when Temporal has it.
 */
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { createBaselineActivities } from './baseline-activities';
import { baselineMessage, type BaselineSession } from './baseline-workflow';

export const BASELINE_TASK_QUEUE = 'bench-baseline';

export interface BaselineRequest { id: number; workflowId: string; text: string }
/** `startedAt` is on the shared clock (performance.timeOrigin + now), so the bench can time end-to-end from it. */
export interface BaselineAnswer { id: number; startedAt: number; acceptMs: number; error?: string }

const [mode, receiverUrl] = process.argv.slice(2);
const address = process.env.TEMPORAL_ADDRESS!;
const send = (message: unknown) => process.send!(message);

async function worker(): Promise<void> {
  Runtime.install({ logger: new DefaultLogger('ERROR') });
  const connection = await NativeConnection.connect({ address });
  const running = await Worker.create({
    connection, taskQueue: BASELINE_TASK_QUEUE, workflowsPath: require.resolve('./baseline-workflow'),
    activities: createBaselineActivities(receiverUrl!),
  });
  process.once('disconnect', () => running.shutdown());
  const run = running.run();
  send('ready');
  await run;
  await connection.close();
}

async function client(): Promise<void> {
  const temporal = new Client({ connection: await Connection.connect({ address }) });
  process.on('message', ({ id, workflowId, text }: BaselineRequest) => {
    const startedAt = performance.timeOrigin + performance.now();
    const t0 = performance.now();
    temporal.workflow
      .signalWithStart<typeof BaselineSession, [string]>('BaselineSession', { workflowId, taskQueue: BASELINE_TASK_QUEUE, signal: baselineMessage, signalArgs: [text] })
      .then(() => send({ id, startedAt, acceptMs: performance.now() - t0 }), (err: unknown) => send({ id, startedAt, acceptMs: 0, error: String(err) }));
  });
  process.once('disconnect', () => void temporal.connection.close());
  send('ready');
}

(mode === 'worker' ? worker() : client()).catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
