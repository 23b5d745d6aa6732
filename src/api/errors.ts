import type { ErrorRequestHandler, RequestHandler } from 'express';
import type { Logger } from '../logger';
import { parleyMetrics } from '../telemetry/metrics';
import type { Allowance } from '../services/rate-limits';
import { retryAfterSeconds, writeRateLimitHeaders } from './rate-limit-headers';

export interface ErrorDetail {
  path: string;
  message: string;
}

/** Every error the API answers with: a stable code, an HTTP status, a message safe to show. */
export class ParleyError extends Error {
  constructor(
    readonly status: number,
    readonly code: string,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
  }
}

export class InvalidRequest extends ParleyError {
  constructor(details: ErrorDetail[], message = 'the request is not valid') {
    super(400, 'invalid_request', message, details);
  }
}
export class Unauthorized extends ParleyError {
  constructor(message = 'unknown channelID or wrong token') {
    super(401, 'unauthorized', message);
  }
}
export class PlanNotAllowed extends ParleyError {
  constructor() {
    super(403, 'plan_not_allowed', 'API channels need the pro or enterprise plan');
  }
}
export class ChannelDisabled extends ParleyError {
  constructor(reason?: string) {
    super(403, 'channel_disabled', `this channel is disabled${reason ? ` (${reason})` : ''}`);
  }
}
export class NotFound extends ParleyError {
  constructor(code = 'not_found', message = 'no such resource') {
    super(404, code, message);
  }
}
/** A well-formed page token that names no page of this list (not one it issued, or expired). */
export class PageTokenNotFound extends ParleyError {
  constructor() {
    super(404, 'page_token_not_found', 'this pageToken names no page of this list; pass the nextPageToken of a previous page');
  }
}
/** A flow that matches the document's schema but breaks a rule JSON Schema cannot state (references, size, regex safety). */
export class InvalidFlow extends ParleyError {
  constructor(details: ErrorDetail[], message = 'the flow is not valid') {
    super(422, 'invalid_flow', message, details);
  }
}
/** An upload of the document's form whose content is not what it says (magic number, size once decoded). */
export class InvalidAttachment extends ParleyError {
  constructor(details: ErrorDetail[]) {
    super(422, 'invalid_attachment', 'an attachment is not what it says it is', details);
  }
}
/** A body that names something (a bot by its id) that does not exist: the path's resource itself does. */
export class UnknownReference extends ParleyError {
  constructor(code: string, details: ErrorDetail[]) {
    super(422, code, details.map((d) => d.message).join('; '), details);
  }
}
export class PayloadTooLarge extends ParleyError {
  constructor(limitBytes?: number) {
    super(413, 'payload_too_large', limitBytes ? `the request body is over ${limitBytes} bytes, this route's limit` : 'the request body is too large');
  }
}
export class MethodNotAllowed extends ParleyError {
  constructor(method: string, allowed: string[]) {
    super(405, 'method_not_allowed', `${method} is not served here; this path answers ${allowed.join(', ')}`);
  }
}
export class UnsupportedMediaType extends ParleyError {
  constructor() {
    super(415, 'unsupported_media_type', 'send the body as application/json');
  }
}
export class Unavailable extends ParleyError {
  constructor(what: string, cause?: unknown) {
    super(503, 'unavailable', `${what} is unavailable; nothing was accepted, retry later`, undefined, { cause });
  }
}
export class RateLimited extends ParleyError {
  constructor(readonly allowance: Allowance) {
    super(429, 'rate_limited', `too many requests; retry in ${retryAfterSeconds(allowance)} s`);
  }
}

/** Too many failed token checks for this channelID or from this address: refused before the token is checked. */
export class TooManyFailedAttempts extends ParleyError {
  constructor(readonly retryAfterSeconds: number) {
    super(429, 'too_many_failed_attempts', `too many failed token checks for this channel or from this address; retry in ${retryAfterSeconds} s`);
  }
}

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
  return new ParleyError(500, 'internal_error', 'unexpected error');
}

/** The one place that writes error bodies. */
export function errorFunnel(logger: Logger): ErrorRequestHandler {
  return (err, req, res, _next) => {
    const error = toParleyError(err);
    if (req.path === '/v1/messages') parleyMetrics().messagesRejected.add(1, { code: error.code });
    if (error.status >= 500) logger.error({ err, method: req.method, path: req.path }, 'request failed');
    if (error instanceof Unavailable) res.setHeader('retry-after', '1');
    if (error instanceof TooManyFailedAttempts) res.setHeader('retry-after', String(error.retryAfterSeconds));
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

export class Conflict extends ParleyError {
  constructor(code: string, message: string) {
    super(409, code, message);
  }
}
export class Forbidden extends ParleyError {
  constructor(code: string, message: string) {
    super(403, code, message);
  }
}
export class AttachmentQuotaExceeded extends ParleyError {
  constructor(quotaBytes: number) {
    super(403, 'attachment_quota_exceeded', `this channel's uploads would pass its plan's ${quotaBytes} bytes; older ones go after ATTACHMENT_RETENTION unused`);
  }
}
export class ChannelLimit extends ParleyError {
  constructor(limit: number) {
    super(403, 'channel_limit', `this plan allows at most ${limit} API channels`);
  }
}
export class IdempotencyKeyReused extends ParleyError {
  constructor() {
    super(422, 'idempotency_key_reused', 'this Idempotency-Key was used with another request body in the last 24 h');
  }
}
export class IdempotencyKeyInProgress extends ParleyError {
  constructor() {
    super(409, 'idempotency_key_in_progress', 'a request with this Idempotency-Key is still being accepted; retry shortly');
  }
}
