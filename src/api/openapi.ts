import { dirname } from 'node:path';
import express, { Router } from 'express';
import { z } from 'zod';
import { version } from '../../package.json';
import { channelIdParam, keywordSchema } from '../schemas/management';
import { flowSchema } from '../schemas/flow';
import { errorBodySchema } from '../schemas/responses';
import { EVENT_TYPES, eventDescription, loggedEventSchema, webhookBodySchema } from '../events/types';
import type { ErrorCode } from '../errors';
import { responsesOf, ROUTES, type RouteDoc } from './openapi-routes';

export { ROUTES } from './openapi-routes';

type JsonSchema = Record<string, unknown>;

const jsonSchema = (schema: z.ZodType): JsonSchema => {
  const generated = z.toJSONSchema(schema, { io: 'input', unrepresentable: 'any' }) as JsonSchema;
  delete generated.$schema; // the document's dialect is OpenAPI 3.1's
  return generated;
};

/** Path parameters as the routes parse them; any other is a string that names nothing when it matches nothing (404). */
const PATH_PARAMETERS: Record<string, JsonSchema> = {
  channelID: jsonSchema(channelIdParam),
  keyword: jsonSchema(keywordSchema),
  userID: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
  adminID: { type: 'integer', minimum: 1, maximum: Number.MAX_SAFE_INTEGER },
};

function parametersOf(route: RouteDoc) {
  const path = [...route.path.matchAll(/:(\w+)/g)].map(([, name]) => ({
    name, in: 'path', required: true, schema: PATH_PARAMETERS[name!] ?? { type: 'string', minLength: 1, maxLength: 128 },
  }));
  const fromObject = (schema: z.ZodObject | undefined, where: 'query' | 'header') => {
    if (!schema) return [];
    const { properties = {}, required = [] } = jsonSchema(schema) as { properties?: Record<string, JsonSchema>; required?: string[] };
    return Object.entries(properties).map(([name, property]) => ({ name, in: where, required: required.includes(name), schema: property }));
  };
  return [...path, ...fromObject(route.query, 'query'), ...fromObject(route.headers, 'header')];
}

function responseOf(route: RouteDoc, status: number, { description, codes }: { description: string; codes?: ErrorCode[] }) {
  if (status === 204) return { description };
  // The Error body, its `code` narrowed to the codes this route answers with under this status.
  if (codes) return { description, content: { 'application/json': { schema: { allOf: [{ $ref: '#/components/schemas/Error' }, { properties: { code: { enum: codes } } }] } } } };
  if (route.path === '/dashboard') return { description, content: { 'text/html': { schema: { type: 'string' } } } };
  if (route.path === '/docs' || route.path === '/codec/sign-in') return { description, content: { 'text/html': { schema: { type: 'string' } } } };
  if (route.path.endsWith('/events/stream')) return { description, content: { 'text/event-stream': { schema: { type: 'string' } } } };
  if (route.channelToken) return { description, content: { 'application/json': { schema: LOG_PAGE } } };
  if (route.path === '/metrics') return { description, content: { 'text/plain': { schema: { type: 'string' } } } };
  if (route.path === '/v1/attachments/:id') return { description, content: { '*/*': { schema: { type: 'string', format: 'binary' } } } };
  return { description, content: { 'application/json': { schema: route.ok ? jsonSchema(route.ok) : { type: 'object' } } } };
}

/** A page of the conversation log (history and long-poll). */
const LOG_PAGE = {
  type: 'object', required: ['events', 'cursor'], additionalProperties: false,
  properties: { events: { type: 'array', items: { $ref: '#/components/schemas/LogEvent' } }, cursor: { type: 'string', pattern: '^\\d{1,15}$' } },
};

/** OpenAPI 3.1, generated from the same zod schemas the routes parse with. */
export function openApiDocument() {
  const paths: Record<string, Record<string, unknown>> = {};
  for (const route of ROUTES) {
    const parameters = parametersOf(route);
    (paths[route.path.replace(/:(\w+)/g, '{$1}')] ??= {})[route.method] = {
      summary: route.summary,
      ...(route.admin ? { description: route.agent ? 'Admin and agent API keys.' : 'Admin API keys only: an agent key gets 403 role_forbidden.' } : {}),
      ...(parameters.length ? { parameters } : {}),
      ...(route.admin ? { security: [{ adminApiKey: [] }] } : {}),
      ...(route.codec ? { security: [{ codecToken: [] }, { codecSession: [] }] } : {}),
      ...(route.channelToken ? { security: [{ channelToken: [] }] } : {}),
      ...(route.body ? { requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(route.body) } } } } : {}),
      responses: Object.fromEntries(Object.entries(responsesOf(route)).map(([status, answer]) => [status, responseOf(route, Number(status), answer)])),
    };
  }
  return {
    openapi: '3.1.0',
    info: { title: 'Parley', version, description: 'An API channel for chatbots. Answers that spend a rate budget carry RateLimit-Limit, RateLimit-Remaining and RateLimit-Reset.' },
    components: {
      securitySchemes: {
        adminApiKey: { type: 'http', scheme: 'bearer', description: 'An admin API key (pk_…)' },
        codecToken: { type: 'http', scheme: 'bearer', description: 'The operators\' codec token (CODEC_AUTH_TOKEN)' },
        channelToken: { type: 'http', scheme: 'bearer', description: 'A channel\'s token (what POST /v1/messages sends in its body): reads the channel\'s conversation log' },
        codecSession: { type: 'apiKey', in: 'cookie', name: 'parley_codec_session', description: 'Set by POST /codec/session' },
      },
      // What a ready bot's flow must be; a bot's body is looser, as a draft may be stored (?draft=true).
      // LogEvent: one event of the conversation log as history, long-poll and stream answer it.
      schemas: { Error: jsonSchema(errorBodySchema), Flow: jsonSchema(flowSchema), LogEvent: jsonSchema(loggedEventSchema) },
    },
    paths,
    webhooks: webhooksOf(),
  };
}

/**
 * What a channel's webhook may receive (OpenAPI 3.1 `webhooks`), one entry per log event type, each signed per
 * Standard Webhooks. A channel chooses its types (`webhookEvents`); by default the bot and agent messages.
 */
function webhooksOf() {
  return Object.fromEntries(EVENT_TYPES.map((type) => [type, {
    post: {
      summary: eventDescription(type),
      parameters: ['webhook-id', 'webhook-timestamp', 'webhook-signature'].map((name) => ({ name, in: 'header', required: true, schema: { type: 'string' } })),
      requestBody: { required: true, content: { 'application/json': { schema: jsonSchema(webhookBodySchema(type)) } } },
      responses: { '2XX': { description: 'received; anything else is retried on the schedule (410 disables the channel)' } },
    },
  }]));
}

const SWAGGER_UI = dirname(require.resolve('swagger-ui-dist/package.json'));
// Served from node_modules: no CDN, and the validator badge (which calls swagger.io) is off.
const DOCS_PAGE = `<!doctype html>
<html lang="en">
<head><meta charset="utf-8"><title>Parley API</title><link rel="stylesheet" href="/docs/swagger-ui.css"></head>
<body>
<div id="swagger-ui"></div>
<script src="/docs/swagger-ui-bundle.js"></script>
<script>window.ui = SwaggerUIBundle({ url: '/openapi.json', dom_id: '#swagger-ui', validatorUrl: null, deepLinking: true });</script>
</body>
</html>`;

export function openApiRouter(): Router {
  const document = openApiDocument();
  const router = Router();
  router.get('/openapi.json', (_req, res) => {
    res.json(document);
  });
  router.get('/docs', (_req, res) => {
    res.type('html').send(DOCS_PAGE);
  });
  router.use('/docs', express.static(SWAGGER_UI, { index: false }));
  return router;
}
