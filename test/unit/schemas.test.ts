import assert from 'node:assert/strict';
import { flowSchema, MAX_FLOW_CHARS } from '../../src/schemas/flow';
import { createChannelSchema, createDeploymentSchema } from '../../src/schemas/management';
import { ParleyError } from '../../src/errors';
import { decodeAttachmentsOrThrow } from '../../src/schemas/parse';
import { inboundMessageSchema } from '../../src/schemas/message';
import { pageQuerySchema } from '../../src/services/paging/pages';
import { keywordOf } from '../../workflows/session-state';

describe('POST /v1/messages body', () => {
  const valid = { channelID: 'abc', token: 't', message: '  hello  ' };

  it('accepts the minimal body and trims the message', () => {
    assert.deepEqual(inboundMessageSchema.parse(valid), { ...valid, message: 'hello' });
  });

  it('counts characters as JSON Schema does: 10,000 emoji are 10,000 characters, not 20,000', () => {
    assert.equal(inboundMessageSchema.safeParse({ ...valid, message: '😀'.repeat(10_000) }).success, true);
  });

  it('checks an upload\'s form only; its content is decoded after authentication and is 422', () => {
    // The form of a PNG data URL, but the bytes are not a PNG, or the base64 stops short: the body is fine, the attachment is not.
    for (const base64 of ['data:image/png;base64,aGVsbG8=', 'data:image/png;base64,iVBORw0']) {
      const body = inboundMessageSchema.parse({ ...valid, attachments: [{ base64 }] });
      assert.throws(() => decodeAttachmentsOrThrow(body.attachments), (err: unknown) => {
        assert.ok(err instanceof ParleyError);
        assert.deepEqual([err.status, err.code, err.details?.[0]?.path], [422, 'invalid_attachment', 'attachments[0].base64']);
        return true;
      });
    }
  });

  it('accepts URL attachments and a positive userID', () => {
    const body = { ...valid, userID: 4, attachments: [{ url: 'https://x.test/a.png' }] };
    assert.equal(inboundMessageSchema.parse(body).userID, 4);
  });

  for (const [name, body, path] of [
    ['unknown fields', { ...valid, extra: 1 }, ''],
    ['a blank message', { ...valid, message: '   ' }, 'message'],
    ['a message of a byte-order mark and a no-break space', { ...valid, message: '\ufeff\u00a0' }, 'message'],
    ['a message over 10,000 characters counted as code points', { ...valid, message: '😀'.repeat(10_001) }, 'message'],
    ['an upload of a type not allowed', { ...valid, attachments: [{ base64: 'data:text/html;base64,PGI+' }] }, 'attachments.0.base64'],
    ['an upload with a space in its base64', { ...valid, attachments: [{ base64: 'data:image/png;base64,iVBO Rw0=' }] }, 'attachments.0.base64'],
    ['an attachment with both url and base64', { ...valid, attachments: [{ url: 'https://x.test/a', base64: 'data:text/plain;base64,aGk=' }] }, 'attachments.0'],
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
    assert.equal(createDeploymentSchema.parse({ botId, keyword: '#Order' }).keyword, 'order');
    assert.equal(createDeploymentSchema.safeParse({ botId, keyword: 'two words' }).success, false);
    // Exactly the document's pattern: no trimming the pattern does not mention.
    assert.equal(createDeploymentSchema.safeParse({ botId, keyword: ' #Order ' }).success, false);
  });

  it('matches messages trimmed, case-insensitive, with or without "#"', () => {
    assert.equal(keywordOf('  #ORDER '), 'order');
    assert.equal(keywordOf('order'), 'order');
    assert.equal(keywordOf('I want to order'), null);
  });
});

describe('page tokens of keyset lists', () => {
  it('accept any "<ms>.<id>" key (each is a place to continue from) and nothing else', () => {
    assert.equal(pageQuerySchema.safeParse({ pageToken: `${Date.now()}.${'a'.repeat(24)}` }).success, true);
    assert.equal(pageQuerySchema.safeParse({ pageToken: `999999999999999.${'0'.repeat(24)}` }).success, true);
    for (const forged of ['WzEsIngiXQ', `${'9'.repeat(16)}.${'a'.repeat(24)}`, `-1.${'a'.repeat(24)}`, `1.${'A'.repeat(24)}`]) {
      assert.equal(pageQuerySchema.safeParse({ pageToken: forged }).success, false, forged);
    }
  });
});
