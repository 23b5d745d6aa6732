import assert from 'node:assert/strict';
import { parseOrThrow } from '../../src/schemas/parse';
import { InvalidRequest } from '../../src/errors';
import { createBotSchema } from '../../src/schemas/management';

/** The paths and messages an author sees when saving a bot (POST /v1/bots and `bot create`). */
function problems(flow: unknown): [string, string][] {
  try {
    parseOrThrow(createBotSchema, { name: 'b', flow });
    return [];
  } catch (err) {
    assert.ok(err instanceof InvalidRequest);
    return err.details!.map((d) => [d.path, d.message]);
  }
}

const end = { type: 'end' };

describe('flow validation on save', () => {
  it('accepts a valid flow', () => {
    assert.deepEqual(problems({ start: 'a', nodes: { a: { type: 'question', text: 'Hi?', next: 'a' } } }), []);
  });

  it('names every dangling reference by its path', () => {
    const flow = {
      start: 'route',
      nodes: {
        route: { type: 'branch', cases: [{ if: { var: 'x', equals: '1' }, next: 'nowhere' }], else: 'done' },
        done: { type: 'http', method: 'GET', url: 'https://x.test', saveAs: 'r', next: 'gone', onError: 'lost' },
      },
    };
    assert.deepEqual(problems(flow).map(([path]) => path), ['flow.nodes.route.cases[0].next', 'flow.nodes.done.next', 'flow.nodes.done.onError']);
  });

  it('refuses an http node whose scheme or host a variable fills: its headers could go to another host', () => {
    const calling = (url: string) => ({ start: 'call', nodes: { call: { type: 'http', method: 'GET', url, saveAs: 'r', next: 'end', onError: 'end' }, end } });
    for (const url of ['https://{{region}}.api.example.com/x', 'https://api.example.com{{path}}', 'https://{{host}}/x', '{{scheme}}://api.example.com/']) {
      assert.deepEqual([...new Set(problems(calling(url)).map(([path]) => path))], ['flow.nodes.call.url'], url);
    }
    for (const url of ['https://api.example.com/{{path}}', 'https://api.example.com:8443/x?q={{q}}', 'https://api.example.com', 'https://api.example.com#{{frag}}']) {
      assert.deepEqual(problems(calling(url)), [], url);
    }
  });

  it('reports a missing start and unreachable nodes', () => {
    assert.deepEqual(problems({ start: 'x', nodes: { a: end } }), [['flow.start', 'no node "x"']]);
    assert.deepEqual(problems({ start: 'a', nodes: { a: end, island: end } }), [['flow.nodes.island', 'unreachable from start']]);
  });

  it('refuses a cycle that never waits, naming its nodes', () => {
    const flow = {
      start: 'a',
      nodes: {
        a: { type: 'message', text: 'x', next: 'b' },
        b: { type: 'set', vars: { n: '1' }, next: 'c' },
        c: { type: 'branch', cases: [{ if: { var: 'n', exists: true }, next: 'a' }], else: 'd' },
        d: end,
      },
    };
    const [[path, message]] = problems(flow) as [[string, string]];
    assert.equal(path, 'flow.nodes.a');
    assert.match(message, /never waits.*a → b → c → a/);
  });

  it('accepts a cycle through a question or a delay', () => {
    const viaDelay = { start: 'a', nodes: { a: { type: 'message', text: 'tick', next: 'w' }, w: { type: 'delay', seconds: 60, next: 'a' } } };
    assert.deepEqual(problems(viaDelay), []);
  });

  for (const [name, pattern, expected] of [
    ['does not compile as JavaScript', '([a-z]', /^does not compile: .*Unterminated group/],
    ['uses RE2-only syntax', '(?P<year>\\d{4})', /^does not compile/],
    ['looks ahead', '^(?=.*\\d)\\w+$', /^lookahead and lookbehind .* are not supported: flow regexes run on a linear-time engine/],
    ['looks behind', '(?<!no )thanks', /^lookahead and lookbehind/],
    ['uses a backreference', '(a)\\1', /^backreferences .* are not supported/],
    ['uses a named backreference', '(?<c>\\w)\\k<c>', /^backreferences/],
    ['repeats past RE2\'s limit', 'a{1001}', /^the linear-time engine cannot run it: invalid repeat count/],
    ['names a Unicode property RE2 lacks', '\\p{Letter}', /^the linear-time engine cannot run it: .*\\p\{Letter\}/],
    ['compiles too large a program', '(.*a){100}!', /^too large for the linear-time engine \(\d+ steps, at most 250\)/],
  ] as const) {
    it(`refuses a regex that ${name}, at the question's path`, () => {
      const flow = { start: 'q', nodes: { q: { type: 'question', text: '?', validate: { kind: 'regex', pattern }, next: 'e' }, e: end } };
      const [[path, message]] = problems(flow) as [[string, string]];
      assert.equal(path, 'flow.nodes.q.validate.pattern');
      assert.match(message, expected);
    });
  }

  it('refuses a branch regex at its condition\'s path', () => {
    const flow = { start: 'b', nodes: { b: { type: 'branch', cases: [{ if: { var: 'x', matches: '(?=a)' }, next: 'e' }], else: 'e' }, e: end } };
    assert.deepEqual(problems(flow), [['flow.nodes.b.cases[0].if.matches', 'lookahead and lookbehind ((?=, (?!, (?<=, (?<!) are not supported: flow regexes run on a linear-time engine (RE2)']]);
  });

  // Backtracking shapes are harmless on a linear-time engine: they are accepted now.
  for (const pattern of ['(a+)+$', '(a|a)*$', '^(\\w|\\d)+$', '\\w*\\w*\\w*\\w*!', '^[\\p{L} \'-]{2,100}$', '\\bcancel\\b|^stop$']) {
    it(`accepts ${pattern}`, () => {
      const flow = { start: 'q', nodes: { q: { type: 'question', text: '?', validate: { kind: 'regex', pattern }, next: 'e' }, e: end } };
      assert.deepEqual(problems(flow), []);
    });
  }

  it('needs exactly one operator in a branch condition and quickReplies for a choice', () => {
    const flow = {
      start: 'b',
      nodes: {
        b: { type: 'branch', cases: [{ if: { var: 'x', equals: '1', gt: 2 }, next: 'q' }], else: 'q' },
        q: { type: 'question', text: '?', validate: { kind: 'choice' }, next: 'e' },
        e: end,
      },
    };
    assert.deepEqual(problems(flow).map(([path]) => path), ['flow.nodes.b.cases[0].if', 'flow.nodes.q.validate']);
    assert.deepEqual(problems({ ...flow, nodes: { ...flow.nodes, b: { type: 'message', text: 'x', next: 'q' } } }), [
      ['flow.nodes.q.validate', '"choice" needs quickReplies to choose from'],
    ]);
  });

  it('refuses delays beyond 30 days and unknown node types', () => {
    assert.equal(problems({ start: 'd', nodes: { d: { type: 'delay', seconds: 31 * 86_400, next: 'e' }, e: end } })[0]![0], 'flow.nodes.d.seconds');
    assert.equal(problems({ start: 'x', nodes: { x: { type: 'goto', next: 'x' } } })[0]![0], 'flow.nodes.x.type');
  });
});
