import ret, { types, type Tokens } from 'ret';
import safeRegex from 'safe-regex2';
import { PATTERN_FLAGS } from '../../workflows/flow/conditions';

/**
 * Why a flow's regex may not be used, or null. Patterns run inside the session workflow, where a slow match
 * would stall the whole session, so anything that can backtrack badly is refused at save time: nested
 * quantifiers (safe-regex2), repeated alternations such as (a|a)* or (\w|\d)+, and backreferences.
 */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source, PATTERN_FLAGS);
  } catch (err) {
    return `does not compile: ${(err as Error).message}`;
  }
  if (!safeRegex(source)) return 'may backtrack catastrophically (nested quantifiers); simplify it';
  let tokens: Tokens;
  try {
    tokens = ret(source);
  } catch {
    return 'uses syntax the safety check cannot read; simplify it';
  }
  if (has(tokens, (t) => t.type === types.REFERENCE)) return 'backreferences are not allowed';
  const repeatedAlternation = (t: Tokens) => t.type === types.REPETITION && t.max !== 1 && has(t.value, isAlternation);
  if (has(tokens, repeatedAlternation)) return 'may backtrack catastrophically (a repeated alternation); use a character class instead';
  return null;
}

function isAlternation(token: Tokens): boolean {
  return (token.type === types.GROUP || token.type === types.ROOT) && (token.options?.length ?? 0) > 1;
}

/** Whether any token in the tree satisfies `test`. */
function has(token: Tokens, test: (t: Tokens) => boolean): boolean {
  if (test(token)) return true;
  const children: Tokens[] = [];
  if ('stack' in token && token.stack) children.push(...token.stack);
  if ('options' in token && token.options) children.push(...token.options.flat());
  if (token.type === types.REPETITION) children.push(token.value);
  return children.some((child) => has(child, test));
}
