import type { Flow, FlowNode } from './types';
import { acceptAnswer, flattenJson, holds } from './conditions';
import { patternTester, type PatternTester } from './pattern';
import { lookupVariable, renderTemplate, urlTemplatePrefix, type TemplateScope } from './template';

/** Nodes one turn may visit before the flow is stopped as runaway. */
export const STEP_BUDGET = 100;
export const DEFAULT_APOLOGY = 'Sorry, something went wrong on our side. Please try again.';
const DEFAULT_MAX_RETRIES = 2;

export interface OutboundMessage {
  text: string;
  quickReplies?: string[];
  attachments?: { url: string; offset: number }[];
}

export interface HttpRequest {
  method: 'GET' | 'POST';
  /** Rendered with each value percent-encoded. */
  url: string;
  /** The template's literal start: the URL must still begin with it (absent from requests of older sessions). */
  urlPrefix?: string;
  headers: Record<string, string>;
  body?: Record<string, string>;
  timeoutMs: number;
}

/** What wakes a waiting bot: the first turn, a user's answer, a delay or handoff ending, an http answer. */
export type FlowInput =
  | { kind: 'start' }
  | { kind: 'answer'; text: string }
  | { kind: 'resume' }
  | { kind: 'http'; ok: true; data: unknown }
  | { kind: 'http'; ok: false; error: string };

/** Why the turn stopped; every kind but `end` leaves the bot waiting at `cursor`. */
export type Pause =
  | { kind: 'question' }
  | { kind: 'delay'; ms: number }
  | { kind: 'http'; request: HttpRequest }
  | { kind: 'handoff' }
  | { kind: 'end' };

export interface Cursor {
  node: string;
  /** Invalid answers given to the question at `node`. */
  retries: number;
}

export interface TurnResult {
  outbound: OutboundMessage[];
  pause: Pause;
  cursor: Cursor | null;
  variables: Record<string, string>;
  /** Template names that had no value this turn. */
  missing: string[];
  error?: 'step_budget_exceeded' | 'regex_budget_exceeded' | 'unknown_node' | 'unexpected_input';
}

export type TurnContext = TemplateScope;

/** Runs one turn of a flow: applies the input at the cursor, then visits nodes until the flow waits or ends. */
export function runTurn(flow: Flow, cursor: Cursor | null, input: FlowInput, context: TurnContext): TurnResult {
  const scope = context;
  const variables = { ...scope.variables };
  const result: TurnResult = { outbound: [], pause: { kind: 'end' }, cursor: null, variables, missing: [] };
  const at = { ...scope, variables };
  const patterns = patternTester();
  const render = (template: string, encode?: (value: string) => string): string => {
    const rendered = renderTemplate(template, at, encode);
    for (const name of rendered.missing) if (!result.missing.includes(name)) result.missing.push(name);
    return rendered.text;
  };
  const fail = (error: NonNullable<TurnResult['error']>): TurnResult => ({ ...result, outbound: [], error });
  const wait = (pause: Pause, node: string, retries = 0): TurnResult => ({ ...result, pause, cursor: { node, retries } });
  // A runaway turn sends only the apology: better that than a hundred webhooks.
  const stop = (error: 'step_budget_exceeded' | 'regex_budget_exceeded') => ({ ...fail(error), outbound: [{ text: flow.apology ?? DEFAULT_APOLOGY }] });

  let id: string = flow.start;
  if (input.kind !== 'start') {
    const node = cursor ? flow.nodes[cursor.node] : undefined;
    if (!cursor || !node) return fail('unknown_node');
    const resumed = resume(node, cursor, input, variables, patterns);
    if (patterns.exhausted) return stop('regex_budget_exceeded');
    if (resumed === undefined) return fail('unexpected_input');
    if ('retry' in resumed) {
      result.outbound.push(compact({ text: render(resumed.retry), quickReplies: quickRepliesOf(node) }));
      return wait({ kind: 'question' }, cursor.node, cursor.retries + 1);
    }
    id = resumed.next;
  }

  for (let steps = 0; steps < STEP_BUDGET; steps++) {
    const node: FlowNode | undefined = flow.nodes[id];
    if (!node) return fail('unknown_node');
    switch (node.type) {
      case 'message':
        result.outbound.push(compact({ text: render(node.text), attachments: node.attachments }));
        id = node.next;
        break;
      case 'question':
        result.outbound.push(compact({ text: render(node.text), quickReplies: node.quickReplies }));
        return wait({ kind: 'question' }, id);
      case 'branch':
        id = node.cases.find((c) => holds(c.if, lookupVariable(c.if.var, at), patterns))?.next ?? node.else;
        if (patterns.exhausted) return stop('regex_budget_exceeded');
        break;
      case 'set':
        for (const [name, template] of Object.entries(node.vars)) variables[name] = render(template);
        id = node.next;
        break;
      case 'delay':
        return wait({ kind: 'delay', ms: node.seconds * 1_000 }, id);
      case 'http':
        return wait({ kind: 'http', request: renderRequest(node, render) }, id);
      case 'handoff':
        if (node.text !== undefined) result.outbound.push({ text: render(node.text) });
        return wait({ kind: 'handoff' }, id);
      case 'end':
        if (node.text !== undefined) result.outbound.push({ text: render(node.text) });
        return result;
    }
  }
  return stop('step_budget_exceeded');
}

/** The input applied at the node the bot waits at: where to go next, a retry prompt, or undefined if it does not fit. */
function resume(
  node: FlowNode,
  cursor: Cursor,
  input: FlowInput,
  variables: Record<string, string>,
  patterns: PatternTester,
): { next: string } | { retry: string } | undefined {
  if (node.type === 'question' && input.kind === 'answer') {
    const value = acceptAnswer(node, input.text, patterns);
    if (value !== null) {
      if (node.saveAs) variables[node.saveAs] = value;
      return { next: node.next };
    }
    if (node.onInvalid && cursor.retries >= (node.maxRetries ?? DEFAULT_MAX_RETRIES)) return { next: node.onInvalid };
    return { retry: node.retryText ?? node.text };
  }
  if ((node.type === 'delay' || node.type === 'handoff') && input.kind === 'resume') return { next: node.next };
  if (node.type === 'http' && input.kind === 'http') {
    if (input.ok) Object.assign(variables, flattenJson(node.saveAs, input.data));
    else variables[`${node.saveAs}.error`] = input.error;
    return { next: input.ok ? node.next : node.onError };
  }
  return undefined;
}

function renderRequest(node: Extract<FlowNode, { type: 'http' }>, render: (t: string, encode?: (value: string) => string) => string): HttpRequest {
  const renderAll = (map: Record<string, string> | undefined) =>
    Object.fromEntries(Object.entries(map ?? {}).map(([key, template]) => [key, render(template)]));
  const request: HttpRequest = {
    method: node.method, url: render(node.url, encodeURIComponent), urlPrefix: urlTemplatePrefix(node.url),
    headers: renderAll(node.headers), timeoutMs: (node.timeoutSeconds ?? 10) * 1_000,
  };
  if (node.method === 'POST') request.body = renderAll(node.body);
  return request;
}

function quickRepliesOf(node: FlowNode): string[] | undefined {
  return node.type === 'question' ? node.quickReplies : undefined;
}

function compact(message: OutboundMessage): OutboundMessage {
  const out: OutboundMessage = { text: message.text };
  if (message.quickReplies?.length) out.quickReplies = [...message.quickReplies];
  if (message.attachments?.length) out.attachments = message.attachments.map((a) => ({ url: a.url, offset: a.offset }));
  return out;
}
