import type { TurnResult } from './flow/engine';
import {
  boundVariables,
  CARRIED_STATE_BYTES,
  cut,
  MAX_CARRIED_INBOX_BYTES,
  MAX_OUTBOX_BYTES,
  MAX_OUTBOX_ENTRIES,
  sizeOf,
  TRANSCRIPT_ATTACHMENTS,
  TRANSCRIPT_TEXT_CHARS,
  TRANSCRIPT_URL_CHARS,
} from './bounds';
import { emit, enqueueReply, renumberEvents, sendReply } from './session-log';
import {
  SEEN_MESSAGE_IDS_LIMIT,
  TRANSCRIPT_LIMIT,
  type OutboxEntry,
  type SessionState,
  type SessionView,
  type TranscriptEntry,
} from './definitions';

const SEEN_IDS_KEPT_WHEN_OVER_BUDGET = 50;

export { enqueueReply };

/** Pure helpers over the session's plain-JSON state; the workflow supplies ids and clock. */
export function initialState(nextSeq: number): SessionState {
  return { nextSeq, status: 'idle', bot: null, variables: {}, transcript: [], outbox: [], inbox: [], seenMessageIds: [] };
}

/** Appends to the transcript, its texts, details and attachments cut to the bounds (workflows/bounds.ts). */
export function record(state: SessionState, entry: TranscriptEntry): void {
  state.transcript.push(bounded(entry));
  if (state.transcript.length > TRANSCRIPT_LIMIT) state.transcript.splice(0, state.transcript.length - TRANSCRIPT_LIMIT);
}

function bounded(entry: TranscriptEntry): TranscriptEntry {
  const copy = { ...entry };
  if ('text' in copy) copy.text = cut(copy.text, TRANSCRIPT_TEXT_CHARS);
  if (copy.kind === 'event' && copy.detail !== undefined) copy.detail = cut(copy.detail, TRANSCRIPT_TEXT_CHARS);
  if (copy.kind === 'user' && copy.attachments) {
    const { attachments } = copy;
    copy.attachments = attachments.slice(0, TRANSCRIPT_ATTACHMENTS).map(({ url }) => ({ url: cut(url, TRANSCRIPT_URL_CHARS) }));
    if (attachments.length > TRANSCRIPT_ATTACHMENTS) copy.attachmentsOmitted = attachments.length - TRANSCRIPT_ATTACHMENTS;
  }
  return copy;
}

/** True the first time a messageId is seen; remembers the last SEEN_MESSAGE_IDS_LIMIT ids. */
export function markSeen(state: SessionState, messageId: string): boolean {
  if (state.seenMessageIds.includes(messageId)) return false;
  state.seenMessageIds.push(messageId);
  if (state.seenMessageIds.length > SEEN_MESSAGE_IDS_LIMIT) state.seenMessageIds.shift();
  return true;
}

/** Whether the waiting messages fit a continue-as-new; when they do not, the run drains them first. */
export function inboxFitsCarry(state: SessionState): boolean {
  return sizeOf(state.inbox) + sizeOf(state.agentInbox ?? []) <= MAX_CARRIED_INBOX_BYTES;
}


/** Queues a turn's replies for in-order delivery and records what the turn did. */
export function applyTurn(state: SessionState, turn: TurnResult, now: number, newWebhookId: (seq: number) => string, eventId: (n: number) => string = (n) => `evt_${n}`): void {
  const ids = { webhookId: newWebhookId, eventId };
  const { variables, refused } = boundVariables(turn.variables);
  state.variables = variables;
  if (refused.length > 0) record(state, { at: now, kind: 'event', event: 'variables_not_saved', detail: refused.join(', ') });
  for (const message of turn.outbound) {
    const seq = state.nextSeq++;
    sendReply(state, { webhookId: newWebhookId(seq), seq, reply: { ...message, timestamp: now }, ...(state.origin ? { origin: state.origin } : {}) });
    record(state, { at: now, kind: 'bot', seq, text: message.text });
  }
  if (turn.missing.length > 0) {
    record(state, { at: now, kind: 'event', event: 'template_missing_variables', detail: turn.missing.join(', ') });
  }
  if (turn.error) record(state, { at: now, kind: 'event', event: 'flow_error', detail: turn.error });
  const bot = state.bot;
  if (bot && turn.cursor && turn.pause.kind !== 'end') {
    bot.cursor = turn.cursor;
    bot.waiting = turn.pause.kind;
    if (turn.pause.kind === 'delay') bot.wakeAt = now + turn.pause.ms;
    else delete bot.wakeAt;
    state.status = turn.pause.kind === 'handoff' ? 'agent' : 'bot';
    if (turn.pause.kind === 'handoff' && !state.agent) emit(state, 'handoff.started', { by: 'flow' }, now, ids);
    if (turn.pause.kind === 'handoff') state.agent = { lastAt: now };
    return;
  }
  if (bot) record(state, { at: now, kind: 'event', event: 'bot_ended', detail: bot.botId });
  state.bot = null;
  state.status = 'idle';
}

export function view(state: SessionState): SessionView {
  const head = state.outbox[0];
  return {
    status: state.status,
    botId: state.bot?.botId ?? null,
    botVersion: state.bot?.version ?? null,
    node: state.bot?.cursor.node ?? null,
    variables: { ...state.variables },
    transcript: [...state.transcript],
    outboxPending: state.outbox.length,
    delivery: head ? { webhookId: head.webhookId, seq: head.seq, failedAttempts: 0, ...head.progress } : null,
  };
}

/**
 * Queues redeliveries in seq order after what is queued, skipping any message still waiting in the outbox.
 * Past the outbox bounds a redelivery is not queued: it stays failed in the log, which the transcript says.
 */
export function queueRedeliveries(state: SessionState, entries: OutboxEntry[], now: number): void {
  const queued = new Set(state.outbox.map((e) => e.webhookId));
  const refused: number[] = [];
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (queued.has(entry.webhookId)) continue;
    const redelivery: OutboxEntry = { webhookId: entry.webhookId, seq: entry.seq, reply: entry.reply, redelivery: true };
    if (state.outbox.length >= MAX_OUTBOX_ENTRIES || sizeOf(state.outbox) + sizeOf(redelivery) > MAX_OUTBOX_BYTES) {
      refused.push(entry.seq);
      continue;
    }
    queued.add(entry.webhookId);
    state.outbox.push(redelivery);
  }
  if (refused.length > 0) record(state, { at: now, kind: 'event', event: 'redelivery_refused', detail: `outbox full; seq ${refused.join(', ')}` });
}

/**
 * A seq of this session was already taken in the delivery log (a reset or terminated run sent it): the replies
 * still queued are numbered again past it, so no two deliveries of a user share a seq.
 */
export function renumberFrom(state: SessionState, nextSeq: number, newWebhookId: (seq: number) => string): void {
  state.nextSeq = Math.max(state.nextSeq, nextSeq);
  const renamed = new Map<string, OutboxEntry>();
  for (const entry of [...state.outbox, ...(state.spilled ?? [])]) {
    if (entry.redelivery) continue;
    const was = entry.webhookId;
    entry.seq = state.nextSeq++;
    entry.webhookId = newWebhookId(entry.seq);
    renamed.set(was, entry);
  }
  renumberEvents(state, renamed);
}

/** "#Pizza " → "pizza"; null when the text cannot be a keyword, so no lookup is needed. */
export function keywordOf(text: string): string | null {
  const keyword = text.trim().replace(/^#/, '').toLowerCase();
  return /^[a-z0-9_-]{1,64}$/.test(keyword) ? keyword : null;
}

/**
 * The state to carry through continue-as-new, within CARRIED_STATE_BYTES: the oldest transcript entries go
 * first, then all but the newest seen message ids (a copy older than those is then handled once more).
 */
export function fitForCarry(state: SessionState): SessionState {
  const carried: SessionState = { ...state, transcript: [...state.transcript] };
  while (carried.transcript.length > 0 && sizeOf(carried) > CARRIED_STATE_BYTES) {
    carried.transcript.splice(0, Math.max(1, Math.ceil(carried.transcript.length / 4)));
  }
  if (sizeOf(carried) > CARRIED_STATE_BYTES) carried.seenMessageIds = state.seenMessageIds.slice(-SEEN_IDS_KEPT_WHEN_OVER_BUDGET);
  return carried;
}
