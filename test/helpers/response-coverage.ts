import { errorsOf, hasShared, responsesOf, ROUTES, SHARED_ERRORS, type RouteDoc } from '../../src/api/openapi-routes';
import { ERRORS, type ErrorCode } from '../../src/errors';

/** "post /v1/channels 201": every documented route and status the tests' stacks have answered. */
const produced = new Set<string>();

const matchers = ROUTES.map((route) => ({ route, pattern: new RegExp(`^${route.path.replace(/:\w+/g, '[^/]+')}$`) }))
  // A literal segment wins over a parameter: /deliveries/redeliver before /deliveries/:webhookId.
  .sort((a, b) => a.route.path.split(':').length - b.route.path.split(':').length);

/** "post /v1/channels channel_limit": every error code answered on a route, documented or not. */
const answeredCodes = new Set<string>();

/** What an answer was: its route's status, and for an error its code (read from the JSON body). */
export function recordResponse(method: string, url: string, status: number, errorCode?: string): void {
  const path = url.split('?')[0]!;
  const match = matchers.find(({ route, pattern }) => route.method === method.toLowerCase() && pattern.test(path));
  if (!match) return;
  produced.add(`${match.route.method} ${match.route.path} ${status}`);
  if (errorCode !== undefined) answeredCodes.add(`${match.route.method} ${match.route.path} ${errorCode}`);
}

/** Error codes the tests saw a route answer with that its documentation does not list. */
export function undocumentedCodes(): string[] {
  return [...answeredCodes].filter((answer) => {
    const [method, path, code] = answer.split(' ') as [string, string, string];
    const route = ROUTES.find((r) => r.method === method && r.path === path)!;
    return !errorsOf(route).includes(code as ErrorCode);
  });
}

export const responsesRecorded = () => produced.size;

/**
 * Documented answers no test produced. A route's own answers must each be produced on that route; the
 * answers shared middleware gives (SHARED_ERRORS) once on any route that has the middleware.
 */
export function unproducedResponses(): string[] {
  const missing: string[] = [];
  const producedOn = (route: (typeof ROUTES)[number], status: string) => produced.has(`${route.method} ${route.path} ${status}`);
  for (const route of ROUTES) {
    for (const status of Object.keys(responsesOf(route))) {
      const kind = (['admin', 'adminOnly', 'body'] as const).find((k) => hasShared(route, k) && sharedOnly(route, k, Number(status)));
      const ok = kind
        ? ROUTES.some((other) => hasShared(other, kind) && producedOn(other, status))
        : producedOn(route, status);
      if (!ok) missing.push(`${route.method.toUpperCase()} ${route.path} ${status}`);
    }
  }
  return [...new Set(missing)];
}

/** Whether a route answers `status` only through `kind`'s middleware (none of its own codes has that status). */
function sharedOnly(route: RouteDoc, kind: keyof typeof SHARED_ERRORS, status: number): boolean {
  const statusOf = (code: ErrorCode) => ERRORS[code].status;
  return SHARED_ERRORS[kind].some((code) => statusOf(code) === status) && !(route.errors ?? []).some((code) => statusOf(code) === status);
}
