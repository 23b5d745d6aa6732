import type { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors';
import { inboundMessageSchema } from '../schemas/message';
import {
  adminMessageSchema, createAdminSchema, createChannelSchema, createDeploymentSchema, deliveriesQuerySchema,
  botVersionQuerySchema, createDraftBotSchema, draftBotSchema, draftQuerySchema, patchChannelSchema, redeliverSinceSchema, sessionsQuerySchema,
} from '../schemas/management';
import { codecPayloadsSchema } from '../schemas/codec';
import { acceptedSchema, userErasureSchema } from '../schemas/responses';
import { pageQuerySchema } from '../services/paging/pages';
import { idempotencyHeadersSchema } from './messages';
import { eventsQuerySchema, streamHeadersSchema, streamQuerySchema } from './events';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express form, e.g. /v1/channels/:channelID */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** Its success answers: status → what the body is. */
  responses: Record<number, string>;
  /**
   * The error codes it answers with besides those its middleware shares (SHARED_ERRORS); src/errors.ts gives
   * each its status and meaning, and the document is written from there.
   */
  errors?: ErrorCode[];
  /** Schema of the 2xx body, when it is worth pinning. */
  ok?: z.ZodType;
  admin?: boolean;
  /** An agent key may call it too (read sessions, write to a user, resume); every other admin route is 403 role_forbidden for one. */
  agent?: true;
  /** The Temporal UI's codec endpoint: the operators' codec token (Bearer) or its session cookie. */
  codec?: boolean;
  /** The conversation log's readers: the channel's token as `Authorization: Bearer <token>`. */
  channelToken?: boolean;
}

// The conversation log's readers answer as POST /v1/messages does to a token, plan or disabled channel.
const READER_ERRORS: ErrorCode[] = ['invalid_request', 'unauthorized', 'plan_not_allowed', 'channel_disabled', 'too_many_listeners', 'too_many_failed_attempts', 'unavailable'];
const PAGE = '{events, cursor}: oldest first; `cursor` is where the next read continues (the `after` given when there was no event)';
const STREAM = 'Server-Sent Events: `id:` the cursor, `event:` the type, `data:` the event (components.schemas.LogEvent); a heartbeat comment every 15 s';

/** Every route the API serves; a test checks this list against the Express app, so it cannot drift. */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up', responses: { 200: 'ok' } },
  { method: 'get', path: '/readyz', summary: 'Temporal and the database are reachable', responses: { 200: 'ok' }, errors: ['unavailable'] },
  { method: 'get', path: '/dashboard', summary: 'The management dashboard (web app)', responses: { 200: 'HTML' } },
  { method: 'get', path: '/dashboard/config.json', summary: 'What the dashboard links to (Temporal UI, namespace)', responses: { 200: '{temporalUiUrl, namespace}' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics of this API process', responses: { 200: 'text exposition format' } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
  { method: 'get', path: '/docs', summary: 'This document, rendered (Swagger UI, served locally)', responses: { 200: 'HTML' } },
  {
    method: 'post', path: '/v1/messages', summary: 'A user message, answered once durably queued', body: inboundMessageSchema, headers: idempotencyHeadersSchema, ok: acceptedSchema,
    responses: { 200: 'accepted (Idempotent-Replayed: true when it is a stored answer)' }, errors: ['invalid_request', 'unauthorized', 'plan_not_allowed', 'channel_disabled', 'attachment_quota_exceeded', 'user_not_found', 'idempotency_key_in_progress', 'payload_too_large', 'unsupported_media_type', 'idempotency_key_reused', 'invalid_attachment', 'rate_limited', 'too_many_failed_attempts', 'unavailable'],
  },
  { method: 'get', path: '/codec/sign-in', summary: 'Sign in for the Temporal UI\'s codec calls (a session cookie, 8 h)', responses: { 200: 'HTML' } },
  { method: 'post', path: '/codec/session', summary: 'A codec session cookie for the Temporal UI, from the codec token', codec: true, responses: { 204: 'signed in (Set-Cookie)' }, errors: ['unauthorized'] },
  {
    method: 'post', path: '/codec/decode', summary: 'Temporal remote codec: decrypt Parley\'s payloads (others come back as sent)', body: codecPayloadsSchema, codec: true, ok: codecPayloadsSchema,
    responses: { 200: '{payloads}' }, errors: ['unauthorized', 'payload_undecryptable'],
  },
  { method: 'post', path: '/codec/encode', summary: 'Temporal remote codec: encrypt payloads with the current key', body: codecPayloadsSchema, codec: true, ok: codecPayloadsSchema, responses: { 200: '{payloads}' }, errors: ['unauthorized'] },
  { method: 'get', path: '/v1/attachments/:id', summary: 'A stored upload, for whoever holds its URL', responses: { 200: 'the file' }, errors: ['attachment_not_found'] },
  { method: 'get', path: '/v1/admins', summary: 'The account\'s API keys (one per admin), revoked and expired ones included; never the keys', admin: true, responses: { 200: '{admins: [{adminID, name, role, keyPrefix, createdAt, expiresAt, revokedAt}]}' } },
  { method: 'post', path: '/v1/admins', summary: 'Another admin of the account with its own API key (shown once), a role and an optional expiry', body: createAdminSchema, admin: true, responses: { 201: 'created, with its API key' }, errors: ['api_key_limit', 'role_forbidden'] },
  { method: 'delete', path: '/v1/admins/:adminID', summary: 'Revoke an admin\'s API key (refused from the next request on)', admin: true, responses: { 200: 'the revoked key' }, errors: ['invalid_request', 'admin_not_found', 'own_key', 'last_admin_key'] },
  { method: 'post', path: '/v1/channels', summary: 'Create an API channel', body: createChannelSchema, admin: true, responses: { 201: 'created' }, errors: ['invalid_request', 'webhook_url_forbidden', 'webhook_url_unresolvable', 'plan_not_allowed', 'channel_limit', 'role_forbidden', 'channel_id_taken'] },
  { method: 'get', path: '/v1/channels', summary: 'The account\'s channels, newest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{channels, nextPageToken?}' }, errors: ['invalid_request'] },
  { method: 'get', path: '/v1/channels/:channelID', summary: 'One channel', admin: true, responses: { 200: 'channel' }, errors: ['channel_not_found'] },
  { method: 'patch', path: '/v1/channels/:channelID', summary: 'Change channelID, token, webhook URL; re-enable', body: patchChannelSchema, admin: true, responses: { 200: 'channel' }, errors: ['channel_not_found', 'channel_id_taken'] },
  { method: 'delete', path: '/v1/channels/:channelID', summary: 'Delete a channel, its deployments and sessions', admin: true, responses: { 200: 'deleted' }, errors: ['channel_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/rotate-secret', summary: 'A new webhook secret; each one rotated out also signs for 24 h (the three newest at most)', admin: true, responses: { 200: '{webhookSecret, previousSecretValidUntil}' }, errors: ['channel_not_found', 'secret_rotation_conflict'] },
  { method: 'get', path: '/v1/channels/:channelID/deliveries', summary: 'The delivery log, newest first', query: deliveriesQuerySchema, admin: true, responses: { 200: '{deliveries, nextPageToken?}' }, errors: ['invalid_request', 'channel_not_found'] },
  { method: 'get', path: '/v1/channels/:channelID/deliveries/:webhookId', summary: 'One delivery with its attempts', admin: true, responses: { 200: 'delivery' }, errors: ['invalid_request', 'channel_not_found', 'delivery_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/:webhookId/redeliver', summary: 'Send one delivery again (same webhook-id)', admin: true, responses: { 202: 'queued' }, errors: ['invalid_request', 'channel_not_found', 'delivery_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/redeliver', summary: 'Send every delivery failed since a time again, in seq order per user', body: redeliverSinceSchema, admin: true, responses: { 202: '{queued, users, more}' }, errors: ['channel_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/test-webhook', summary: 'Send a signed test event', admin: true, responses: { 200: '{reachable, status?, latencyMs, error?}' }, errors: ['channel_not_found'] },
  { method: 'get', path: '/v1/channels/:channelID/request-example', summary: 'A ready curl for POST /v1/messages', admin: true, responses: { 200: '{url, body, curl}' }, errors: ['channel_not_found'] },
  { method: 'get', path: '/v1/channels/:channelID/sessions', summary: 'Sessions from Temporal visibility', query: sessionsQuerySchema, admin: true, agent: true, responses: { 200: 'list' }, errors: ['invalid_request', 'channel_not_found', 'page_token_not_found'] },
  { method: 'get', path: '/v1/channels/:channelID/events', summary: 'The channel\'s conversation log after a cursor, oldest first; with `wait`, a long-poll', query: eventsQuerySchema, channelToken: true, responses: { 200: PAGE }, errors: READER_ERRORS },
  { method: 'get', path: '/v1/channels/:channelID/users/:userID/events', summary: 'One user\'s conversation log after a cursor, oldest first; with `wait`, a long-poll', query: eventsQuerySchema, channelToken: true, responses: { 200: PAGE }, errors: [...READER_ERRORS, 'user_not_found'] },
  { method: 'get', path: '/v1/channels/:channelID/events/stream', summary: 'The channel\'s conversation log as a live stream, resuming after Last-Event-ID', query: streamQuerySchema, headers: streamHeadersSchema, channelToken: true, responses: { 200: STREAM }, errors: READER_ERRORS },
  { method: 'get', path: '/v1/channels/:channelID/users/:userID/events/stream', summary: 'One user\'s conversation log as a live stream, resuming after Last-Event-ID', query: streamQuerySchema, headers: streamHeadersSchema, channelToken: true, responses: { 200: STREAM }, errors: [...READER_ERRORS, 'user_not_found'] },
  {
    method: 'delete', path: '/v1/channels/:channelID/users/:userID', summary: 'Erase a user (GDPR): end the session; delete the log, deliveries, uploads no other user sent, idempotency records and the user', admin: true,
    ok: userErasureSchema, responses: { 200: '{channelID, userID, sessionEnded, deleted: {events, deliveries, attachments, idempotencyKeys, users}}' }, errors: ['invalid_request', 'channel_not_found', 'user_not_found'],
  },
  { method: 'get', path: '/v1/channels/:channelID/users/:userID/session', summary: 'A user\'s session state', admin: true, agent: true, responses: { 200: 'state' }, errors: ['invalid_request', 'user_not_found', 'session_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/messages', summary: 'An admin message (agent mode)', body: adminMessageSchema, admin: true, agent: true, responses: { 202: 'queued' }, errors: ['attachment_quota_exceeded', 'channel_not_found', 'user_not_found', 'invalid_attachment'] },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/resume', summary: 'Hand the user back to the bot', admin: true, agent: true, responses: { 202: 'resumed' }, errors: ['invalid_request', 'channel_not_found', 'user_not_found'] },
  { method: 'post', path: '/v1/channels/:channelID/deployments', summary: 'Deploy a bot under a keyword', body: createDeploymentSchema, admin: true, responses: { 201: 'deployed' }, errors: ['channel_not_found', 'bot_not_ready', 'keyword_taken', 'default_taken', 'unknown_bot_id'] },
  { method: 'get', path: '/v1/channels/:channelID/deployments', summary: 'The channel\'s deployments, oldest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{deployments, nextPageToken?}' }, errors: ['invalid_request', 'channel_not_found'] },
  { method: 'delete', path: '/v1/channels/:channelID/deployments/:keyword', summary: 'Remove a deployment', admin: true, responses: { 204: 'deleted' }, errors: ['invalid_request', 'channel_not_found', 'deployment_not_found'] },
  { method: 'post', path: '/v1/bots', summary: 'Create a bot: ready when its flow is a valid Flow (components.schemas.Flow), else 422 or, with ?draft=true, a draft', body: createDraftBotSchema, query: draftQuerySchema, admin: true, responses: { 201: 'created' }, errors: ['invalid_flow'] },
  { method: 'get', path: '/v1/bots', summary: 'The account\'s bots, newest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{bots, nextPageToken?}' }, errors: ['invalid_request'] },
  { method: 'get', path: '/v1/bots/:botId', summary: 'One version of a bot', query: botVersionQuerySchema, admin: true, responses: { 200: 'bot' }, errors: ['invalid_request', 'bot_not_found', 'bot_version_not_found'] },
  { method: 'put', path: '/v1/bots/:botId', summary: 'Save a new version', body: draftBotSchema, query: draftQuerySchema, admin: true, responses: { 200: 'saved' }, errors: ['bot_not_found', 'bot_changed', 'invalid_flow'] },
  { method: 'delete', path: '/v1/bots/:botId', summary: 'Delete a bot that is not deployed', admin: true, responses: { 204: 'deleted' }, errors: ['bot_not_found', 'bot_deployed'] },
];

/** Error codes that shared middleware answers on every route of a kind: tested once per kind, not per route. */
export const SHARED_ERRORS: Record<SharedKind, ErrorCode[]> = {
  admin: ['unauthorized', 'rate_limited', 'unavailable'],
  adminOnly: ['role_forbidden'],
  body: ['invalid_request', 'payload_too_large', 'unsupported_media_type'],
};

export type SharedKind = 'admin' | 'adminOnly' | 'body';

/** Whether a route has the middleware that gives `kind`'s answers. */
export function hasShared(route: RouteDoc, kind: SharedKind): boolean {
  if (kind === 'admin') return Boolean(route.admin);
  if (kind === 'adminOnly') return Boolean(route.admin) && !route.agent;
  return Boolean(route.body);
}

/** Every error code a route answers with: its own, then those of its shared middleware. */
export function errorsOf(route: RouteDoc): ErrorCode[] {
  const shared = (['admin', 'adminOnly', 'body'] as const).filter((kind) => hasShared(route, kind)).flatMap((kind) => SHARED_ERRORS[kind]);
  return [...new Set([...(route.errors ?? []), ...shared])];
}

/** A route's answers by status: its success bodies, and per error status the codes it may carry. */
export function responsesOf(route: RouteDoc): Record<number, { description: string; codes?: ErrorCode[] }> {
  const answers: Record<number, { description: string; codes?: ErrorCode[] }> = {};
  for (const [status, description] of Object.entries(route.responses)) answers[Number(status)] = { description };
  for (const code of errorsOf(route)) (answers[ERRORS[code].status] ??= { description: '', codes: [] }).codes!.push(code);
  for (const answer of Object.values(answers)) {
    if (answer.codes) answer.description = answer.codes.map((code) => `\`${code}\`: ${ERRORS[code].description}`).join('; ');
  }
  return answers;
}
