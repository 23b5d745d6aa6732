import { Types, type mongo } from 'mongoose';
import { ATTEMPTS_KEPT, Delivery, lastLoggedSeq, type DeliveryState } from '../src/db/delivery';
import { isDuplicateKey } from '../src/db/errors';
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
  /**
   * No record of this webhook-id is expected yet (a reply's first attempt): it is inserted, and only if one exists
   * after all (the attempt is a retry of one that wrote it) updated. An insert needs no look-up before it writes
   * (`npm run bench` times both).
   */
  firstWrite?: boolean;
}

/**
 * Writes the delivery's record: its state now, and the attempt if one was made. Written with the driver, not the
 * model: the documents are built here in the schema's types, and mongoose's casting of them (the attempt as a
 * subdocument, the payload walked as Mixed) was the worker's largest cost per reply after the engine's own.
 * Either way the record is the one the model describes (test/e2e/deliver-webhook.test.ts validates it).
 */
export async function recordAttempt(key: DeliveryKey, state: DeliveryState, attempt: AttemptRecord | undefined, waiting: string | undefined, at: number) {
  const onInsert = { channelKey: new Types.ObjectId(key.channelKey), userID: key.userID, seq: key.seq, createdAt: new Date(key.createdAt), redeliveries: 0 };
  const now = { payload: key.payload, state, updatedAt: new Date(at), ...(waiting ? { waiting } : {}) };
  // An undefined field is left out, as the model leaves it out (the driver would store null).
  const options = { ignoreUndefined: true };
  if (key.firstWrite) {
    try {
      await deliveries().insertOne({ _id: key.webhookId, ...onInsert, ...now, ...(attempt ? { attempts: [attempt] } : {}) }, options);
      return;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  await deliveries().updateOne(
    { _id: key.webhookId },
    {
      // What the model's defaults give a new record (redeliveries; attempts start with this $push or stay absent).
      $setOnInsert: onInsert,
      $set: now,
      ...(waiting ? {} : { $unset: { waiting: 1 } }),
      ...(attempt ? { $push: { attempts: { $each: [attempt], $slice: -ATTEMPTS_KEPT } } } : {}),
    },
    { upsert: true, ...options },
  );
}

/** A delivery record as stored (src/db/delivery.ts's schema). */
interface DeliveryRecord {
  _id: string;
  channelKey: Types.ObjectId;
  userID: number;
  seq: number;
  createdAt: Date;
  redeliveries: number;
  payload: WebhookPayload;
  state: DeliveryState;
  updatedAt: Date;
  waiting?: string;
  attempts?: AttemptRecord[];
}

const deliveries = () => Delivery.collection as unknown as mongo.Collection<DeliveryRecord>;
