import { agentTimedOut } from './agent-mode';
import type { SessionState } from './definitions';

/** What the session's main loop does after it wakes, in this order of precedence. */
export type SessionAction =
  /** An endSession signal (channel deleted, operator): the run ends now. */
  | { kind: 'end' }
  /** The run is long enough: it continues as new with its state. */
  | { kind: 'continue-as-new' }
  /** An admin's message goes to the user (agent mode). */
  | { kind: 'agent-message' }
  /** The bot takes over again: resumed by a signal, or the agent was silent for AGENT_IDLE_TIMEOUT. */
  | { kind: 'resume'; agentTimedOut: boolean }
  /** A delay node's time has come: the flow goes on. */
  | { kind: 'delay-over' }
  /** The oldest user message is handled. */
  | { kind: 'user-message' }
  /** Nothing came for SESSION_IDLE_TIMEOUT and no bot waits on anything but the user: the run may end. */
  | { kind: 'idle' }
  /** Woken for nothing this run acts on (an agent still has time, a delay is not over): wait again. */
  | { kind: 'wait' };

export interface LoopFacts {
  /** Whether the run should continue as new (history length, turns, Temporal's suggestion, nothing in flight). */
  continueAsNewDue: boolean;
  agentIdleTimeoutMs: number;
}

/**
 * The main loop's decision, from the session's state and the workflow's clock alone: pure, so the order of
 * precedence is tested without Temporal (test/unit/next-action.test.ts), and deterministic on replay.
 */
export function nextAction(state: SessionState, now: number, facts: LoopFacts): SessionAction {
  if (state.endReason) return { kind: 'end' };
  if (facts.continueAsNewDue) return { kind: 'continue-as-new' };
  const timedOut = agentTimedOut(state, facts.agentIdleTimeoutMs, now);
  if (state.agentInbox?.length) return { kind: 'agent-message' };
  if (state.resumeRequested || timedOut) return { kind: 'resume', agentTimedOut: timedOut };
  if (state.bot?.waiting === 'delay' && now >= (state.bot.wakeAt ?? 0)) return { kind: 'delay-over' };
  if (state.inbox.length > 0) return { kind: 'user-message' };
  if (!state.agent && (!state.bot || state.bot.waiting === 'question')) return { kind: 'idle' };
  return { kind: 'wait' };
}

/** Whether anything a signal brings needs the loop now. */
export function signalled(state: SessionState): boolean {
  return state.inbox.length > 0 || Boolean(state.agentInbox?.length) || Boolean(state.resumeRequested) || Boolean(state.endReason);
}
