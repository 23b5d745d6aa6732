import { Context } from '@temporalio/activity';
import { guardedRequest } from '../src/outbound/request';
import type { HttpRequest } from '../workflows/flow/engine';

export type HttpCallResult = { kind: 'http'; ok: true; data: unknown } | { kind: 'http'; ok: false; error: string };

const MAX_ANSWER_BYTES = 256 * 1024;

/** A flow's http node: one attempt, JSON in and out; every failure is an answer the flow branches on (onError). */
export function createHttpCall({ allowPrivate, userAgent }: { allowPrivate: boolean; userAgent: string }) {
  return async function httpCall(request: HttpRequest): Promise<HttpCallResult> {
    if (request.urlPrefix !== undefined && !withinTemplate(request.url, request.urlPrefix)) {
      return { kind: 'http', ok: false, error: "the URL left its template's host or path (a variable held '..' or another host)" };
    }
    try {
      const response = await guardedRequest({
        url: request.url,
        method: request.method,
        headers: { ...request.headers, accept: 'application/json', 'user-agent': userAgent, ...(request.body ? { 'content-type': 'application/json' } : {}) },
        body: request.body ? JSON.stringify(request.body) : undefined,
        timeoutMs: request.timeoutMs,
        allowPrivate,
        ...lookupKey(),
        resendOnStaleConnection: request.method === 'GET',
        maxBodyBytes: MAX_ANSWER_BYTES,
        overflow: 'error',
      });
      if (response.status < 200 || response.status >= 300) return { kind: 'http', ok: false, error: `answered ${response.status}` };
      return { kind: 'http', ok: true, data: response.body === '' ? null : (JSON.parse(response.body) as unknown) };
    } catch (err) {
      return { kind: 'http', ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  };
}

/** Whether a rendered URL still has its template's origin and begins with its literal path (after normalizing). */
function withinTemplate(url: string, prefix: string): boolean {
  try {
    const rendered = new URL(url);
    const literal = new URL(prefix);
    return rendered.origin === literal.origin && rendered.href.startsWith(literal.href);
  } catch {
    return false; // a template whose host is not written out has no origin to keep
  }
}

/** The session's channel key (from its workflow id), whose name lookups share a few slots; none outside an activity. */
function lookupKey(): { lookupKey?: string } {
  try {
    const channelKey = /^session-([0-9a-f]{24})-\d+$/.exec(Context.current().info.workflowExecution!.workflowId)?.[1];
    return channelKey ? { lookupKey: channelKey } : {};
  } catch {
    return {};
  }
}
