/**
 * `npx tsx bench/regex.ts`: engine time of one flow turn (runTurn, as the workflow runs it) whose question
 * validates a 10,000-character answer with a backtracking-hostile regex, against a benign regex on the same
 * text; then JavaScript's RegExp (what flows ran before RE2) against RE2 on short hostile answers.
 */
import type { Flow } from '../src/schemas/flow';
import { runTurn, type FlowInput, type TurnContext } from '../workflows/flow/engine';
import { MAX_MATCH_CHARS, PATTERN_FLAGS, patternTester } from '../workflows/flow/pattern';

const RUNS = 50;
const context: TurnContext = { variables: {}, userID: 1, channelID: 'bench' };

function validating(pattern: string): Flow {
  return {
    start: 'q',
    nodes: { q: { type: 'question', text: '?', saveAs: 'a', validate: { kind: 'regex', pattern }, retryText: 'again?', next: 'e' }, e: { type: 'end', text: 'ok' } },
  };
}

/** Milliseconds of one turn: the first (compiling) and the median and worst of RUNS more. */
function time(flow: Flow, answers: () => string, runs = RUNS) {
  const turn = (text: string) => {
    const input: FlowInput = { kind: 'answer', text };
    const started = performance.now();
    const result = runTurn(flow, { node: flow.start, retries: 0 }, input, context);
    return { ms: performance.now() - started, result };
  };
  const first = turn(answers());
  const samples = Array.from({ length: runs }, () => turn(answers()).ms).sort((x, y) => x - y);
  const outcome = first.result.error ?? (first.result.cursor ? 'refused' : 'accepted');
  return { first: first.ms, median: samples[Math.floor(runs / 2)]!, max: samples[runs - 1]!, outcome };
}

let seed = 7;
const random = () => (seed = (seed * 1_103_515_245 + 12_345) % 2_147_483_648) / 2_147_483_648;
const randomText = (alphabet: string) => Array.from({ length: MAX_MATCH_CHARS }, () => alphabet[Math.floor(random() * alphabet.length)]).join('');
// Random a/b text with a "b" 201 from the end, so (?:a|b)*a(?:a|b){200}$ never matches and every case is tried.
const fresh = () => () => randomText('ab').replace(/.(?=.{200}$)/, 'b');
const fixed = (text: string) => () => text;

const a = 'a'.repeat(MAX_MATCH_CHARS);
const words = 'Hello there, my order is late. '.repeat(400).slice(0, MAX_MATCH_CHARS);
const rows: [string, ReturnType<typeof time>][] = [
  ['benign ^[\\p{L}\\s.,]+$ on 10,000 chars of words (baseline)', time(validating('^[\\p{L}\\s.,]+$'), fixed(words))],
  ['benign \\border\\b on 10,000 chars of words', time(validating('\\border\\b'), fixed(words))],
  ['hostile \\w*\\w*\\w*\\w*! on 10,000 × "a"', time(validating('\\w*\\w*\\w*\\w*!'), fixed(a))],
  ['hostile (a+)+$ on 9,999 × "a" + "!"', time(validating('(a+)+$'), fixed(`${a.slice(1)}!`))],
  ['hostile (a|a)*b on 10,000 × "a"', time(validating('(a|a)*b'), fixed(a))],
  ['hostile ^(\\w|\\d)+$ on 9,999 × "a" + "!"', time(validating('^(\\w|\\d)+$'), fixed(`${a.slice(1)}!`))],
  ['hostile ^(\\w+\\s?)*$ on 9,999 chars of words + "!"', time(validating('^(\\w+\\s?)*$'), fixed(`${words.replace(/[^\w ]/g, ' ').slice(1)}!`))],
  ['worst allowed: (?:a|b)*a(?:a|b){200}$ (defeats the DFA), new text each turn', time(validating('(?:a|b)*a(?:a|b){200}$'), fresh(), 10)],
];
const router: Flow = {
  start: 'b',
  nodes: {
    b: { type: 'branch', cases: Array.from({ length: 20 }, (_, n) => ({ if: { var: 'v', matches: `(?:a|b)*a(?:a|b){200}$|x${n}` }, next: 'e' })), else: 'e' },
    e: { type: 'end', text: 'ok' },
  },
};
const budgeted = (() => {
  const started = performance.now();
  const turn = runTurn(router, null, { kind: 'start' }, { ...context, variables: { v: fresh()() } });
  return { ms: performance.now() - started, error: turn.error };
})();

const baseline = rows[0]![1].median;
const format = (ms: number) => ms.toFixed(3).padStart(9);
console.log(`one turn, re2 (default); ms: first (compiles) / median / worst of ${RUNS}; ratio = median / baseline median`);
for (const [name, r] of rows) {
  console.log(`${name.padEnd(78)} ${format(r.first)} ${format(r.median)} ${format(r.max)}  ×${(r.median / baseline).toFixed(1).padStart(6)}  ${r.outcome}`);
}
console.log(`20 such cases in one branch on one 10,000-char value: ${budgeted.ms.toFixed(1)} ms, then ${budgeted.error ?? 'no error'} (the turn's regex budget)`);

/** Median ms of 3 tests of `source` on `text`. */
const median3 = (test: () => boolean) => {
  const samples = Array.from({ length: 3 }, () => {
    const started = performance.now();
    test();
    return performance.now() - started;
  }).sort((x, y) => x - y);
  return samples[1]!;
};
console.log('\n\\w*\\w*\\w*\\w*! on n × "a": JavaScript\'s RegExp (before RE2) against re2, median ms of 3 tests');
for (const n of [20, 40, 60, 80, 100, 120]) {
  const source = '\\w*\\w*\\w*\\w*!';
  const text = 'a'.repeat(n);
  const native = median3(() => new RegExp(source, PATTERN_FLAGS).test(text));
  const re2 = median3(() => patternTester().test(source, text));
  console.log(`n = ${String(n).padStart(3)}  RegExp ${format(native)}  re2 ${format(re2)}  RegExp/re2 ×${Math.round(native / re2)}`);
}
