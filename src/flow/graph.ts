import type { Flow, FlowNode } from '../schemas/flow-nodes';

export interface GraphProblem {
  path: (string | number)[];
  message: string;
}

type Edge = { path: (string | number)[]; target: string };

/** Every node a node can lead to, with the path of the field that names it. */
export function edgesOf(id: string, node: FlowNode): Edge[] {
  const at = (...rest: (string | number)[]) => ['nodes', id, ...rest];
  switch (node.type) {
    case 'branch':
      return [...node.cases.map((c, i) => ({ path: at('cases', i, 'next'), target: c.next })), { path: at('else'), target: node.else }];
    case 'question':
      return [{ path: at('next'), target: node.next }, ...(node.onInvalid ? [{ path: at('onInvalid'), target: node.onInvalid }] : [])];
    case 'http':
      return [{ path: at('next'), target: node.next }, { path: at('onError'), target: node.onError }];
    case 'end':
      return [];
    default:
      return [{ path: at('next'), target: node.next }];
  }
}

/** Nodes where a turn stops to wait: a cycle must pass one of them or it would spin within a turn. */
const WAITS = new Set<FlowNode['type']>(['question', 'delay', 'handoff']);

/** What zod cannot see: dangling references, unreachable nodes, cycles that never wait, node-level rules. */
export function checkFlowGraph(flow: Flow): GraphProblem[] {
  const problems: GraphProblem[] = [];
  const nodes = new Map(Object.entries(flow.nodes));
  if (!nodes.has(flow.start)) problems.push({ path: ['start'], message: `no node "${flow.start}"` });

  for (const [id, node] of nodes) {
    for (const edge of edgesOf(id, node)) {
      if (!nodes.has(edge.target)) problems.push({ path: edge.path, message: `no node "${edge.target}"` });
    }
    if (node.type === 'question' && node.validate?.kind === 'choice' && !node.quickReplies?.length) {
      problems.push({ path: ['nodes', id, 'validate'], message: '"choice" needs quickReplies to choose from' });
    }
    if (node.type === 'message') {
      node.attachments?.forEach((a, i) => {
        if (a.offset > node.text.length) problems.push({ path: ['nodes', id, 'attachments', i, 'offset'], message: 'past the end of the text' });
      });
    }
  }
  if (problems.length > 0) return problems;

  const reached = new Set<string>([flow.start]);
  for (const queue = [flow.start]; queue.length > 0; ) {
    const id = queue.pop()!;
    for (const { target } of edgesOf(id, nodes.get(id)!)) {
      if (reached.has(target)) continue;
      reached.add(target);
      queue.push(target);
    }
  }
  for (const id of nodes.keys()) if (!reached.has(id)) problems.push({ path: ['nodes', id], message: 'unreachable from start' });

  const cycle = findInstantCycle(nodes);
  if (cycle) {
    problems.push({ path: ['nodes', cycle[0]!], message: `this cycle never waits for the user (add a question or a delay): ${cycle.join(' → ')}` });
  }
  return problems;
}

/** A cycle made only of nodes that do not wait (depth-first search with colours), or null. */
function findInstantCycle(nodes: Map<string, FlowNode>): string[] | null {
  const state = new Map<string, 'open' | 'done'>();
  const stack: string[] = [];
  const visit = (id: string): string[] | null => {
    state.set(id, 'open');
    stack.push(id);
    for (const { target } of edgesOf(id, nodes.get(id)!)) {
      if (WAITS.has(nodes.get(target)!.type)) continue;
      if (state.get(target) === 'open') return [...stack.slice(stack.indexOf(target)), target];
      if (!state.has(target)) {
        const found = visit(target);
        if (found) return found;
      }
    }
    stack.pop();
    state.set(id, 'done');
    return null;
  };
  for (const [id, node] of nodes) {
    if (WAITS.has(node.type) || state.has(id)) continue;
    const found = visit(id);
    if (found) return found;
  }
  return null;
}
