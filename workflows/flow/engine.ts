import type { Flow, FlowNode } from '../../src/schemas/flow';
import { renderTemplate, type TemplateScope } from './template';

/** Nodes one turn may visit before the flow is stopped as runaway. */
export const STEP_BUDGET = 100;

export interface OutboundMessage {
  text: string;
  quickReplies?: string[];
  attachments?: { url: string; offset: number }[];
}

export interface TurnInput {
  flow: Flow;
  /** The question node waiting for `answer`, or null to run from the flow's start. */
  waitingAt: string | null;
  answer?: string;
  scope: TemplateScope;
}

export interface TurnResult {
  outbound: OutboundMessage[];
  /** The question node now waiting for an answer; null when the flow ended. */
  waitingAt: string | null;
  variables: Record<string, string>;
  /** Template names that had no value this turn. */
  missing: string[];
  error?: 'step_budget_exceeded' | 'unknown_node';
}

/** Runs one turn of a flow: saves the answer (if any), then visits nodes until a question or the end. */
export function runTurn({ flow, waitingAt, answer, scope }: TurnInput): TurnResult {
  const variables = { ...scope.variables };
  const result: TurnResult = { outbound: [], waitingAt: null, variables, missing: [] };
  const render = (template: string): string => {
    const rendered = renderTemplate(template, { ...scope, variables });
    for (const name of rendered.missing) if (!result.missing.includes(name)) result.missing.push(name);
    return rendered.text;
  };

  let nodeId: string | undefined = flow.start;
  if (waitingAt !== null) {
    const question = flow.nodes[waitingAt];
    if (question?.type !== 'question') return { ...result, error: 'unknown_node' };
    if (question.saveAs && answer !== undefined) variables[question.saveAs] = answer;
    nodeId = question.next;
  }

  for (let steps = 0; steps < STEP_BUDGET; steps++) {
    const node: FlowNode | undefined = nodeId === undefined ? undefined : flow.nodes[nodeId];
    if (!node || nodeId === undefined) return { ...result, error: 'unknown_node' };
    switch (node.type) {
      case 'message':
        result.outbound.push(compact({ text: render(node.text), attachments: node.attachments }));
        nodeId = node.next;
        break;
      case 'question':
        result.outbound.push(compact({ text: render(node.text), quickReplies: node.quickReplies }));
        return { ...result, waitingAt: nodeId };
      case 'end':
        if (node.text !== undefined) result.outbound.push({ text: render(node.text) });
        return result;
    }
  }
  // A runaway turn sends nothing: better silence than a hundred webhooks.
  return { ...result, outbound: [], error: 'step_budget_exceeded' };
}

function compact(message: OutboundMessage): OutboundMessage {
  const out: OutboundMessage = { text: message.text };
  if (message.quickReplies?.length) out.quickReplies = [...message.quickReplies];
  if (message.attachments?.length) out.attachments = message.attachments.map((a) => ({ url: a.url, offset: a.offset }));
  return out;
}
