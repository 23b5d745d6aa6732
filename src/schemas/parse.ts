import type { z } from 'zod';
import { InvalidAttachment, InvalidFlow, InvalidRequest, type ErrorDetail } from '../errors';
import { attachmentsSchema, type AttachmentInput } from './message';

/** Parses with zod or throws InvalidRequest naming each field at fault. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequest(detailsOf(parsed.error, where));
}

/**
 * A bot's body: 400 when it breaks the OpenAPI document, 422 `invalid_flow` when it matches the document but breaks
 * a rule JSON Schema cannot state (a reference to a missing node, an unsafe regex, the size in bytes): those are
 * the schemas' `custom` (refine) issues.
 */
export function parseFlowOrThrow<S extends z.ZodType>(schema: S, value: unknown): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  const details = detailsOf(parsed.error);
  if (parsed.error.issues.every((issue) => issue.code === 'custom')) throw new InvalidFlow(details);
  throw new InvalidRequest(details);
}

/** Uploads whose form the body's schema checked, decoded now (after authentication): content problems are 422. */
export function decodeAttachmentsOrThrow(raw: unknown[] | undefined): AttachmentInput[] {
  const parsed = attachmentsSchema.safeParse(raw ?? []);
  if (parsed.success) return parsed.data;
  throw new InvalidAttachment(detailsOf(parsed.error, 'attachments'));
}

export function detailsOf(error: z.ZodError, where?: string): ErrorDetail[] {
  return error.issues.map((issue) => ({ path: formatPath(where ? [where, ...issue.path] : issue.path), message: issue.message }));
}

/** ["nodes", "route", "cases", 0, "next"] → "nodes.route.cases[0].next" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
