import { Router } from 'express';
import { z } from 'zod';
import { version } from '../../package.json';
import { inboundMessageSchema } from '../schemas/message';
import {
  adminMessageSchema,
  createAdminSchema,
  createBotSchema,
  createChannelSchema,
  createDeploymentSchema,
  deliveriesQuerySchema,
  patchChannelSchema,
  redeliverSinceSchema,
  sessionsQuerySchema,
  updateBotSchema,
} from '../schemas/management';

interface RouteDoc {
  method: 'get' | 'post' | 'put' | 'patch' | 'delete';
  /** Express form, e.g. /v1/channels/:channelID */
  path: string;
  summary: string;
  body?: z.ZodType;
  query?: z.ZodType;
  responses: Record<number, string>;
  admin?: boolean;
}

const E = { 400: 'invalid_request', 401: 'unauthorized', 404: 'not found', 409: 'conflict', 503: 'unavailable' } as const;

/** Every route the API serves; a test checks this list against the Express app, so it cannot drift. */
export const ROUTES: RouteDoc[] = [
  { method: 'get', path: '/healthz', summary: 'The process is up', responses: { 200: 'ok' } },
  { method: 'get', path: '/readyz', summary: 'Temporal and the database are reachable', responses: { 200: 'ok', 503: E[503] } },
  { method: 'get', path: '/openapi.json', summary: 'This document', responses: { 200: 'OpenAPI 3.1' } },
  {
    method: 'post', path: '/v1/messages', summary: 'A user message, answered once durably queued', body: inboundMessageSchema,
    responses: { 200: 'accepted', 400: E[400], 401: E[401], 403: 'plan_not_allowed | channel_disabled', 404: 'user_not_found', 413: 'payload_too_large', 415: 'unsupported_media_type', 503: E[503] },
  },
  { method: 'get', path: '/v1/attachments/:id', summary: 'A stored upload, for whoever holds its URL', responses: { 200: 'the file', 404: 'attachment_not_found' } },
  { method: 'post', path: '/v1/admins', summary: 'Another admin of the account', body: createAdminSchema, admin: true, responses: { 201: 'created, with its API key', 400: E[400], 401: E[401] } },
  { method: 'post', path: '/v1/channels', summary: 'Create an API channel', body: createChannelSchema, admin: true, responses: { 201: 'created', 400: 'invalid_request | webhook_url_forbidden | webhook_url_unresolvable', 401: E[401], 403: 'plan_not_allowed | channel_limit', 409: 'channel_id_taken' } },
  { method: 'get', path: '/v1/channels', summary: 'The account\'s channels', admin: true, responses: { 200: 'list', 401: E[401] } },
  { method: 'get', path: '/v1/channels/:channelID', summary: 'One channel', admin: true, responses: { 200: 'channel', 401: E[401], 404: E[404] } },
  { method: 'patch', path: '/v1/channels/:channelID', summary: 'Change channelID, token, webhook URL; re-enable', body: patchChannelSchema, admin: true, responses: { 200: 'channel', 400: E[400], 404: E[404], 409: 'channel_id_taken' } },
  { method: 'delete', path: '/v1/channels/:channelID', summary: 'Delete a channel, its deployments and sessions', admin: true, responses: { 200: 'deleted', 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/rotate-secret', summary: 'A new webhook secret; the old one also signs for 24 h', admin: true, responses: { 200: '{webhookSecret, previousSecretValidUntil}', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/deliveries', summary: 'The delivery log, newest first', query: deliveriesQuerySchema, admin: true, responses: { 200: '{deliveries, nextPageToken?}', 400: E[400], 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/deliveries/:webhookId', summary: 'One delivery with its attempts', admin: true, responses: { 200: 'delivery', 404: 'delivery_not_found' } },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/:webhookId/redeliver', summary: 'Send one delivery again (same webhook-id)', admin: true, responses: { 202: 'queued', 404: 'delivery_not_found', 503: E[503] } },
  { method: 'post', path: '/v1/channels/:channelID/deliveries/redeliver', summary: 'Send every delivery failed since a time again, in seq order per user', body: redeliverSinceSchema, admin: true, responses: { 202: '{queued, users, more}', 400: E[400], 404: E[404], 503: E[503] } },
  { method: 'post', path: '/v1/channels/:channelID/test-webhook', summary: 'Send a signed test event', admin: true, responses: { 200: '{reachable, status?, latencyMs, error?}', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/request-example', summary: 'A ready curl for POST /v1/messages', admin: true, responses: { 200: '{url, body, curl}', 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/sessions', summary: 'Sessions from Temporal visibility', query: sessionsQuerySchema, admin: true, responses: { 200: 'list', 400: E[400], 404: E[404] } },
  { method: 'get', path: '/v1/channels/:channelID/users/:userID/session', summary: 'A user\'s session state', admin: true, responses: { 200: 'state', 404: 'user_not_found | session_not_found' } },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/messages', summary: 'An admin message (agent mode)', body: adminMessageSchema, admin: true, responses: { 202: 'queued', 400: E[400], 404: E[404], 503: E[503] } },
  { method: 'post', path: '/v1/channels/:channelID/users/:userID/resume', summary: 'Hand the user back to the bot', admin: true, responses: { 202: 'resumed', 404: E[404] } },
  { method: 'post', path: '/v1/channels/:channelID/deployments', summary: 'Deploy a bot under a keyword', body: createDeploymentSchema, admin: true, responses: { 201: 'deployed', 400: E[400], 404: E[404], 409: 'bot_not_ready | keyword_taken | default_taken' } },
  { method: 'get', path: '/v1/channels/:channelID/deployments', summary: 'The channel\'s deployments', admin: true, responses: { 200: 'list', 404: E[404] } },
  { method: 'delete', path: '/v1/channels/:channelID/deployments/:keyword', summary: 'Remove a deployment', admin: true, responses: { 204: 'deleted', 404: E[404] } },
  { method: 'post', path: '/v1/bots', summary: 'Create a bot (?draft=true keeps an invalid flow)', body: createBotSchema, admin: true, responses: { 201: 'created', 400: E[400], 401: E[401] } },
  { method: 'get', path: '/v1/bots', summary: 'The account\'s bots', admin: true, responses: { 200: 'list' } },
  { method: 'get', path: '/v1/bots/:botId', summary: 'One version of a bot', admin: true, responses: { 200: 'bot', 404: E[404] } },
  { method: 'put', path: '/v1/bots/:botId', summary: 'Save a new version', body: updateBotSchema, admin: true, responses: { 200: 'saved', 400: E[400], 404: E[404], 409: 'bot_changed' } },
  { method: 'delete', path: '/v1/bots/:botId', summary: 'Delete a bot that is not deployed', admin: true, responses: { 204: 'deleted', 404: E[404], 409: 'bot_deployed' } },
];

const jsonSchema = (schema: z.ZodType) => {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as Record<string, unknown>;
  delete generated.$schema; // the document's dialect is OpenAPI 3.1's
  return generated;
};

/** OpenAPI 3.1, generated from the same zod schemas the routes parse with. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const path = route.path.replace(/:(\w+)/g, '{$1}');
    const parameters = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({ name, in: 'path', required: true, schema: { type: 'string' } }));
    (paths[path] ??= {})[route.method] = {
      summary: route.summary,
      ...(parameters.length ? { parameters } : {}),
      ...(route.admin ? { security: [{ adminApiKey: [] }] } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      ...(route.query ? { 'x-query': jsonSchema(route.query) } : {}),
      responses: Object.fromEntries(Object.entries(route.responses).map(([code, description]) => [code, { description }])),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Parley', version, description: 'An API channel for chatbots.' },
    components: { securitySchemes: { adminApiKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (pk_…)' } } },
    paths,
  };
}

export function openApiRouter(): Router {
  const document = openApiDocument();
  return Router().get('/openapi.json', (_req, res) => {
    res.json(document);
  });
}
