/**
 * `npm run bench [-- --users 20 --messages 10 --rounds 2 --rate N --paced-seconds 10 --sessions 2000 --probes 200 --untraced --cpu-prof --temporal dev|cluster]`
 *
 * N users × M messages through Parley's real API and worker processes, Temporal dev server and FerretDB, beside a
 * baseline measured in the same run on the same servers: a bare Temporal client (its own process) doing
 * signalWithStart into a minimal workflow (its own worker process) that POSTs to the same receiver. Then both at
 * one fixed rate both carry (`--rate`, by default half Parley's throughput), the same load with 30 % of webhook
 * attempts failing, and a scale run: `--sessions` sessions started, left idle, probed.
 * Every figure is printed beside the baseline's or as a ratio; nothing here passes or fails.
 */
import { fork, type ChildProcess } from 'node:child_process';
import { once } from 'node:events';
import { mkdirSync, mkdtempSync, rmSync } from 'node:fs';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { availableParallelism, tmpdir } from 'node:os';
import { join, resolve } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { temporal } from '@temporalio/proto';
import mongoose from 'mongoose';
import { loadConfig, payloadKeysOf } from '../src/config';
import { encryptingDataConverter } from '../src/temporal/payload-codec';
import { connectDatabase, disconnectDatabase } from '../src/db/connect';
import { startApiProcess, type ApiProcess } from '../src/dev/api-process';
import { channelWithBots } from '../src/dev/fixtures';
import { seededRandom } from '../src/dev/seeded-random';
import { freePort, startFerretDB, startRedis } from '../src/dev/servers';
import { startWorkerProcess, type WorkerProcess } from '../src/dev/worker-process';
import type { Flow } from '../src/schemas/flow';
import { DeliveryAudit } from '../src/webhooks/audit';
import { Event } from '../src/db/event';
import { appendEvents } from '../src/events/log';
import { Delivery } from '../src/db/delivery';
import { recordAttempt } from '../activities/delivery-log';
import { sessionWorkflowId } from '../workflows/definitions';
import type { BaselineAnswer, BaselineRequest } from './baseline-process';
import { monotonicUs, printProfileSummary, type Window } from './cpu-profile';
import { cpuMeter, rssBytes, scrapeSum } from './process-stats';
import { measurePaced, type Send } from './paced';
import { merge, percentile, printTable, summarize, type RunResult, type Summary } from './report';
import { startBenchTemporal, type TemporalKind } from './temporal-server';

/** The worker's session cache as the bench runs it (WORKER_MAX_CACHED_WORKFLOWS unset). */
const CACHE_SIZE = loadConfig({}).WORKER_MAX_CACHED_WORKFLOWS;

function temporalKind(value: string | undefined): TemporalKind {
  if (value === 'dev' || value === 'cluster') return value;
  throw new Error(`--temporal: expected dev or cluster, got ${value}`);
}

/** Echoes every answer: one webhook per user message once "#echo" has started it. */
const ECHO_FLOW: Flow = { start: 'ask', nodes: { ask: { type: 'question', text: 'echo: {{said}}', saveAs: 'said', next: 'ask' } } };
/** What the echo bot says when "#echo" starts it (nothing said yet). */
const START_REPLY = 'echo: ';

interface Options {
  users: number; messages: number; rounds: number; sessions: number; probes: number; traced: boolean; cpuProf: boolean; temporal: TemporalKind;
  /** Messages per second in the paced rounds; undefined: half Parley's throughput in the saturation rounds. */
  rate?: number;
  pacedSeconds: number;
}

async function main(): Promise<void> {
  const { values } = parseArgs({
    options: {
      users: { type: 'string', default: '20' }, messages: { type: 'string', default: '10' }, rounds: { type: 'string', default: '2' },
      rate: { type: 'string' }, 'paced-seconds': { type: 'string', default: '10' },
      sessions: { type: 'string', default: '2000' }, probes: { type: 'string', default: '200' },
      untraced: { type: 'boolean', default: false }, 'cpu-prof': { type: 'boolean', default: false },
      // cluster: the Temporal server on PostgreSQL (npm run test:cluster's, after scripts/cluster/install.sh).
      temporal: { type: 'string', default: 'dev' },
    },
  });
  const options: Options = {
    users: Number(values.users), messages: Number(values.messages), rounds: Number(values.rounds), sessions: Number(values.sessions),
    probes: Number(values.probes), traced: !values.untraced, cpuProf: values['cpu-prof'], temporal: temporalKind(values.temporal),
    ...(values.rate !== undefined ? { rate: Number(values.rate) } : {}), pacedSeconds: Number(values['paced-seconds']),
  };
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-bench-'));
  const [temporalServer, mongo, redis] = await Promise.all([
    startBenchTemporal(options.temporal, dataDir).then(tracked),
    startFerretDB({ port: await freePort(), dataDir: join(dataDir, 'ferretdb'), logDir: dataDir, database: 'parley-bench' }).then(tracked),
    startRedis({ port: await freePort(), logDir: dataDir }).then(tracked),
  ]);
  const servers = { temporalAddress: temporalServer.address, mongoUri: mongo.address, redisUrl: redis.address };
  await connectDatabase(mongo.address);
  // Parley's processes encrypt their payloads (the development key here, as under npm start): this client reads
  // Parley's histories and lists with the same codec; the baseline's payloads pass through it untouched.
  const client = new Client({ connection: await Connection.connect({ address: temporalServer.address }), dataConverter: encryptingDataConverter(payloadKeysOf(loadConfig({}))) });
  const receiver = await startReceiver();
  console.log(`bench: ${options.users} users × ${options.messages} messages × ${options.rounds} rounds, tracing ${options.traced ? 'on (as in production)' : 'off'}, Temporal ${options.temporal}; data in ${dataDir}`);

  const parley = tracked(await startParley(servers, 'bench-parley', options, dataDir));
  const baseline = tracked(await startBaseline(servers.temporalAddress, receiver.url));
  const parleySide = await echoChannel(parley.api, receiver.url);
  const runId = Date.now().toString(36);
  const baselineIds = range(options.users).map((u) => `baseline-${runId}-${u}`);
  const baselineSide: Send = (user, text) => baseline.send(baselineIds[user]!, text);

  // Each user's first message is not measured: it starts the echo bot (Parley) or the workflow (baseline).
  for (const send of [parleySide, baselineSide]) await Promise.all(range(options.users).map((u) => send(u, '#echo')));
  await sleep(1_000); // the start messages' replies delivered: history from here on is per-message cost
  const atStart = { baseline: await historyCost(client, baselineIds), parley: await historyCost(client, parleySide.workflowIds()) };
  const loggedAtStart = await Event.countDocuments({ channelKey: parleySide.channelKey });

  // Rounds alternate which side goes first, so warm-up and drift do not favour either.
  const sides = { baseline: [] as RunResult[], parley: [] as RunResult[] };
  const cpu: Record<'baseline' | 'parley', CpuUse> = { baseline: { ...NO_CPU }, parley: { ...NO_CPU } };
  const limiter = { rateLimit: 0, accept: 0, count: 0 };
  const profiled: Window[] = [];
  const apiMetrics = `${parley.api.baseUrl}/metrics`;
  for (let round = 0; round < options.rounds; round++) {
    const order = round % 2 === 0 ? (['baseline', 'parley'] as const) : (['parley', 'baseline'] as const);
    for (const name of order) {
      const meter = cpuMeter({
        ...(name === 'parley' ? { client: parley.api.pid, worker: parley.worker.pid } : { client: baseline.clientPid, worker: baseline.workerPid }),
        temporal: temporalServer.pid, ferretdb: mongo.pid, redis: redis.pid,
      });
      const before = name === 'parley' ? await limiterSums(apiMetrics) : undefined;
      const fromUs = monotonicUs();
      sides[name].push(await measure(`${name}-r${round}`, name === 'baseline' ? baselineSide : parleySide, options.users, options.messages, receiver.arrivals));
      const used = meter();
      for (const part of Object.keys(NO_CPU) as (keyof CpuUse)[]) cpu[name][part] += used[part]!;
      if (before) {
        profiled.push({ fromUs, toUs: monotonicUs() });
        const after = await limiterSums(apiMetrics);
        limiter.rateLimit += after.rateLimit - before.rateLimit;
        limiter.accept += after.accept - before.accept;
        limiter.count += after.count - before.count;
      }
    }
  }
  const measured = options.users * options.messages * options.rounds;
  const clean = summarize(merge('parley', sides.parley));
  printTable(`saturation: ${options.users} users × ${options.messages * options.rounds} messages each, each sent once the one before was accepted (${measured} measured per side)`, [summarize(merge('baseline', sides.baseline)), clean]);
  printCpu(cpu, measured);
  console.log(`\nrate limiter: ${((limiter.rateLimit / limiter.count) * 1000).toFixed(2)} ms per message, ${((limiter.rateLimit / limiter.accept) * 100).toFixed(0)} % of the API's accept time (${((limiter.accept / limiter.count) * 1000).toFixed(2)} ms)`);
  const atEnd = { baseline: await historyCost(client, baselineIds), parley: await historyCost(client, parleySide.workflowIds()) };
  printHistory(atStart, atEnd, measured, options.users);
  await printLogCost(receiver.url, (await Event.countDocuments({ channelKey: parleySide.channelKey })) - loggedAtStart, measured, clean.e2eP50);
  await printDeliveryWriteCost(parleySide.channelKey);
  const pids = { parley: { client: parley.api.pid, worker: parley.worker.pid }, baseline: { client: baseline.clientPid, worker: baseline.workerPid }, servers: { temporal: temporalServer.pid, ferretdb: mongo.pid, redis: redis.pid } };
  await pacedRounds(options, { baseline: baselineSide, parley: parleySide }, pids, options.rate ?? Math.max(1, Math.floor(clean.throughput / 2)), receiver.arrivals);

  await failureRun(servers, options, dataDir, receiver, clean);
  if (options.sessions > 0) await scaleRun(servers, options, dataDir, receiver, parley);

  await Promise.all([parley.stop(), baseline.stop()]);
  if (options.cpuProf) {
    printProfileSummary('API', join(dataDir, 'profiles/api'), profiled);
    printProfileSummary('worker', join(dataDir, 'profiles/worker'), profiled);
  }
  await client.connection.close();
  receiver.close();
  await disconnectDatabase();
  await Promise.all([temporalServer.stop(), mongo.stop(), redis.stop()]);
  if (!options.cpuProf) rmSync(dataDir, { recursive: true, force: true });
}

interface Receiver {
  url: string;
  /** When each measured text's reply arrived (the echo's text without "echo: "). */
  arrivals: Map<string, number>;
  /** Sessions whose start reply arrived, as "<channelID>:<userID>". */
  started: Set<string>;
  /** The failure run: this share of attempts is answered 500 at random (seeded, so runs compare). */
  flaky: { failureRate: number; failed: number; audit: DeliveryAudit };
  close(): void;
}

async function startReceiver(): Promise<Receiver> {
  const random = seededRandom(42);
  const receiver: Omit<Receiver, 'url' | 'close'> = { arrivals: new Map(), started: new Set(), flaky: { failureRate: 0, failed: 0, audit: new DeliveryAudit() } };
  const server = createServer((req, res) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const { flaky } = receiver;
      if (flaky.failureRate > 0 && random() < flaky.failureRate) {
        flaky.failed++;
        return void res.writeHead(500).end();
      }
      const payload = JSON.parse(Buffer.concat(chunks).toString()) as { message: string; channelID?: string; userID?: number };
      // Only what was accepted (2xx) counts: a duplicate here is one the integrator would have to drop.
      if (flaky.failureRate > 0) flaky.audit.check(String(req.headers['webhook-id']), payload);
      if (payload.message === START_REPLY) receiver.started.add(`${payload.channelID}:${payload.userID}`);
      else receiver.arrivals.set(payload.message.replace(/^echo: /, ''), performance.now());
      res.writeHead(200).end();
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { ...receiver, url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, close: () => server.close() };
}

interface Servers { temporalAddress: string; mongoUri: string; redisUrl: string }

interface Parley {
  api: ApiProcess;
  worker: WorkerProcess;
  /** The worker's Temporal SDK metrics (Prometheus). */
  temporalMetrics: string;
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

/** Parley's API and worker as production runs them (src/main/*.ts), on their own task queue. */
async function startParley(servers: Servers, taskQueue: string, options: Options, dataDir: string, env: Record<string, string> = {}): Promise<Parley> {
  const profile = (name: string): { execArgv?: string[] } => {
    if (!options.cpuProf) return {};
    mkdirSync(join(dataDir, 'profiles', name), { recursive: true });
    return { execArgv: ['--cpu-prof', `--cpu-prof-dir=${join(dataDir, 'profiles', name)}`] };
  };
  const common: Record<string, string> = { SESSION_IDLE_TIMEOUT: '1h', ...(options.traced ? {} : { OTEL_SDK_DISABLED: 'true' }), ...env };
  // Every message still goes through the shared limiter (its cost is measured) but no budget is reached.
  const api = await startApiProcess({ ...servers, taskQueue, env: { ...common, RATE_LIMITS: 'enterprise=1000000/1000000,user=1000000/1000000' }, ...profile('api') });
  const metricsPort = await freePort();
  const startWorker = () => startWorkerProcess({ ...servers, taskQueue, env: { ...common, TEMPORAL_METRICS_PORT: String(metricsPort) }, ...profile('worker') });
  const parley: Parley = {
    api,
    worker: await startWorker(),
    temporalMetrics: `http://127.0.0.1:${metricsPort}/metrics`,
    async restartWorker() {
      await parley.worker.stop();
      parley.worker = await startWorker();
    },
    stop: async () => void (await Promise.all([api.stop(), parley.worker.stop()])),
  };
  return parley;
}

interface Baseline {
  clientPid: number;
  workerPid: number;
  send(workflowId: string, text: string): Promise<{ startedAt: number; acceptMs: number }>;
  stop(): Promise<void>;
}

async function startBaseline(temporalAddress: string, receiverUrl: string): Promise<Baseline> {
  const start = async (...args: string[]) => {
    const child = fork(resolve(__dirname, 'baseline-process.ts'), args, { execArgv: ['--import', 'tsx'], env: { ...process.env, TEMPORAL_ADDRESS: temporalAddress } });
    const [first] = (await once(child, 'message')) as [unknown];
    if (first !== 'ready') throw new Error(`baseline ${args[0]} did not start`);
    return child;
  };
  const [worker, client] = await Promise.all([start('worker', receiverUrl), start('client')]);
  const waiting = new Map<number, (answer: BaselineAnswer) => void>();
  client.on('message', (answer: BaselineAnswer) => waiting.get(answer.id)?.(answer));
  let nextId = 0;
  return {
    clientPid: client.pid!,
    workerPid: worker.pid!,
    send: (workflowId, text) => new Promise((ok, fail) => {
      const id = nextId++;
      waiting.set(id, (answer) => {
        waiting.delete(id);
        // Timed from when the client process began the call, as Parley's side is timed from the POST.
        if (answer.error) fail(new Error(answer.error));
        else ok({ startedAt: answer.startedAt - performance.timeOrigin, acceptMs: answer.acceptMs });
      });
      client.send({ id, workflowId, text } satisfies BaselineRequest);
    }),
    stop: async () => void (await Promise.all([worker, client].map((child) => disconnect(child)))),
  };
}

async function disconnect(child: ChildProcess): Promise<void> {
  if (child.exitCode !== null) return;
  const exited = once(child, 'exit');
  child.disconnect();
  await exited;
}

/** A channel with the echo bot; its Send posts as bench user n (a Parley userID once issued). */
async function echoChannel(api: ApiProcess, receiverUrl: string): Promise<Send & { workflowIds(): string[]; channelID: string; channelKey: string }> {
  const channel = await channelWithBots(receiverUrl, { echo: ECHO_FLOW }, 'enterprise');
  const userIDs = new Map<number, number>();
  const send: Send = async (user, text) => {
    const startedAt = performance.now();
    const response = await fetch(`${api.baseUrl}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' },
      body: JSON.stringify({ channelID: channel.channelID, token: channel.token, message: text, userID: userIDs.get(user) }),
    });
    const body = (await response.json()) as { userID?: number };
    const acceptMs = performance.now() - startedAt;
    if (response.status !== 200) throw new Error(`POST answered ${response.status}`);
    if (!userIDs.has(user)) userIDs.set(user, body.userID!);
    return { startedAt, acceptMs };
  };
  return Object.assign(send, {
    channelID: channel.channelID,
    channelKey: channel.channelKey,
    workflowIds: () => [...userIDs.values()].map((userID) => sessionWorkflowId(channel.channelKey, userID)),
  });
}

async function measure(name: string, send: Send, users: number, messages: number, arrivals: Map<string, number>): Promise<RunResult> {
  const sentAt = new Map<string, number>();
  const accept: number[] = [];
  let errors = 0;
  const started = performance.now();
  await Promise.all(range(users).map(async (user) => {
    for (const m of range(messages)) {
      const text = `${name}-u${user}-m${m}`;
      await send(user, text).then(({ startedAt, acceptMs }) => {
        sentAt.set(text, startedAt);
        accept.push(acceptMs);
      }, () => errors++);
    }
  }));
  const deadline = performance.now() + 120_000;
  while ([...sentAt.keys()].some((text) => !arrivals.has(text)) && performance.now() < deadline) await sleep(20);
  const endToEnd = [...sentAt].filter(([text]) => arrivals.has(text)).map(([text, t0]) => arrivals.get(text)! - t0);
  const finished = Math.max(...[...sentAt.keys()].map((text) => arrivals.get(text) ?? 0));
  return { name, accept, endToEnd, errors: errors + sentAt.size - endToEnd.length, seconds: (finished - started) / 1000 };
}

/**
 * Latency at a load both sides carry: each sent at `rate` messages per second, open loop (bench/paced.ts), in as
 * many rounds as the saturation run, alternating which goes first. Saturation latency is throughput in disguise
 * (its senders queue behind whatever the machine cannot keep up with); this is the latency one message pays.
 */
async function pacedRounds(
  options: Options, sides: Record<'baseline' | 'parley', Send>, pids: Record<'baseline' | 'parley' | 'servers', Record<string, number>>,
  rate: number, arrivals: Map<string, number>,
): Promise<void> {
  const runs = { baseline: [] as RunResult[], parley: [] as RunResult[] };
  const busy = { baseline: 0, parley: 0 };
  for (let round = 0; round < options.rounds; round++) {
    for (const name of round % 2 === 0 ? (['baseline', 'parley'] as const) : (['parley', 'baseline'] as const)) {
      // This process too: it sends Parley's requests and receives both sides' webhooks.
      const meter = cpuMeter({ ...pids[name], ...pids.servers, bench: process.pid });
      const from = performance.now();
      runs[name].push(await measurePaced(`${name}-paced-r${round}`, sides[name], { users: options.users, rate, seconds: options.pacedSeconds }, arrivals));
      busy[name] += Object.values(meter()).reduce((a, b) => a + b, 0) / ((performance.now() - from) / 1000) / options.rounds;
    }
  }
  const [baseline, parley] = (['baseline', 'parley'] as const).map((name): Summary => summarize(merge(name, runs[name])));
  printTable(`paced: ${rate} messages/s for ${options.pacedSeconds} s a round, open loop, timed from when each was due (${rate * options.pacedSeconds * options.rounds} per side)`, [baseline!, parley!]);
  const cores = availableParallelism();
  const share = (cpu: number) => `${((cpu / cores) * 100).toFixed(0)} %`;
  console.log(`machine busy (CPU of the side's processes, the servers and the bench, of ${cores} cores): baseline ${share(busy.baseline)}, parley ${share(busy.parley)}`);
}

async function limiterSums(metricsUrl: string): Promise<{ rateLimit: number; accept: number; count: number }> {
  const [rateLimit, accept, count] = await Promise.all([
    scrapeSum(metricsUrl, 'parley_rate_limit_duration_seconds_sum'),
    scrapeSum(metricsUrl, 'parley_accept_duration_seconds_sum'),
    scrapeSum(metricsUrl, 'parley_rate_limit_duration_seconds_count'),
  ]);
  return { rateLimit, accept, count };
}

/** CPU seconds a side used while its rounds ran: its own two processes, and each server (shared by both sides). */
interface CpuUse { client: number; worker: number; temporal: number; ferretdb: number; redis: number }
const NO_CPU: CpuUse = { client: 0, worker: 0, temporal: 0, ferretdb: 0, redis: 0 };

function printCpu(cpu: Record<'baseline' | 'parley', CpuUse>, messages: number): void {
  const perMessage = (seconds: number) => (seconds * 1000) / messages;
  console.log(`\ncpu per message (process CPU time / messages)   ${'baseline'.padStart(10)}${'parley'.padStart(10)}${'ratio'.padStart(9)}`);
  const sum = (use: CpuUse) => Object.values(use).reduce((a, b) => a + b, 0);
  const rows: [string, number, number][] = [
    ['client process (baseline) / API (parley)', cpu.baseline.client, cpu.parley.client],
    ['worker process', cpu.baseline.worker, cpu.parley.worker],
    ['both: the code under test', cpu.baseline.client + cpu.baseline.worker, cpu.parley.client + cpu.parley.worker],
    ['Temporal server', cpu.baseline.temporal, cpu.parley.temporal],
    ['FerretDB (the baseline uses none)', cpu.baseline.ferretdb, cpu.parley.ferretdb],
    ['Redis (the baseline uses none)', cpu.baseline.redis, cpu.parley.redis],
    ['everything', sum(cpu.baseline), sum(cpu.parley)],
  ];
  for (const [label, b, p] of rows) {
    const ratio = b > 0 ? `${(p / b).toFixed(2)}x` : '-';
    console.log(`  ${label.padEnd(46)}${`${perMessage(b).toFixed(2)} ms`.padStart(10)}${`${perMessage(p).toFixed(2)} ms`.padStart(10)}${ratio.padStart(9)}`);
  }
}

type HistoryCost = Record<'baseline' | 'parley', { events: number; bytes: number }>;

function printHistory(atStart: HistoryCost, atEnd: HistoryCost, measured: number, users: number): void {
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
}

/**
 * What the conversation log costs: events stored per message in the measured rounds, and one append of what a
 * reply's attempt carries (the user's message and the reply) timed against a plain insert of the same bytes into
 * the same database, in this run. The attempt appends while it calls the webhook, so end-to-end pays only what the
 * append outlasts the call.
 */
async function printLogCost(receiverUrl: string, logged: number, measured: number, e2eP50: number): Promise<void> {
  const channel = await channelWithBots(receiverUrl, { echo: ECHO_FLOW }, 'enterprise');
  const scratch = mongoose.connection.collection('bench_plain_writes');
  const pair = (n: number) => [
    { id: `bench-log-${n}-u`, userID: 1, type: 'message.user', data: { channelID: channel.channelID, userID: 1, message: `message ${n}`, timestamp: Date.now() }, at: Date.now() },
    { id: `bench-log-${n}-b`, userID: 1, type: 'message.bot', seq: n + 1, data: { channelID: channel.channelID, userID: 1, message: `echo: message ${n}`, seq: n + 1, timestamp: Date.now() }, at: Date.now() },
  ];
  const timed = async (write: (n: number) => Promise<unknown>) => {
    const ms: number[] = [];
    for (const n of range(LOG_WRITES)) {
      const startedAt = performance.now();
      await write(n);
      ms.push(performance.now() - startedAt);
    }
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  const append = await timed((n) => appendEvents(channel.channelKey, pair(n)));
  const plain = await timed((n) => scratch.insertMany(pair(n).map((event) => ({ ...event }))));
  await scratch.drop();
  console.log(`\nconversation log: ${(logged / measured).toFixed(2)} events stored per message`);
  console.log(`  one append of a message and its reply (${LOG_WRITES} in a row)   p50 ${append.p50.toFixed(2)} ms, p99 ${append.p99.toFixed(2)} ms`);
  console.log(`  a plain insert of the same two documents             p50 ${plain.p50.toFixed(2)} ms, p99 ${plain.p99.toFixed(2)} ms (append ${(append.p50 / plain.p50).toFixed(2)}x)`);
  console.log(`  the append beside the end-to-end p50 above: ${((append.p50 / e2eP50) * 100).toFixed(0)} % (paid only where it outlasts the webhook call it runs beside)`);
}

const LOG_WRITES = 200;

/**
 * The delivery record a reply's first attempt writes: an insert (what the worker does, falling back to the update
 * when a retried attempt wrote it already) against the upsert it replaced, in this run's database. Run after the
 * measured rounds, on a delivery log as large as theirs left it.
 */
async function printDeliveryWriteCost(channelKey: string): Promise<void> {
  const key = (n: number, firstWrite: boolean) => ({
    webhookId: `bench-delivery-${firstWrite ? 'insert' : 'upsert'}-${n}`, channelKey, userID: 1, seq: n + 1,
    payload: { channelID: 'bench', message: `echo: message ${n}`, userID: 1, seq: n + 1, timestamp: Date.now() }, createdAt: Date.now(), firstWrite,
  });
  const timed = async (firstWrite: boolean) => {
    const ms: number[] = [];
    for (const n of range(LOG_WRITES)) {
      const startedAt = performance.now();
      await recordAttempt(key(n, firstWrite), 'delivered', { at: new Date(), status: 200, latencyMs: 1 }, undefined, Date.now());
      ms.push(performance.now() - startedAt);
    }
    return { p50: percentile(ms, 50), p99: percentile(ms, 99) };
  };
  const [insert, upsert] = [await timed(true), await timed(false)];
  await Delivery.deleteMany({ _id: { $regex: /^bench-delivery-/ } });
  console.log(`
delivery record of a reply's first attempt (${LOG_WRITES} in a row, ${await Delivery.estimatedDocumentCount()} records in the log)`);
  console.log(`  insert (the worker's)          p50 ${insert.p50.toFixed(2)} ms, p99 ${insert.p99.toFixed(2)} ms`);
  console.log(`  upsert (what it replaced)      p50 ${upsert.p50.toFixed(2)} ms, p99 ${upsert.p99.toFixed(2)} ms (${(upsert.p50 / insert.p50).toFixed(2)}x the insert)`);
}

/** Events and encoded bytes of the sessions' histories, every run of each, added up. */
async function historyCost(client: Client, workflowIds: string[]): Promise<{ events: number; bytes: number }> {
  let events = 0;
  let bytes = 0;
  for (const workflowId of workflowIds) {
    for await (const { runId } of client.workflow.list({ query: `WorkflowId = "${workflowId}"` })) {
      const history = await client.workflow.getHandle(workflowId, runId).fetchHistory();
      events += history.events?.length ?? 0;
      bytes += temporal.api.history.v1.History.encode(history).finish().length;
    }
  }
  return { events, bytes };
}

/**
 * Delivery under failure: the same load on a stack whose seven retries come after 50 ms, then 400 ms each (the real
 * schedule is 5 s ... 10 h), so a run takes seconds; what is measured is correctness and latency cost.
 */
async function failureRun(servers: Servers, options: Options, dataDir: string, receiver: Receiver, clean: ReturnType<typeof summarize>): Promise<void> {
  const failing = tracked(await startParley(servers, 'bench-failing', { ...options, cpuProf: false }, dataDir, { WEBHOOK_RETRY_SCHEDULE: '50ms,400ms,400ms,400ms,400ms,400ms,400ms' }));
  const send = await echoChannel(failing.api, receiver.url);
  await Promise.all(range(options.users).map((u) => send(u, '#echo')));
  await sleep(1_000);
  receiver.flaky.failureRate = 0.3;
  const failed = summarize(await measure('failing', send, options.users, options.messages, receiver.arrivals));
  receiver.flaky.failureRate = 0;
  const sent = options.users * options.messages;
  const { audit } = receiver.flaky;
  console.log(`\ndelivery under failure: 30 % of attempts answered 500 (${receiver.flaky.failed} attempts failed)`);
  console.log(`  delivered              ${sent - failed.errors} of ${sent}`);
  console.log(`  duplicates after a 2xx ${audit.totals.duplicates}`);
  console.log(`  order violations       ${audit.totals.outOfOrder} (seq gaps ${audit.totals.gaps})`);
  console.log(`  end-to-end p50         ${failed.e2eP50.toFixed(1)} ms (${(failed.e2eP50 / clean.e2eP50).toFixed(2)}x the clean run)`);
  console.log(`  end-to-end p99         ${failed.e2eP99.toFixed(1)} ms (${(failed.e2eP99 / clean.e2eP99).toFixed(2)}x the clean run)`);
  await failing.stop();
}

/**
 * Scale: `sessions` sessions started (50 at a time) and left idle; the worker's RSS before and after, its failed
 * workflow tasks, then one message to each of `probes` idle sessions with the worker's cache as it is, and after a
 * worker restart (an empty cache: every probed session replays its history first).
 */
async function scaleRun(servers: Servers, options: Options, dataDir: string, receiver: Receiver, parley: Parley): Promise<void> {
  const { sessions, probes } = options;
  const send = await echoChannel(parley.api, receiver.url);
  await sleep(5_000); // settled after the rounds, as the sessions will be when idle
  const rssBefore = rssBytes(parley.worker.pid);
  const failedBefore = await scrapeSum(parley.temporalMetrics, 'temporal_workflow_task_execution_failed_total');
  const started = performance.now();
  await inBatches(range(sessions), 50, (user) => send(user, '#echo'));
  const accepted = performance.now();
  const deadline = accepted + 300_000;
  const startedHere = () => [...receiver.started].filter((key) => key.startsWith(`${send.channelID}:`)).length;
  while (startedHere() < sessions && performance.now() < deadline) await sleep(100);
  const answered = performance.now();
  await sleep(5_000); // idle
  const rssIdle = rssBytes(parley.worker.pid);
  const cached = await scrapeSum(parley.temporalMetrics, 'temporal_sticky_cache_size');
  const random = seededRandom(7);
  const pick = () => Array.from({ length: Math.min(probes, sessions) }, () => Math.floor(random() * sessions));
  const probe = async (label: string) => {
    const result = await measureEach(label, pick(), send, receiver.arrivals);
    return { p50: percentile(result, 50), p99: percentile(result, 99), lost: Math.min(probes, sessions) - result.length };
  };
  const warm = await probe('idle');
  const failedWarm = (await scrapeSum(parley.temporalMetrics, 'temporal_workflow_task_execution_failed_total')) - failedBefore;
  await parley.restartWorker();
  const cold = await probe('cold');
  const failedCold = await scrapeSum(parley.temporalMetrics, 'temporal_workflow_task_execution_failed_total');
  // Only cached sessions take the worker's memory; the others are history on the server until their next message.
  const perCached = (rssIdle - rssBefore) / Math.max(1, Math.min(sessions, cached));
  const mb = (bytes: number) => `${(bytes / 2 ** 20).toFixed(0)} MB`;
  console.log(`\nscale: ${sessions} sessions started, ${startedHere()} of them answered their first message`);
  console.log(`  accepted in ${((accepted - started) / 1000).toFixed(1)} s, all answered after ${((answered - started) / 1000).toFixed(1)} s (${(sessions / ((answered - started) / 1000)).toFixed(0)} sessions/s)`);
  console.log(`  worker RSS ${mb(rssBefore)} before, ${mb(rssIdle)} with them idle (${cached} in the worker's cache: ${(perCached / 1024).toFixed(1)} KB per cached session)`);
  console.log(`  extrapolated to 10,000 idle sessions: ${mb(rssBefore + perCached * Math.min(10_000, CACHE_SIZE))} with the default cache of ${CACHE_SIZE} (the rest replay on their next message), ${mb(rssBefore + perCached * 10_000)} with all 10,000 cached`);
  console.log(`  workflow task failures: ${failedWarm + failedCold}`);
  console.log(`  one message to an idle session (${Math.min(probes, sessions)} probes, 10 at a time), end-to-end:`);
  console.log(`    cached worker        p50 ${warm.p50.toFixed(1)} ms, p99 ${warm.p99.toFixed(1)} ms${warm.lost ? `, ${warm.lost} unanswered` : ''}`);
  console.log(`    after worker restart p50 ${cold.p50.toFixed(1)} ms, p99 ${cold.p99.toFixed(1)} ms${cold.lost ? `, ${cold.lost} unanswered` : ''} (every session replays)`);
}

/** End-to-end times of one message to each user, 10 at a time. */
async function measureEach(label: string, users: number[], send: Send, arrivals: Map<string, number>): Promise<number[]> {
  const times: number[] = [];
  await inBatches(users.map((user, i) => ({ user, text: `${label}-${i}-u${user}` })), 10, async ({ user, text }) => {
    const { startedAt } = await send(user, text);
    const deadline = performance.now() + 60_000;
    while (!arrivals.has(text) && performance.now() < deadline) await sleep(5);
    if (arrivals.has(text)) times.push(arrivals.get(text)! - startedAt);
  });
  return times;
}

/** Runs `work` over `items` with at most `concurrency` in flight. */
async function inBatches<T>(items: T[], concurrency: number, work: (item: T) => Promise<unknown>): Promise<void> {
  let next = 0;
  await Promise.all(range(concurrency).map(async () => {
    while (next < items.length) await work(items[next++]!);
  }));
}

const range = (n: number) => Array.from({ length: n }, (_, i) => i);
const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

/** What the bench started and has not stopped yet: stopped on the way out when a step throws, so no process outlives it. */
const running = new Set<() => Promise<void>>();

function tracked<T extends { stop(): Promise<void> }>(thing: T): T {
  const stop = thing.stop.bind(thing);
  const stopOnce = async () => {
    running.delete(stopOnce);
    await stop();
  };
  running.add(stopOnce);
  return Object.assign(thing, { stop: stopOnce });
}

main().then(() => process.exit(0), async (err: unknown) => {
  console.error(err);
  await Promise.allSettled([...running].map((stop) => stop()));
  process.exit(1);
});
