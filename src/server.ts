import express, { type Express, type RequestHandler } from 'express';
import { UnsupportedMediaType } from './errors';
import { errorFunnel, notFoundRoute } from './api/error-funnel';
import { answerOptions, methodNotAllowed } from './api/method-not-allowed';
import { healthRouter } from './api/health';
import { adminsRouter } from './api/admins';
import { attachmentsRouter } from './api/attachments';
import { dashboardRouter, type DashboardSettings } from './api/dashboard';
import { setAdminRateLimits } from './api/auth';
import { botsRouter } from './api/bots';
import { channelsRouter } from './api/channels';
import { codecRouter, type CodecSettings } from './api/codec';
import { deploymentsRouter } from './api/deployments';
import { eventsRouter } from './api/events';
import { messagesRouter } from './api/messages';
import { openApiRouter } from './api/openapi';
import { createEventWatch, type EventWatch } from './events/watch';
import { createEventReaders, type EventReaderSettings } from './services/events/readers';
import { createIntake, type IntakeDeps } from './services/messages/intake';
import type { PageTokens } from './services/paging/page-tokens';
import type { SendOptions } from './webhooks/send';
import { nameRequestSpan } from './telemetry/tracing';

/** Request bodies by route, checked before parsing (413): only messages carry uploads. */
export const BODY_LIMITS = {
  /** POST /v1/messages and an admin's message: up to 10 uploads of 5 MB decoded. */
  messages: 20 * 1024 * 1024,
  /** A bot: its flow is at most 256 KB of UTF-8 JSON (src/schemas/flow.ts), plus name and room. */
  bots: 300 * 1024,
  /** Every other management request. */
  other: 1024 * 1024,
  /** The Temporal UI's codec calls: payloads of up to Temporal's 2 MB, base64 in JSON. */
  codec: 4 * 1024 * 1024,
} as const;
const MESSAGE_ROUTES = ['/v1/messages', '/v1/channels/:channelID/users/:userID/messages'];
const jsonBody = (limit: number) => [requireJson, express.json({ limit, strict: true })];

export interface AppDeps extends IntakeDeps {
  /** How Test Webhook reaches a channel's webhook (as the worker does). */
  webhooks: SendOptions;
  /** Proxies in front of the API whose X-Forwarded-For is believed (TRUST_PROXY); none when absent. */
  trustProxyHops?: number;
  /** Cursors of the lists Temporal pages (shared by the API replicas, like the rate limits). */
  pageTokens: PageTokens;
  /** Where the dashboard links sessions to; absent: http://127.0.0.1:8233, the dev server's UI. */
  dashboard?: DashboardSettings;
  /** The Temporal UI's codec endpoint; absent, it refuses every request (no CODEC_AUTH_TOKEN). */
  codec?: CodecSettings;
  /** The cap on a channel's open streams and long-polls in this process, the streams' heartbeat; src/services/events/readers.ts's defaults when absent. */
  eventReaders?: Partial<EventReaderSettings>;
  /** What wakes waiting log readers; one of its own when absent (a test hands one in to look at its pollers). */
  eventWatch?: EventWatch;
}

/** The HTTP API without a listener: src/main/api.ts listens, tests call it over loopback. */
export function createApp(deps: AppDeps): Express {
  const app = express();
  app.disable('x-powered-by');
  // No ETag hashed from every JSON answer: nothing here is answered 304 (the dashboard's files keep theirs).
  app.disable('etag');
  // req.ip: the socket's address, or with TRUST_PROXY hops the client's as those proxies report it.
  app.set('trust proxy', deps.trustProxyHops ?? false);
  app.use(requestLog(deps));
  setAdminRateLimits(app, deps.rateLimits);
  app.use(answerOptions);
  // The hot path first: POST /v1/messages is matched before the routers no message goes to.
  app.use(MESSAGE_ROUTES, ...jsonBody(BODY_LIMITS.messages));
  app.use(messagesRouter(createIntake(deps)));
  app.use(healthRouter(deps.temporal, deps.rateLimits));
  app.use(openApiRouter());
  app.use(attachmentsRouter());
  app.use(dashboardRouter(deps.dashboard ?? { temporalUiUrl: 'http://127.0.0.1:8233', namespace: 'default' }));
  // Before the shared parsers: the codec authenticates first, then parses under its own limit.
  app.use(codecRouter(deps.codec ?? CODEC_OFF, jsonBody(BODY_LIMITS.codec)));
  // The first parser whose path matches reads the body (the messages' above); the others see it parsed and pass it on.
  app.use('/v1/bots', ...jsonBody(BODY_LIMITS.bots));
  app.use(...jsonBody(BODY_LIMITS.other));
  // Before the channels router, whose admin-key check covers /v1/channels: these routes take the channel token.
  const eventWatch = deps.eventWatch ?? createEventWatch();
  app.use(eventsRouter(createEventReaders(deps.rateLimits.authFailures, eventWatch, deps.eventReaders), eventWatch));
  app.use(channelsRouter(deps.temporal, deps.webhooks, deps.sessions, deps.publicUrl, deps.pageTokens));
  app.use(adminsRouter());
  app.use(botsRouter(deps.webhooks));
  app.use(deploymentsRouter());
  app.use(methodNotAllowed);
  app.use(notFoundRoute);
  app.use(errorFunnel(deps.logger));
  return app;
}

const CODEC_OFF: CodecSettings = {
  codec: { encode: () => Promise.reject(new Error('codec off')), decode: () => Promise.reject(new Error('codec off')) },
  uiOrigin: 'http://127.0.0.1:8233',
  crossSiteCookie: false,
};

/** Bodies are JSON only; the limit is enforced by express.json before parsing. */
const requireJson: RequestHandler = (req, _res, next) => {
  const hasBody = req.headers['content-length'] !== '0' && (req.headers['content-length'] || req.headers['transfer-encoding']);
  if (hasBody && !req.is('application/json')) return next(new UnsupportedMediaType());
  next();
};

function requestLog({ logger }: AppDeps): RequestHandler {
  return (req, res, next) => {
    const started = performance.now();
    res.on('finish', () => {
      const ms = Math.round(performance.now() - started);
      // The route's pattern where there is one: an attachment's id is its key and stays out of the logs.
      const route = (req.route as { path?: string } | undefined)?.path;
      if (route !== undefined) nameRequestSpan(req.baseUrl + route);
      logger.debug({ method: req.method, path: route ?? (req.path.startsWith('/v1/attachments/') ? '/v1/attachments/:id' : req.path), status: res.statusCode, ms }, 'request');
    });
    next();
  };
}
