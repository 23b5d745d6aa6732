import { assertPublicUrl } from './address-guard';
import { signWebhook } from './signing';

export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;
const SNIPPET_BYTES = 256;

export interface WebhookTarget {
  webhookUrl: string;
  webhookSecret: string;
}

export interface SendOptions {
  allowPrivate: boolean;
  userAgent: string;
  /** Per attempt; 15 s unless a test needs a shorter one. */
  timeoutMs?: number;
}

export interface SendResult {
  ok: boolean;
  status: number;
  latencyMs: number;
  /** The first bytes of a non-2xx answer. */
  snippet?: string;
}

/**
 * One signed POST of a payload to a webhook (Standard Webhooks headers, 15 s, no redirects). Throws
 * ForbiddenAddressError for a private address (unless allowed) and fetch's errors for timeouts and refusals.
 */
export async function sendSignedWebhook(target: WebhookTarget, webhookId: string, payload: object, options: SendOptions): Promise<SendResult> {
  const url = new URL(target.webhookUrl);
  if (!options.allowPrivate) await assertPublicUrl(url);
  const body = JSON.stringify(payload);
  const started = performance.now();
  const response = await fetch(url, {
    method: 'POST',
    body,
    redirect: 'manual',
    signal: AbortSignal.timeout(options.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS),
    headers: {
      'content-type': 'application/json',
      'user-agent': options.userAgent,
      ...signWebhook(target.webhookSecret, webhookId, body, new Date()),
    },
  });
  const latencyMs = Math.round(performance.now() - started);
  if (response.ok) {
    await response.body?.cancel(); // the body of a 2xx means nothing to us; never buffer it
    return { ok: true, status: response.status, latencyMs };
  }
  return { ok: false, status: response.status, latencyMs, snippet: await readSnippet(response) };
}

/** The first bytes of a failed answer, for the error; the rest is never read, however large. */
async function readSnippet(response: Response): Promise<string> {
  const reader = response.body?.getReader();
  if (!reader) return '';
  try {
    const { value } = await reader.read();
    return new TextDecoder().decode(value?.subarray(0, SNIPPET_BYTES));
  } catch {
    return '';
  } finally {
    await reader.cancel().catch(() => undefined);
  }
}
