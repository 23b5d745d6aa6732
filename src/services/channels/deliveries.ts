import type { Client } from '@temporalio/client';
import type { Types } from 'mongoose';
import { Channel } from '../../db/channel';
import { Delivery, type DeliveryDoc } from '../../db/delivery';
import { NotFound } from '../../errors';
import type { DeliveriesQuery } from '../../schemas/management';
import type { AttemptView, DeliverySummary, Page } from '../../schemas/views';
import { signalRedeliveries, type SessionSettings } from '../../temporal/sessions';
import { deliveriesResumedSignal, type OutboxEntry } from '../../../workflows/definitions';
import { MAX_REDELIVERY_SIGNAL_BYTES, sizeOf } from '../../../workflows/bounds';
import type { AdminIdentity } from '../accounts';
import { findOwnChannel } from './channels';
import { signalRunningSessions } from '../sessions/sessions';

/** At most this many deliveries are queued by one "redeliver since" call; the answer says when more are left. */
export const REDELIVER_BATCH = 500;

type StoredDelivery = DeliveryDoc & { _id: string };

type StoredAttempt = NonNullable<StoredDelivery['attempts']>[number];

/** An attempt as the API shows it: absent fields are left out, never null. */
function attemptView(a: StoredAttempt): AttemptView {
  return {
    at: a.at,
    ...(a.status != null ? { status: a.status } : {}),
    ...(a.latencyMs != null ? { latencyMs: a.latencyMs } : {}),
    ...(a.error != null ? { error: a.error } : {}),
    ...(a.responseSnippet != null ? { responseSnippet: a.responseSnippet } : {}),
  };
}

/** One line of the delivery log, as listed. */
function summary(d: StoredDelivery): DeliverySummary {
  const attempts = d.attempts ?? []; // FerretDB drops an empty array on upsert
  const last = attempts.at(-1);
  return {
    webhookId: d._id,
    userID: d.userID,
    seq: d.seq,
    state: d.state,
    ...(d.waiting ? { waiting: d.waiting } : {}),
    attemptCount: attempts.length,
    ...(last ? { lastAttempt: attemptView(last) } : {}),
    redeliveries: d.redeliveries ?? 0,
    createdAt: d.createdAt,
    updatedAt: d.updatedAt,
  };
}

/**
 * Newest first; replies of one turn share a timestamp, so seq orders them, and the webhook-id breaks any tie
 * left. The page token is the last row's sort key: stable while new deliveries arrive.
 */
const NEWEST_FIRST = { createdAt: -1, seq: -1, _id: -1 } as const;
const encodeToken = (d: StoredDelivery) => `${d.createdAt.getTime()}.${d.seq}.${d._id}`;
/** Every token the query schema lets through is a place to continue from (deliveriesQuerySchema). */
function decodeToken(token: string): { createdAt: Date; seq: number; id: string } {
  const [at, seq, ...id] = token.split('.');
  return { createdAt: new Date(Number(at)), seq: Number(seq), id: id.join('.') };
}

/** The channel's deliveries, newest first, filtered by state, user and creation time. */
export async function listDeliveries(admin: AdminIdentity, channelID: string, query: DeliveriesQuery): Promise<Page<'deliveries', DeliverySummary>> {
  const channel = await findOwnChannel(admin, channelID);
  const conditions: Record<string, unknown>[] = [{ channelKey: channel._id }];
  if (query.state) conditions.push({ state: query.state });
  if (query.userID !== undefined) conditions.push({ userID: query.userID });
  if (query.since) conditions.push({ createdAt: { $gte: query.since } });
  if (query.pageToken) {
    const after = decodeToken(query.pageToken);
    conditions.push({
      $or: [
        { createdAt: { $lt: after.createdAt } },
        { createdAt: after.createdAt, seq: { $lt: after.seq } },
        { createdAt: after.createdAt, seq: after.seq, _id: { $lt: after.id } },
      ],
    });
  }
  const filter = { $and: conditions };
  const rows = await Delivery.find(filter).sort(NEWEST_FIRST).limit(query.limit + 1).lean<StoredDelivery[]>();
  const page = rows.slice(0, query.limit);
  return { deliveries: page.map(summary), ...(rows.length > query.limit ? { nextPageToken: encodeToken(page.at(-1)!) } : {}) };
}

async function findDelivery(channelKey: Types.ObjectId, webhookId: string) {
  const delivery = await Delivery.findOne({ _id: webhookId, channelKey }).lean<StoredDelivery>();
  if (!delivery) throw new NotFound('delivery_not_found', `no delivery "${webhookId}" on this channel`);
  return delivery;
}

/** One delivery with its payload and every attempt. */
export async function getDelivery(admin: AdminIdentity, channelID: string, webhookId: string) {
  const channel = await findOwnChannel(admin, channelID);
  const delivery = await findDelivery(channel._id, webhookId);
  return { ...summary(delivery), payload: delivery.payload, attempts: (delivery.attempts ?? []).map(attemptView) };
}

/** The outbox entry that sends a logged delivery again: same webhook-id, seq and body. */
function outboxEntry(d: StoredDelivery): OutboxEntry {
  const { message, timestamp, quickReplies, attachments, adminID, type, data } = d.payload as {
    message: string; timestamp: number; quickReplies?: string[]; attachments?: { offset: number; url: string }[]; adminID?: number;
    type?: string; data?: Record<string, unknown>;
  };
  // A session event the webhook took (README, "Conversation log") goes again as that event.
  if (type !== undefined && data !== undefined) return { webhookId: d._id, seq: d.seq, reply: { text: '', timestamp }, event: { type, data } };
  return {
    webhookId: d._id,
    seq: d.seq,
    reply: { text: message, timestamp, ...(quickReplies ? { quickReplies } : {}), ...(attachments ? { attachments } : {}), ...(adminID !== undefined ? { adminID } : {}) },
  };
}

/**
 * Hands deliveries back to their users' sessions (started again if they ended), which send them in seq order
 * after what they have queued, with the usual retry schedule. Marked pending once Temporal has the signal.
 */
async function redeliver(temporal: Client, settings: SessionSettings, channel: { _id: Types.ObjectId; channelID: string }, deliveries: StoredDelivery[]) {
  const byUser = new Map<number, StoredDelivery[]>();
  for (const d of deliveries) byUser.set(d.userID, [...(byUser.get(d.userID) ?? []), d]);
  for (const [userID, mine] of byUser) {
    mine.sort((a, b) => a.seq - b.seq);
    for (const batch of bySize(mine, MAX_REDELIVERY_SIGNAL_BYTES, (d) => sizeOf(outboxEntry(d)))) {
      await signalRedeliveries(temporal, settings, { channelKey: String(channel._id), channelID: channel.channelID, userID }, batch.map(outboxEntry));
      await Delivery.updateMany({ _id: { $in: batch.map((d) => d._id) } }, { $set: { state: 'pending' }, $inc: { redeliveries: 1 } });
    }
  }
  return { queued: deliveries.length, users: byUser.size };
}

export async function redeliverOne(temporal: Client, settings: SessionSettings, admin: AdminIdentity, channelID: string, webhookId: string) {
  const channel = await findOwnChannel(admin, channelID);
  const delivery = await findDelivery(channel._id, webhookId);
  await redeliver(temporal, settings, channel, [delivery]);
  return { webhookId, queued: true };
}

/** Every failed delivery created since `since`, in seq order per user; `more` says another call is needed. */
export async function redeliverFailedSince(temporal: Client, settings: SessionSettings, admin: AdminIdentity, channelID: string, since: Date) {
  const channel = await findOwnChannel(admin, channelID);
  const failed = await Delivery.find({ channelKey: channel._id, state: 'failed', createdAt: { $gte: since } })
    .sort({ createdAt: 1 })
    .limit(REDELIVER_BATCH + 1)
    .lean<StoredDelivery[]>();
  const result = await redeliver(temporal, settings, channel, failed.slice(0, REDELIVER_BATCH));
  return { ...result, more: failed.length > REDELIVER_BATCH };
}

/**
 * After a re-enable: every session with a delivery waiting for the channel goes on now (each also checks hourly
 * by itself, so a session missed here is only late, never stuck).
 */
export async function resumeWaitingDeliveries(temporal: Client, channelKey: Types.ObjectId): Promise<number> {
  await Channel.updateOne({ _id: channelKey }, { $unset: { failingSince: 1 } });
  const userIDs = (await Delivery.distinct('userID', { channelKey, state: 'pending' })) as number[];
  return signalRunningSessions(temporal, String(channelKey), userIDs, deliveriesResumedSignal);
}

/** Consecutive batches of `items`, each at most `maxBytes` by `size` (an item larger than that goes alone). */
export function bySize<T>(items: T[], maxBytes: number, size: (item: T) => number = sizeOf): T[][] {
  const batches: T[][] = [];
  let batch: T[] = [];
  let bytes = 0;
  for (const item of items) {
    const itemBytes = size(item);
    if (batch.length > 0 && bytes + itemBytes > maxBytes) {
      batches.push(batch);
      batch = [];
      bytes = 0;
    }
    batch.push(item);
    bytes += itemBytes;
  }
  if (batch.length > 0) batches.push(batch);
  return batches;
}
