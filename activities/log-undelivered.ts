import { Types } from 'mongoose';
import { Channel } from '../src/db/channel';
import { Delivery } from '../src/db/delivery';
import type { WebhookPayload } from '../src/schemas/message';
import type { OutboxEntry } from '../workflows/definitions';
import { toLogEvent } from './append-events';

export interface LogUndeliveredInput {
  channelKey: string;
  userID: number;
  entries: OutboxEntry[];
  /** Why they were not queued, as the log's attempt error shows it. */
  reason: string;
}

/** A delivery logged as failed without an attempt: its webhook-id is its key, so logging it again changes nothing. */
export interface FailedDelivery {
  webhookId: string;
  userID: number;
  seq: number;
  payload: WebhookPayload;
  at: Date;
  error: string;
}

export interface UndeliveredStore {
  /** The channel's public ID now; null once the channel is deleted. */
  channelIDOf(channelKey: string): Promise<string | null>;
  /** Inserts each delivery unless its webhook-id is logged already. */
  logFailed(channelKey: string, deliveries: FailedDelivery[]): Promise<void>;
}

/** The store the worker uses: the channel and the delivery log in MongoDB. */
export const mongoUndeliveredStore: UndeliveredStore = {
  channelIDOf: async (channelKey) => (await Channel.findById(channelKey, { channelID: 1 }).lean())?.channelID ?? null,
  logFailed: async (channelKey, deliveries) => {
    const key = new Types.ObjectId(channelKey);
    await Delivery.bulkWrite(
      deliveries.map(({ webhookId, userID, seq, payload, at, error }) => ({
        updateOne: {
          filter: { _id: webhookId },
          update: { $setOnInsert: { channelKey: key, userID, seq, createdAt: at, payload, state: 'failed', updatedAt: at, attempts: [{ at, error }] } },
          upsert: true,
        },
      })),
      { ordered: true },
    );
  },
};

/**
 * Replies a session could not queue (its outbox was over its bounds) go to the delivery log as failed, with
 * their seq and webhook-id: nothing is lost, and redelivering them (one, or all failed since T) sends them.
 */
export function createLogUndelivered(store: UndeliveredStore = mongoUndeliveredStore) {
  return async function logUndelivered({ channelKey, userID, entries, reason }: LogUndeliveredInput): Promise<void> {
    const channelID = await store.channelIDOf(channelKey);
    if (channelID === null) return; // the channel was deleted: there is nothing to redeliver to
    await store.logFailed(
      channelKey,
      entries.map(({ webhookId, seq, event, reply: { text, ...rest } }) => ({
        webhookId,
        userID,
        seq,
        // A session event the webhook takes is logged as the body it would have had (README, "Conversation log").
        payload: (event
          ? { type: event.type, channelID, userID, timestamp: rest.timestamp, seq, data: toLogEvent({ id: webhookId, type: event.type, at: rest.timestamp, seq, data: event.data }, { channelID, userID }).data }
          : { channelID, message: text, userID, seq, ...rest }) as WebhookPayload,
        at: new Date(rest.timestamp),
        error: reason,
      })),
    );
  };
}
