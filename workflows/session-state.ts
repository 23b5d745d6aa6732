import type { TurnResult } from './flow/engine';
import {
  SEEN_MESSAGE_IDS_LIMIT,
  TRANSCRIPT_LIMIT,
  type OutboxEntry,
  type SessionState,
  type SessionView,
  type TranscriptEntry,
} from './definitions';

/** Pure helpers over the session's plain-JSON state; the workflow supplies ids and clock. */
export function initialState(nextSeq: number): SessionState {
  return { nextSeq, status: 'idle', bot: null, variables: {}, transcript: [], outbox: [], inbox: [], seenMessageIds: [] };
}

/** Transcript texts are cut here: the whole state must stay far below Temporal's 2 MB payload limit. */
export const TRANSCRIPT_TEXT_CHARS = 500;

export function record(state: SessionState, entry: TranscriptEntry): void {
  if ('text' in entry && entry.text.length > TRANSCRIPT_TEXT_CHARS) {
    entry = { ...entry, text: `${entry.text.slice(0, TRANSCRIPT_TEXT_CHARS)}…` };
  }
  state.transcript.push(entry);
  if (state.transcript.length > TRANSCRIPT_LIMIT) state.transcript.splice(0, state.transcript.length - TRANSCRIPT_LIMIT);
}

/** True the first time a messageId is seen; remembers the last SEEN_MESSAGE_IDS_LIMIT ids. */
export function markSeen(state: SessionState, messageId: string): boolean {
  if (state.seenMessageIds.includes(messageId)) return false;
  state.seenMessageIds.push(messageId);
  if (state.seenMessageIds.length > SEEN_MESSAGE_IDS_LIMIT) state.seenMessageIds.shift();
  return true;
}

/** Queues a turn's replies for in-order delivery and records what the turn did. */
export function applyTurn(state: SessionState, turn: TurnResult, now: number, newWebhookId: (seq: number) => string): void {
  state.variables = turn.variables;
  for (const message of turn.outbound) {
    const seq = state.nextSeq++;
    state.outbox.push({ webhookId: newWebhookId(seq), seq, reply: { ...message, timestamp: now }, ...(state.origin ? { origin: state.origin } : {}) });
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

/** Queues redeliveries in seq order after what is queued, skipping any message still waiting in the outbox. */
export function queueRedeliveries(state: SessionState, entries: OutboxEntry[]): void {
  const queued = new Set(state.outbox.map((e) => e.webhookId));
  for (const entry of [...entries].sort((a, b) => a.seq - b.seq)) {
    if (queued.has(entry.webhookId)) continue;
    queued.add(entry.webhookId);
    state.outbox.push({ webhookId: entry.webhookId, seq: entry.seq, reply: entry.reply, redelivery: true });
  }
}

/** "#Pizza " → "pizza"; null when the text cannot be a keyword, so no lookup is needed. */
export function keywordOf(text: string): string | null {
  const keyword = text.trim().replace(/^#/, '').toLowerCase();
  return /^[a-z0-9_-]{1,64}$/.test(keyword) ? keyword : null;
}
