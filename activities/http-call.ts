import { assertPublicUrl } from '../src/webhooks/address-guard';
import type { HttpRequest } from '../workflows/flow/engine';

export type HttpCallResult = { kind: 'http'; ok: true; data: unknown } | { kind: 'http'; ok: false; error: string };

const MAX_ANSWER_BYTES = 256 * 1024;

/** A flow's http node: one attempt, JSON in and out; every failure is an answer the flow branches on (onError). */
export function createHttpCall({ allowPrivate, userAgent }: { allowPrivate: boolean; userAgent: string }) {
  return async function httpCall(request: HttpRequest): Promise<HttpCallResult> {
    // One deadline for everything: the DNS check, connecting, and reading the answer.
    const signal = AbortSignal.timeout(request.timeoutMs);
    try {
      const url = new URL(request.url);
      if (!allowPrivate) await abortable(assertPublicUrl(url), signal);
      const response = await fetch(url, {
        method: request.method,
        redirect: 'manual',
        signal,
        headers: { ...request.headers, accept: 'application/json', 'user-agent': userAgent, ...(request.body ? { 'content-type': 'application/json' } : {}) },
        body: request.body ? JSON.stringify(request.body) : undefined,
      });
      if (!response.ok) {
        await response.body?.cancel();
        return { kind: 'http', ok: false, error: `answered ${response.status}` };
      }
      const text = await readLimited(response, MAX_ANSWER_BYTES);
      return { kind: 'http', ok: true, data: text === '' ? null : (JSON.parse(text) as unknown) };
    } catch (err) {
      return { kind: 'http', ok: false, error: err instanceof Error ? `${err.name}: ${err.message}` : String(err) };
    }
  };
}

function abortable<T>(work: Promise<T>, signal: AbortSignal): Promise<T> {
  return Promise.race([work, new Promise<never>((_ok, fail) => signal.addEventListener('abort', () => fail(signal.reason), { once: true }))]);
}

/** The body as text, refusing (without buffering the rest) one larger than `limit` bytes. */
async function readLimited(response: Response, limit: number): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  const chunks: Uint8Array[] = [];
  let size = 0;
  for (;;) {
    const { done, value } = await reader.read();
    if (done) break;
    size += value.byteLength;
    if (size > limit) {
      await reader.cancel();
      throw new Error(`answer larger than ${limit} bytes`);
    }
    chunks.push(value);
  }
  return Buffer.concat(chunks).toString('utf8');
}
