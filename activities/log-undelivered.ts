import { Types } from 'mongoose';
import { Channel } from '../src/db/channel';
import { Delivery } from '../src/db/delivery';
import type { WebhookPayload } from '../src/schemas/message';
import type { OutboxEntry } from '../workflows/definitions';

export interface LogUndeliveredInput {
  channelKey: string;
  userID: number;
  entries: OutboxEntry[];
  /** Why they were not queued, as the log's attempt error shows it. */
  reason: string;
}

/**
 * Replies a session could not queue (its outbox was over its bounds) go to the delivery log as failed, with
 * their seq and webhook-id: nothing is lost, and redelivering them (one, or all failed since T) sends them.
 */
export async function logUndelivered({ channelKey, userID, entries, reason }: LogUndeliveredInput): Promise<void> {
  const channel = await Channel.findById(channelKey, { channelID: 1 }).lean();
  if (!channel) return; // the channel was deleted: there is nothing to redeliver to
  const key = new Types.ObjectId(channelKey);
  await Delivery.bulkWrite(
    entries.map(({ webhookId, seq, reply: { text, ...rest } }) => {
      const payload: WebhookPayload = { channelID: channel.channelID, message: text, userID, seq, ...rest };
      const at = new Date(rest.timestamp);
      return {
        updateOne: {
          filter: { _id: webhookId },
          update: {
            $setOnInsert: { channelKey: key, userID, seq, createdAt: at, payload, state: 'failed', updatedAt: at, attempts: [{ at, error: reason }] },
          },
          upsert: true,
        },
      };
    }),
    { ordered: true },
  );
}
