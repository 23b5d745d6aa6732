import assert from 'node:assert/strict';
import fc from 'fast-check';
import { flowArbitrary, flowInputArbitrary } from '../../src/dev/flow-generator';
import { flowSchema } from '../../src/schemas/flow';
import { runTurn, type Cursor, type FlowInput, type Pause } from '../../workflows/flow/engine';

describe('flow engine, property-based', () => {
  it('never throws and ends every turn within the step budget, on 1,000 random valid flows and inputs', () => {
    fc.assert(
      fc.property(flowArbitrary(), fc.array(flowInputArbitrary, { maxLength: 12 }), (flow, inputs) => {
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
