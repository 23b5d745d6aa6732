import { Types, type mongo } from 'mongoose';
import type { Plan } from '../db/account';
import { Account } from '../db/account';
import { Channel } from '../db/channel';
import { isDuplicateKey } from '../db/errors';
import { Event, type EventDoc } from '../db/event';
import { createTtlCache } from '../cache/ttl-cache';
import { PLAN_LIMITS } from '../plans';

/**
 * A channel's conversation log: every event stored once, in order, under a per-channel cursor.
 *
 * Cursors come from a counter on the channel, then the event is inserted: two writers (two users' sessions)
 * can take cursors 7 and 8 and the insert of 8 land first. A reader that passed 8 would never see 7, so a reader
 * stops at a gap until it is GAP_GRACE_MS old (counted from the allocation of the event after it). A writer
 * gives up a cursor it could not start inserting within ABANDON_AFTER_MS and takes another, so a gap older than
 * the grace is one that will never fill: a retried append whose event was stored already, a writer that died,
 * an event erased or expired. One user's events have one writer at a time (their session, which appends in
 * order and waits for each append), so a user's own events never overtake each other.
 */

/** An event to append; `id` makes the append idempotent (a retry stores nothing twice). */
export interface NewEvent {
  id: string;
  userID: number;
  type: string;
  seq?: number;
  data: unknown;
  /** When it happened (UTC ms). */
  at: number;
}

/** An event as readers get it. `cursor` is opaque to clients: they hand it back to continue after it. */
export interface LoggedEvent {
  id: string;
  cursor: string;
  type: string;
  userID: number;
  seq?: number;
  timestamp: number;
  data: unknown;
}

export const GAP_GRACE_MS = 5_000;
export const ABANDON_AFTER_MS = 1_000;
const ALLOCATE_ATTEMPTS = 20;
const DAY_MS = 86_400_000;

/** What stays readable of a log whose channel's account is gone: the shortest paid retention. */
const FALLBACK_PLAN: Plan = 'pro';

// An account's plan changes rarely; its retention applies to events appended within this.
const plans = createTtlCache<string, Plan>({ ttlMs: 60_000, maxEntries: 10_000 });

async function retentionMsOf(accountId: Types.ObjectId): Promise<number> {
  const plan = await plans.get(String(accountId), async () => (await Account.findById(accountId, { plan: 1 }).lean())?.plan ?? FALLBACK_PLAN);
  return PLAN_LIMITS[plan].eventRetentionDays * DAY_MS;
}

/** Takes `count` cursors of the channel; null when the channel is gone (its log is deleted with it). */
async function allocate(channelKey: Types.ObjectId, count: number) {
  const allocatedAt = Date.now();
  // No projection: FerretDB v1 does not implement findAndModify's "fields". The driver's, not the model's: this
  // runs for every reply (src/events/log.ts's writes are the hot path's, built in the schema's types).
  const channel = await Channel.collection.findOneAndUpdate({ _id: channelKey }, { $inc: { lastEventCursor: count } }, { returnDocument: 'after' });
  if (!channel) return null;
  return { first: (channel.lastEventCursor as number) - count + 1, allocatedAt, accountId: channel.accountId as Types.ObjectId };
}

/**
 * Appends `events` of one user, in their order; events already stored (by id) are skipped. Answers how many
 * were stored now; 0 when the channel no longer exists. Once `signal` aborts (the calling activity timed out or
 * was cancelled) it takes no more cursors and throws the signal's reason: a retry of the activity appends the rest.
 */
export async function appendEvents(channelKey: string, events: NewEvent[], signal?: AbortSignal): Promise<number> {
  const key = new Types.ObjectId(channelKey);
  let pending = events;
  let stored = 0;
  // Allocations that gave no usable cursor (too late, or shared with another writer); a retried append's events
  // found stored already are not one: a batch of any length goes in.
  let wasted = 0;
  while (pending.length > 0) {
    signal?.throwIfAborted();
    if (wasted === ALLOCATE_ATTEMPTS) throw new Error(`no free cursor on channel ${channelKey} after ${wasted} attempts`);
    const cursors = await allocate(key, pending.length);
    if (!cursors) return stored;
    // Too late to insert under these cursors: readers may already have passed them. Take new ones.
    if (Date.now() - cursors.allocatedAt > ABANDON_AFTER_MS) {
      wasted++;
      continue;
    }
    const expiresAt = new Date(cursors.allocatedAt + (await retentionMsOf(cursors.accountId)));
    const docs = pending.map((e, i) => ({
      _id: e.id,
      channelKey: key,
      cursor: cursors.first + i,
      userID: e.userID,
      type: e.type,
      ...(e.seq !== undefined ? { seq: e.seq } : {}),
      data: e.data,
      at: new Date(e.at),
      allocatedAt: new Date(cursors.allocatedAt),
      expiresAt,
    }));
    const refused = await insertInOrder(docs);
    stored += refused === null ? docs.length : refused;
    if (refused === null) return stored;
    // The event at `refused` was not stored: either it was already (a retried append: skip it, and every later
    // one stored too, found in one look-up), or FerretDB v1, whose $inc is not atomic, gave its cursor to another
    // writer too (take new cursors for it and what follows).
    const rest = pending.slice(refused);
    if (rest.length === 0) return stored; // every one was in (a writer raced this append to the last event)
    const already = new Set((await Event.find({ _id: { $in: rest.map((e) => e.id) } }, { _id: 1 }).lean()).map((d) => d._id));
    if (!already.has(rest[0]!.id)) wasted++;
    pending = rest.filter((e) => !already.has(e.id));
  }
  return stored;
}

/** Inserts in order, stopping at the first duplicate; null when all went in, else the index of the refused one. */
async function insertInOrder(docs: Record<string, unknown>[]): Promise<number | null> {
  try {
    await (Event.collection as unknown as mongo.Collection<Record<string, unknown>>).insertMany(docs, { ordered: true, ignoreUndefined: true });
    return null;
  } catch (err) {
    if (!isDuplicateKey(err)) throw err;
    const inserted = (err as { insertedDocs?: unknown[]; result?: { insertedCount?: number } }).result?.insertedCount;
    if (typeof inserted === 'number') return inserted;
    // Not told how many went in: find the first missing one (they went in in order).
    const present = new Set((await Event.find({ _id: { $in: docs.map((d) => d._id as string) } }, { _id: 1 }).lean()).map((d) => d._id));
    const refused = docs.findIndex((d) => !present.has(d._id as string));
    return refused === -1 ? docs.length : refused;
  }
}

export interface ReadQuery {
  /** Continue after this cursor; from the start of what is kept when absent. */
  after?: string;
  limit: number;
  /** Only this user's events. */
  userID?: number;
}

export interface ReadResult {
  events: LoggedEvent[];
  /** Where the next read continues: the last event's cursor, or `after` when there was none. */
  cursor: string;
}

/** Cursors given to clients: the decimal position, which clients treat as opaque. */
export const CURSOR_PATTERN = /^\d{1,15}$/;
const positionOf = (cursor: string | undefined) => (cursor === undefined ? 0 : Number(cursor));

/**
 * Events after `after`, oldest first. A channel read stops before a gap younger than the grace (an event
 * still being written); a user's read needs no such wait (their events have one writer, in order).
 */
export async function readEvents(channelKey: string, query: ReadQuery, now = Date.now()): Promise<ReadResult> {
  const from = positionOf(query.after);
  const filter: Record<string, unknown> = { channelKey: new Types.ObjectId(channelKey), cursor: { $gt: from } };
  if (query.userID !== undefined) filter.userID = query.userID;
  const rows = await Event.find(filter).sort({ cursor: 1 }).limit(query.limit).lean<(EventDoc & { _id: string })[]>();
  const events: LoggedEvent[] = [];
  let expected = from + 1;
  for (const row of rows) {
    const settling = query.userID === undefined && row.cursor !== expected && now - row.allocatedAt.getTime() < GAP_GRACE_MS;
    if (settling) break;
    events.push(view(row));
    expected = row.cursor + 1;
  }
  return { events, cursor: String(expected - 1) };
}

function view(row: EventDoc & { _id: string }): LoggedEvent {
  return {
    id: row._id,
    cursor: String(row.cursor),
    type: row.type,
    userID: row.userID,
    ...(row.seq !== undefined && row.seq !== null ? { seq: row.seq } : {}),
    timestamp: row.at.getTime(),
    data: row.data,
  };
}

/** Deletes events past their retention, a batch at a time (FerretDB v1 has no TTL indexes); answers how many. */
export async function sweepExpiredEvents(now = new Date(), batch = 1_000): Promise<number> {
  let deleted = 0;
  for (;;) {
    const expired = await Event.find({ expiresAt: { $lt: now } }, { _id: 1 }).limit(batch).lean();
    if (expired.length === 0) return deleted;
    deleted += (await Event.deleteMany({ _id: { $in: expired.map((e) => e._id) } })).deletedCount;
    if (expired.length < batch) return deleted;
  }
}
