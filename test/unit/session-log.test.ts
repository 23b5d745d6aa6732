import assert from 'node:assert/strict';
import type { SessionState } from '../../workflows/definitions';
import { emit, sendReply } from '../../workflows/session-log';
import { initialState, renumberFrom } from '../../workflows/session-state';

const ids = { webhookId: (seq: number) => `msg_run-${seq}`, eventId: (n: number) => `evt_run-${n}` };
const logging = (webhookEvents?: string[]): SessionState => ({ ...initialState(1), eventQueue: [], ...(webhookEvents ? { webhookEvents } : {}) });
const reply = (state: SessionState, text: string) => {
  const seq = state.nextSeq++;
  sendReply(state, { webhookId: ids.webhookId(seq), seq, reply: { text, timestamp: 5 } });
};

describe('what the session puts in its log and on its webhook (workflows/session-log.ts)', () => {
  it('logs nothing and queues replies as before in a run that predates the log', () => {
    const state = initialState(1);
    emit(state, 'handoff.started', { by: 'flow' }, 1, ids);
    reply(state, 'hi');
    assert.equal(state.eventQueue, undefined);
    assert.deepEqual(state.outbox.map((e) => e.seq), [1]);
  });

  it('logs a session event the webhook does not take under a derived id, without a seq', () => {
    const state = logging();
    emit(state, 'handoff.started', { by: 'flow' }, 1, ids);
    emit(state, 'handoff.ended', { reason: 'resumed' }, 2, ids);
    assert.deepEqual(state.eventQueue, [
      { id: 'evt_run-1', type: 'handoff.started', at: 1, data: { by: 'flow' } },
      { id: 'evt_run-2', type: 'handoff.ended', at: 2, data: { reason: 'resumed' } },
    ]);
    assert.equal(state.outbox.length, 0);
    assert.equal(state.nextSeq, 1, 'no seq taken');
  });

  it('queues an event the webhook takes with the next seq, in order with the replies', () => {
    const state = logging(['message.bot', 'handoff.started']);
    reply(state, 'Connecting you.');
    emit(state, 'handoff.started', { by: 'flow' }, 3, ids);
    assert.deepEqual(state.outbox.map((e) => [e.seq, e.webhookId, e.event?.type]), [[1, 'msg_run-1', undefined], [2, 'msg_run-2', 'handoff.started']]);
    assert.deepEqual(state.eventQueue!.map((e) => [e.type, e.id, e.seq]), [['message.bot', 'msg_run-1', 1], ['handoff.started', 'msg_run-2', 2]]);
  });

  it('logs a reply of a deselected type with its seq and does not queue it', () => {
    const state = logging(['message.agent']);
    reply(state, 'hello');
    assert.equal(state.outbox.length, 0);
    assert.deepEqual(state.eventQueue!.map((e) => [e.type, e.seq]), [['message.bot', 1]]);
  });

  it('renumbers the waiting events of replies renumbered past a taken seq', () => {
    const state = logging();
    reply(state, 'one');
    reply(state, 'two');
    renumberFrom(state, 7, ids.webhookId);
    assert.deepEqual(state.outbox.map((e) => [e.seq, e.webhookId]), [[7, 'msg_run-7'], [8, 'msg_run-8']]);
    assert.deepEqual(state.eventQueue!.map((e) => [e.id, e.seq, e.webhookId]), [['msg_run-7', 7, 'msg_run-7'], ['msg_run-8', 8, 'msg_run-8']]);
  });
});
