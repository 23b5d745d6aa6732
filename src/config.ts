import { z } from 'zod';
import type { PayloadKeys } from './temporal/payload-codec';

const booleanString = z
  .enum(['true', 'false', '1', '0'])
  .transform((value) => value === 'true' || value === '1');

/** Durations like "30s", "15m", "24h", "7d" or plain milliseconds. */
export const durationString = z
  .string()
  .regex(/^\d+(ms|s|m|h|d)?$/, 'expected a duration such as 30s, 15m, 24h or 7d')
  .transform(parseDurationMs)
  .refine((ms) => ms > 0, 'must be greater than zero');

const UNIT_MS = { ms: 1, s: 1_000, m: 60_000, h: 3_600_000, d: 86_400_000 } as const;

export function parseDurationMs(text: string): number {
  const match = /^(\d+)(ms|s|m|h|d)?$/.exec(text);
  if (!match) throw new Error(`not a duration: ${text}`);
  const unit = (match[2] ?? 'ms') as keyof typeof UNIT_MS;
  return Number(match[1]) * UNIT_MS[unit];
}

/** "5s,5m,30m,2h,5h,10h,10h": the delays before each retry of a failed webhook delivery. */
export const durationList = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()))
  .pipe(z.array(durationString).min(1, 'give at least one delay').max(20, 'at most 20 retries'));

/** "pro=20/40,user=5/10": per-second rate / burst for the named budgets; the rest keep src/plans.ts's values. */
export const rateLimitOverrides = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^(free|pro|enterprise|user|admin-key)=\d+\/\d+$/, 'expected name=rate/burst, name one of pro, enterprise, user, admin-key')))
  .transform((parts) => Object.fromEntries(parts.map((part) => {
    const [name, rate, burst] = part.split(/[=/]/) as [string, string, string];
    return [name, { perSecond: Number(rate), burst: Math.max(Number(rate), Number(burst)) }];
  })));

/**
 * "2025-06:<base64>,2024-11:<base64>": AES-256 keys for Temporal payloads by key id; the first encrypts, all
 * decrypt (rotation: put the new key first, drop an old one once no history holds payloads under its id).
 */
export const payloadKeyList = z
  .string()
  .transform((text) => text.split(',').map((part) => part.trim()).filter(Boolean))
  .pipe(z.array(z.string().regex(/^[A-Za-z0-9._-]{1,64}:[A-Za-z0-9+/]{43}=$/, 'expected id:key, the key 32 random bytes in base64 (openssl rand -base64 32)')).min(1, 'give at least one id:key'))
  .transform((parts) => parts.map((part) => part.split(':') as [string, string]))
  .refine((pairs) => new Set(pairs.map(([id]) => id)).size === pairs.length, 'key ids must be unique')
  .transform((pairs): PayloadKeys => ({ encryptWith: pairs[0]![0], keys: new Map(pairs.map(([id, key]) => [id, Buffer.from(key, 'base64')])) }));

/** The key `npm start`, the CLI and the tests use when PAYLOAD_ENCRYPTION_KEYS is unset: public, so development only. */
export const DEVELOPMENT_PAYLOAD_KEYS = 'dev:cGFybGV5LWRldmVsb3BtZW50LW9ubHkta2V5LTMyYnk=';

const isLoopback = (host: string) => host === 'localhost' || host === '::1' || /^127\.\d+\.\d+\.\d+$/.test(host);

export const configSchema = z.object({
  PORT: z.coerce.number().int().min(0).max(65_535).default(3000),
  HOST: z.string().min(1).default('127.0.0.1'),
  TEMPORAL_ADDRESS: z.string().regex(/^[^\s:]+:\d+$/, 'expected host:port').default('127.0.0.1:7233'),
  TEMPORAL_NAMESPACE: z.string().min(1).default('default'),
  TEMPORAL_TASK_QUEUE: z.string().min(1).default('parley-sessions'),
  MONGODB_URI: z.string().regex(/^mongodb(\+srv)?:\/\//, 'expected a mongodb:// URI').default('mongodb://127.0.0.1:27017/parley'),
  // The rate limiter's store, shared by every API replica (the API only).
  REDIS_URL: z.string().regex(/^rediss?:\/\/[^\s]+$/, 'expected a redis:// or rediss:// URL').default('redis://127.0.0.1:6379'),
  // Outbound requests (webhooks and flow http nodes) may go to loopback and private networks (dev and tests only).
  OUTBOUND_ALLOW_PRIVATE: booleanString.default(false),
  // Proxies (load balancers) in front of the API whose X-Forwarded-For is believed: the client address that failed
  // token checks are budgeted by. 0: the socket's address.
  TRUST_PROXY: z.coerce.number().int().min(0).max(10).default(0),
  LOG_LEVEL: z.enum(['fatal', 'error', 'warn', 'info', 'debug', 'trace', 'silent']).default('info'),
  SESSION_IDLE_TIMEOUT: durationString.default(parseDurationMs('24h')),
  AGENT_IDLE_TIMEOUT: durationString.default(parseDurationMs('30m')),
  // Unset: 5s,5m,30m,2h,5h,10h,10h (workflows/delivery-schedule.ts).
  WEBHOOK_RETRY_SCHEDULE: durationList.optional(),
  // Where clients reach the API (stored attachments are served under it); default http://HOST:PORT.
  PUBLIC_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')).optional(),
  RATE_LIMITS: rateLimitOverrides.optional(),
  // The dashboard's "Open in Temporal UI" links.
  TEMPORAL_UI_URL: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')).default('http://127.0.0.1:8233'),
  // OpenTelemetry's own variable names. Traces go to OTLP when an endpoint is set, else nowhere (or the console).
  OTEL_SDK_DISABLED: booleanString.default(false),
  OTEL_TRACES_EXPORTER: z.enum(['otlp', 'console', 'none']).optional(),
  OTEL_EXPORTER_OTLP_ENDPOINT: z.url({ protocol: /^https?$/ }).transform((url) => url.replace(/\/+$/, '')).optional(),
  // The worker's /metrics (Prometheus); the Temporal SDK's own metrics are served on TEMPORAL_METRICS_PORT and
  // included in it. 0 turns either off.
  WORKER_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9464),
  TEMPORAL_METRICS_PORT: z.coerce.number().int().min(0).max(65_535).default(9465),
  // Sessions kept in the worker's memory between tasks (about 260 KB of RSS each); the others replay their
  // (short) history on their next message. 0 replays every workflow task (slow; finds replay bugs).
  WORKER_MAX_CACHED_WORKFLOWS: z.coerce.number().int().min(0).default(1_000),
  // Workflow tasks the worker runs at once (src/temporal/worker.ts says why it is small); the SDK needs 2 or more.
  WORKER_MAX_CONCURRENT_WORKFLOW_TASKS: z.coerce.number().int().min(2).max(1_000).optional(),
  // Uploads no message has used for this long are deleted (the API sweeps hourly).
  ATTACHMENT_RETENTION: durationString.default(parseDurationMs('30d')),
  // Temporal payload encryption (client and worker). Unset: the public development key, refused off loopback.
  PAYLOAD_ENCRYPTION_KEYS: payloadKeyList.optional(),
  // The operators' secret for the Temporal UI's codec endpoint (/codec/*). Unset: the endpoint refuses everyone.
  CODEC_AUTH_TOKEN: z.string().min(32, 'at least 32 characters (openssl rand -base64 32)').optional(),
}).refine((c) => c.PAYLOAD_ENCRYPTION_KEYS || isLoopback(c.HOST), {
  path: ['PAYLOAD_ENCRYPTION_KEYS'], message: 'required when HOST is not a loopback address (the built-in development key is public)',
}).refine((c) => !usesDevelopmentKey(c.PAYLOAD_ENCRYPTION_KEYS) || isLoopback(c.HOST), {
  path: ['PAYLOAD_ENCRYPTION_KEYS'], message: 'the built-in development key is public: give a key of your own when HOST is not a loopback address',
}).refine((c) => c.OTEL_TRACES_EXPORTER !== 'otlp' || c.OTEL_EXPORTER_OTLP_ENDPOINT, {
  path: ['OTEL_EXPORTER_OTLP_ENDPOINT'], message: 'required when OTEL_TRACES_EXPORTER is otlp',
});

export type Config = z.infer<typeof configSchema>;

/** Whether the public development key is among the keys (refinements also run when the field itself failed). */
function usesDevelopmentKey(keys: PayloadKeys | undefined): boolean {
  if (!(keys?.keys instanceof Map)) return false;
  const developmentKey = Buffer.from(DEVELOPMENT_PAYLOAD_KEYS.split(':')[1]!, 'base64');
  return [...keys.keys.values()].some((key) => key.equals(developmentKey));
}

/** The keys client and worker encrypt with: PAYLOAD_ENCRYPTION_KEYS, else the development key. */
export function payloadKeysOf(config: Pick<Config, 'PAYLOAD_ENCRYPTION_KEYS'>): PayloadKeys {
  return config.PAYLOAD_ENCRYPTION_KEYS ?? payloadKeyList.parse(DEVELOPMENT_PAYLOAD_KEYS);
}

export class ConfigError extends Error {}

/** Old names still read when the new one is unset (renamed for what they govern). */
const ALIASES: Record<string, keyof typeof configSchema.shape> = {
  // It governs flow http nodes too, not only webhooks.
  WEBHOOK_ALLOW_PRIVATE: 'OUTBOUND_ALLOW_PRIVATE',
};

/** Parses the environment once at start-up; the message names every variable at fault (an alias by its own name). */
export function loadConfig(env: Record<string, string | undefined> = process.env): Config {
  const value = (name: string) => (env[name] === '' ? undefined : env[name]);
  const readFrom = new Map<string, string>();
  const known = Object.fromEntries(Object.keys(configSchema.shape).map((name) => {
    const alias = Object.keys(ALIASES).find((old) => ALIASES[old] === name && value(name) === undefined && value(old) !== undefined);
    if (alias) readFrom.set(name, alias);
    return [name, value(alias ?? name)];
  }));
  const parsed = configSchema.safeParse(known);
  if (parsed.success) return parsed.data;
  const problems = parsed.error.issues.map(({ path: [name, item], message }) =>
    `${readFrom.get(String(name)) ?? String(name)}: ${typeof item === 'number' ? `${name === 'WEBHOOK_RETRY_SCHEDULE' ? 'delay' : 'item'} ${item + 1}: ` : ''}${message}`,
  );
  throw new ConfigError(`invalid configuration: ${problems.join('; ')}`);
}
