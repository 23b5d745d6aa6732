/**
 * `npm run soak [-- --minutes 2 --users 20 --flows 4 --kill-every 5 --queries 20 --drain 60 --seed 1 --strict]`: many
 * users talk to random valid flows (the property test's generator) through a real API process while worker
 * processes are killed with SIGKILL every few seconds and state queries run throughout. After a drain with a worker
 * up it prints what a receiver got (duplicates, gaps, order) and replays every history made; exits 1 if anything is
 * off. A reply sent again under its webhook-id after a kill is at-least-once delivery (receivers drop it by
 * webhook-id): shown, and counted as a failure only with --strict.
 * Its own dev servers on loopback, in a temporary folder (kept, and named, when something is off).
 */
import { createWriteStream, mkdtempSync, rmSync } from 'node:fs';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { tmpdir } from 'node:os';
import { join } from 'node:path';
import { parseArgs } from 'node:util';
import { Client, Connection } from '@temporalio/client';
import { DefaultLogger, makeTelemetryFilterString, Runtime } from '@temporalio/worker';
import fc from 'fast-check';
import { connectDatabase, disconnectDatabase } from '../src/db/connect';
import { startApiProcess } from '../src/dev/api-process';
import { startDeliveryLedger } from '../src/dev/delivery-ledger';
import { channelWithBots } from '../src/dev/fixtures';
import { flowArbitrary } from '../src/dev/flow-generator';
import { listRuns, replayRuns, tracedReplayOptions } from '../src/dev/replay-histories';
import { freePort, startFerretDB, startRedis, startTemporalDevServer } from '../src/dev/servers';
import { seededRandom } from '../src/dev/seeded-random';
import { queryStorm, talk, type Traffic } from '../src/dev/soak-traffic';
import { startWorkerProcess, type WorkerProcess } from '../src/dev/worker-process';
import { bundleSessionWorkflows } from '../src/temporal/worker';
import { loadConfig, payloadKeysOf } from '../src/config';
import { encryptingDataConverter } from '../src/temporal/payload-codec';
import { sessionWorkflowId, stateQuery, type SessionView } from '../workflows/definitions';
import type { SessionWorkflow } from '../workflows/session';

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

async function main(): Promise<number> {
  const { values } = parseArgs({
    options: {
      minutes: { type: 'string', default: '2' }, users: { type: 'string', default: '20' }, flows: { type: 'string', default: '4' },
      'kill-every': { type: 'string', default: '5' }, queries: { type: 'string', default: '20' }, drain: { type: 'string', default: '60' },
      seed: { type: 'string', default: String(Date.now() % 100_000) }, strict: { type: 'boolean', default: false },
    },
  });
  const seed = Number(values.seed);
  const random = seededRandom(seed);
  // The replay at the end runs a worker in this process: its expected failures are reported below, not logged.
  Runtime.install({ logger: new DefaultLogger('ERROR'), telemetryOptions: { logging: { filter: makeTelemetryFilterString({ core: 'ERROR' }), forward: {} } } });
  const dataDir = mkdtempSync(join(tmpdir(), 'parley-soak-'));
  const [temporal, mongo, redis] = await Promise.all([
    startTemporalDevServer({ port: await freePort(), uiPort: null, dbFile: join(dataDir, 'temporal.db'), logDir: dataDir }),
    startFerretDB({ port: await freePort(), dataDir: join(dataDir, 'ferretdb'), logDir: dataDir, database: 'parley-soak' }),
    startRedis({ port: await freePort(), logDir: dataDir }),
  ]);
  await connectDatabase(mongo.address);
  const lookups = await startJsonServer(random);
  const ledger = await startDeliveryLedger();
  const flows = fc.sample(flowArbitrary({ delaySeconds: 1, httpUrl: `${lookups.url}/lookup/{{x}}`, maxNodes: 8 }), { numRuns: Number(values.flows), seed });
  const keywords = flows.map((_, i) => `flow${i}`);
  const channel = await channelWithBots(ledger.url, Object.fromEntries(flows.map((flow, i) => [keywords[i]!, flow])), 'enterprise');
  ledger.useSecret(channel.webhookSecret);

  const servers = { temporalAddress: temporal.address, mongoUri: mongo.address, redisUrl: redis.address, taskQueue: `soak-${seed}` };
  const api = await startApiProcess({
    ...servers,
    env: {
      OUTBOUND_ALLOW_PRIVATE: 'true', SESSION_IDLE_TIMEOUT: '20s', AGENT_IDLE_TIMEOUT: '3s', WEBHOOK_RETRY_SCHEDULE: '1s,2s,4s',
      RATE_LIMITS: 'enterprise=10000/10000,user=100/100',
    },
  });
  process.once('exit', () => killQuietly(api.pid));
  // The API and worker processes inherit this environment, so their payload keys are these.
  const dataConverter = encryptingDataConverter(payloadKeysOf(loadConfig()));
  const client = new Client({ connection: await Connection.connect({ address: temporal.address }), dataConverter });
  const workerLog = createWriteStream(join(dataDir, 'worker.log'));
  const startWorker = () => startWorkerProcess({ ...servers, onOutput: (chunk) => workerLog.write(chunk) });
  console.log(`soak: seed ${seed}, ${values.users} users, ${flows.length} random flows, data and logs in ${dataDir}`);

  const until = Date.now() + Number(values.minutes) * 60_000;
  const crashes = crashLoop(startWorker, () => (0.5 + random()) * Number(values['kill-every']) * 1_000, () => Date.now() < until);
  await crashes.firstUp;
  const traffic: Traffic = { accepted: 0, refused: {}, queries: 0, queriesFailed: 0, userIDs: [] };
  const options = { baseUrl: api.baseUrl, channel, keywords, users: Number(values.users), until, random, thinkMs: { min: 300, max: 2_000 } };
  await Promise.all([talk(options, traffic), queryStorm(client, { ...options, perSecond: Number(values.queries) }, traffic)]);
  const worker = await crashes.done; // stays up for the drain

  const sessions = traffic.userIDs.map((userID) => ({ userID, workflowId: sessionWorkflowId(channel.channelKey, userID) }));
  const settled = async () => Promise.all(sessions.map(async ({ userID, workflowId }) => {
    const { view, stuck, issued } = await sessionNow(client, workflowId);
    // Issued but not (yet) received beyond the last seq that arrived; holes below it are the gaps.
    return { workflowId, view, stuck, undelivered: Math.max(0, (issued ?? 0) - ledger.lastSeq(userID)) };
  }));
  const drainUntil = Date.now() + Number(values.drain) * 1_000;
  let final = await settled();
  while (Date.now() < drainUntil && final.some(({ view, stuck, undelivered }) => stuck || (view?.outboxPending ?? 0) > 0 || undelivered > 0)) {
    await sleep(1_000);
    final = await settled();
  }
  const runs = await listRuns(client, `ChannelKey = ${JSON.stringify(channel.channelKey)}`);
  const replay = await replayRuns(client, runs, { workflowBundle: await bundleSessionWorkflows(true), dataConverter, ...tracedReplayOptions() });

  const totals = ledger.totals();
  const wedged = final.filter(({ stuck }) => stuck).map(({ workflowId }) => workflowId);
  const undelivered = final.reduce((sum, { view, undelivered }) => sum + undelivered + (view?.outboxPending ?? 0), 0);
  const gaps = sessions.reduce((sum, { userID }) => sum + ledger.missing(userID).length, 0);
  const failedDeliveries = final.reduce((sum, { view }) => sum + (view?.transcript.filter((e) => e.kind === 'event' && e.event === 'delivery_failed').length ?? 0), 0);
  const duplicates = totals.otherIdDuplicates + (values.strict ? totals.sameIdResends : 0);
  const refused = Object.entries(traffic.refused).map(([status, n]) => `${n}×${status}`).join(', ') || 'none';
  const rows: [string, string | number][] = [
    ['sessions', sessions.length],
    ['worker SIGKILLs', crashes.kills()],
    ['messages accepted', `${traffic.accepted} (refused: ${refused})`],
    ['state queries', `${traffic.queries} (${traffic.queriesFailed} failed: no worker up, or the session stuck)`],
    ['replies delivered', `${totals.delivered} (${totals.events} requests, ${totals.unverified} bad signatures)`],
    ['duplicates', `${totals.sameIdResends + totals.otherIdDuplicates} (one seq under two ids: ${totals.otherIdDuplicates}; same webhook-id again: ${totals.sameIdResends}${values.strict ? '' : ', allowed without --strict'})`],
    ['out of order', totals.outOfOrder],
    ['seq gaps', gaps],
    ['lost (issued, never received)', undelivered],
    ['deliveries failed for good', failedDeliveries],
    ['sessions not answering', wedged.length],
    ['histories replayed', replay.replayed],
    ['histories failed', replay.failures.length],
  ];
  console.log(rows.map(([name, value]) => `  ${name.padEnd(30)} ${value}`).join('\n'));
  for (const { workflowId, runId, error } of replay.failures.slice(0, 10)) console.log(`  replay failed: ${workflowId} (run ${runId}): ${error.split('\n')[0]!.slice(0, 400)}`);
  for (const workflowId of wedged.slice(0, 10)) console.log(`  not answering: ${workflowId}`);
  const ok = replay.failures.length === 0 && duplicates === 0 && totals.outOfOrder === 0 && gaps === 0 && undelivered === 0 && wedged.length === 0;

  await worker.stop();
  await api.stop();
  await ledger.close();
  lookups.close();
  await client.connection.close();
  await disconnectDatabase();
  await Promise.all([temporal.stop(), mongo.stop(), redis.stop()]);
  workerLog.end();
  if (ok) {
    rmSync(dataDir, { recursive: true, force: true });
    console.log('soak: passed');
  } else {
    console.log(`soak: FAILED; servers' data and the worker's log are in ${dataDir}`);
  }
  return ok ? 0 : 1;
}

/**
 * A session at the end: its state, whether it is stuck (no answer to a query, or a workflow task on its second
 * attempt or later: it fails or times out whatever it is sent) and the last seq it gave a reply, when known.
 */
async function sessionNow(client: Client, workflowId: string): Promise<{ view: SessionView | null; stuck: boolean; issued?: number }> {
  const handle = client.workflow.getHandle<typeof SessionWorkflow>(workflowId);
  const { status, raw } = await handle.describe();
  // Idle for SESSION_IDLE_TIMEOUT: the run ended once its outbox was empty, and says where seq goes on.
  if (status.name === 'COMPLETED') return { view: null, stuck: false, issued: (await handle.result()).nextSeq - 1 };
  const view = await client.connection.withDeadline(Date.now() + 10_000, () => handle.query(stateQuery)).catch(() => null);
  const stuck = !view || (raw.pendingWorkflowTask?.attempt ?? 1) > 1;
  // The transcript keeps the latest entries, so the highest seq in it is the last one issued.
  return view ? { view, stuck, issued: Math.max(0, ...view.transcript.flatMap((entry) => ('seq' in entry ? [entry.seq] : []))) } : { view, stuck };
}

/**
 * Keeps a worker up and crashes it every `uptimeMs()` while `going()`: the next worker is started first (bundling
 * takes a while), then the running one is killed with SIGKILL, in-flight work and all. The last one is left up.
 */
function crashLoop(start: () => Promise<WorkerProcess>, uptimeMs: () => number, going: () => boolean) {
  let kills = 0;
  const running = new Set<WorkerProcess>();
  process.once('exit', () => running.forEach(({ pid }) => killQuietly(pid)));
  const started = async () => {
    const worker = await start();
    running.add(worker);
    return worker;
  };
  const first = started();
  const done = (async () => {
    for (let worker = await first; ; ) {
      const killAt = Date.now() + uptimeMs();
      while (going() && Date.now() < killAt) await sleep(100);
      if (!going()) return worker;
      const next = await started();
      await worker.kill();
      running.delete(worker);
      kills++;
      worker = next;
    }
  })();
  return { firstUp: first, done, kills: () => kills };
}

/** On the way out, however the soak ends: no process of its own left behind. */
function killQuietly(pid: number): void {
  try {
    process.kill(pid, 'SIGKILL');
  } catch {
    // already gone
  }
}

/** What the flows' http nodes call: JSON mostly, sometimes a 500 or a slow answer (the onError branch). */
async function startJsonServer(random: () => number) {
  const server = createServer((req, res) => {
    const roll = random();
    if (roll < 0.1) return void res.writeHead(500).end();
    setTimeout(() => res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ path: req.url, n: Math.floor(roll * 100) })), roll < 0.2 ? 1_500 : 20);
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return { url: `http://127.0.0.1:${(server.address() as AddressInfo).port}`, close: () => {
    server.closeAllConnections();
    server.close();
  } };
}

process.once('SIGINT', () => process.exit(130));
main().then((code) => process.exit(code), (err: unknown) => {
  console.error(err);
  process.exit(2);
});
