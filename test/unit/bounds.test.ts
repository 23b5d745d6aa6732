import assert from 'node:assert/strict';
import {
  boundVariables,
  CARRIED_STATE_BYTES,
  MAX_CARRIED_INBOX_BYTES,
  MAX_OUTBOX_BYTES,
  MAX_OUTBOX_ENTRIES,
  MAX_REDELIVERY_SIGNAL_BYTES,
  MAX_VARIABLE_NAME_CHARS,
  MAX_VARIABLE_VALUE_CHARS,
  MAX_VARIABLES_BYTES,
  sizeOf,
  TRANSCRIPT_ATTACHMENTS,
  TRANSCRIPT_TEXT_CHARS,
  TRANSCRIPT_URL_CHARS,
} from '../../workflows/bounds';
import { runTurn } from '../../workflows/flow/engine';
import { bySize } from '../../src/services/channels/deliveries';
import type { OutboxEntry } from '../../workflows/definitions';
import { applyTurn, enqueueReply, fitForCarry, inboxFitsCarry, initialState, queueRedeliveries, record, renumberFrom } from '../../workflows/session-state';

const reply = (seq: number, text = 'hi'): OutboxEntry => ({ webhookId: `w${seq}`, seq, reply: { text, timestamp: 0 } });

describe('session state bounds (workflows/bounds.ts)', () => {
  it('measures UTF-8 bytes of the JSON, not characters', () => {
    assert.equal(sizeOf('ab'), 4);
    assert.equal(sizeOf('é'), 4); // quotes + 2 bytes
    assert.equal(sizeOf('€'), 5);
    assert.equal(sizeOf('😀'), 6);
  });

  it('saves no variable with a name longer than templates can use, cuts long values, and stops at the total', () => {
    const long = 'k'.repeat(MAX_VARIABLE_NAME_CHARS + 1);
    const { variables, refused } = boundVariables({ ok: 'x'.repeat(MAX_VARIABLE_VALUE_CHARS + 50), [long]: 'v' });
    assert.equal(variables.ok!.length, MAX_VARIABLE_VALUE_CHARS);
    assert.deepEqual(refused, [long.slice(0, MAX_VARIABLE_NAME_CHARS)]);

    const many = Object.fromEntries(Array.from({ length: 20 }, (_, i) => [`v${i}`, 'y'.repeat(MAX_VARIABLE_VALUE_CHARS)]));
    const capped = boundVariables(many);
    assert.ok(sizeOf(capped.variables) <= MAX_VARIABLES_BYTES + 100);
    assert.ok(capped.refused.length > 0, 'what did not fit is named');
    assert.deepEqual(Object.keys(capped.variables), Object.keys(many).slice(0, Object.keys(capped.variables).length), 'the first ones are kept');
  });

  it('keeps an http answer with long keys within the bounds and says what was not saved', () => {
    const flow = {
      start: 'call',
      nodes: {
        call: { type: 'http' as const, method: 'GET' as const, url: 'https://api.example.com/x', saveAs: 'answer', next: 'done', onError: 'done' },
        done: { type: 'end' as const, text: 'ok' },
      },
    };
    const state = initialState(1);
    state.bot = { botId: 'b', version: 1, flow, cursor: { node: 'call', retries: 0 }, waiting: 'http' };
    const data = Object.fromEntries(Array.from({ length: 200 }, (_, i) => [`${'key'.repeat(30)}${i}`, 'z'.repeat(2_000)]));
    const turn = runTurn(flow, { node: 'call', retries: 0 }, { kind: 'http', ok: true, data }, { variables: {}, userID: 1, channelID: 'c' });
    applyTurn(state, turn, 0, (seq) => `w${seq}`);
    assert.ok(sizeOf(state.variables) <= MAX_VARIABLES_BYTES + 100, `${sizeOf(state.variables)} bytes`);
    assert.ok(Object.keys(state.variables).every((name) => name.length <= MAX_VARIABLE_NAME_CHARS));
    assert.ok(state.transcript.some((e) => e.kind === 'event' && e.event === 'variables_not_saved'));
  });

  it('trims transcript entries: text, event detail, attachments and their URLs', () => {
    const state = initialState(1);
    const attachments = Array.from({ length: 10 }, (_, i) => ({ url: `https://x.test/${i}/${'p'.repeat(2_000)}` }));
    record(state, { at: 0, kind: 'user', messageId: 'm', text: 't'.repeat(5_000), attachments });
    record(state, { at: 0, kind: 'event', event: 'flow_error', detail: 'd'.repeat(5_000) });
    const [user, event] = state.transcript;
    assert.ok(user?.kind === 'user' && user.text.length === TRANSCRIPT_TEXT_CHARS + 1);
    assert.equal(user.attachments?.length, TRANSCRIPT_ATTACHMENTS);
    assert.equal(user.attachmentsOmitted, 10 - TRANSCRIPT_ATTACHMENTS);
    assert.ok(user.attachments!.every((a) => a.url.length <= TRANSCRIPT_URL_CHARS + 1));
    assert.ok(event?.kind === 'event' && event.detail!.length === TRANSCRIPT_TEXT_CHARS + 1);
  });

  it('sets replies past the outbox bounds aside to be logged, in seq order, and queues nothing past them', () => {
    const state = initialState(1);
    for (let seq = 1; seq <= MAX_OUTBOX_ENTRIES + 3; seq++) enqueueReply(state, reply(seq));
    assert.equal(state.outbox.length, MAX_OUTBOX_ENTRIES);
    assert.deepEqual(state.spilled?.map((e) => e.seq), [MAX_OUTBOX_ENTRIES + 1, MAX_OUTBOX_ENTRIES + 2, MAX_OUTBOX_ENTRIES + 3]);

    const big = initialState(1);
    for (let seq = 1; seq <= 200; seq++) enqueueReply(big, reply(seq, 'b'.repeat(4_000)));
    assert.ok(sizeOf(big.outbox) <= MAX_OUTBOX_BYTES);
    assert.equal(big.outbox.length + (big.spilled?.length ?? 0), 200, 'nothing lost');
  });

  it('refuses redeliveries past the outbox bounds in the transcript, and skips what is still queued', () => {
    const state = initialState(1);
    for (let seq = 1; seq <= MAX_OUTBOX_ENTRIES - 1; seq++) enqueueReply(state, reply(seq + 100));
    queueRedeliveries(state, [reply(102), reply(3), reply(2)], 0);
    assert.deepEqual(state.outbox.slice(-1).map((e) => [e.seq, e.redelivery]), [[2, true]]);
    assert.ok(state.transcript.some((e) => e.kind === 'event' && e.event === 'redelivery_refused' && e.detail?.includes('seq 3')));
  });

  it('numbers queued replies again past a taken seq, leaving redeliveries as they are', () => {
    const state = initialState(5);
    enqueueReply(state, reply(5));
    enqueueReply(state, reply(6));
    state.outbox.push({ ...reply(2), redelivery: true });
    state.nextSeq = 7;
    renumberFrom(state, 9, (seq) => `new-${seq}`);
    assert.deepEqual(state.outbox.map((e) => [e.seq, e.webhookId]), [[9, 'new-9'], [10, 'new-10'], [2, 'w2']]);
    assert.equal(state.nextSeq, 11);
  });

  it('carries a state within its budget through continue-as-new, dropping the oldest transcript first', () => {
    const state = initialState(1);
    state.variables = { note: 'n'.repeat(MAX_VARIABLE_VALUE_CHARS) };
    for (let i = 0; i < 100; i++) record(state, { at: i, kind: 'bot', seq: i, text: '€'.repeat(TRANSCRIPT_TEXT_CHARS) });
    state.seenMessageIds = Array.from({ length: 1_000 }, (_, i) => `id-${i}`.padEnd(36, 'x'));
    state.outbox = Array.from({ length: 90 }, (_, i) => reply(i, '€'.repeat(1_400)));
    state.bot = { botId: 'b', version: 1, flow: { start: 'a', nodes: { a: { type: 'end', text: 'x'.repeat(1_000_000) } } }, cursor: { node: 'a', retries: 0 }, waiting: 'question' };
    assert.ok(sizeOf(state) > CARRIED_STATE_BYTES, 'the case needs a state over budget');
    const carried = fitForCarry(state);
    assert.ok(sizeOf(carried) <= CARRIED_STATE_BYTES);
    assert.equal(carried.outbox.length, 90, 'no reply is dropped');
    assert.ok(carried.transcript.length > 0 && carried.transcript.length < 100, `${carried.transcript.length} entries`);
    assert.equal(carried.transcript.at(-1)?.at, 99, 'the newest entries stay');
    assert.equal(state.transcript.length, 100, 'the running state is untouched');
  });

  it('lets a continue-as-new carry only an inbox within its budget', () => {
    const state = initialState(1);
    state.inbox = Array.from({ length: 10 }, (_, i) => ({ messageId: `m${i}`, text: 'x', attachments: [], receivedAt: 0 }));
    assert.equal(inboxFitsCarry(state), true);
    state.inbox.push(...Array.from({ length: 30 }, (_, i) => ({ messageId: `b${i}`, text: 'y'.repeat(10_000), attachments: [], receivedAt: 0 })));
    assert.ok(sizeOf(state.inbox) > MAX_CARRIED_INBOX_BYTES);
    assert.equal(inboxFitsCarry(state), false);
  });

  it('splits redeliveries into signals by size', () => {
    const entries = Array.from({ length: 100 }, (_, i) => reply(i, 'r'.repeat(5_000)));
    const batches = bySize(entries, MAX_REDELIVERY_SIGNAL_BYTES);
    assert.ok(batches.length > 1);
    assert.ok(batches.every((batch) => sizeOf(batch) <= MAX_REDELIVERY_SIGNAL_BYTES));
    assert.deepEqual(batches.flat().map((e) => e.seq), entries.map((e) => e.seq), 'every entry once, in order');
  });
});
