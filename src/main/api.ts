import './instrument-api';
import { once } from 'node:events';
import type { Client } from '@temporalio/client';
import { loadConfig, payloadKeysOf } from '../config';
import { connectDatabase, disconnectDatabase } from '../db/connect';
import { createRedis, redisReady } from '../db/redis';
import { createPageTokens } from '../services/paging/page-tokens';
import { createLogger, type Logger } from '../logger';
import { sweepAttachments } from '../services/messages/attachments';
import { sweepExpiredEvents } from '../events/log';
import { finishChannelDeletions } from '../services/sessions/delete-channel';
import { createApp } from '../server';
import { createRateLimits, rateLimitSettings } from '../services/limits/rate-limits';
import { createTemporalClient } from '../temporal/client';
import { createPayloadCodec } from '../temporal/payload-codec';
import { sessionSettingsFrom } from '../temporal/sessions';
import { processTracing } from '../telemetry/tracing';
import { exitOnStartupError } from './startup';
import { version } from '../../package.json';

/** The API process: listens on HOST:PORT until SIGINT/SIGTERM, then drains and exits. */
async function main(): Promise<void> {
  const config = loadConfig();
  const logger = createLogger(config.LOG_LEVEL, 'api');
  await connectDatabase(config.MONGODB_URI);
  const redis = createRedis(config.REDIS_URL, logger);
  await redisReady(redis);
  if (!config.PAYLOAD_ENCRYPTION_KEYS) logger.warn('PAYLOAD_ENCRYPTION_KEYS is unset: Temporal payloads are encrypted with the public development key');
  const codec = createPayloadCodec(payloadKeysOf(config));
  const temporal = createTemporalClient(config.TEMPORAL_ADDRESS, config.TEMPORAL_NAMESPACE, { payloadCodecs: [codec] });
  const publicUrl = config.PUBLIC_URL ?? `http://${config.HOST}:${config.PORT}`;
  const app = createApp({
    temporal,
    logger,
    rateLimits: createRateLimits(rateLimitSettings(config.RATE_LIMITS), redis),
    pageTokens: createPageTokens(redis),
    ...(config.TRUST_PROXY > 0 ? { trustProxyHops: config.TRUST_PROXY } : {}),
    publicUrl,
    dashboard: { temporalUiUrl: config.TEMPORAL_UI_URL, namespace: config.TEMPORAL_NAMESPACE },
    codec: {
      codec,
      ...(config.CODEC_AUTH_TOKEN ? { authToken: config.CODEC_AUTH_TOKEN } : {}),
      uiOrigin: new URL(config.TEMPORAL_UI_URL).origin,
      crossSiteCookie: publicUrl.startsWith('https://'),
    },
    sessions: sessionSettingsFrom(config),
    webhooks: { allowPrivate: config.OUTBOUND_ALLOW_PRIVATE, userAgent: `Parley/${version}` },
  });
  const server = app.listen(config.PORT, config.HOST);
  await once(server, 'listening');
  logger.info({ url: `http://${config.HOST}:${config.PORT}` }, 'api listening');
  const sweeps = keepSweeping(config.ATTACHMENT_RETENTION, temporal, logger);

  const stop = async () => {
    // Finish requests in flight (they may be waiting on Temporal) before closing the connections they use.
    sweeps.forEach(clearInterval);
    const closed = new Promise((ok) => server.close(ok));
    server.closeIdleConnections();
    await Promise.race([closed, new Promise((ok) => setTimeout(ok, 10_000).unref())]);
    await temporal.connection.close();
    await disconnectDatabase();
    redis.disconnect();
    await processTracing()?.shutdown();
    logger.info('api stopped');
    process.exit(0);
  };
  process.once('SIGINT', () => void stop());
  process.once('SIGTERM', () => void stop());
}

main().catch(exitOnStartupError);

const SWEEP_EVERY_MS = 3_600_000;

/**
 * The API's hourly sweeps, each run now and then every hour on every replica (a document goes once):
 * - uploads past ATTACHMENT_RETENTION;
 * - conversation-log events past their plan's retention (MongoDB's TTL index does it too; FerretDB v1 has none);
 * - channel deletions, once settled: what they raced with or were cut short before (src/services/sessions/delete-channel.ts).
 */
function keepSweeping(attachmentRetentionMs: number, temporal: Client, logger: Logger): NodeJS.Timeout[] {
  const sweeps: [string, () => Promise<number>][] = [
    ['attachments past their retention deleted', () => sweepAttachments(attachmentRetentionMs)],
    ['log events past their retention deleted', () => sweepExpiredEvents()],
    ['channel deletions gone over again', () => finishChannelDeletions(temporal)],
  ];
  return sweeps.map(([what, sweep]) => {
    const run = () => {
      sweep().then(
        (count) => (count > 0 ? logger.info({ count }, what) : undefined),
        (err: unknown) => logger.warn({ err }, `sweep failed (${what}); the next one retries`),
      );
    };
    run();
    return setInterval(run, SWEEP_EVERY_MS).unref();
  });
}
