import type { EventType } from '../src/events/types';
import type { OutboxEntry, PendingEvent, SessionState } from './definitions';
import { MAX_OUTBOX_BYTES, MAX_OUTBOX_ENTRIES, sizeOf } from './bounds';

/**
 * What the session puts in the conversation log (README, "Conversation log"). Pure: the workflow hands in ids and
 * clock. Nothing is logged in a run without `state.eventQueue` (runs recorded before the log: patch conversation-log).
 */

/** Queues a reply for in-order delivery; past the outbox bounds it is set aside to be logged as failed (redeliverable). */
export function enqueueReply(state: SessionState, entry: OutboxEntry): void {
  const full = state.outbox.length >= MAX_OUTBOX_ENTRIES || sizeOf(state.outbox) + sizeOf(entry) > MAX_OUTBOX_BYTES;
  if (full) (state.spilled ??= []).push(entry);
  else state.outbox.push(entry);
}

/** A bot or agent reply: logged, and queued for the webhook unless the channel deselected its type (it keeps its seq). */
export function sendReply(state: SessionState, entry: OutboxEntry): void {
  const type = entry.reply.adminID !== undefined ? 'message.agent' : 'message.bot';
  const logged = logEvent(state, { id: entry.webhookId, type, at: entry.reply.timestamp, seq: entry.seq, webhookId: entry.webhookId, reply: entry.reply });
  if (!logged || webhookTakes(state, type)) enqueueReply(state, entry);
}

/** The webhook's event types when the channel chose none: the messages it always received. */
const DEFAULT_WEBHOOK_EVENTS: readonly string[] = ['message.bot', 'message.agent'];

/** Whether the channel's webhook takes `type`, as the session last heard from the API. */
export function webhookTakes(state: SessionState, type: EventType): boolean {
  return (state.webhookEvents ?? DEFAULT_WEBHOOK_EVENTS).includes(type);
}

/** Queues an event for the log; false (nothing done) in a run that predates the log. */
export function logEvent(state: SessionState, event: PendingEvent): boolean {
  if (!state.eventQueue) return false;
  state.eventQueue.push(event);
  return true;
}

/** Ids for events that have no webhook-id and no message id: from the run and a counter carried in state. */
export type EventIds = { webhookId: (seq: number) => string; eventId: (n: number) => string };

/**
 * A session event (handoff, session end, delivery failure, a user message): logged, and, when the channel's
 * webhook takes its type, queued for the webhook in seq order with the replies. On the webhook every body has a
 * seq, so a receiver's gap check holds; an event the webhook does not take has none.
 */
export function emit(state: SessionState, type: EventType, data: Record<string, unknown>, at: number, ids: EventIds, messageId?: string): void {
  if (!state.eventQueue) return;
  if (!webhookTakes(state, type)) {
    logEvent(state, { id: messageId ?? ids.eventId((state.eventCount = (state.eventCount ?? 0) + 1)), type, at, data });
    return;
  }
  const seq = state.nextSeq++;
  const webhookId = ids.webhookId(seq);
  enqueueReply(state, { webhookId, seq, reply: { text: '', timestamp: at }, event: { type, data } });
  logEvent(state, { id: messageId ?? webhookId, type, at, seq, webhookId, data });
}

/** Renumbered outbox entries (a seq was taken) renumber the events of theirs still waiting for the log. */
export function renumberEvents(state: SessionState, renamed: Map<string, OutboxEntry>): void {
  for (const event of state.eventQueue ?? []) {
    const entry = event.webhookId === undefined ? undefined : renamed.get(event.webhookId);
    if (!entry) continue;
    if (event.id === event.webhookId) event.id = entry.webhookId;
    event.webhookId = entry.webhookId;
    event.seq = entry.seq;
  }
}
