import { checkFlowGraph } from '../flow/graph';
import { flowShapeSchema } from './flow-nodes';

export { flowBytes, flowNodeSchema, identifier, MAX_DELAY_SECONDS, MAX_FLOW_CHARS, MAX_NODES } from './flow-nodes';
export type { Condition, Flow, FlowNode } from './flow-nodes';

/**
 * A valid flow: its shape (src/schemas/flow-nodes.ts) and the rules between its nodes (src/flow/graph.ts), which
 * read the shape's types. Split so that neither module imports the other.
 */
export const flowSchema = flowShapeSchema.superRefine((flow, ctx) => {
  for (const problem of checkFlowGraph(flow)) ctx.addIssue({ code: 'custom', path: problem.path, message: problem.message });
});
