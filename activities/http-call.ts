import { assertPublicUrl } from '../src/webhooks/address-guard';
import type { HttpRequest } from '../workflows/flow/engine';

export type HttpCallResult = { kind: 'http'; ok: true; data: unknown } | { kind: 'http'; ok: false; error: string };

const MAX_ANSWER_BYTES = 1024 * 1024;

/** A flow's http node: one attempt, JSON in and out; every failure is an answer the flow branches on (onError). */
export function createHttpCall({ allowPrivate, userAgent }: { allowPrivate: boolean; userAgent: string }) {
  return async function httpCall(request: HttpRequest): Promise<HttpCallResult> {
    try {
      const url = new URL(request.url);
      if (!allowPrivate) await assertPublicUrl(url);
      const response = await fetch(url, {
        method: request.method,
        redirect: 'manual',
        signal: AbortSignal.timeout(request.timeoutMs),
        headers: { ...request.headers, accept: 'application/json', 'user-agent': userAgent, ...(request.body ? { 'content-type': 'application/json' } : {}) },
        body: request.body ? JSON.stringify(request.body) : undefined,
      });
      if (!response.ok) {
        await response.body?.cancel();
        return { kind: 'http', ok: false, error: `answered ${response.status}` };
      }
      const text = await response.text();
      if (text.length > MAX_ANSWER_BYTES) return { kind: 'http', ok: false, error: 'answer too large' };
      return { kind: 'http', ok: true, data: text === '' ? null : (JSON.parse(text) as unknown) };
    } catch (err) {
      return { kind: 'http', ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  };
}
