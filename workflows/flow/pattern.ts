import { RE2JS } from 're2js';
import { toRe2Syntax } from './re2-syntax';

/** Flow regexes are case-insensitive and Unicode-aware: JavaScript's 'iu', which RE2 follows as closely as it can. */
export const PATTERN_FLAGS = 'iu';

/**
 * The longest text a regex is tried on: the longest message a user can send (MAX_MESSAGE_CHARS), so an answer
 * is always tested whole. A longer value (only a flow's own variables could be) does not match: testing a
 * prefix would let `^\d+$` accept text it never read.
 */
export const MAX_MATCH_CHARS = 10_000;

/** RE2's instruction count for a pattern; matching costs up to text length × this, so larger ones are refused. */
export const MAX_PROGRAM_SIZE = 250;

/**
 * Regex work one turn may do, in units of about 0.15 µs at worst (RE2 falling back from its DFA), so ~0.5 s of
 * the worker's one workflow thread. A test costs (text length + 1) × program size. Compiling costs 256 a pattern
 * character + 32 a program step, charged once per pattern a turn tests, cached on this worker or not: a replay
 * on a cold worker must count the same, and stop where the original stopped.
 */
export const TURN_REGEX_BUDGET = 3_000_000;
const compileCost = (source: string, compiled: Compiled) => 256 * source.length + 32 * compiled.size;

/** A pattern ready to test, or why not; size is RE2's program size (0 if it did not compile). */
type Compiled = { re: RE2JS; size: number } | { problem: string; size: number };

const CACHE_SIZE = 16;
// Per worker; it changes only how fast a test runs, never its answer or its cost.
const cache = new Map<string, Compiled>();

/** Why RE2 cannot run a flow pattern under these limits, or null. The pattern must already be valid JavaScript. */
export function re2Problem(source: string): string | null {
  const compiled = compile(source);
  return 'problem' in compiled ? compiled.problem : null;
}

export interface PatternTester {
  /** Whether `source` matches somewhere in `text`; false once the turn's budget would be overspent. */
  test(source: string, text: string): boolean;
  /** True once a test was refused for the budget: the turn should stop. */
  readonly exhausted: boolean;
}

/** A tester for one turn: RE2 (linear in the text), under the limits above. */
export function patternTester(): PatternTester {
  const compiledThisTurn = new Map<string, Compiled>();
  let spent = 0;
  let exhausted = false;
  const charge = (cost: number): boolean => {
    exhausted = spent + cost > TURN_REGEX_BUDGET;
    if (!exhausted) spent += cost;
    return !exhausted;
  };
  return {
    test(source, text) {
      let compiled = compiledThisTurn.get(source);
      if (!compiled) {
        if (exhausted) return false;
        compiled = compile(source);
        compiledThisTurn.set(source, compiled);
        if (!charge(compileCost(source, compiled))) return false;
      }
      if (exhausted || !('re' in compiled) || text.length > MAX_MATCH_CHARS) return false;
      return charge((text.length + 1) * compiled.size) && compiled.re.test(text);
    },
    get exhausted() {
      return exhausted;
    },
  };
}

function compile(source: string): Compiled {
  const cached = cache.get(source);
  if (cached) {
    cache.delete(source); // re-inserted below: the map's order is least recently used first
    cache.set(source, cached);
    return cached;
  }
  const compiled = compileUncached(source);
  if (cache.size >= CACHE_SIZE) cache.delete(cache.keys().next().value!);
  cache.set(source, compiled);
  return compiled;
}

function compileUncached(source: string): Compiled {
  const syntax = toRe2Syntax(source);
  if ('problem' in syntax) return { problem: syntax.problem, size: 0 };
  let re: RE2JS;
  try {
    re = RE2JS.compile(syntax.re2, RE2JS.CASE_INSENSITIVE);
  } catch (err) {
    const reason = (err as Error).message.replace(/^error parsing regexp: /, '');
    return { problem: `the linear-time engine cannot run it: ${reason}`, size: 0 };
  }
  const size = re.programSize();
  if (size > MAX_PROGRAM_SIZE) {
    return { problem: `too large for the linear-time engine (${size} steps, at most ${MAX_PROGRAM_SIZE}); use + or * instead of long counted repeats like {1,200}`, size };
  }
  return { re, size };
}
