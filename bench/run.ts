/**
 * `npm run bench [-- --users 20 --messages 10 --tracing]`: N users × M messages through Parley's real API, worker,
 * Temporal dev server and FerretDB, beside a baseline measured in the same run on the same servers:
 * a bare Temporal client doing signalWithStart into a minimal workflow that POSTs to the same receiver.
 */
import './instrument';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { parseArgs } from 'node:util';
import { NativeConnection, Worker, DefaultLogger, Runtime } from '@temporalio/worker';
import { disconnectDatabase } from '../src/db/connect';
import { createRateLimits, rateLimitSettings } from '../src/services/rate-limits';
import { DeliveryAudit } from '../src/webhooks/audit';
import type { Flow } from '../src/schemas/flow';
import { channelWithBot } from '../test/helpers/fixtures';
import { devServers, stopDevServers } from '../test/helpers/servers';
import { startStack, type Stack } from '../test/helpers/stack';
import { createBaselineActivities } from './baseline-activities';
import { temporal } from '@temporalio/proto';
import { seededRandom } from '../src/dev/seeded-random';
import { sessionWorkflowId } from '../workflows/definitions';
import { baselineMessage, type BaselineSession } from './baseline-workflow';
import { merge, printTable, summarize, type RunResult } from './report';

/** Echoes every answer: one webhook per user message once "#echo" has started it. */
const ECHO_FLOW: Flow = { start: 'ask', nodes: { ask: { type: 'question', text: 'echo: {{said}}', saveAs: 'said', next: 'ask' } } };

type Send = (user: number, text: string) => Promise<void>;

async function main() {
  const { values } = parseArgs({
    options: { tracing: { type: 'boolean', default: false }, users: { type: 'string', default: '20' }, messages: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' } },
  });
  const users = Number(values.users);
  const messages = Number(values.messages);
  Runtime.install({ logger: new DefaultLogger('ERROR') });

  const arrivals = new Map<string, number>();
  // The failure run: this share of attempts is answered 500 at random (seeded, so runs compare).
  const flaky = { failureRate: 0, random: seededRandom(42), failed: 0, audit: new DeliveryAudit() };
  const receiver = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      if (flaky.failureRate > 0 && flaky.random() < flaky.failureRate) {
        flaky.failed++;
        return void res.writeHead(500).end();
      }
      const payload = JSON.parse(Buffer.concat(chunks).toString()) as { message: string };
      // Only what was accepted (2xx) counts: a duplicate here is one the integrator would have to drop.
      if (flaky.failureRate > 0) flaky.audit.check(String(req.headers['webhook-id']), payload);
      arrivals.set(payload.message.replace(/^echo: /, ''), performance.now());
      res.writeHead(200).end();
    });
  });
  receiver.listen(0, '127.0.0.1');
  await once(receiver, 'listening');
  const receiverUrl = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;

  const stack = await startStack({ rateLimits: benchRateLimits() });
  const parley = await echoChannel(stack, receiverUrl);

  const { temporalAddress } = await devServers();
  const connection = await NativeConnection.connect({ address: temporalAddress });
  const baselineQueue = 'bench-baseline';
  const baselineWorker = await Worker.create({
    connection, taskQueue: baselineQueue, workflowsPath: require.resolve('./baseline-workflow'),
    activities: createBaselineActivities(receiverUrl),
  });
  const baselineRun = baselineWorker.run();
  const runId = Date.now().toString(36);
  const baseline: Send = async (user, text) => {
    await stack.client.workflow.signalWithStart<typeof BaselineSession, [string]>('BaselineSession', {
      workflowId: `baseline-${runId}-${user}`, taskQueue: baselineQueue, signal: baselineMessage, signalArgs: [text],
    });
  };

  // Each user's first message is not measured: it starts the echo bot (Parley) or the workflow (baseline).
  for (const send of [parley, baseline]) await Promise.all(range(users).map((u) => send(u, '#echo')));
  await sleep(1_000); // the start messages' replies delivered: history from here on is per-message cost
  const baselineIds = range(users).map((u) => `baseline-${runId}-${u}`);
  const atStart = { baseline: await historyCost(stack, baselineIds), parley: await historyCost(stack, parley.workflowIds()) };
  // Rounds alternate which side goes first, so warm-up and drift do not favour either.
  const sides = { baseline: [] as RunResult[], parley: [] as RunResult[] };
  for (let round = 0; round < Number(values.rounds); round++) {
    const order = round % 2 === 0 ? (['baseline', 'parley'] as const) : (['parley', 'baseline'] as const);
    for (const name of order) {
      sides[name].push(await measure(`${name}-r${round}`, name === 'baseline' ? baseline : parley, users, messages, arrivals));
    }
  }
  const clean = summarize(merge('parley', sides.parley));
  printTable(users, messages * Number(values.rounds), [summarize(merge('baseline', sides.baseline)), clean]);
  // History per measured message (after the session started), and what starting a session cost.
  const measured = users * messages * Number(values.rounds);
  const atEnd = { baseline: await historyCost(stack, baselineIds), parley: await historyCost(stack, parley.workflowIds()) };
  console.log(`\nhistory                       ${'baseline'.padStart(12)}${'parley'.padStart(12)}${'ratio'.padStart(9)}`);
  const rows = [
    ['events per message', (side: 'baseline' | 'parley') => (atEnd[side].events - atStart[side].events) / measured, ''],
    ['bytes per message', (side: 'baseline' | 'parley') => (atEnd[side].bytes - atStart[side].bytes) / measured, ' B'],
    ['events to start a session', (side: 'baseline' | 'parley') => atStart[side].events / users, ''],
  ] as const;
  for (const [label, value, unit] of rows) {
    const [b, p] = [value('baseline'), value('parley')];
    console.log(`  ${label.padEnd(28)}${`${b.toFixed(1)}${unit}`.padStart(12)}${`${p.toFixed(1)}${unit}`.padStart(12)}${`${(p / b).toFixed(2)}x`.padStart(9)}`);
  }

  // Delivery under failure: the same load on a stack whose seven retries come after 50 ms, then 400 ms each
  // (the real schedule is 5 s ... 10 h), so a run takes seconds; what is measured is correctness and latency cost.
  const failing = await startStack({ retryScheduleMs: [50, 400, 400, 400, 400, 400, 400], rateLimits: benchRateLimits() });
  const underFailure = await echoChannel(failing, receiverUrl);
  await Promise.all(range(users).map((u) => underFailure(u, '#echo')));
  flaky.failureRate = 0.3;
  const failed = summarize(await measure('failing', underFailure, users, messages, arrivals));
  const sent = users * messages;
  console.log(`\ndelivery under failure: ${flaky.failureRate * 100} % of attempts answered 500 (${flaky.failed} attempts failed)`);
  console.log(`  delivered              ${sent - failed.errors} of ${sent}`);
  console.log(`  duplicates after a 2xx ${flaky.audit.totals.duplicates}`);
  console.log(`  order violations       ${flaky.audit.totals.outOfOrder} (seq gaps ${flaky.audit.totals.gaps})`);
  console.log(`  end-to-end p50         ${failed.e2eP50.toFixed(1)} ms (${(failed.e2eP50 / clean.e2eP50).toFixed(2)}x the clean run)`);
  console.log(`  end-to-end p99         ${failed.e2eP99.toFixed(1)} ms (${(failed.e2eP99 / clean.e2eP99).toFixed(2)}x the clean run)`);
  await failing.stop();

  baselineWorker.shutdown();
  await baselineRun;
  await connection.close();
  await stack.stop();
  receiver.close();
  await disconnectDatabase();
  await stopDevServers();
}

/** Every message still goes through the shared limiter (its cost is measured) but no budget is reached. */
function benchRateLimits() {
  const unreached = { perSecond: 1_000_000, burst: 1_000_000 };
  return createRateLimits(rateLimitSettings({ enterprise: unreached, user: unreached }));
}

/** A channel with the echo bot on `stack`; its Send posts as bench user n (a Parley userID once issued). */
async function echoChannel(stack: Stack, receiverUrl: string): Promise<Send & { workflowIds(): string[] }> {
  const channel = await channelWithBot(receiverUrl, 'echo', 'enterprise', ECHO_FLOW);
  const userIDs = new Map<number, number>();
  const send: Send = async (user, text) => {
    const answer = await stack.postMessage({ channelID: channel.channelID, token: channel.token, message: text, userID: userIDs.get(user) });
    if (answer.status !== 200) throw new Error(`POST answered ${answer.status}`);
    if (!userIDs.has(user)) userIDs.set(user, answer.body.userID!);
  };
  return Object.assign(send, { workflowIds: () => [...userIDs.values()].map((userID) => sessionWorkflowId(channel.channelKey, userID)) });
}

/** Events and encoded bytes of the sessions' histories, every run of each, added up. */
async function historyCost(stack: Stack, workflowIds: string[]): Promise<{ events: number; bytes: number }> {
  let events = 0;
  let bytes = 0;
  for (const workflowId of workflowIds) {
    for await (const { runId } of stack.client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      const history = await stack.client.workflow.getHandle(workflowId, runId).fetchHistory();
      events += history.events?.length ?? 0;
      bytes += temporal.api.history.v1.History.encode(history).finish().length;
    }
  }
  return { events, bytes };
}

async function measure(name: string, send: Send, users: number, messages: number, arrivals: Map<string, number>): Promise<RunResult> {
  const sentAt = new Map<string, number>();
  const accept: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(range(users).map(async (user) => {
    for (const m of range(messages)) {
      const text = `${name}-u${user}-m${m}`;
      const t0 = performance.now();
      sentAt.set(text, t0);
      await send(user, text).then(() => accept.push(performance.now() - t0), () => errors++);
    }
  }));
  const deadline = performance.now() + 120_000;
  while ([...sentAt.keys()].some((text) => !arrivals.has(text)) && performance.now() < deadline) await sleep(20);
  const endToEnd = [...sentAt].filter(([text]) => arrivals.has(text)).map(([text, t0]) => arrivals.get(text)! - t0);
  const finished = Math.max(...[...sentAt.keys()].map((text) => arrivals.get(text) ?? 0));
  return { name, accept, endToEnd, errors: errors + sentAt.size - endToEnd.length, seconds: (finished - started) / 1000 };
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

main().catch((err: unknown) => {
  console.error(err);
  process.exit(1);
});
