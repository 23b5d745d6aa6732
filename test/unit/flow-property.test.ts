import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flowSchema, type Flow, type FlowNode } from '../../src/schemas/flow';
import { runTurn, type Cursor, type FlowInput, type Pause } from '../../workflows/flow/engine';

/**
 * Random valid flows by construction: node i's `next` is node i+1 (so every node is reachable), other edges of
 * nodes that do not wait only point forward (so no cycle spins), and waiting nodes may point anywhere.
 */
const flowArbitrary = fc.integer({ min: 2, max: 12 }).chain((size) => {
  const id = (i: number) => `n${i}`;
  const anyTarget = fc.integer({ min: 0, max: size - 1 }).map(id);
  const node = (i: number): fc.Arbitrary<FlowNode> => {
    if (i === size - 1) return fc.constant({ type: 'end', text: 'bye {{x}}' });
    const next = id(i + 1);
    const forward = fc.integer({ min: i + 1, max: size - 1 }).map(id);
    return fc.oneof(
      fc.constant<FlowNode>({ type: 'message', text: 'm{{x}}', next }),
      fc.record({ maxRetries: fc.integer({ min: 0, max: 3 }), onInvalid: anyTarget, kind: fc.constantFrom('any', 'number', 'email', 'choice') as fc.Arbitrary<'any'> })
        .map(({ maxRetries, onInvalid, kind }): FlowNode => ({ type: 'question', text: 'q?', quickReplies: ['a', 'b'], saveAs: 'x', validate: { kind }, maxRetries, onInvalid, next })),
      fc.record({ other: forward, value: fc.string({ maxLength: 3 }) })
        .map(({ other, value }): FlowNode => ({ type: 'branch', cases: [{ if: { var: 'x', equals: value }, next: other }], else: next })),
      fc.constant<FlowNode>({ type: 'set', vars: { x: '{{x}}!' }, next }),
      fc.constant<FlowNode>({ type: 'delay', seconds: 60, next }),
      forward.map((onError): FlowNode => ({ type: 'http', method: 'GET', url: 'https://x.test/{{x}}', saveAs: 'r', next, onError })),
      fc.constant<FlowNode>({ type: 'handoff', next }),
    );
  };
  return fc.tuple(...Array.from({ length: size }, (_, i) => node(i))).map(
    (nodes): Flow => ({ start: 'n0', nodes: Object.fromEntries(nodes.map((n, i) => [id(i), n])) }),
  );
});

const inputArbitrary: fc.Arbitrary<FlowInput> = fc.oneof(
  fc.string({ maxLength: 8 }).map((text): FlowInput => ({ kind: 'answer', text })),
  fc.constantFrom<FlowInput>({ kind: 'answer', text: 'a' }, { kind: 'answer', text: '42' }, { kind: 'resume' }),
  fc.constantFrom<FlowInput>({ kind: 'http', ok: true, data: { a: [1, { b: null }] } }, { kind: 'http', ok: false, error: 'down' }),
);

describe('flow engine, property-based', () => {
  it('never throws and ends every turn within the step budget, on 1,000 random valid flows and inputs', () => {
    fc.assert(
      fc.property(flowArbitrary, fc.array(inputArbitrary, { maxLength: 12 }), (flow, inputs) => {
        assert.ok(flowSchema.safeParse(flow).success, 'the generator builds flows the validator accepts');
        const scope = { variables: {} as Record<string, string>, userID: 1, channelID: 'c' };
        let cursor: Cursor | null = null;
        let pause: Pause = { kind: 'end' };
        for (const input of [{ kind: 'start' } as FlowInput, ...inputs]) {
          if (input.kind !== 'start' && !cursor) break;
          const turn = runTurn(flow, cursor, input, scope);
          assert.notEqual(turn.error, 'step_budget_exceeded');
          assert.notEqual(turn.error, 'unknown_node');
          if (turn.error === 'unexpected_input') continue; // the session keeps the bot where it was
          assert.equal(turn.cursor === null, turn.pause.kind === 'end');
          ({ cursor, pause } = turn);
          scope.variables = turn.variables;
        }
        return pause !== undefined;
      }),
      { numRuns: 1_000 },
    );
  });
});
