import { z } from 'zod';
import type { Condition, Flow } from '../../workflows/flow/types';
import { regexProblem } from '../flow/safe-pattern';

/** Node ids and variable names become document keys: FerretDB refuses '.' and a leading '$'. */
export const identifier = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-"');

/** A running session pins its flow in workflow state, which must stay well under Temporal's 2 MB payload limit. */
export const MAX_FLOW_CHARS = 256 * 1024;

/** A flow's size as it is stored and pinned in a session: UTF-8 bytes of its JSON (MAX_FLOW_CHARS of them). */
export const flowBytes = (flow: unknown): number => Buffer.byteLength(JSON.stringify(flow) ?? '');
export const MAX_NODES = 500;
export const MAX_DELAY_SECONDS = 30 * 86_400;

const text = z.string().min(1).max(4_096);
const template = z.string().max(4_096);
const pattern = z.string().min(1).max(200).superRefine((source, ctx) => {
  const problem = regexProblem(source);
  if (problem) ctx.addIssue({ code: 'custom', message: problem });
});

const attachment = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2_048),
  offset: z.number().int().min(0).default(0),
});

const validation = z.discriminatedUnion('kind', [
  z.strictObject({ kind: z.enum(['any', 'number', 'email', 'choice']) }),
  z.strictObject({ kind: z.literal('regex'), pattern }),
]);

const OPERATORS = ['equals', 'contains', 'matches', 'gt', 'lt', 'exists'] as const;
const condition = z
  .strictObject({
    var: z.string().regex(/^[A-Za-z0-9_.-]{1,64}$/, 'a variable name, user.id or channel.id'),
    equals: z.string().max(1_000).optional(),
    contains: z.string().max(1_000).optional(),
    matches: pattern.optional(),
    gt: z.number().optional(),
    lt: z.number().optional(),
    exists: z.boolean().optional(),
  })
  .refine((c) => OPERATORS.filter((op) => c[op] !== undefined).length === 1, `use exactly one of ${OPERATORS.join(', ')}`)
  .meta({ oneOf: OPERATORS.map((op) => ({ required: [op] })) });

const messageNode = z.strictObject({ type: z.literal('message'), text, attachments: z.array(attachment).max(10).optional(), next: identifier });
const questionNode = z.strictObject({
  type: z.literal('question'),
  text,
  quickReplies: z.array(z.string().min(1).max(256)).max(10).optional(),
  saveAs: identifier.optional(),
  validate: validation.optional(),
  retryText: text.optional(),
  maxRetries: z.number().int().min(0).max(10).optional(),
  onInvalid: identifier.optional(),
  next: identifier,
});
const branchNode = z.strictObject({
  type: z.literal('branch'),
  cases: z.array(z.strictObject({ if: condition, next: identifier })).min(1).max(20),
  else: identifier,
});
const setNode = z.strictObject({
  type: z.literal('set'),
  vars: z.record(identifier, template).refine((vars) => Object.keys(vars).length >= 1 && Object.keys(vars).length <= 50, '1 to 50 variables')
    .meta({ minProperties: 1, maxProperties: 50 }),
  next: identifier,
});
const delayNode = z.strictObject({ type: z.literal('delay'), seconds: z.number().int().min(1).max(MAX_DELAY_SECONDS), next: identifier });
/** The scheme and host come before any placeholder, so no variable can send the request (and its headers) elsewhere. */
function hasLiteralOrigin(url: string): boolean {
  const at = url.indexOf('{{');
  const literal = at < 0 ? url : url.slice(0, at);
  return at < 0 ? /^https?:\/\/[^/?#{}\s]+/.test(literal) : /^https?:\/\/[^/?#{}\s]+[/?#]/.test(literal);
}

const httpNode = z.strictObject({
  type: z.literal('http'),
  method: z.enum(['GET', 'POST']),
  url: z
    .string()
    .max(2_048)
    .regex(/^https?:\/\//, 'an http(s) URL; templates may fill its path and query')
    .refine(hasLiteralOrigin, 'write the scheme and host out; templates may fill the path and query only'),
  headers: z.record(z.string().regex(/^[A-Za-z0-9-]{1,64}$/, 'a header name'), template).optional(),
  body: z.record(identifier, template).optional(),
  timeoutSeconds: z.number().int().min(1).max(30).optional(),
  saveAs: identifier,
  next: identifier,
  onError: identifier,
});
const handoffNode = z.strictObject({ type: z.literal('handoff'), text: text.optional(), next: identifier });
const endNode = z.strictObject({ type: z.literal('end'), text: text.optional() });

export const flowNodeSchema = z.discriminatedUnion('type', [
  messageNode, questionNode, branchNode, setNode, delayNode, httpNode, handoffNode, endNode,
]);

/** A flow's shape, node by node: what JSON Schema can state. src/schemas/flow.ts adds the rules between nodes. */
export const flowShapeSchema = z
  .strictObject({
    start: identifier,
    /** Sent when a turn runs past the step budget; the session stays usable. */
    apology: text.optional(),
    nodes: z.record(identifier, flowNodeSchema)
      .refine((nodes) => Object.keys(nodes).length <= MAX_NODES, `at most ${MAX_NODES} nodes`)
      .meta({ maxProperties: MAX_NODES }),
  })
  .refine((flow) => flowBytes(flow) <= MAX_FLOW_CHARS, `the flow is larger than ${MAX_FLOW_CHARS / 1024} KB`);

// The workflow owns the flow's types (workflows/flow/types.ts); these schemas must produce exactly them.
export type { Condition, Flow, FlowNode } from '../../workflows/flow/types';
type Same<A, B> = [A] extends [B] ? ([B] extends [A] ? true : false) : false;
const schemaMatchesWorkflowTypes: [Same<z.output<typeof flowShapeSchema>, Flow>, Same<z.output<typeof condition>, Condition>] = [true, true];
void schemaMatchesWorkflowTypes;
