import assert from 'node:assert/strict';
import { flowSchema, MAX_FLOW_CHARS } from '../../src/schemas/flow';
import { createChannelSchema, createDeploymentSchema } from '../../src/schemas/management';
import { inboundMessageSchema } from '../../src/schemas/message';
import { keywordOf } from '../../workflows/session-state';

describe('POST /v1/messages body', () => {
  const valid = { channelID: 'abc', token: 't', message: '  hello  ' };

  it('accepts the minimal body and trims the message', () => {
    assert.deepEqual(inboundMessageSchema.parse(valid), { ...valid, message: 'hello' });
  });

  it('accepts URL attachments and a positive userID', () => {
    const body = { ...valid, userID: 4, attachments: [{ url: 'https://x.test/a.png' }] };
    assert.equal(inboundMessageSchema.parse(body).userID, 4);
  });

  for (const [name, body, path] of [
    ['unknown fields', { ...valid, extra: 1 }, ''],
    ['a blank message', { ...valid, message: '   ' }, 'message'],
    ['a message over 10,000 characters', { ...valid, message: 'x'.repeat(10_001) }, 'message'],
    ['userID 0', { ...valid, userID: 0 }, 'userID'],
    ['a userID given as text', { ...valid, userID: '4' }, 'userID'],
    ['an ftp attachment', { ...valid, attachments: [{ url: 'ftp://x.test/a' }] }, 'attachments.0.url'],
    ['11 attachments', { ...valid, attachments: Array(11).fill({ url: 'https://x.test/a' }) }, 'attachments'],
    ['a missing token', { channelID: 'abc', message: 'hi' }, 'token'],
  ] as const) {
    it(`refuses ${name}, naming the field`, () => {
      const parsed = inboundMessageSchema.safeParse(body);
      assert.equal(parsed.success, false);
      assert.equal(parsed.error!.issues[0]!.path.join('.'), path);
    });
  }
});

describe('flow schema', () => {
  it('names the node and field of a dangling next', () => {
    const parsed = flowSchema.safeParse({ start: 'a', nodes: { a: { type: 'message', text: 'x', next: 'nowhere' } } });
    assert.equal(parsed.success, false);
    assert.deepEqual(parsed.error!.issues.map((i) => i.path.join('.')), ['nodes.a.next']);
  });

  it('refuses node ids that could not be stored as document keys', () => {
    const parsed = flowSchema.safeParse({ start: '$a', nodes: { '$a': { type: 'end' } } });
    assert.equal(parsed.success, false);
  });
});

describe('management schemas', () => {
  it('refuses a webhook URL with credentials, which fetch would refuse at every delivery', () => {
    const parsed = createChannelSchema.safeParse({ webhookUrl: 'https://user:pass@hooks.example.com/x' });
    assert.equal(parsed.success, false);
    assert.equal(createChannelSchema.safeParse({ webhookUrl: 'https://hooks.example.com/x' }).success, true);
  });

  /** A chain of `count` message nodes of `text` each, then an end. */
  const chain = (count: number, text: string) => {
    const nodes = Object.fromEntries(Array.from({ length: count }, (_, i) => [`n${i}`, { type: 'message', text, next: `n${i + 1}` }]));
    return flowSchema.safeParse({ start: 'n0', nodes: { ...nodes, [`n${count}`]: { type: 'end' } } });
  };

  it(`refuses a flow over ${MAX_FLOW_CHARS / 1024} KB, which could not be pinned in a session`, () => {
    const parsed = chain(80, 'x'.repeat(4_000));
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /larger than/);
  });

  it('measures that in UTF-8 bytes, as it is stored and pinned: 140,000 characters of € are 420 KB', () => {
    const parsed = chain(70, '€'.repeat(2_000));
    assert.equal(parsed.success, false);
    assert.match(parsed.error!.issues[0]!.message, /larger than/);
  });
});

describe('keywords', () => {
  it('stores "#Order" as "order" and refuses spaces', () => {
    const botId = 'a'.repeat(24);
    assert.equal(createDeploymentSchema.parse({ botId, keyword: ' #Order ' }).keyword, 'order');
    assert.equal(createDeploymentSchema.safeParse({ botId, keyword: 'two words' }).success, false);
  });

  it('matches messages trimmed, case-insensitive, with or without "#"', () => {
    assert.equal(keywordOf('  #ORDER '), 'order');
    assert.equal(keywordOf('order'), 'order');
    assert.equal(keywordOf('I want to order'), null);
  });
});
