import { PATTERN_FLAGS, re2Problem } from '../../workflows/flow/pattern';

/**
 * Why a flow's regex may not be used, or null. Authors write JavaScript syntax (flags 'iu'); sessions run it on
 * RE2, which matches in time linear in the text, so backtracking needs no check here. What RE2 cannot run with
 * the same meaning (lookaround, backreferences) or within its limits (a program past MAX_PROGRAM_SIZE) is refused.
 */
export function regexProblem(source: string): string | null {
  try {
    new RegExp(source, PATTERN_FLAGS);
  } catch (err) {
    return `does not compile: ${(err as Error).message}`;
  }
  return re2Problem(source);
}
