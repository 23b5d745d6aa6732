import assert from 'node:assert/strict';
import type { Flow } from '../../src/schemas/flow';
import { runTurn, STEP_BUDGET } from '../../workflows/flow/engine';

const pizza: Flow = {
  start: 'hello',
  nodes: {
    hello: { type: 'question', text: 'Hi! Pizza or pasta?', quickReplies: ['Pizza', 'Pasta'], saveAs: 'dish', next: 'pick' },
    pick: { type: 'message', text: 'Great choice, {{dish}}!', attachments: [{ url: 'https://x.test/p.jpg', offset: 0 }], next: 'bye' },
    bye: { type: 'end', text: 'Bye {{user.id}}' },
  },
};
const scope = { variables: {}, userID: 3, channelID: 'c' };

describe('flow engine', () => {
  it('runs from the start to the first question and waits there', () => {
    const turn = runTurn({ flow: pizza, waitingAt: null, scope });
    assert.deepEqual(turn.outbound, [{ text: 'Hi! Pizza or pasta?', quickReplies: ['Pizza', 'Pasta'] }]);
    assert.equal(turn.waitingAt, 'hello');
    assert.equal(turn.error, undefined);
  });

  it('saves the answer under saveAs and goes on to the end', () => {
    const turn = runTurn({ flow: pizza, waitingAt: 'hello', answer: 'Pasta', scope });
    assert.deepEqual(turn.variables, { dish: 'Pasta' });
    assert.deepEqual(turn.outbound, [
      { text: 'Great choice, Pasta!', attachments: [{ url: 'https://x.test/p.jpg', offset: 0 }] },
      { text: 'Bye 3' },
    ]);
    assert.equal(turn.waitingAt, null);
  });

  it('does not change the variables it was given', () => {
    const variables = { kept: 'yes' };
    runTurn({ flow: pizza, waitingAt: 'hello', answer: 'Pizza', scope: { ...scope, variables } });
    assert.deepEqual(variables, { kept: 'yes' });
  });

  it(`stops a runaway flow after ${STEP_BUDGET} steps and sends none of its messages`, () => {
    const loop: Flow = { start: 'a', nodes: { a: { type: 'message', text: 'again', next: 'a' } } };
    const turn = runTurn({ flow: loop, waitingAt: null, scope });
    assert.equal(turn.error, 'step_budget_exceeded');
    assert.deepEqual(turn.outbound, []);
    assert.equal(turn.waitingAt, null);
  });

  it('reports a cursor that no longer points at a question', () => {
    const turn = runTurn({ flow: pizza, waitingAt: 'bye', answer: 'x', scope });
    assert.equal(turn.error, 'unknown_node');
  });
});
