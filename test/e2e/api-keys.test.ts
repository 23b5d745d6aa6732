import assert from 'node:assert/strict';
import { MAX_API_KEYS_PER_ACCOUNT } from '../../src/plans';
import { authenticateApiKey, createAdmin } from '../../src/services/accounts';
import { rateLimitSettings } from '../../src/services/limits/rate-limits';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { channelWithBot } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

describe('admin API keys: roles, expiry, revocation, a cap (real API, FerretDB)', function () {
  this.timeout(60_000);
  // These tests are about keys, not the budget (test/e2e/rate-limits.test.ts spends it): set out of reach.
  const suite = useStackWithReceiver({ rateLimits: rateLimitSettings({ 'admin-key': { perSecond: 1_000, burst: 1_000 } }) });
  const api = (apiKey: string) => adminApi(suite.stack.baseUrl, apiKey);

  it('lists keys without showing them, and gives an agent key the session routes only', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const owner = api(channel.apiKey);
    const created = await owner('POST', '/v1/admins', { name: 'Ann', role: 'agent', expiresInDays: 7 });
    assert.deepEqual([created.status, created.body.adminID, created.body.role], [201, 2, 'agent']);
    assert.ok(Math.abs(Date.parse(created.body.expiresAt) - (Date.now() + 7 * 86_400_000)) < 60_000);

    const listed = await owner('GET', '/v1/admins');
    assert.deepEqual(listed.body.admins.map((k: { adminID: number; role: string; revokedAt: unknown }) => [k.adminID, k.role, k.revokedAt]), [[1, 'admin', null], [2, 'agent', null]]);
    const text = JSON.stringify(listed.body);
    for (const key of [channel.apiKey, created.body.apiKey as string]) {
      assert.ok(text.includes(key.slice(0, 15)), 'the public prefix tells keys apart');
      assert.ok(!text.includes(key.slice(16)), 'the secret part never comes back');
    }
    assert.ok(!/apiKeyHash|"keyId"/.test(text));

    const agent = api(created.body.apiKey);
    const { body: posted } = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#drinks' });
    const user = `/v1/channels/${channel.channelID}/users/${posted.userID}`;
    await eventually(async () => assert.equal((await agent('GET', `${user}/session`)).status, 200));
    assert.equal((await agent('GET', `/v1/channels/${channel.channelID}/sessions`)).status, 200);
    assert.equal((await agent('POST', `${user}/messages`, { message: 'Ann here' })).status, 202);
    const [fromAnn] = await suite.receiver.waitFor(1, (e) => (e.payload as { adminID?: number }).adminID === 2);
    assert.equal((fromAnn!.payload as { message: string }).message, 'Ann here');
    assert.equal((await agent('POST', `${user}/resume`)).status, 202);

    // Nothing else: not the channel (it shows the token), not bots, deployments or keys.
    for (const [method, path] of [
      ['GET', '/v1/channels'], ['GET', `/v1/channels/${channel.channelID}`], ['POST', `/v1/channels/${channel.channelID}/rotate-secret`],
      ['GET', '/v1/bots'], ['GET', `/v1/channels/${channel.channelID}/deployments`], ['GET', '/v1/admins'], ['DELETE', '/v1/admins/1'],
    ] as const) {
      const refused = await agent(method, path);
      assert.deepEqual([refused.status, refused.body.error.code], [403, 'role_forbidden'], `${method} ${path}`);
    }
    const channelAfter = await owner('GET', `/v1/channels/${channel.channelID}`);
    assert.equal(channelAfter.body.token, channel.token, 'the refused rotation changed nothing');
  });

  it('revokes a key for every request from then on; a key cannot revoke itself', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const owner = api(channel.apiKey);
    const { body: second } = await owner('POST', '/v1/admins', { name: 'Bob' });
    const bob = api(second.apiKey);
    assert.equal((await bob('GET', '/v1/bots')).status, 200);

    const revoked = await owner('DELETE', `/v1/admins/${second.adminID}`);
    assert.deepEqual([revoked.status, revoked.body.adminID, typeof revoked.body.revokedAt], [200, second.adminID, 'string']);
    const refused = await bob('GET', '/v1/bots');
    assert.deepEqual([refused.status, refused.body.error.code], [401, 'unauthorized']);
    assert.equal((await owner('DELETE', `/v1/admins/${second.adminID}`)).body.revokedAt, revoked.body.revokedAt, 'revoking again changes nothing');

    const self = await owner('DELETE', '/v1/admins/1');
    assert.deepEqual([self.status, self.body.error.code], [409, 'own_key']);
    assert.deepEqual([(await owner('DELETE', '/v1/admins/99')).status, (await owner('DELETE', '/v1/admins/x')).status], [404, 400]);
    assert.equal((await owner('GET', '/v1/bots')).status, 200);
  });

  it('refuses an expired key like an unknown one', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const caller = await authenticateApiKey(channel.apiKey);
    const twoDaysAgo = new Date(Date.now() - 2 * 86_400_000);
    const expired = await createAdmin(caller, { name: 'old', expiresInDays: 1 }, twoDaysAgo);
    const current = await createAdmin(caller, { name: 'new', expiresInDays: 1 });
    const answer = await api(expired.apiKey)('GET', '/v1/bots');
    assert.deepEqual([answer.status, answer.body.error.message], [401, 'unknown, revoked or expired API key']);
    assert.equal((await api(current.apiKey)('GET', '/v1/bots')).status, 200);
  });

  it(`holds at most ${MAX_API_KEYS_PER_ACCOUNT} active keys, even when two are created at once at the cap; a revoked one frees a slot`, async () => {
    const channel = await channelWithBot(suite.receiver.url);
    const owner = api(channel.apiKey);
    const caller = await authenticateApiKey(channel.apiKey);
    const made = [];
    for (let i = 1; i < MAX_API_KEYS_PER_ACCOUNT; i++) made.push(await createAdmin(caller, { name: `k${i}`, role: 'agent' }));
    const over = await owner('POST', '/v1/admins', { name: 'one too many' });
    assert.deepEqual([over.status, over.body.error.code], [403, 'api_key_limit']);

    assert.equal((await owner('DELETE', `/v1/admins/${made[0]!.adminID}`)).status, 200);
    const racing = await Promise.all([owner('POST', '/v1/admins', { name: 'a' }), owner('POST', '/v1/admins', { name: 'b' })]);
    assert.deepEqual(racing.map((r) => r.status).sort(), [201, 403]);
    const active = (await owner('GET', '/v1/admins')).body.admins.filter((k: { revokedAt: unknown }) => !k.revokedAt);
    assert.equal(active.length, MAX_API_KEYS_PER_ACCOUNT);
  });

  it('keeps an admin key when the last two admins revoke each other at once', async () => {
    for (let round = 0; round < 5; round++) {
      const channel = await channelWithBot(suite.receiver.url);
      const first = api(channel.apiKey);
      const { body: second } = await first('POST', '/v1/admins', { name: 'rival' });
      const answers = await Promise.all([first('DELETE', `/v1/admins/${second.adminID}`), api(second.apiKey)('DELETE', '/v1/admins/1')]);
      const standing = await Promise.all([first('GET', '/v1/bots'), api(second.apiKey)('GET', '/v1/bots')]);
      const statuses = `answers ${answers.map((a) => `${a.status} ${a.body.error?.code ?? ''}`).join(', ')}; keys ${standing.map((s) => s.status).join(', ')}`;
      assert.ok(standing.some((s) => s.status === 200), statuses);
    }
  });
});
