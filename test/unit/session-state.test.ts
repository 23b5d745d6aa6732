import assert from 'node:assert/strict';
import { TRANSCRIPT_LIMIT } from '../../workflows/definitions';
import { TRANSCRIPT_TEXT_CHARS } from '../../workflows/bounds';
import { initialState, markSeen, record } from '../../workflows/session-state';

describe('session state', () => {
  it(`keeps the last ${TRANSCRIPT_LIMIT} transcript entries with texts cut to ${TRANSCRIPT_TEXT_CHARS} characters`, () => {
    const state = initialState(1);
    for (let i = 0; i < TRANSCRIPT_LIMIT + 5; i++) record(state, { at: i, kind: 'user', messageId: `m${i}`, text: 'x'.repeat(10_000) });
    assert.equal(state.transcript.length, TRANSCRIPT_LIMIT);
    assert.equal(state.transcript[0]!.at, 5);
    const first = state.transcript[0]!;
    assert.ok(first.kind === 'user' && first.text.length === TRANSCRIPT_TEXT_CHARS + 1);
  });

  it('remembers message ids so a redelivered one is seen once', () => {
    const state = initialState(1);
    assert.equal(markSeen(state, 'a'), true);
    assert.equal(markSeen(state, 'a'), false);
    assert.equal(markSeen(state, 'b'), true);
  });
});
