import { ApplicationFailure } from '@temporalio/common';
import type { WebhookPayload } from '../src/schemas/message';
import { createTtlCache } from '../src/cache/ttl-cache';
import { Channel } from '../src/db/channel';
import { assertPublicUrl, ForbiddenAddressError } from '../src/webhooks/address-guard';
import { signWebhook } from '../src/webhooks/signing';
import type { OutboxEntry } from '../workflows/definitions';

export const WEBHOOK_ATTEMPT_TIMEOUT_MS = 15_000;
const SNIPPET_BYTES = 256;

export interface DeliverWebhookInput {
  channelKey: string;
  userID: number;
  entry: OutboxEntry;
}

export interface DeliveryAttempt {
  status: number;
  latencyMs: number;
}

interface WebhookTarget {
  channelID: string;
  webhookUrl: string;
  webhookSecret: string;
}

export interface DeliverWebhookDeps {
  allowPrivate: boolean;
  userAgent: string;
}

/** One attempt to POST a reply to the channel's webhook; any failure throws so Temporal retries it durably. */
// A changed webhook URL, channelID or secret applies to pending deliveries within this.
const TARGET_CACHE_MS = 500;

export function createDeliverWebhook({ allowPrivate, userAgent }: DeliverWebhookDeps) {
  const targets = createTtlCache<string, WebhookTarget | null>({ ttlMs: TARGET_CACHE_MS, maxEntries: 10_000 });
  return async function deliverWebhook({ channelKey, userID, entry }: DeliverWebhookInput): Promise<DeliveryAttempt> {
    const channel = await targets.get(channelKey, () =>
      Channel.findById(channelKey, { channelID: 1, webhookUrl: 1, webhookSecret: 1 }).lean<WebhookTarget>().exec(),
    );
    if (!channel) throw ApplicationFailure.nonRetryable('channel no longer exists', 'ChannelNotFound');

    const url = new URL(channel.webhookUrl);
    if (!allowPrivate) {
      try {
        await assertPublicUrl(url);
      } catch (err) {
        if (err instanceof ForbiddenAddressError) throw ApplicationFailure.nonRetryable(err.message, 'ForbiddenAddress');
        throw err;
      }
    }

    const { text, ...rest } = entry.reply;
    const payload: WebhookPayload = { channelID: channel.channelID, message: text, userID, seq: entry.seq, ...rest };
    const body = JSON.stringify(payload);
    const started = performance.now();
    const response = await fetch(url, {
      method: 'POST',
      body,
      redirect: 'manual',
      signal: AbortSignal.timeout(WEBHOOK_ATTEMPT_TIMEOUT_MS),
      headers: {
        'content-type': 'application/json',
        'user-agent': userAgent,
        ...signWebhook(channel.webhookSecret, entry.webhookId, body, new Date()),
      },
    });
    const latencyMs = Math.round(performance.now() - started);
    if (response.ok) {
      await response.body?.cancel(); // the body of a 2xx means nothing to us; never buffer it
      return { status: response.status, latencyMs };
    }
    const snippet = await readSnippet(response);
    throw ApplicationFailure.retryable(`webhook answered ${response.status}: ${snippet}`, 'WebhookRejected', {
      status: response.status,
      latencyMs,
    });
  };
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
