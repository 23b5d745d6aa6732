import assert from 'node:assert/strict';
import { Client, Connection } from '@temporalio/client';
import { openApiDocument, ROUTES } from '../../src/api/openapi';
import { createLogger } from '../../src/logger';
import { createApp } from '../../src/server';
import { createRedis } from '../../src/db/redis';
import { createRateLimits, rateLimitSettings } from '../../src/services/limits/rate-limits';
import { createPageTokens } from '../../src/services/paging/page-tokens';

interface Layer {
  route?: { path: string; methods: Record<string, boolean> };
  handle?: { stack?: Layer[] };
}

/** Every method + path the Express app serves, through nested routers. */
function servedRoutes(stack: Layer[]): string[] {
  return stack.flatMap((layer) => {
    if (layer.route) return Object.keys(layer.route.methods).filter((m) => m !== '_all').map((m) => `${m} ${layer.route!.path}`);
    return layer.handle?.stack ? servedRoutes(layer.handle.stack) : [];
  });
}

describe('OpenAPI document', () => {
  it('documents exactly the routes the app serves', async () => {
    const connection = Connection.lazy({ address: '127.0.0.1:1' }); // never used: only the route table is read
    const redis = createRedis('redis://127.0.0.1:1', undefined, { lazy: true }); // likewise
    const app = createApp({
      temporal: new Client({ connection }),
      logger: createLogger('silent', 'test'),
      rateLimits: createRateLimits(rateLimitSettings(), redis),
      pageTokens: createPageTokens(redis),
      publicUrl: 'http://127.0.0.1:1',
      sessions: { taskQueue: 'q', idleTimeoutMs: 1, agentIdleTimeoutMs: 1, acceptTimeoutMs: 1 },
      webhooks: { allowPrivate: false, userAgent: 'test' },
    });
    const served = servedRoutes((app as unknown as { router: { stack: Layer[] } }).router.stack).sort();
    assert.deepEqual(served, ROUTES.map((r) => `${r.method} ${r.path}`).sort());
    await connection.close();
    redis.disconnect();
  });

  it('carries the request schemas generated from zod', () => {
    const document = openApiDocument() as { openapi: string; paths: Record<string, Record<string, { requestBody?: { content: Record<string, { schema: { required?: string[]; additionalProperties?: boolean } }> } }>> };
    assert.equal(document.openapi, '3.1.0');
    const messages = document.paths['/v1/messages']!.post!.requestBody!.content['application/json']!.schema;
    assert.deepEqual(messages.required, ['channelID', 'token', 'message']);
    assert.equal(messages.additionalProperties, false);
    assert.ok(document.paths['/v1/channels/{channelID}/users/{userID}/messages']!.post);
  });
});
