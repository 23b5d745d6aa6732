import assert from 'node:assert/strict';
import { createHmac } from 'node:crypto';
import { generateApiKey, generateChannelID, generateWebhookSecret, parseApiKey, secretsEqual } from '../../src/security/secrets';
import { signingSecrets } from '../../src/db/channel';
import { signWebhook, verifyWebhook } from '../../src/webhooks/signing';

describe('webhook signing (Standard Webhooks)', () => {
  const secret = generateWebhookSecret();
  const body = JSON.stringify({ message: 'hi', seq: 1 });

  it('signs v1 HMAC-SHA256 over "id.timestamp.body" with the base64 secret after whsec_', () => {
    const at = new Date();
    const headers = signWebhook([secret], 'msg_1', body, at);
    const key = Buffer.from(secret.slice('whsec_'.length), 'base64');
    const expected = createHmac('sha256', key).update(`msg_1.${headers['webhook-timestamp']}.${body}`).digest('base64');
    assert.equal(headers['webhook-signature'], `v1,${expected}`);
    assert.equal(headers['webhook-timestamp'], String(Math.floor(at.getTime() / 1000)));
    assert.deepEqual(verifyWebhook(secret, body, { ...headers }), JSON.parse(body));
  });

  it('fails verification for a changed body, another secret or a stale timestamp', () => {
    const headers = { ...signWebhook([secret], 'msg_2', body, new Date()) };
    assert.throws(() => verifyWebhook(secret, body.replace('hi', 'ho'), headers));
    assert.throws(() => verifyWebhook(generateWebhookSecret(), body, headers));
    const stale = { ...signWebhook([secret], 'msg_2', body, new Date(Date.now() - 10 * 60_000)) };
    assert.throws(() => verifyWebhook(secret, body, stale));
  });
});

describe('webhook signing during a secret rotation', () => {
  const current = generateWebhookSecret();
  const previous = generateWebhookSecret();
  const body = JSON.stringify({ message: 'hi', seq: 3 });
  const headers = { ...signWebhook([current, previous], 'msg_3', body, new Date()) };

  it('sends one v1 signature per secret, space-separated', () => {
    assert.match(headers['webhook-signature'], /^v1,[A-Za-z0-9+/=]+ v1,[A-Za-z0-9+/=]+$/);
  });

  it('verifies with the new secret and with the old one, not with a third', () => {
    assert.deepEqual(verifyWebhook(current, body, headers), JSON.parse(body));
    assert.deepEqual(verifyWebhook(previous, body, headers), JSON.parse(body));
    assert.throws(() => verifyWebhook(generateWebhookSecret(), body, headers));
  });

  it('signs with both only until the previous secret expires', () => {
    const until = new Date(Date.now() + 1_000);
    const channel = { webhookSecret: current, previousWebhookSecret: previous, previousSecretUntil: until };
    assert.deepEqual(signingSecrets(channel, until.getTime() - 1), [current, previous]);
    assert.deepEqual(signingSecrets(channel, until.getTime()), [current]);
    assert.deepEqual(signingSecrets({ webhookSecret: current }, Date.now()), [current]);
  });

  it('signs with every rotated-out secret until its own expiry, the newest first', () => {
    const [older, old] = [generateWebhookSecret(), generateWebhookSecret()];
    const t = Date.now();
    const channel = { webhookSecret: current, previousSecrets: [{ secret: old, until: new Date(t + 2_000) }, { secret: older, until: new Date(t + 1_000) }] };
    assert.deepEqual(signingSecrets(channel, t), [current, old, older]);
    assert.deepEqual(signingSecrets(channel, t + 1_000), [current, old]);
    assert.deepEqual(signingSecrets(channel, t + 2_000), [current]);
  });
});

describe('secrets', () => {
  it('compares secrets of any length without throwing', () => {
    assert.equal(secretsEqual('abc', 'abc'), true);
    assert.equal(secretsEqual('abc', 'abcd'), false);
    assert.equal(secretsEqual('', 'x'.repeat(64)), false);
  });

  it('generates 16-character alphanumeric channel IDs that differ', () => {
    const ids = new Set(Array.from({ length: 200 }, generateChannelID));
    assert.equal(ids.size, 200);
    for (const id of ids) assert.match(id, /^[A-Za-z0-9]{16}$/);
  });

  it('issues API keys whose secret part is only kept as a hash', () => {
    const { apiKey, keyId, apiKeyHash } = generateApiKey();
    const parsed = parseApiKey(apiKey);
    assert.equal(parsed?.keyId, keyId);
    assert.ok(!apiKeyHash.includes(parsed!.secret));
    assert.equal(parseApiKey(`${apiKey}x`), null);
  });
});
