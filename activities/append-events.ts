import { createTtlCache } from '../src/cache/ttl-cache';
import { Channel } from '../src/db/channel';
import { appendEvents, type NewEvent } from '../src/events/log';
import type { OutboxEntry, PendingEvent } from '../workflows/definitions';
import { givenUpSignal } from './given-up';

/** Where the session's events go: the conversation log (src/events/log.ts); a unit test hands in its own. */
export interface EventStore {
  /** Appends one user's events in order, each once (by id); answers how many were stored now. Stops once `signal` aborts. */
  append(channelKey: string, events: NewEvent[], signal?: AbortSignal): Promise<number>;
}

export const mongoEventStore: EventStore = { append: appendEvents };

/**
 * The log's event from what the session queued: a reply becomes exactly its webhook body, a user message the
 * message as accepted; `channelID` is the channel's public ID now, as on the webhook. `sent` is the reply the
 * calling attempt sends, whose event came without it.
 */
export function toLogEvent(event: PendingEvent, target: { channelID: string; userID: number }, sent?: OutboxEntry): NewEvent {
  const { id, type, at, seq } = event;
  const reply = event.reply ?? (event.data?.sameAsEntry && sent?.webhookId === id ? sent.reply : undefined);
  let data: Record<string, unknown>;
  if (reply) {
    const { text, ...rest } = reply;
    data = { channelID: target.channelID, message: text, userID: target.userID, seq, ...rest };
  } else if (type === 'message.user') {
    data = { channelID: target.channelID, userID: target.userID, ...event.data, timestamp: at };
  } else {
    data = event.data ?? {};
  }
  return { id, userID: target.userID, type, ...(seq !== undefined ? { seq } : {}), data, at };
}

export interface AppendLogEventsInput {
  channelKey: string;
  userID: number;
  events: PendingEvent[];
}

// The channel's public ID changes rarely; an event takes the one of up to this long ago, as a webhook does.
const CHANNEL_ID_CACHE_MS = 500;

/** Appends events of a session that no delivery attempt carries (a message without reply, a handoff, a session end). */
export function createAppendLogEvents(store: EventStore = mongoEventStore) {
  const channelIDs = createTtlCache<string, string | null>({ ttlMs: CHANNEL_ID_CACHE_MS, refreshAfterMs: CHANNEL_ID_CACHE_MS / 2, maxEntries: 10_000 });
  return async function appendLogEvents({ channelKey, userID, events }: AppendLogEventsInput): Promise<number> {
    const channelID = await channelIDs.get(channelKey, async () => (await Channel.findById(channelKey, { channelID: 1 }).lean())?.channelID ?? null);
    if (channelID === null) return 0; // the channel is gone, and its log with it
    return store.append(channelKey, events.map((event) => toLogEvent(event, { channelID, userID })), givenUpSignal());
  };
}
