import { Types, type mongo } from 'mongoose';
import { ATTEMPTS_KEPT, Delivery, lastLoggedSeq, type DeliveryState } from '../src/db/delivery';
import type { WebhookPayload } from '../src/schemas/message';
import type { OutboxEntry } from '../workflows/definitions';

// The delivery log (src/db/delivery.ts) as delivery attempts write it: one record per webhook-id.

export interface AttemptRecord {
  at: Date;
  status?: number;
  latencyMs?: number;
  error?: string;
  responseSnippet?: string;
}

/**
 * Null when no other delivery of this user holds the entry's seq; else where numbering must go on. A run that
 * was reset or terminated before its seq was saved may hand out a seq again: it is never sent twice.
 */
export async function nextSeqIfTaken(channelKey: string, userID: number, entry: OutboxEntry): Promise<number | null> {
  const key = new Types.ObjectId(channelKey);
  const taken = await Delivery.exists({ channelKey: key, userID, seq: entry.seq, _id: { $ne: entry.webhookId } });
  return taken ? (await lastLoggedSeq(key, userID)) + 1 : null;
}

export interface DeliveryKey {
  webhookId: string;
  channelKey: string;
  userID: number;
  seq: number;
  payload: WebhookPayload;
  createdAt: number;
}

/**
 * Upserts the delivery's record: its state now, and the attempt if one was made. Written with the driver, not the
 * model: the update is built here already in the schema's types, and mongoose's casting of it (the attempt as a
 * subdocument, the payload walked as Mixed) was the worker's largest cost per reply after the engine's own. The
 * record is the one the model describes: test/e2e/delivery-log.test.ts validates it against the schema.
 */
export async function recordAttempt(key: DeliveryKey, state: DeliveryState, attempt: AttemptRecord | undefined, waiting: string | undefined, at: number) {
  await (Delivery.collection as unknown as mongo.Collection<{ _id: string }>).updateOne(
    { _id: key.webhookId },
    {
      // What the model's defaults give a new record (redeliveries; attempts start with this $push or stay absent).
      $setOnInsert: { channelKey: new Types.ObjectId(key.channelKey), userID: key.userID, seq: key.seq, createdAt: new Date(key.createdAt), redeliveries: 0 },
      $set: { payload: key.payload, state, updatedAt: new Date(at), ...(waiting ? { waiting } : {}) },
      ...(waiting ? {} : { $unset: { waiting: 1 } }),
      ...(attempt ? { $push: { attempts: { $each: [attempt], $slice: -ATTEMPTS_KEPT } } } : {}),
    },
    // An undefined field is left out, as the model leaves it out (the driver would store null).
    { upsert: true, ignoreUndefined: true },
  );
}
