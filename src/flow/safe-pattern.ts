import safeRegex from 'safe-regex2';
import { PATTERN_FLAGS } from '../../workflows/flow/conditions';

/** Why a flow's regex may not be used (does not compile, or can backtrack catastrophically), or null. */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source, PATTERN_FLAGS);
  } catch (err) {
    return `does not compile: ${(err as Error).message}`;
  }
  if (!safeRegex(source)) return 'may backtrack catastrophically (nested quantifiers); simplify it';
  return null;
}
