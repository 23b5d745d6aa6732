import { retryAfterSeconds, type Allowance } from './plans';

/**
 * Every error code the API answers with, its HTTP status and what it means: the one list the error classes, the
 * OpenAPI document and the README's table are checked against (test/unit/errors.test.ts). Services throw these
 * (never anything from src/api/); the API's error funnel turns them into JSON.
 */
export const ERRORS = {
  invalid_request: { status: 400, description: 'the request breaks the OpenAPI document; `details` lists `{path, message}` per field' },
  webhook_url_forbidden: { status: 400, description: 'the webhook URL is not a public address, or its port is not 80, 443 or 1024-65535' },
  webhook_url_unresolvable: { status: 400, description: 'the webhook URL\'s host does not resolve' },
  unauthorized: { status: 401, description: 'no, an unknown or a wrong credential: a channel\'s ID and token, an API key (also revoked or expired), the codec token' },
  plan_not_allowed: { status: 403, description: 'the account is on the free plan, which has no API channels' },
  channel_disabled: { status: 403, description: 'the channel is disabled (its webhook kept failing); PATCH status "active" re-enables it' },
  channel_limit: { status: 403, description: 'the plan\'s number of API channels is reached' },
  attachment_quota_exceeded: { status: 403, description: 'the channel\'s uploads are at its plan\'s quota' },
  api_key_limit: { status: 403, description: 'the account holds 25 active API keys; revoke one first' },
  role_forbidden: { status: 403, description: 'an agent key asked for something only an admin key may do' },
  not_found: { status: 404, description: 'no such route' },
  user_not_found: { status: 404, description: 'the userID was never issued on this channel' },
  channel_not_found: { status: 404, description: 'no channel with this channelID in the caller\'s account' },
  bot_not_found: { status: 404, description: 'no bot with this id in the caller\'s account' },
  bot_version_not_found: { status: 404, description: 'the bot has no such version' },
  deployment_not_found: { status: 404, description: 'no deployment under this keyword on the channel' },
  delivery_not_found: { status: 404, description: 'no delivery with this webhook-id on the channel' },
  session_not_found: { status: 404, description: 'the user has no session' },
  session_not_running: { status: 404, description: 'the user\'s session is not running' },
  admin_not_found: { status: 404, description: 'no admin with this adminID in the account' },
  attachment_not_found: { status: 404, description: 'no stored upload with this id' },
  page_token_not_found: { status: 404, description: 'the pageToken names no page of this list (not issued for it, or expired)' },
  method_not_allowed: { status: 405, description: 'a known path asked with a method it does not serve; `Allow` lists those it does' },
  channel_id_taken: { status: 409, description: 'another channel has this channelID' },
  bot_changed: { status: 409, description: 'the bot changed since the version the save was based on' },
  bot_deployed: { status: 409, description: 'the bot is deployed; remove its deployments first' },
  bot_not_ready: { status: 409, description: 'the bot has only drafts' },
  keyword_taken: { status: 409, description: 'the keyword is already deployed on the channel' },
  default_taken: { status: 409, description: 'the channel already has a default deployment' },
  secret_rotation_conflict: { status: 409, description: 'another rotation of the webhook secret ran at the same time; nothing changed' },
  own_key: { status: 409, description: 'a key cannot revoke itself' },
  last_admin_key: { status: 409, description: 'the account\'s last active admin key cannot be revoked' },
  idempotency_key_in_progress: { status: 409, description: 'a request with the same `Idempotency-Key` is still being accepted: retry shortly' },
  payload_too_large: { status: 413, description: 'the body is over the route\'s limit (refused before parsing)' },
  unsupported_media_type: { status: 415, description: 'the body is not `application/json`' },
  idempotency_key_reused: { status: 422, description: 'the `Idempotency-Key` was used in the last 24 h with another body' },
  invalid_flow: { status: 422, description: 'the flow matches the document but is not a valid flow (a `next` naming no node, an unsafe regex, over 256 KB, a forbidden http-node host)' },
  invalid_attachment: { status: 422, description: 'an upload has the documented form but its bytes are not its type, or are over 5 MB decoded' },
  unknown_bot_id: { status: 422, description: 'a deployment\'s `botId` names no bot of the account' },
  payload_undecryptable: { status: 422, description: 'the codec cannot decrypt a payload (unknown key id, or altered)' },
  rate_limited: { status: 429, description: 'over the channel\'s, the user\'s or the account\'s budget; wait `Retry-After` seconds' },
  too_many_listeners: { status: 429, description: 'the channel has as many open event streams and long-polls on this API process as it may; close one or retry after `Retry-After` seconds' },
  too_many_failed_attempts: { status: 429, description: 'too many failed token checks for this channelID or from this address; wait `Retry-After` seconds' },
  internal_error: { status: 500, description: 'a bug: logged with its stack, answered without it' },
  unavailable: { status: 503, description: 'Temporal, the database or Redis cannot take the request: nothing was accepted, retry' },
} as const satisfies Record<string, { status: number; description: string }>;

export type ErrorCode = keyof typeof ERRORS;
/** The codes answered with `status`: a NotFound can only carry a 404's code, and so on. */
export type CodeOfStatus<S extends number> = { [C in ErrorCode]: (typeof ERRORS)[C]['status'] extends S ? C : never }[ErrorCode];

export interface ErrorDetail {
  path: string;
  message: string;
}

/** What services throw: a code of the catalogue (its HTTP status comes with it), a message safe to show. */
export class ParleyError extends Error {
  readonly status: number;

  constructor(
    readonly code: ErrorCode,
    message: string,
    readonly details?: ErrorDetail[],
    options?: { cause?: unknown },
  ) {
    super(message, options);
    this.status = ERRORS[code].status;
  }
}

export class InvalidRequest extends ParleyError {
  constructor(details: ErrorDetail[], message = 'the request is not valid') {
    super('invalid_request', message, details);
  }
}
export class Unauthorized extends ParleyError {
  constructor(message = 'unknown channelID or wrong token') {
    super('unauthorized', message);
  }
}
export class PlanNotAllowed extends ParleyError {
  constructor() {
    super('plan_not_allowed', 'API channels need the pro or enterprise plan');
  }
}
export class ChannelDisabled extends ParleyError {
  constructor(reason?: string) {
    super('channel_disabled', `this channel is disabled${reason ? ` (${reason})` : ''}`);
  }
}
export class NotFound extends ParleyError {
  constructor(code: CodeOfStatus<404> = 'not_found', message = 'no such resource') {
    super(code, message);
  }
}
/** A well-formed page token that names no page of this list (not one it issued, or expired). */
export class PageTokenNotFound extends ParleyError {
  constructor() {
    super('page_token_not_found', 'this pageToken names no page of this list; pass the nextPageToken of a previous page');
  }
}
/** A flow that matches the document's schema but breaks a rule JSON Schema cannot state (references, size, regex safety). */
export class InvalidFlow extends ParleyError {
  constructor(details: ErrorDetail[], message = 'the flow is not valid') {
    super('invalid_flow', message, details);
  }
}
/** An upload of the document's form whose content is not what it says (magic number, size once decoded). */
export class InvalidAttachment extends ParleyError {
  constructor(details: ErrorDetail[]) {
    super('invalid_attachment', 'an attachment is not what it says it is', details);
  }
}
/** A body that names something (a bot by its id) that does not exist: the path's resource itself does. */
export class UnknownReference extends ParleyError {
  constructor(code: CodeOfStatus<422>, details: ErrorDetail[]) {
    super(code, details.map((d) => d.message).join('; '), details);
  }
}
export class PayloadTooLarge extends ParleyError {
  constructor(limitBytes?: number) {
    super('payload_too_large', limitBytes ? `the request body is over ${limitBytes} bytes, this route's limit` : 'the request body is too large');
  }
}
export class MethodNotAllowed extends ParleyError {
  constructor(method: string, allowed: string[]) {
    super('method_not_allowed', `${method} is not served here; this path answers ${allowed.join(', ')}`);
  }
}
export class UnsupportedMediaType extends ParleyError {
  constructor() {
    super('unsupported_media_type', 'send the body as application/json');
  }
}
export class Unavailable extends ParleyError {
  constructor(what: string, cause?: unknown) {
    super('unavailable', `${what} is unavailable; nothing was accepted, retry later`, undefined, { cause });
  }
}
export class RateLimited extends ParleyError {
  constructor(readonly allowance: Allowance) {
    super('rate_limited', `too many requests; retry in ${retryAfterSeconds(allowance)} s`);
  }
}

/** Too many failed token checks for this channelID or from this address: refused before the token is checked. */
export class TooManyFailedAttempts extends ParleyError {
  constructor(readonly retryAfterSeconds: number) {
    super('too_many_failed_attempts', `too many failed token checks for this channel or from this address; retry in ${retryAfterSeconds} s`);
  }
}

/** Past the cap of a channel's open streams and long-polls (src/services/events/readers.ts). */
export class TooManyListeners extends ParleyError {
  readonly retryAfterSeconds = 5;

  constructor(cap: number) {
    super('too_many_listeners', `the channel already has ${cap} open event streams and long-polls here`);
  }
}

export class Conflict extends ParleyError {
  constructor(code: CodeOfStatus<409>, message: string) {
    super(code, message);
  }
}
export class Forbidden extends ParleyError {
  constructor(code: CodeOfStatus<403>, message: string) {
    super(code, message);
  }
}
export class AttachmentQuotaExceeded extends ParleyError {
  constructor(quotaBytes: number) {
    super('attachment_quota_exceeded', `this channel's uploads would pass its plan's ${quotaBytes} bytes; older ones go after ATTACHMENT_RETENTION unused`);
  }
}
export class ChannelLimit extends ParleyError {
  constructor(limit: number) {
    super('channel_limit', `this plan allows at most ${limit} API channels`);
  }
}
export class IdempotencyKeyReused extends ParleyError {
  constructor() {
    super('idempotency_key_reused', 'this Idempotency-Key was used with another request body in the last 24 h');
  }
}
export class IdempotencyKeyInProgress extends ParleyError {
  constructor() {
    super('idempotency_key_in_progress', 'a request with this Idempotency-Key is still being accepted; retry shortly');
  }
}

export class PayloadUndecryptable extends ParleyError {
  constructor(message: string) {
    super('payload_undecryptable', message);
  }
}

/** The README's error table, written from the catalogue (test/unit/errors.test.ts keeps the README equal to it). */
export function errorTableMarkdown(): string {
  const rows = Object.entries(ERRORS).map(([code, { status, description }]) => `| ${status} | \`${code}\` | ${description} |`);
  return ['| status | code | when |', '| --- | --- | --- |', ...rows].join('\n');
}
