import { guardedRequest } from '../outbound/request';
import { signWebhook } from './signing';

export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;
const SNIPPET_BYTES = 256;
const RETRY_AFTER_MIN_MS = 1_000;
const RETRY_AFTER_MAX_MS = 24 * 3_600_000;

export interface WebhookTarget {
  webhookUrl: string;
  /** The channel key: its name lookups share a few slots (src/outbound/resolver.ts). */
  channelKey?: string;
  /** The current secret first; during a rotation the previous one too. */
  secrets: readonly string[];
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
  /** From a 429 or 503 answer's Retry-After, clamped to [1 s, 24 h]. */
  retryAfterMs?: number;
}

/**
 * One signed POST of a payload to a webhook (Standard Webhooks headers, 15 s, no redirects, SSRF-guarded).
 * Throws ForbiddenAddressError for a refused address, OutboundTimeoutError, and connection errors.
 */
export async function sendSignedWebhook(target: WebhookTarget, webhookId: string, payload: object, options: SendOptions, now = new Date()): Promise<SendResult> {
  const body = JSON.stringify(payload);
  const response = await guardedRequest({
    url: target.webhookUrl,
    method: 'POST',
    body,
    headers: { 'content-type': 'application/json', 'user-agent': options.userAgent, ...signWebhook(target.secrets, webhookId, body, now) },
    timeoutMs: options.timeoutMs ?? WEBHOOK_ATTEMPT_TIMEOUT_MS,
    allowPrivate: options.allowPrivate,
    ...(target.channelKey ? { lookupKey: target.channelKey } : {}),
    resendOnStaleConnection: true, // the receiver drops a webhook-id it has seen
    maxBodyBytes: SNIPPET_BYTES,
    overflow: 'truncate',
  });
  const { status, latencyMs } = response;
  if (status >= 200 && status < 300) return { ok: true, status, latencyMs };
  const retryAfterMs = status === 429 || status === 503 ? parseRetryAfter(response.headers['retry-after'], now.getTime()) : undefined;
  return { ok: false, status, latencyMs, snippet: response.body, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
}

/** Retry-After as delay-seconds or an HTTP date, clamped to [1 s, 24 h]; undefined when absent or unreadable. */
export function parseRetryAfter(value: string | undefined, now: number): number | undefined {
  if (!value) return undefined;
  const text = value.trim();
  const ms = /^\d+$/.test(text) ? Number(text) * 1_000 : Date.parse(text) - now;
  if (Number.isNaN(ms)) return undefined;
  return Math.min(RETRY_AFTER_MAX_MS, Math.max(RETRY_AFTER_MIN_MS, ms));
}
