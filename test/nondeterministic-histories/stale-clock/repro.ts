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
import { clocksQuery, pokeSignal, type clockProbe } from './workflow';

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
    // Each run: its name, its workflow, and the run itself, answering the workflow's two clock readings.
    const runs: [string, string, (workflowId: string) => Promise<number[]>][] = scenarios.map(([name, afterRestart], index) => [name, `probe-${index}`, async (workflowId) => {
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
    /** The probe's run on a worker process SIGKILLed `killAfterMs` after the start; a new one, queried every 200 ms, goes on. */
    const afterSigkill = (killAfterMs: number, busyAfterTimer = 0) => async (workflowId: string) => {
      const handle = client.workflow.getHandle<typeof clockProbe>(workflowId);
      const doomed = await workerProcess(server.address);
      await client.workflow.start<typeof clockProbe>('clockProbe', { taskQueue: 'stale-clock', workflowId, args: [TIMER_MS, 0, busyAfterTimer] });
      await sleep(killAfterMs);
      doomed.kill();
      return (await newWorker()).runUntil(async () => {
        await (scenarios.at(-1)![1]!)(workflowId);
        return handle.result();
      });
    };
    // As in the soak: the worker that ran the first task dies without a word, its sticky queue left behind.
    runs.push(['worker SIGKILLed, a new one queried every 200 ms across the timer', 'probe-killed', afterSigkill(500)]);
    // The worker dies in the middle of the timer's task (busy for a second or two): the task times out, and a new
    // worker, queried every 200 ms meanwhile, takes it over.
    runs.push(['worker SIGKILLed during the timer\'s task, a new one queried every 200 ms', 'probe-killed-busy', afterSigkill(TIMER_MS + 1_000, 700_000_000)]);
    // Closer still: a long history, and the new worker's first query (which makes it replay) sent just before the timer fires.
    runs.push(['long history (1,500 signals), a new worker first queried just before the timer fires', 'probe-long', async (workflowId) => {
      const handle = client.workflow.getHandle<typeof clockProbe>(workflowId);
      const timerMs = 10_000;
      const startedAt = await (await newWorker()).runUntil(async () => {
        await client.workflow.start<typeof clockProbe>('clockProbe', { taskQueue: 'stale-clock', workflowId, args: [timerMs, 1_500] });
        for (let sent = 0; sent < 1_500; sent += 50) await Promise.all(Array.from({ length: 50 }, () => handle.signal(pokeSignal)));
        for (;;) {
          const [at] = await handle.query(clocksQuery);
          if (at !== undefined) return at;
          await sleep(100);
        }
      });
      return (await newWorker()).runUntil(async () => {
        await sleep(startedAt + timerMs - 300 - Date.now());
        const result = handle.result();
        let done = false;
        void result.finally(() => (done = true));
        while (!done) {
          await query(workflowId).catch(() => undefined);
          await sleep(20);
        }
        return result;
      });
    }]);
    for (const [name, workflowId, run] of runs) {
      const clocks = await run(workflowId);
      const handle = client.workflow.getHandle(workflowId);
      const started: number[] = [];
      for (const event of (await handle.fetchHistory()).events ?? []) {
        if (event.workflowTaskStartedEventAttributes) started.push(Number(event.eventTime!.seconds) * 1000 + Math.floor((event.eventTime!.nanos ?? 0) / 1e6));
      }
      // The timer's activation reads the start of its own task: the last one.
      const [timerStarted, timerFired] = clocks;
      const taskStarted = started.at(-1)!;
      const verdict = timerFired === taskStarted ? 'ok' : `DIFFERENT: ${timerFired! - taskStarted} ms from its task's start`;
      console.log(`${name}: timer started at ${timerStarted}, its activation read ${timerFired}, its task started at ${taskStarted} (of ${started.length} tasks): ${verdict}`);
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
