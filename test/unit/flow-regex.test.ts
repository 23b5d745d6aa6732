import assert from 'node:assert/strict';
import fc from 'fast-check';
import type { Flow } from '../../src/schemas/flow';
import { MAX_MESSAGE_CHARS } from '../../src/schemas/message';
import { runTurn, type Cursor, type TurnContext } from '../../workflows/flow/engine';
import { MAX_MATCH_CHARS, PATTERN_FLAGS, patternTester } from '../../workflows/flow/pattern';
import { regexProblem } from '../../src/flow/safe-pattern';

const context: TurnContext = { variables: {}, userID: 3, channelID: 'c' };
const at = (node: string): Cursor => ({ node, retries: 0 });

/** Which way a one-case branch on variable `v` goes: true for the case, false for else. */
function branches(pattern: string, value: string): boolean {
  const flow: Flow = {
    start: 'b',
    nodes: { b: { type: 'branch', cases: [{ if: { var: 'v', matches: pattern }, next: 'yes' }], else: 'no' }, yes: { type: 'end', text: 'yes' }, no: { type: 'end', text: 'no' } },
  };
  const turn = runTurn(flow, null, { kind: 'start' }, { ...context, variables: { v: value } });
  assert.equal(turn.error, undefined);
  return turn.outbound[0]!.text === 'yes';
}

/** Whether a question validating with `pattern` accepts `answer`. */
function accepts(pattern: string, answer: string): boolean {
  const flow: Flow = { start: 'q', nodes: { q: { type: 'question', text: '?', saveAs: 'a', validate: { kind: 'regex', pattern }, next: 'e' }, e: { type: 'end' } } };
  const turn = runTurn(flow, at('q'), { kind: 'answer', text: answer }, context);
  assert.equal(turn.error, undefined);
  return turn.cursor === null;
}

describe('flow regexes (RE2, linear time)', () => {
  describe('mean what they mean in JavaScript with flags "iu"', () => {
    for (const [pattern, text, why] of [
      ['^straße$', 'STRAßE', 'case-insensitive beyond ASCII'],
      ['^σ$', 'ς', 'case-insensitive by Unicode case folding'],
      ['^k$', '\u212a', 'case folding of the Kelvin sign'],
      ['^.$', '😀', '. is one code point, not one UTF-16 unit'],
      ['^\\u{1F600}$', '😀', '\\u{…} escapes'],
      ['^\\uD83D\\uDE00$', '😀', 'an escaped surrogate pair is one code point'],
      ['^\\p{L}+$', 'Ünïcødé', 'Unicode properties'],
      ['^\\p{Script=Greek}+$', 'αβγ', "JavaScript's long property form"],
      ['^\\s$', '\u00a0', '\\s includes the no-break space'],
      ['^[\\s]$', '\u3000', '\\s in a class includes the ideographic space'],
      ['^.$', '\r', '. stops at \\r'],
      ['^.$', '\u2028', '. stops at the line separator'],
      ['a$', 'a\n', '$ is the end of the text, not of a line'],
      ['^b', 'a\nb', '^ is the start of the text, not of a line'],
      ['\\bcancel\\b', 'please CANCEL it', 'word boundaries'],
      ['^[^]$', '\n', '[^] matches anything'],
      ['[]', 'a', '[] matches nothing'],
      ['^[[:a]+$', ':[a', "'[' inside a class is a literal, not a POSIX class"],
      ['^\\cJ$', '\n', 'control escapes'],
      ['^[\\b]$', '\b', '[\\b] is a backspace'],
      ['^(?<year>\\d{4})$', '2024', 'named groups'],
      ['^\\d$', '٣', '\\d is ASCII'],
    ] as const) {
      const expected = new RegExp(pattern, PATTERN_FLAGS).test(text);
      it(`${why}: ${pattern} on ${JSON.stringify(text)} is ${expected}`, () => {
        assert.equal(branches(pattern, text), expected);
      });
    }

    it('agree with RegExp "iu" on 1,000 random patterns and texts', () => {
      const atom = fc.constantFrom('a', 'B', 'ß', 'σ', 'k', '.', '\\s', '\\S', '\\w', '\\W', '\\d', '\\D', '[a-c]', '[^a\\s]', '[\\s\\d]', '[\\w.]',
        '\\p{L}', '\\p{Lu}', '\\u00e9', '\\x41', ' ', '\\.', '[^]', '\\bx', 'x\\B');
      const { alt } = fc.letrec((tie) => ({
        term: fc.oneof({ depthSize: 'xsmall' }, atom, fc.tuple(tie('alt'), fc.constantFrom('', '*', '+', '?', '{2}', '{1,3}', '*?')).map(([p, q]) => `(?:${String(p)})${q}`)),
        seq: fc.array(tie('term'), { minLength: 1, maxLength: 3 }).map((terms) => terms.join('')),
        alt: fc.array(tie('seq'), { minLength: 1, maxLength: 2 }).map((seqs) => seqs.join('|')),
      }));
      const pattern = fc.tuple(fc.constantFrom('', '^'), alt, fc.constantFrom('', '$')).map((parts) => parts.join('')).filter((source) => source.length <= 200);
      // Not ſ or the Kelvin sign: JavaScript's "iu" makes them word characters for \b, RE2 does not.
      const text = fc.array(fc.constantFrom('a', 'A', 'b', 'ß', 'ẞ', 'σ', 'ς', 'Σ', 'k', 's', 'x', 'é', 'É', ' ', '\u00a0', '\u3000', '\ufeff', '\t', '\n', '\r', '\u2028', '\v', '1', '٣', '.', '😀', '_'), { maxLength: 8 }).map((chars) => chars.join(''));
      fc.assert(
        fc.property(pattern, text, (source, value) => {
          fc.pre(regexProblem(source) === null);
          assert.equal(patternTester().test(source, value), new RegExp(source, PATTERN_FLAGS).test(value));
        }),
        { numRuns: 1_000, seed: 14 },
      );
    });

    it("keeps RE2's \\S inside a class, the one place it cannot follow JavaScript (a no-break space is not \\s there)", () => {
      assert.equal(branches('^[\\S]$', '\u00a0'), true);
      assert.equal(branches('^\\S$', '\u00a0'), false);
      assert.equal(branches('^[\\s\\S]+$', 'a\n\u00a0'), true);
    });
  });

  describe('hostile patterns on 10,000 characters answer right and at once', () => {
    const a = 'a'.repeat(MAX_MATCH_CHARS);
    for (const [pattern, text, expected] of [
      ['\\w*\\w*\\w*\\w*!', a, false],
      ['\\w*\\w*\\w*\\w*!', `${a.slice(1)}!`, true],
      ['(a+)+$', `${a.slice(1)}!`, false],
      ['(a+)+$', a, true],
      ['(a|a)*b', a, false],
      ['(a|a)*b', `${a.slice(1)}b`, true],
      ['^(\\w|\\d)+$', `${a.slice(1)}!`, false],
      ['^(a|aa)+$', a, true],
    ] as const) {
      it(`${pattern} on ${text.length} characters ending in "${text.slice(-1)}" is ${expected}`, () => {
        assert.equal(accepts(pattern, text), expected);
        assert.equal(branches(pattern, text), expected);
      });
    }
  });

  describe(`test at most ${MAX_MATCH_CHARS} characters`, () => {
    it('as long as the longest message a user can send, so an answer is tested whole', () => {
      assert.equal(MAX_MATCH_CHARS, MAX_MESSAGE_CHARS);
      assert.equal(accepts('^a+$', 'a'.repeat(MAX_MATCH_CHARS)), true);
    });

    it('and do not match a longer value, rather than judge it by a prefix', () => {
      const long = 'a'.repeat(MAX_MATCH_CHARS + 1);
      assert.equal(branches('^a+$', long), false);
      assert.equal(branches('a', long), false);
      assert.equal(accepts('.*', long), false);
    });
  });

  it('stop a turn that would spend more than its regex budget, with the apology, instead of stalling the worker', () => {
    const big = '(?:a|b)*a(?:a|b){200}$'; // defeats RE2's DFA: each test costs text × program size
    const cases = Array.from({ length: 20 }, (_, n) => ({ if: { var: 'v', matches: `${big}|x${n}` }, next: 'e' }));
    const flow: Flow = { start: 'b', apology: 'Sorry.', nodes: { b: { type: 'branch', cases, else: 'e' }, e: { type: 'end', text: 'done' } } };
    const turn = runTurn(flow, null, { kind: 'start' }, { ...context, variables: { v: 'ab'.repeat(5_000) } });
    assert.equal(turn.error, 'regex_budget_exceeded');
    assert.deepEqual([turn.outbound, turn.cursor], [[{ text: 'Sorry.' }], null]);
    assert.equal(runTurn(flow, null, { kind: 'start' }, { ...context, variables: { v: 'short' } }).outbound[0]!.text, 'done');
  });

  it('keep a realistic turn on a 10,000-character answer (a validation and seven intents) within the budget', () => {
    const intents = ['\\brefund\\b|money back', '\\bcancel(led|ling)?\\b', '^\\s*(hi|hello|hey)\\b', '\\border\\s*#?\\d{4,10}\\b', '\\b(angry|upset|furious)\\b', '\\bmanager\\b', '\\bthank(s| you)\\b'];
    const flow: Flow = {
      start: 'q',
      nodes: {
        q: { type: 'question', text: '?', saveAs: 'story', validate: { kind: 'regex', pattern: "^[\\p{L}\\d\\s.,!?'#-]+$" }, next: 'b' },
        b: { type: 'branch', cases: intents.map((matches, n) => ({ if: { var: 'story', matches }, next: n === 6 ? 'thanked' : 'other' })), else: 'other' },
        thanked: { type: 'end', text: 'thanked' },
        other: { type: 'end', text: 'other' },
      },
    };
    const story = `${'I waited for my parcel, day after day. '.repeat(256)}Thank you anyway!`.slice(-MAX_MATCH_CHARS);
    const turn = runTurn(flow, at('q'), { kind: 'answer', text: story }, context);
    assert.deepEqual([turn.error, turn.outbound], [undefined, [{ text: 'thanked' }]]);
  });

  it('treat a saved pattern RE2 cannot run (saved before RE2) as not matching, never throwing', () => {
    assert.equal(accepts('^(?=.*\\d)\\w+$', 'abc1'), false);
    assert.equal(branches('(a)\\1', 'aa'), false);
  });

  it('answer the same however many patterns a worker has compiled', () => {
    const patterns = Array.from({ length: 40 }, (_, n) => `^x${n}$`);
    for (let round = 0; round < 2; round++) {
      for (const [n, pattern] of patterns.entries()) assert.deepEqual([branches(pattern, `X${n}`), branches(pattern, `x${n + 1}`)], [true, false]);
    }
  });

  it('treat \\S as RE2 does: a no-break space is not whitespace', () => {
    assert.equal(branches('^[\\S]$', '\u00a0'), true);
  });
});
