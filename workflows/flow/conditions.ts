import type { Condition, FlowNode } from './types';
import type { PatternTester } from './pattern';

/** A branch condition against one variable's value (undefined when the variable is not set). */
export function holds(condition: Condition, value: string | undefined, patterns: PatternTester): boolean {
  if (condition.exists !== undefined) return (value !== undefined && value !== '') === condition.exists;
  if (value === undefined) return false;
  if (condition.equals !== undefined) return value.trim().toLowerCase() === condition.equals.trim().toLowerCase();
  if (condition.contains !== undefined) return value.toLowerCase().includes(condition.contains.toLowerCase());
  if (condition.matches !== undefined) return patterns.test(condition.matches, value);
  const number = toNumber(value);
  if (number === null) return false;
  if (condition.gt !== undefined) return number > condition.gt;
  if (condition.lt !== undefined) return number < condition.lt;
  return false;
}

type Question = Extract<FlowNode, { type: 'question' }>;

/** The value to save for an answer, or null when the question's validation refuses it. */
export function acceptAnswer(question: Question, answer: string, patterns: PatternTester): string | null {
  const text = answer.trim();
  const rule = question.validate ?? { kind: 'any' };
  switch (rule.kind) {
    case 'any':
      return text;
    case 'number': {
      const number = toNumber(text);
      return number === null ? null : String(number);
    }
    case 'email':
      return /^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(text) ? text : null;
    case 'choice':
      return question.quickReplies?.find((choice) => choice.toLowerCase() === text.toLowerCase()) ?? null;
    case 'regex':
      return patterns.test(rule.pattern, text) ? text : null;
  }
}

function toNumber(text: string): number | null {
  const normalized = text.trim().replace(',', '.');
  if (!/^[-+]?\d+(\.\d+)?$/.test(normalized)) return null;
  return Number(normalized);
}

const MAX_FLATTENED = 100;
const MAX_VALUE_CHARS = 1_024;

/** An http answer as template variables: {"a": {"b": 1}} saved as "weather" gives "weather.a.b" = "1". */
export function flattenJson(prefix: string, value: unknown, into: Record<string, string> = {}, depth = 0): Record<string, string> {
  if (Object.keys(into).length >= MAX_FLATTENED) return into;
  if (value === null || typeof value !== 'object' || depth >= 4) {
    into[prefix] = (typeof value === 'string' ? value : (JSON.stringify(value) ?? '')).slice(0, MAX_VALUE_CHARS);
    return into;
  }
  into[prefix] = JSON.stringify(value).slice(0, MAX_VALUE_CHARS);
  for (const [key, child] of Object.entries(value)) flattenJson(`${prefix}.${key}`, child, into, depth + 1);
  return into;
}
