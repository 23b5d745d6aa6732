import assert from 'node:assert/strict';
import type { SessionState } from '../../workflows/definitions';

type BotState = NonNullable<SessionState['bot']>;
import { nextAction, signalled } from '../../workflows/next-action';
import { initialState } from '../../workflows/session-state';

const NOW = 1_000_000;
const facts = { continueAsNewDue: false, agentIdleTimeoutMs: 60_000 };
const flow = { start: 'q', nodes: { q: { type: 'end' as const } } };
const bot = (waiting: BotState['waiting'], wakeAt?: number): BotState =>
  ({ botId: 'b', version: 1, flow, cursor: { node: 'q', retries: 0 }, waiting, ...(wakeAt === undefined ? {} : { wakeAt }) }) as BotState;
const message = { messageId: 'm', text: 'hi', attachments: [], receivedAt: NOW };
const state = (change: Partial<SessionState> = {}): SessionState => ({ ...initialState(1), ...change });

describe('the session loop\'s next action (workflows/next-action.ts)', () => {
  it('ends first, then continues as new, whatever else is waiting', () => {
    const busy = state({ endReason: 'channel_deleted', inbox: [message], resumeRequested: true });
    assert.equal(nextAction(busy, NOW, { ...facts, continueAsNewDue: true }).kind, 'end');
    assert.equal(nextAction({ ...busy, endReason: undefined }, NOW, { ...facts, continueAsNewDue: true }).kind, 'continue-as-new');
  });

  it('gives an agent\'s message, then a resume, precedence over the user\'s next message', () => {
    const agentInbox = [{ adminID: 2, text: 'hello', attachments: [], origin: { receivedAt: NOW } }] as SessionState['agentInbox'];
    assert.equal(nextAction(state({ agent: { lastAt: NOW }, agentInbox, inbox: [message] }), NOW, facts).kind, 'agent-message');
    assert.deepEqual(nextAction(state({ agent: { lastAt: NOW }, resumeRequested: true, inbox: [message] }), NOW, facts), { kind: 'resume', agentTimedOut: false });
  });

  it('hands back to the bot once the agent has been silent for the agent idle timeout, not before', () => {
    const agent = state({ agent: { lastAt: NOW - 60_000 }, bot: bot('handoff') });
    assert.deepEqual(nextAction(agent, NOW, facts), { kind: 'resume', agentTimedOut: true });
    assert.equal(nextAction(agent, NOW - 1, facts).kind, 'wait');
  });

  it('goes on after a delay node once its time has come', () => {
    assert.equal(nextAction(state({ status: 'bot', bot: bot('delay', NOW) }), NOW, facts).kind, 'delay-over');
    assert.equal(nextAction(state({ status: 'bot', bot: bot('delay', NOW + 1) }), NOW, facts).kind, 'wait');
  });

  it('handles a user message, else ends the run when idle unless an agent or a bot\'s timer holds it', () => {
    assert.equal(nextAction(state({ inbox: [message] }), NOW, facts).kind, 'user-message');
    assert.equal(nextAction(state(), NOW, facts).kind, 'idle');
    assert.equal(nextAction(state({ bot: bot('question') }), NOW, facts).kind, 'idle');
    assert.equal(nextAction(state({ bot: bot('handoff') }), NOW, facts).kind, 'wait');
    assert.equal(nextAction(state({ agent: { lastAt: NOW } }), NOW, facts).kind, 'wait');
  });

  it('wakes the loop for what a signal brings, not for an empty state', () => {
    assert.equal(signalled(state()), false);
    for (const change of [{ inbox: [message] }, { resumeRequested: true }, { endReason: 'x' }]) assert.equal(signalled(state(change)), true);
  });
});
