import { z } from 'zod';

/** Node ids and variable names become document keys: FerretDB refuses '.' and a leading '$'. */
export const identifier = z.string().regex(/^[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-"');

const text = z.string().min(1).max(4_096);

/** A running session pins its flow in workflow state, which must stay well under Temporal's 2 MB payload limit. */
export const MAX_FLOW_CHARS = 256 * 1024;

const attachment = z.strictObject({
  url: z.url({ protocol: /^https?$/ }).max(2_048),
  offset: z.number().int().min(0).default(0),
});

const messageNode = z.strictObject({
  type: z.literal('message'),
  text,
  attachments: z.array(attachment).max(10).optional(),
  next: identifier,
});

const questionNode = z.strictObject({
  type: z.literal('question'),
  text,
  quickReplies: z.array(z.string().min(1).max(256)).max(10).optional(),
  saveAs: identifier.optional(),
  next: identifier,
});

const endNode = z.strictObject({
  type: z.literal('end'),
  text: text.optional(),
});

export const flowNodeSchema = z.discriminatedUnion('type', [messageNode, questionNode, endNode]);

export const flowSchema = z
  .strictObject({
    start: identifier,
    nodes: z.record(identifier, flowNodeSchema).refine((nodes) => Object.keys(nodes).length <= 500, 'at most 500 nodes'),
  })
  .refine((flow) => JSON.stringify(flow).length <= MAX_FLOW_CHARS, `the flow is larger than ${MAX_FLOW_CHARS / 1024} KB`)
  .superRefine((flow, ctx) => {
    if (!(flow.start in flow.nodes)) {
      ctx.addIssue({ code: 'custom', path: ['start'], message: `no node "${flow.start}"` });
    }
    for (const [id, node] of Object.entries(flow.nodes)) {
      if ('next' in node && !(node.next in flow.nodes)) {
        ctx.addIssue({ code: 'custom', path: ['nodes', id, 'next'], message: `no node "${node.next}"` });
      }
    }
  });

export type Flow = z.infer<typeof flowSchema>;
export type FlowNode = z.infer<typeof flowNodeSchema>;
