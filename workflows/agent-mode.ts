import type { AdminMessage, SessionState } from './definitions';
import { emit, sendReply, type EventIds } from './session-log';
import { record } from './session-state';

export const DEFAULT_AGENT_IDLE_TIMEOUT_MS = 30 * 60_000;

/** An admin's message goes out in seq order with its adminID; the bot pauses while a person talks. */
export function agentSays(state: SessionState, message: AdminMessage, now: number, newWebhookId: (seq: number) => string, eventId: (n: number) => string = (n) => `evt_${n}`): void {
  if (message.webhookEvents) state.webhookEvents = message.webhookEvents;
  if (!state.agent) emit(state, 'handoff.started', { by: 'agent', adminID: message.adminID }, now, { webhookId: newWebhookId, eventId });
  const seq = state.nextSeq++;
  const webhookId = newWebhookId(seq);
  const attachments = message.attachments.map((a) => ({ url: a.url, offset: 0 }));
  const reply = { text: message.text, timestamp: now, adminID: message.adminID, ...(attachments.length ? { attachments } : {}) };
  sendReply(state, { webhookId, seq, reply, ...(message.origin ? { origin: message.origin } : {}) });
  record(state, { at: now, kind: 'agent', adminID: message.adminID, seq, text: message.text });
  state.agent = { lastAt: now };
  state.status = 'agent';
}

/** Ends agent mode; true when the bot waits at a handoff node and should go on from it. */
export function handBack(state: SessionState, now: number, why: 'resumed' | 'agent_idle_timeout', ids?: EventIds): boolean {
  delete state.agent;
  if (ids) emit(state, 'handoff.ended', { reason: why === 'resumed' ? 'resumed' : 'agent_timeout' }, now, ids);
  record(state, { at: now, kind: 'event', event: 'agent_mode_ended', detail: why });
  if (state.bot?.waiting === 'handoff') return true;
  state.status = state.bot ? 'bot' : 'idle';
  return false;
}

export function agentTimedOut(state: SessionState, agentIdleTimeoutMs: number, now: number): boolean {
  return state.agent !== undefined && now >= state.agent.lastAt + agentIdleTimeoutMs;
}

/** How long the main loop may sleep without a signal: until idle, a delay's end, or agent mode timing out. */
export function wakeTimeout(state: SessionState, idleTimeoutMs: number, agentIdleTimeoutMs: number, now: number): number {
  let timeout = idleTimeoutMs;
  if (state.bot?.waiting === 'delay' && state.bot.wakeAt !== undefined) timeout = Math.min(timeout, Math.max(0, state.bot.wakeAt - now));
  if (state.agent) timeout = Math.min(timeout, Math.max(0, state.agent.lastAt + agentIdleTimeoutMs - now));
  return timeout;
}
