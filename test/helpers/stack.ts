import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Client, Connection } from '@temporalio/client';
import { NativeConnection } from '@temporalio/worker';
import mongoose from 'mongoose';
import { connectDatabase } from '../../src/db/connect';
import { createRedis } from '../../src/db/redis';
import { createLogger } from '../../src/logger';
import { createApp, type AppDeps } from '../../src/server';
import { createRateLimits, rateLimitSettings, type RateLimitSettings } from '../../src/services/limits/rate-limits';
import { createSessionWorker } from '../../src/temporal/worker';
import { Receiver } from './receiver';
import { recordResponse } from './response-coverage';
import { devServers, testWorkerCache, workflowBundle } from './servers';
import { tracedClient } from '../../src/temporal/client';
import { payloadKeysOf } from '../../src/config';
import { createPayloadCodec } from '../../src/temporal/payload-codec';
import { randomAlphanumeric } from '../../src/security/secrets';
import { processTracing, type Tracing } from '../../src/telemetry/tracing';
import { createPageTokens } from '../../src/services/paging/page-tokens';

/** What POST /v1/messages answers: an Accepted body or an error body. */
export interface ApiAnswer {
  success: boolean;
  channelID?: string;
  message?: string;
  userID?: number;
  error?: { code: string; message: string; details?: { path: string; message: string }[] };
}

export interface Stack {
  baseUrl: string;
  client: Client;
  connection: Connection;
  taskQueue: string;
  /** CODEC_AUTH_TOKEN of this stack's codec endpoint (/codec/*). */
  codecToken: string;
  postMessage(body: unknown, init?: { headers?: Record<string, string> }): Promise<{ status: number; body: ApiAnswer }>;
  /** Stops the worker and starts a new one on the same task queue: an empty workflow cache, as after a restart. */
  restartWorker(): Promise<void>;
  stop(): Promise<void>;
}

let database: Promise<unknown> | undefined;

/** mongoose connected to the test run's FerretDB (once per run). */
export async function testDatabase(): Promise<void> {
  database ??= devServers().then(({ mongoUri }) => connectDatabase(mongoUri));
  await database;
  if (mongoose.connection.readyState !== 1) throw new Error('test database not connected');
}

export interface StackOptions {
  /** Point the API at another Temporal (e.g. a closed port) to see how it fails. */
  apiTemporalAddress?: string;
  idleTimeoutMs?: number;
  /** AGENT_IDLE_TIMEOUT for the stack's sessions (30 min when absent). */
  agentIdleTimeoutMs?: number;
  /** WEBHOOK_RETRY_SCHEDULE for the stack's sessions: tests use short delays. */
  retryScheduleMs?: number[];
  /** The budgets (the fuzzer raises them out of reach); src/plans.ts's when absent. */
  rateLimits?: RateLimitSettings;
  /** Collects every line the API logs (at every level) here, for a test that reads them. */
  logLines?: string[];
  /** Believe this many proxies' X-Forwarded-For (a test plays clients at several addresses). */
  trustProxyHops?: number;
  /** The limiter's Redis; the run's own when absent (a test points it at a closed port). */
  redisUrl?: string;
  /** Off for the fuzzer: only the hand-written tests count towards the documented response codes. */
  recordResponses?: boolean;
  /** Another Temporal for API and worker (the codec browser test starts one whose UI calls this API). */
  temporalAddress?: string;
  /** The API's port (a free one when absent), for a UI told the codec endpoint before the API listens. */
  port?: number;
  /** The Temporal UI origin the codec endpoint answers CORS for; the run's dev server UI when absent. */
  temporalUiOrigin?: string;
  /** The conversation log readers' cap, and what wakes them (a test looks at its pollers). */
  eventReaders?: AppDeps['eventReaders'];
  eventWatch?: AppDeps['eventWatch'];
}

/** The real API (on 127.0.0.1, a free port) and a real worker, in this process, against the run's dev servers. */
// Every stack's clients are 127.0.0.1, and many suites send wrong tokens on purpose: unless a test asks for the real
// failure budgets (test/e2e/auth-failures.test.ts does), they must not block one another's new channels.
export const AUTH_FAILURES_OUT_OF_REACH = { channel: { perSecond: 1e6, burst: 1e6 }, address: { perSecond: 1e6, burst: 1e6 }, pair: { perSecond: 1e6, burst: 1e6 } };

/**
 * For suites whose tests call the management API with one account more times in a row than its burst (20) allows
 * on a fast machine: its budget out of reach too. The budgets themselves are test/e2e/rate-limits.test.ts's.
 */
export const MANAGEMENT_BUDGET_OUT_OF_REACH: RateLimitSettings = {
  ...rateLimitSettings({ 'admin-key': { perSecond: 1e6, burst: 1e6 } }),
  authFailures: AUTH_FAILURES_OUT_OF_REACH,
};

export async function startStack(options: StackOptions = {}): Promise<Stack> {
  const servers = await devServers();
  const { redisUrl } = servers;
  const temporalAddress = options.temporalAddress ?? servers.temporalAddress;
  // Client and worker encrypt as npm start does: the development key.
  const codec = createPayloadCodec(payloadKeysOf({}));
  const codecToken = randomAlphanumeric(40);
  await testDatabase();
  const taskQueue = `parley-test-${Math.random().toString(36).slice(2, 10)}`;
  // The API's log lines, every level, when a test reads them; else PARLEY_TEST_LOG_LEVEL to stdout.
  const logLines = options.logLines;
  const logger = logLines ? createLogger('trace', 'test', { write: (line: string) => void logLines.push(line) }) : createLogger(process.env.PARLEY_TEST_LOG_LEVEL ?? 'silent', 'test');

  const startWorker = async () => {
    const nativeConnection = await NativeConnection.connect({ address: temporalAddress });
    const worker = await createSessionWorker({
      connection: nativeConnection, namespace: 'default', taskQueue, workflowBundle: await workflowBundle(), allowPrivateWebhooks: true, dataConverter: { payloadCodecs: [codec] }, ...tracingOption(), ...testWorkerCache(),
    });
    const run = worker.run();
    return async () => {
      worker.shutdown();
      await run;
      await nativeConnection.close();
    };
  };
  let stopWorker = await startWorker();

  const connection = Connection.lazy({ address: options.apiTemporalAddress ?? temporalAddress });
  const client = tracedClient(connection, 'default', { payloadCodecs: [codec] });
  // Listening first: stored attachments are served under the API's own URL, known once the port is.
  const server: Server = createServer();
  server.listen(options.port ?? 0, '127.0.0.1');
  await once(server, 'listening');
  const baseUrl = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  const redis = createRedis(options.redisUrl ?? redisUrl);
  const app = createApp({
    temporal: client,
    logger,
    rateLimits: createRateLimits(options.rateLimits ?? { ...rateLimitSettings(), authFailures: AUTH_FAILURES_OUT_OF_REACH }, redis),
    pageTokens: createPageTokens(redis),
    ...(options.trustProxyHops ? { trustProxyHops: options.trustProxyHops } : {}),
    publicUrl: baseUrl,
    sessions: {
      taskQueue, idleTimeoutMs: options.idleTimeoutMs ?? 3_600_000, agentIdleTimeoutMs: options.agentIdleTimeoutMs ?? 1_800_000, acceptTimeoutMs: 3_000,
      ...(options.retryScheduleMs ? { retryScheduleMs: options.retryScheduleMs } : {}),
    },
    webhooks: { allowPrivate: true, userAgent: 'Parley/test', timeoutMs: 2_000 },
    codec: { codec, authToken: codecToken, uiOrigin: options.temporalUiOrigin ?? servers.temporalUiUrl, crossSiteCookie: false },
    ...(options.eventReaders ? { eventReaders: options.eventReaders } : {}),
    ...(options.eventWatch ? { eventWatch: options.eventWatch } : {}),
  });
  server.on('request', (req: IncomingMessage, res: ServerResponse) => {
    if (options.recordResponses !== false) recordAnswer(req, res);
    app(req, res);
  });

  return {
    baseUrl,
    client,
    connection,
    taskQueue,
    codecToken,
    postMessage: async (body, init) => {
      const response = await fetch(`${baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', ...init?.headers },
        body: typeof body === 'string' ? body : JSON.stringify(body),
      });
      return { status: response.status, body: (await response.json()) as ApiAnswer };
    },
    restartWorker: async () => {
      await stopWorker();
      stopWorker = await startWorker();
    },
    stop: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
      await stopWorker();
      await connection.close();
      redis.disconnect();
    },
  };
}

/** The process's tracing (mocha's in-memory one, or the bench's), for the worker's interceptors. */
function tracingOption(): { tracing?: Tracing } {
  const tracing = processTracing();
  return tracing ? { tracing } : {};
}

/**
 * Mocha hooks for a suite: a stack and a webhook receiver started before it and stopped after it. Options given
 * as a function are read when the stack starts (after the suite's earlier before hooks).
 */
export function useStackWithReceiver(options: StackOptions | (() => StackOptions) = {}): { stack: Stack; receiver: Receiver } {
  const suite = {} as { stack: Stack; receiver: Receiver };
  before(async () => {
    suite.stack = await startStack(typeof options === 'function' ? options() : options);
    suite.receiver = await Receiver.start();
  });
  after(async () => {
    await suite.receiver?.down();
    await suite.stack?.stop();
  });
  return suite;
}

/** Records each answer's route and status, and an error's code, which only its JSON body says. */
function recordAnswer(req: IncomingMessage, res: ServerResponse): void {
  const chunks: Buffer[] = [];
  const end = res.end.bind(res) as (...args: unknown[]) => ServerResponse;
  res.end = ((...args: unknown[]) => {
    if (res.statusCode >= 400 && (typeof args[0] === 'string' || Buffer.isBuffer(args[0]))) chunks.push(Buffer.from(args[0] as string));
    return end(...args);
  }) as ServerResponse['end'];
  // A stream the client closed never finishes: its status counts once its connection is gone.
  res.once('close', () => {
    if (!res.writableFinished && res.headersSent) recordResponse(req.method!, req.url!, res.statusCode);
  });
  res.once('finish', () => {
    let code: string | undefined;
    try {
      code = chunks.length ? (JSON.parse(Buffer.concat(chunks).toString('utf8')) as { code?: unknown }).code as string | undefined : undefined;
    } catch {
      code = undefined; // not a JSON error body (HTML, a stream): nothing to check
    }
    recordResponse(req.method!, req.url!, res.statusCode, typeof code === 'string' ? code : undefined);
  });
}

