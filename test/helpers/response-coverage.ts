import { hasShared, responsesOf, ROUTES, SHARED_RESPONSES } from '../../src/api/openapi-routes';

/** "post /v1/channels 201": every documented route and status the tests' stacks have answered. */
const produced = new Set<string>();

const matchers = ROUTES.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/:\w+/g, '[^/]+')}$`) }))
  // A literal segment wins over a parameter: /deliveries/redeliver before /deliveries/:webhookId.
  .sort((a, b) => a.route.path.split(':').length - b.route.path.split(':').length);

export function recordResponse(method: string, url: string, status: number): void {
  const path = url.split('?')[0]!;
  const match = matchers.find(({ route, pattern }) => route.method === method.toLowerCase() && pattern.test(path));
  if (match) produced.add(`${match.route.method} ${match.route.path} ${status}`);
}

export const responsesRecorded = () => produced.size;

/**
 * Documented answers no test produced. A route's own answers must each be produced on that route; the
 * answers shared middleware gives (SHARED_RESPONSES) once on any route that has the middleware.
 */
export function unproducedResponses(): string[] {
  const missing: string[] = [];
  const producedOn = (route: (typeof ROUTES)[number], status: string) => produced.has(`${route.method} ${route.path} ${status}`);
  for (const route of ROUTES) {
    for (const status of Object.keys(responsesOf(route))) {
      const kind = (['admin', 'adminOnly', 'body'] as const).find((k) => hasShared(route, k) && status in SHARED_RESPONSES[k] && !(status in route.responses));
      const ok = kind
        ? ROUTES.some((other) => hasShared(other, kind) && producedOn(other, status))
        : producedOn(route, status);
      if (!ok) missing.push(`${route.method.toUpperCase()} ${route.path} ${status}`);
    }
  }
  return [...new Set(missing)];
}
