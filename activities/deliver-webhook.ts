import { ApplicationFailure } from '@temporalio/common';
import type { WebhookPayload } from '../src/schemas/message';
import { createTtlCache } from '../src/cache/ttl-cache';
import { Channel } from '../src/db/channel';
import { ForbiddenAddressError } from '../src/webhooks/address-guard';
import { sendSignedWebhook, type SendOptions, type WebhookTarget } from '../src/webhooks/send';
import type { OutboxEntry } from '../workflows/definitions';

export interface DeliverWebhookInput {
  channelKey: string;
  userID: number;
  entry: OutboxEntry;
}

export interface DeliveryAttempt {
  status: number;
  latencyMs: number;
}

export type DeliverWebhookDeps = SendOptions;

// A changed webhook URL, channelID or secret applies to pending deliveries within this.
const TARGET_CACHE_MS = 500;

/** One attempt to POST a reply to the channel's webhook; any failure throws so Temporal retries it durably. */
export function createDeliverWebhook(options: DeliverWebhookDeps) {
  const targets = createTtlCache<string, (WebhookTarget & { channelID: string }) | null>({ ttlMs: TARGET_CACHE_MS, maxEntries: 10_000 });
  return async function deliverWebhook({ channelKey, userID, entry }: DeliverWebhookInput): Promise<DeliveryAttempt> {
    const channel = await targets.get(channelKey, () =>
      Channel.findById(channelKey, { channelID: 1, webhookUrl: 1, webhookSecret: 1 }).lean<WebhookTarget & { channelID: string }>().exec(),
    );
    if (!channel) throw ApplicationFailure.nonRetryable('channel no longer exists', 'ChannelNotFound');

    const { text, ...rest } = entry.reply;
    const payload: WebhookPayload = { channelID: channel.channelID, message: text, userID, seq: entry.seq, ...rest };
    try {
      const result = await sendSignedWebhook(channel, entry.webhookId, payload, options);
      if (result.ok) return { status: result.status, latencyMs: result.latencyMs };
      throw ApplicationFailure.retryable(`webhook answered ${result.status}: ${result.snippet}`, 'WebhookRejected', {
        status: result.status,
        latencyMs: result.latencyMs,
      });
    } catch (err) {
      if (err instanceof ForbiddenAddressError) throw ApplicationFailure.nonRetryable(err.message, 'ForbiddenAddress');
      throw err;
    }
  };
}
