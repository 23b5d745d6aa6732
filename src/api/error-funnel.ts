import type { ErrorRequestHandler, RequestHandler } from 'express';
import { InvalidRequest, NotFound, ParleyError, PayloadTooLarge, RateLimited, TooManyFailedAttempts, TooManyListeners, Unavailable, UnsupportedMediaType } from '../errors';
import type { Logger } from '../logger';
import { retryAfterSeconds } from '../plans';
import { parleyMetrics } from '../telemetry/metrics';
import { writeRateLimitHeaders } from './rate-limit-headers';

const DATABASE_DOWN = new Set([
  'MongoServerSelectionError', 'MongoNetworkError', 'MongoNetworkTimeoutError', 'MongoNotConnectedError',
  'MongoTopologyClosedError', 'MongoPoolClearedError',
]);

/** Maps anything thrown to a ParleyError: body-parser failures, a database that is down, or an unexpected bug. */
export function toParleyError(err: unknown): ParleyError {
  if (err instanceof ParleyError) return err;
  const e = err as { type?: string; name?: string; message?: string; status?: number; limit?: number };
  if (e?.type === 'entity.too.large') return new PayloadTooLarge(e.limit);
  if (e?.type === 'entity.parse.failed') return new InvalidRequest([{ path: '', message: 'body is not valid JSON' }]);
  if (e?.type === 'encoding.unsupported' || e?.type === 'charset.unsupported') return new UnsupportedMediaType();
  // Any other body-parser refusal (aborted request, bad length...) is the client's, not ours.
  if (e?.type && e.status && e.status >= 400 && e.status < 500) return new InvalidRequest([{ path: '', message: e.message ?? e.type }]);
  if (e?.name && DATABASE_DOWN.has(e.name)) return new Unavailable('the database');
  if (e?.message?.includes('before initial connection is complete')) return new Unavailable('the database');
  return new ParleyError('internal_error', 'unexpected error');
}

/** The one place that writes error bodies. */
export function errorFunnel(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toParleyError(err);
    if (req.path === '/v1/messages') parleyMetrics().messagesRejected.add(1, { code: error.code });
    if (error.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (error instanceof Unavailable) res.setHeader('retry-after', '1');
    if (error instanceof TooManyFailedAttempts || error instanceof TooManyListeners) res.setHeader('retry-after', String(error.retryAfterSeconds));
    if (error instanceof RateLimited) {
      writeRateLimitHeaders(res, error.allowance);
      res.setHeader('retry-after', String(retryAfterSeconds(error.allowance)));
    }
    res.status(error.status).json({
      success: false,
      error: { code: error.code, message: error.message, ...(error.details ? { details: error.details } : {}) },
    });
  };
}

export const notFoundRoute: RequestHandler = (_req, _res, next) => next(new NotFound());

