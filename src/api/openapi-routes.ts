import type { z } from 'zod';
import { inboundMessageSchema } from '../schemas/message';
import {
  adminMessageSchema, createAdminSchema, createBotSchema, createChannelSchema, createDeploymentSchema, deliveriesQuerySchema,
  botVersionQuerySchema, draftQuerySchema, patchChannelSchema, redeliverSinceSchema, sessionsQuerySchema, updateBotSchema,
} from '../schemas/management';
import { codecPayloadsSchema } from '../schemas/codec';
import { acceptedSchema } from '../schemas/responses';
import { pageQuerySchema } from '../services/pages';
import { idempotencyHeadersSchema } from './messages';

export interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express form, e.g. /v1/channels/:channelID */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodObject;
  headers?: z.ZodObject;
  /** Answers of this route itself; the ones every admin or body route shares are added by the generator. */
  responses: Record<number, string>;
  /** Schema of the 2xx body, when it is worth pinning. */
  ok?: z.ZodType;
  admin?: boolean;
  /** The Temporal UI's codec endpoint: the operators' codec token (Bearer) or its session cookie. */
  codec?: boolean;
}

const E = { 400: 'invalid_request', 404: 'not found', 409: 'conflict', 503: 'unavailable' } as const;

/** Every route the API serves; a test checks this list against the Express app, so it cannot drift. */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up', responses: { 200: 'ok' } },
  { method: 'get', path: '/readyz', summary: 'Temporal and the database are reachable', responses: { 200: 'ok', 503: E[503] } },
  { method: 'get', path: '/dashboard', summary: 'The management dashboard (web app)', responses: { 200: 'HTML' } },
  { method: 'get', path: '/dashboard/config.json', summary: 'What the dashboard links to (Temporal UI, namespace)', responses: { 200: '{temporalUiUrl, namespace}' } },
  { method: 'get', path: '/metrics', summary: 'Prometheus metrics of this API process', responses: { 200: 'text exposition format' } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
  { method: 'get', path: '/docs', summary: 'This document, rendered (Swagger UI, served locally)', responses: { 200: 'HTML' } },
  {
    method: 'post', path: '/v1/messages', summary: 'A user message, answered once durably queued', body: inboundMessageSchema, headers: idempotencyHeadersSchema, ok: acceptedSchema,
    responses: {
      200: 'accepted (Idempotent-Replayed: true when it is a stored answer)', 400: E[400], 401: 'unauthorized', 403: 'plan_not_allowed | channel_disabled', 404: 'user_not_found',
      409: 'idempotency_key_in_progress', 413: 'payload_too_large', 415: 'unsupported_media_type', 422: 'idempotency_key_reused', 429: 'rate_limited', 503: E[503],
    },
  },
  { method: 'get', path: '/codec/sign-in', summary: 'Sign in for the Temporal UI\'s codec calls (a session cookie, 8 h)', responses: { 200: 'HTML' } },
  { method: 'post', path: '/codec/session', summary: 'A codec session cookie for the Temporal UI, from the codec token', codec: true, responses: { 204: 'signed in (Set-Cookie)', 401: 'unauthorized' } },
  {
    method: 'post', path: '/codec/decode', summary: 'Temporal remote codec: decrypt Parley\'s payloads (others come back as sent)', body: codecPayloadsSchema, codec: true, ok: codecPayloadsSchema,
    responses: { 200: '{payloads}', 401: 'unauthorized', 422: 'payload_undecryptable (unknown key id, or altered)' },
  },
  { method: 'post', path: '/codec/encode', summary: 'Temporal remote codec: encrypt payloads with the current key', body: codecPayloadsSchema, codec: true, ok: codecPayloadsSchema, responses: { 200: '{payloads}', 401: 'unauthorized' } },
  { method: 'get', path: '/v1/attachments/:id', summary: 'A stored upload, for whoever holds its URL', responses: { 200: 'the file', 404: 'attachment_not_found' } },
  { method: 'post', path: '/v1/admins', summary: 'Another admin of the account', body: createAdminSchema, admin: true, responses: { 201: 'created, with its API key' } },
  { method: 'post', path: '/v1/channels', summary: 'Create an API channel', body: createChannelSchema, admin: true, responses: { 201: 'created', 400: 'invalid_request | webhook_url_forbidden | webhook_url_unresolvable', 403: 'plan_not_allowed | channel_limit', 409: 'channel_id_taken' } },
  { method: 'get', path: '/v1/channels', summary: 'The account\'s channels, newest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{channels, nextPageToken?}', 400: E[400] } },
  { method: 'get', path: '/v1/channels/:channelID', summary: 'One channel', admin: true, responses: { 200: 'channel', 404: E[404] } },
  { method: 'patch', path: '/v1/channels/:channelID', summary: 'Change channelID, token, webhook URL; re-enable', body: patchChannelSchema, admin: true, responses: { 200: 'channel', 404: E[404], 409: 'channel_id_taken' } },
  { method: 'delete', path: '/v1/channels/:channelID', summary: 'Delete a channel, its deployments and sessions', admin: true, responses: { 200: 'deleted', 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/rotate-secret', summary: 'A new webhook secret; each one rotated out also signs for 24 h (the three newest at most)', admin: true, responses: { 200: '{webhookSecret, previousSecretValidUntil}', 404: E[404], 409: 'secret_rotation_conflict' } },
  { method: 'get', path: '/v1/channels/:channelID/deliveries', summary: 'The delivery log, newest first', query: deliveriesQuerySchema, admin: true, responses: { 200: '{deliveries, nextPageToken?}', 400: E[400], 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/deliveries/:webhookId', summary: 'One delivery with its attempts', admin: true, responses: { 200: 'delivery', 400: E[400], 404: 'delivery_not_found' } },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/:webhookId/redeliver', summary: 'Send one delivery again (same webhook-id)', admin: true, responses: { 202: 'queued', 400: E[400], 404: 'delivery_not_found' } },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/redeliver', summary: 'Send every delivery failed since a time again, in seq order per user', body: redeliverSinceSchema, admin: true, responses: { 202: '{queued, users, more}', 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/test-webhook', summary: 'Send a signed test event', admin: true, responses: { 200: '{reachable, status?, latencyMs, error?}', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/request-example', summary: 'A ready curl for POST /v1/messages', admin: true, responses: { 200: '{url, body, curl}', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/sessions', summary: 'Sessions from Temporal visibility', query: sessionsQuerySchema, admin: true, responses: { 200: 'list', 400: 'invalid_request (also an unknown pageToken)', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/users/:userID/session', summary: 'A user\'s session state', admin: true, responses: { 200: 'state', 400: E[400], 404: 'user_not_found | session_not_found' } },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/messages', summary: 'An admin message (agent mode)', body: adminMessageSchema, admin: true, responses: { 202: 'queued', 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/resume', summary: 'Hand the user back to the bot', admin: true, responses: { 202: 'resumed', 400: E[400], 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/deployments', summary: 'Deploy a bot under a keyword', body: createDeploymentSchema, admin: true, responses: { 201: 'deployed', 404: E[404], 409: 'bot_not_ready | keyword_taken | default_taken' } },
  { method: 'get', path: '/v1/channels/:channelID/deployments', summary: 'The channel\'s deployments, oldest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{deployments, nextPageToken?}', 400: E[400], 404: E[404] } },
  { method: 'delete', path: '/v1/channels/:channelID/deployments/:keyword', summary: 'Remove a deployment', admin: true, responses: { 204: 'deleted', 400: E[400], 404: E[404] } },
  { method: 'post', path: '/v1/bots', summary: 'Create a bot (?draft=true keeps an invalid flow)', body: createBotSchema, query: draftQuerySchema, admin: true, responses: { 201: 'created' } },
  { method: 'get', path: '/v1/bots', summary: 'The account\'s bots, newest first, a page at a time', query: pageQuerySchema, admin: true, responses: { 200: '{bots, nextPageToken?}', 400: E[400] } },
  { method: 'get', path: '/v1/bots/:botId', summary: 'One version of a bot', query: botVersionQuerySchema, admin: true, responses: { 200: 'bot', 400: E[400], 404: E[404] } },
  { method: 'put', path: '/v1/bots/:botId', summary: 'Save a new version', body: updateBotSchema, query: draftQuerySchema, admin: true, responses: { 200: 'saved', 404: E[404], 409: 'bot_changed' } },
  { method: 'delete', path: '/v1/bots/:botId', summary: 'Delete a bot that is not deployed', admin: true, responses: { 204: 'deleted', 404: E[404], 409: 'bot_deployed' } },
];

/** Answers that shared middleware gives on every route of a kind: tested once per kind, not per route. */
export const SHARED_RESPONSES: Record<'admin' | 'body', Record<number, string>> = {
  admin: { 401: 'unauthorized (no or unknown API key)', 429: 'rate_limited (per API key)', 503: 'unavailable (database or rate limiter)' },
  body: { 400: 'invalid_request', 413: 'payload_too_large', 415: 'unsupported_media_type' },
};

export function responsesOf(route: RouteDoc): Record<number, string> {
  return {
    ...(route.admin ? SHARED_RESPONSES.admin : {}),
    ...(route.body ? SHARED_RESPONSES.body : {}),
    ...route.responses,
  };
}
