import type { z } from 'zod';
import { InvalidRequest } from './errors';

/** Parses with zod or throws InvalidRequest naming each field at fault. */
export function parseOrThrow<S extends z.ZodType>(schema: S, value: unknown, where?: string): z.output<S> {
  const parsed = schema.safeParse(value);
  if (parsed.success) return parsed.data;
  throw new InvalidRequest(
    parsed.error.issues.map((issue) => ({ path: formatPath(where ? [where, ...issue.path] : issue.path), message: issue.message })),
  );
}

/** ["nodes", "route", "cases", 0, "next"] → "nodes.route.cases[0].next" */
export function formatPath(path: readonly PropertyKey[]): string {
  return path.reduce<string>((out, key) => (typeof key === 'number' ? `${out}[${key}]` : out ? `${out}.${String(key)}` : String(key)), '');
}
