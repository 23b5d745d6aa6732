import assert from 'node:assert/strict';
import type { Flow } from '../../src/schemas/flow';
import { DEFAULT_APOLOGY, runTurn, STEP_BUDGET, type Cursor, type FlowInput } from '../../workflows/flow/engine';

const scope = { variables: {}, userID: 3, channelID: 'c' };
const start: FlowInput = { kind: 'start' };
const answer = (text: string): FlowInput => ({ kind: 'answer', text });
const at = (node: string, retries = 0): Cursor => ({ node, retries });

const pizza: Flow = {
  start: 'hello',
  nodes: {
    hello: { type: 'question', text: 'Hi! Pizza or pasta?', quickReplies: ['Pizza', 'Pasta'], saveAs: 'dish', next: 'pick' },
    pick: { type: 'message', text: 'Great choice, {{dish}}!', attachments: [{ url: 'https://x.test/p.jpg', offset: 0 }], next: 'bye' },
    bye: { type: 'end', text: 'Bye {{user.id}}' },
  },
};

describe('flow engine', () => {
  it('runs from the start to the first question and waits there', () => {
    const turn = runTurn(pizza, null, start, scope);
    assert.deepEqual(turn.outbound, [{ text: 'Hi! Pizza or pasta?', quickReplies: ['Pizza', 'Pasta'] }]);
    assert.deepEqual([turn.pause, turn.cursor], [{ kind: 'question' }, at('hello')]);
  });

  it('saves the answer under saveAs and goes on to the end', () => {
    const turn = runTurn(pizza, at('hello'), answer('Pasta'), scope);
    assert.deepEqual(turn.variables, { dish: 'Pasta' });
    assert.deepEqual(turn.outbound, [
      { text: 'Great choice, Pasta!', attachments: [{ url: 'https://x.test/p.jpg', offset: 0 }] },
      { text: 'Bye 3' },
    ]);
    assert.deepEqual([turn.pause, turn.cursor], [{ kind: 'end' }, null]);
  });

  it('does not change the variables it was given', () => {
    const variables = { kept: 'yes' };
    runTurn(pizza, at('hello'), answer('Pizza'), { ...scope, variables });
    assert.deepEqual(variables, { kept: 'yes' });
  });

  it(`stops a runaway flow after ${STEP_BUDGET} steps and sends only the apology`, () => {
    const loop: Flow = { start: 'a', nodes: { a: { type: 'set', vars: { x: '1' }, next: 'a' } } };
    const turn = runTurn(loop, null, start, scope);
    assert.equal(turn.error, 'step_budget_exceeded');
    assert.deepEqual(turn.outbound, [{ text: DEFAULT_APOLOGY }]);
    assert.equal(turn.cursor, null);
    assert.deepEqual(runTurn({ ...loop, apology: 'Oops.' }, null, start, scope).outbound, [{ text: 'Oops.' }]);
  });

  it('reports a cursor that no longer fits the input instead of throwing', () => {
    assert.equal(runTurn(pizza, at('bye'), answer('x'), scope).error, 'unexpected_input');
    assert.equal(runTurn(pizza, at('gone'), answer('x'), scope).error, 'unknown_node');
  });

  describe('question validation', () => {
    const ask = (validate: object, extra: object = {}): Flow => ({
      start: 'q',
      nodes: {
        q: { type: 'question', text: 'Number?', saveAs: 'n', validate, retryText: 'Again?', next: 'ok', ...extra } as never,
        ok: { type: 'end', text: 'got {{n}}' },
        bad: { type: 'end', text: 'giving up' },
      },
    });

    for (const [kind, validate, good, bad, saved] of [
      ['number', { kind: 'number' }, ' 4,5 ', 'four', '4.5'],
      ['email', { kind: 'email' }, 'a@b.co', 'a@b', 'a@b.co'],
      ['regex', { kind: 'regex', pattern: '^[A-Z]{2}\\d{3}$' }, 'ab123', 'abc', 'ab123'],
    ] as const) {
      it(`validates ${kind}: saves a good answer, re-asks with retryText on a bad one`, () => {
        const flow = ask(validate);
        assert.deepEqual(runTurn(flow, at('q'), answer(good), scope).variables, { n: saved });
        const retry = runTurn(flow, at('q'), answer(bad), scope);
        assert.deepEqual([retry.outbound, retry.cursor], [[{ text: 'Again?' }], at('q', 1)]);
      });
    }

    it('takes a choice case-insensitively and saves it as offered', () => {
      const flow = ask({ kind: 'choice' }, { quickReplies: ['Small', 'Large'] });
      assert.deepEqual(runTurn(flow, at('q'), answer('large'), scope).variables, { n: 'Large' });
      assert.deepEqual(runTurn(flow, at('q'), answer('medium'), scope).outbound, [{ text: 'Again?', quickReplies: ['Small', 'Large'] }]);
    });

    it('goes to onInvalid after maxRetries wrong answers', () => {
      const flow = ask({ kind: 'number' }, { maxRetries: 1, onInvalid: 'bad' });
      assert.deepEqual(runTurn(flow, at('q', 0), answer('x'), scope).cursor, at('q', 1));
      const gaveUp = runTurn(flow, at('q', 1), answer('x'), scope);
      assert.deepEqual([gaveUp.outbound, gaveUp.pause], [[{ text: 'giving up' }], { kind: 'end' }]);
    });
  });

  describe('branch and set', () => {
    const flow = (cond: object, variables: Record<string, string> = {}) =>
      runTurn(
        { start: 'b', nodes: { b: { type: 'branch', cases: [{ if: cond, next: 'yes' }], else: 'no' } as never, yes: { type: 'end', text: 'yes' }, no: { type: 'end', text: 'no' } } },
        null, start, { ...scope, variables },
      ).outbound[0]!.text;

    for (const [cond, variables, expected] of [
      [{ var: 'd', equals: 'pizza' }, { d: ' Pizza ' }, 'yes'],
      [{ var: 'd', equals: 'pizza' }, { d: 'pasta' }, 'no'],
      [{ var: 'd', contains: 'ZZ' }, { d: 'pizza' }, 'yes'],
      [{ var: 'd', matches: '^p.*a$' }, { d: 'Pasta' }, 'yes'],
      [{ var: 'n', gt: 2 }, { n: '3' }, 'yes'],
      [{ var: 'n', gt: 2 }, { n: 'three' }, 'no'],
      [{ var: 'n', lt: 2 }, { n: '1.5' }, 'yes'],
      [{ var: 'd', exists: true }, {}, 'no'],
      [{ var: 'd', exists: false }, {}, 'yes'],
      [{ var: 'user.id', equals: '3' }, {}, 'yes'],
      [{ var: 'missing', equals: '' }, {}, 'no'],
    ] as const) {
      it(`branches ${JSON.stringify(cond)} with ${JSON.stringify(variables)} to ${expected}`, () => {
        assert.equal(flow(cond, variables), expected);
      });
    }

    it('sets variables from templates, in order', () => {
      const turn = runTurn(
        { start: 's', nodes: { s: { type: 'set', vars: { n: '2', order: '{{n}} x {{dish}}' }, next: 'e' }, e: { type: 'end', text: '{{order}}' } } },
        null, start, { ...scope, variables: { dish: 'pizza' } },
      );
      assert.deepEqual(turn.outbound, [{ text: '2 x pizza' }]);
    });
  });

  describe('delay, http and handoff', () => {
    const flow: Flow = {
      start: 'wait',
      nodes: {
        wait: { type: 'delay', seconds: 86_400, next: 'call' },
        call: { type: 'http', method: 'POST', url: 'https://api.test/orders/{{user.id}}', body: { dish: '{{dish}}' }, saveAs: 'order', next: 'human', onError: 'sorry' },
        human: { type: 'handoff', text: 'Order {{order.id}} placed; an agent will join you.', next: 'bye' },
        sorry: { type: 'end', text: 'Could not order: {{order.error}}' },
        bye: { type: 'end', text: 'Bye' },
      },
    };
    const withDish = { ...scope, variables: { dish: 'pizza' } };

    it('waits for a delay and goes on when resumed', () => {
      assert.deepEqual(runTurn(flow, null, start, withDish).pause, { kind: 'delay', ms: 86_400_000 });
      const resumed = runTurn(flow, at('wait'), { kind: 'resume' }, withDish);
      assert.deepEqual(resumed.pause, {
        kind: 'http',
        request: { method: 'POST', url: 'https://api.test/orders/3', urlPrefix: 'https://api.test/orders/', headers: {}, body: { dish: 'pizza' }, timeoutMs: 10_000 },
      });
    });

    it('percent-encodes what a variable fills into the URL: it cannot add a segment, a parameter or cut the query', () => {
      const lookup: Flow = {
        start: 'call',
        nodes: {
          call: { type: 'http', method: 'GET', url: 'https://api.test/users/{{who}}/orders?status={{status}}&key=secret', saveAs: 'r', next: 'done', onError: 'done' },
          done: { type: 'end', text: 'Done {{who}}' },
        },
      };
      const hostile = { ...scope, variables: { who: '../admin/delete?x=', status: '1#' } };
      const { pause } = runTurn(lookup, null, start, hostile);
      assert.equal(pause.kind === 'http' ? pause.request.url : '', 'https://api.test/users/..%2Fadmin%2Fdelete%3Fx%3D/orders?status=1%23&key=secret');
      const added = runTurn(lookup, null, start, { ...scope, variables: { who: 'ann', status: 'open&role=admin' } });
      assert.equal(added.pause.kind === 'http' ? new URL(added.pause.request.url).searchParams.get('role') : 'x', null);
      const text = runTurn(lookup, at('call'), { kind: 'http', ok: true, data: {} }, hostile);
      assert.deepEqual(text.outbound, [{ text: 'Done ../admin/delete?x=' }], 'texts are not encoded');
    });

    it('saves a JSON answer as dotted variables and takes next; a failure takes onError', () => {
      const ok = runTurn(flow, at('call'), { kind: 'http', ok: true, data: { id: 42, items: ['pizza'] } }, withDish);
      assert.deepEqual([ok.outbound, ok.pause, ok.variables['order.id']], [[{ text: 'Order 42 placed; an agent will join you.' }], { kind: 'handoff' }, '42']);
      const failed = runTurn(flow, at('call'), { kind: 'http', ok: false, error: 'answered 500' }, withDish);
      assert.deepEqual(failed.outbound, [{ text: 'Could not order: answered 500' }]);
    });

    it('stays in handoff until resumed, then continues', () => {
      assert.equal(runTurn(flow, at('human'), answer('hello?'), withDish).error, 'unexpected_input');
      assert.deepEqual(runTurn(flow, at('human'), { kind: 'resume' }, withDish).outbound, [{ text: 'Bye' }]);
    });
  });
});
