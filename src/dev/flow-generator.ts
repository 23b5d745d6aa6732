import fc from 'fast-check';
import type { Flow, FlowNode } from '../schemas/flow';
import type { FlowInput } from '../../workflows/flow/engine';

export interface FlowShape {
  /** A delay node's seconds (the property test never waits; the soak does). */
  delaySeconds?: number;
  /** An http node's URL; `{{x}}` in it is filled from the flow's variable. */
  httpUrl?: string;
  maxNodes?: number;
}

/**
 * Random valid flows by construction: node i's `next` is node i+1 (so every node is reachable), other edges of
 * nodes that do not wait only point forward (so no cycle spins), and waiting nodes may point anywhere.
 * The flow engine's property test and `npm run soak` draw from it.
 */
export function flowArbitrary({ delaySeconds = 60, httpUrl = 'https://x.test/{{x}}', maxNodes = 12 }: FlowShape = {}): fc.Arbitrary<Flow> {
  return fc.integer({ min: 2, max: maxNodes }).chain((size) => {
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
        fc.constant<FlowNode>({ type: 'delay', seconds: delaySeconds, next }),
        forward.map((onError): FlowNode => ({ type: 'http', method: 'GET', url: httpUrl, saveAs: 'r', next, onError })),
        fc.constant<FlowNode>({ type: 'handoff', next }),
      );
    };
    return fc.tuple(...Array.from({ length: size }, (_, i) => node(i))).map(
      (nodes): Flow => ({ start: 'n0', nodes: Object.fromEntries(nodes.map((n, i) => [id(i), n])) }),
    );
  });
}

/** What a running flow may be handed: answers (valid for some questions, not for others), resumes, http answers. */
export const flowInputArbitrary: fc.Arbitrary<FlowInput> = fc.oneof(
  fc.string({ maxLength: 8 }).map((text): FlowInput => ({ kind: 'answer', text })),
  fc.constantFrom<FlowInput>({ kind: 'answer', text: 'a' }, { kind: 'answer', text: '42' }, { kind: 'resume' }),
  fc.constantFrom<FlowInput>({ kind: 'http', ok: true, data: { a: [1, { b: null }] } }, { kind: 'http', ok: false, error: 'down' }),
);
