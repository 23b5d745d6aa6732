/**
 * `npx tsx test/nondeterministic-histories/stale-clock/repro.ts`: does a workflow's clock in the activation of a
 * fired timer read the start of the task before, when a new worker's first contact with the run was a query?
 * One workflow per scenario on a Temporal dev server of its own; prints what Date.now() read against the
 * history's WorkflowTaskStarted times. Not a test: it probes the SDK (see ../README.md).
 */
import { spawn } from 'node:child_process';
import { once } from 'node:events';
import { mkdtempSync, rmSync } from 'node:fs';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { Client, Connection } from '@temporalio/client';
import { bundleWorkflowCode, DefaultLogger, NativeConnection, Runtime, Worker } from '@temporalio/worker';
import { freePort, startTemporalDevServer } from '../../../src/dev/servers';
import { clocksQuery, type clockProbe } from './workflow';

const TIMER_MS = 4_000;
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** A worker in a process of its own (worker.ts), ready to be SIGKILLed. */
async function workerProcess(address: string) {
  const child = spawn(process.execPath, ['--import', 'tsx', require.resolve('./worker'), address], { stdio: ['ignore', 'pipe', 'inherit'] });
  const [line] = (await once(child.stdout!, 'data')) as [Buffer];
  if (!line.toString().includes('ready')) throw new Error(`worker: ${line.toString()}`);
  return { kill: () => child.kill('SIGKILL') };
}

async function main() {
  Runtime.install({ logger: new DefaultLogger('WARN') });
  const dir = mkdtempSync(join(tmpdir(), 'parley-stale-clock-'));
  const server = await startTemporalDevServer({ port: await freePort(), uiPort: null, dbFile: join(dir, 'temporal.db'), logDir: dir });
  try {
    const connection = await NativeConnection.connect({ address: server.address });
    const client = new Client({ connection: await Connection.connect({ address: server.address }) });
    const workflowBundle = await bundleWorkflowCode({ workflowsPath: require.resolve('./workflow'), logger: new DefaultLogger('WARN') });
    const newWorker = () => Worker.create({ connection, taskQueue: 'stale-clock', workflowBundle });

    const query = (workflowId: string) => client.workflow.getHandle(workflowId).query(clocksQuery);
    // What happens between the first worker's shutdown and the timer firing; null: the first worker never stops.
    const scenarios: [string, ((workflowId: string) => Promise<unknown>) | null][] = [
      ['same worker throughout', null],
      ['new worker, nothing before the timer', async () => undefined],
      ['new worker, first a query, then the timer', query],
      ['new worker, queried every 200 ms across the timer', async (workflowId) => {
        const until = Date.now() + TIMER_MS + 1_000;
        while (Date.now() < until) {
          await query(workflowId).catch(() => undefined);
          await sleep(200);
        }
      }],
    ];
    const runs: [string, () => Promise<number[]>][] = scenarios.map(([name, afterRestart], index) => [name, async () => {
      const workflowId = `probe-${index}`;
      const handle = client.workflow.getHandle<typeof clockProbe>(workflowId);
      const first = await newWorker();
      const clocks = await first.runUntil(async () => {
        await client.workflow.start<typeof clockProbe>('clockProbe', { taskQueue: 'stale-clock', workflowId, args: [TIMER_MS] });
        if (!afterRestart) return handle.result();
        await sleep(500); // its first task done, the timer started
        return null;
      });
      return clocks ?? (await newWorker()).runUntil(async () => {
        await afterRestart!(workflowId);
        return handle.result();
      });
    }]);
    // As in the soak: the worker that ran the first task dies without a word, its sticky queue left behind.
    runs.push(['worker SIGKILLed, a new one queried every 200 ms across the timer', async () => {
      const workflowId = 'probe-killed';
      const handle = client.workflow.getHandle<typeof clockProbe>(workflowId);
      const doomed = await workerProcess(server.address);
      await client.workflow.start<typeof clockProbe>('clockProbe', { taskQueue: 'stale-clock', workflowId, args: [TIMER_MS] });
      await sleep(500);
      doomed.kill();
      return (await newWorker()).runUntil(async () => {
        await (scenarios.at(-1)![1]!)(workflowId);
        return handle.result();
      });
    }]);
    for (const [index, [name, run]] of runs.entries()) {
      const clocks = await run();
      const handle = client.workflow.getHandle(index === runs.length - 1 ? 'probe-killed' : `probe-${index}`);
      const started = [];
      for (const event of (await handle.fetchHistory()).events ?? []) {
        if (event.workflowTaskStartedEventAttributes) started.push(Number(event.eventTime!.seconds) * 1000 + Math.floor((event.eventTime!.nanos ?? 0) / 1e6));
      }
      const [before, after] = clocks;
      const lastStart = started.at(-1)!;
      const stale = after! < before! + TIMER_MS;
      console.log(`${name}: clock ${before} then ${after} (+${after! - before!} ms for a ${TIMER_MS} ms timer); tasks started at ${started.join(', ')}; ${stale ? 'STALE: the timer\'s activation read an earlier task\'s time' : `ok (last task started ${lastStart})`}`);
    }
  } finally {
    await server.stop();
    rmSync(dir, { recursive: true, force: true });
  }
}

main().catch((err) => {
  console.error(err);
  process.exit(1);
});
