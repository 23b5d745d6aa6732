import assert from 'node:assert/strict';
import { Types } from 'mongoose';
import { Account } from '../../src/db/account';
import { Channel } from '../../src/db/channel';
import { User } from '../../src/db/user';
import { freePort } from '../../src/dev/servers';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { startStack, useStackWithReceiver, type Stack } from '../helpers/stack';

describe('POST /v1/messages errors (real API, Temporal and FerretDB)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();
  let channel: ChannelFixture;

  before(async () => {
    channel = await channelWithBot(suite.receiver.url);
  });

  const valid = () => ({ channelID: channel.channelID, token: channel.token, message: 'hi' });

  for (const [name, body, field] of [
    ['a missing message', { channelID: 'x', token: 'y' }, 'message'],
    ['a blank message', { channelID: 'x', token: 'y', message: ' \n ' }, 'message'],
    ['an unknown field', { channelID: 'x', token: 'y', message: 'hi', extra: true }, ''],
    ['a negative userID', { channelID: 'x', token: 'y', message: 'hi', userID: -3 }, 'userID'],
    ['a JSON array', [1, 2], ''],
  ] as const) {
    it(`answers 400 invalid_request for ${name}, naming the field`, async () => {
      const { status, body: answer } = await suite.stack.postMessage(body);
      assert.equal(status, 400);
      assert.equal(answer.success, false);
      assert.equal(answer.error?.code, 'invalid_request');
      assert.equal(answer.error?.details?.[0]?.path, field);
    });
  }

  it('answers 400 invalid_request for a body that is not JSON', async () => {
    const { status, body } = await suite.stack.postMessage('{"channelID": ');
    assert.equal(status, 400);
    assert.equal(body.error?.code, 'invalid_request');
  });

  it('answers 401 for a wrong token, same as for an unknown channel', async () => {
    const wrongToken = await suite.stack.postMessage({ ...valid(), token: `${channel.token}x` });
    const unknownChannel = await suite.stack.postMessage({ ...valid(), channelID: 'no-such-channel' });
    assert.equal(wrongToken.status, 401);
    assert.deepEqual(wrongToken, unknownChannel);
    assert.equal(wrongToken.body.error?.code, 'unauthorized');
  });

  it('answers 403 plan_not_allowed once the account is on the free plan', async () => {
    const downgraded = await channelWithBot(suite.receiver.url);
    const stored = await Channel.findOne({ channelID: downgraded.channelID }).lean();
    await Account.updateOne({ _id: stored!.accountId }, { plan: 'free' });
    const { status, body } = await suite.stack.postMessage({ channelID: downgraded.channelID, token: downgraded.token, message: 'hi' });
    assert.equal(status, 403);
    assert.equal(body.error?.code, 'plan_not_allowed');
  });

  it('answers 403 channel_disabled for a disabled channel', async () => {
    const disabled = await channelWithBot(suite.receiver.url);
    await Channel.updateOne({ channelID: disabled.channelID }, { status: 'disabled', disabledReason: 'webhook_gone' });
    const { status, body } = await suite.stack.postMessage({ channelID: disabled.channelID, token: disabled.token, message: 'hi' });
    assert.equal(status, 403);
    assert.equal(body.error?.code, 'channel_disabled');
  });

  it('answers 404 user_not_found for a userID never issued on this channel, even one issued elsewhere', async () => {
    const other = await channelWithBot(suite.receiver.url);
    const issued = await suite.stack.postMessage({ channelID: other.channelID, token: other.token, message: 'hi' });
    assert.equal(issued.status, 200);
    const { status, body } = await suite.stack.postMessage({ ...valid(), userID: issued.body.userID! + 1000 });
    assert.equal(status, 404);
    assert.equal(body.error?.code, 'user_not_found');
  });

  it('issues a new userID per message without one, and accepts it back', async () => {
    const a = await suite.stack.postMessage(valid());
    const b = await suite.stack.postMessage(valid());
    assert.equal(a.status, 200);
    assert.equal(b.body.userID, a.body.userID! + 1);
    const again = await suite.stack.postMessage({ ...valid(), userID: a.body.userID });
    assert.deepEqual(again, { status: 200, body: { channelID: channel.channelID, message: 'hi', userID: a.body.userID, success: true } });
  });

  it('answers 413 payload_too_large for a body over 20 MB, before parsing it', async () => {
    const response = await fetch(`${suite.stack.baseUrl}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'application/json' }, body: `{"message":"${'x'.repeat(21 * 1024 * 1024)}"}`,
    });
    assert.equal(response.status, 413);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'payload_too_large');
  });

  it("limits bodies per route before authentication: bots 300 KB, other management routes 1 MB, messages 20 MB", async () => {
    const send = async (method: string, path: string, bytes: number) => {
      const response = await fetch(`${suite.stack.baseUrl}${path}`, {
        method, headers: { 'content-type': 'application/json', authorization: 'Bearer not-a-key' }, body: `{"name":"${'x'.repeat(bytes)}"}`,
      });
      return { status: response.status, body: (await response.json()) as { error: { code: string; message: string } } };
    };
    const bots = await send('POST', '/v1/bots', 310 * 1024);
    assert.equal(bots.status, 413);
    assert.match(bots.body.error.message, /over 307200 bytes/);
    assert.equal((await send('POST', '/v1/channels', 1100 * 1024)).status, 413);
    assert.equal((await send('PATCH', '/v1/channels/some-channel', 1100 * 1024)).status, 413);
    // Under the limit, the same stranger is refused for what it is: no valid key.
    assert.equal((await send('POST', '/v1/bots', 200 * 1024)).status, 401);
    assert.equal((await send('POST', '/v1/messages', 2 * 1024 * 1024)).status, 400, 'messages take far more (then fail validation)');
  });

  it('authenticates before decoding attachments: a wrong token with a broken upload is 401, not 422', async () => {
    const broken = { base64: `data:image/png;base64,${'A'.repeat(4 * 1024 * 1024)}` }; // no PNG signature
    const stranger = await suite.stack.postMessage({ ...valid(), token: `${channel.token}x`, attachments: [broken] });
    assert.equal(stranger.status, 401);
    const owner = await suite.stack.postMessage({ ...valid(), attachments: [broken] });
    assert.deepEqual([owner.status, owner.body.error?.code], [422, 'invalid_attachment']);
    assert.equal(owner.body.error?.details?.[0]?.path, 'attachments[0].base64');
  });

  it('answers 415 unsupported_media_type for a body that is not application/json', async () => {
    const response = await fetch(`${suite.stack.baseUrl}/v1/messages`, {
      method: 'POST', headers: { 'content-type': 'text/plain' }, body: JSON.stringify(valid()),
    });
    assert.equal(response.status, 415);
    assert.equal(((await response.json()) as { error: { code: string } }).error.code, 'unsupported_media_type');
  });

  it('answers 405 method_not_allowed with Allow for a known path asked with a method it does not serve', async () => {
    const asked = async (method: string, path: string) => {
      const response = await fetch(`${suite.stack.baseUrl}${path}`, { method, headers: { authorization: `Bearer ${channel.apiKey}` } });
      return { status: response.status, allow: response.headers.get('allow'), body: (await response.json()) as { error: { code: string } } };
    };
    assert.deepEqual(await asked('DELETE', '/v1/messages'), { status: 405, allow: 'POST', body: { success: false, error: { code: 'method_not_allowed', message: 'DELETE is not served here; this path answers POST' } } });
    assert.equal((await asked('PUT', `/v1/channels/${channel.channelID}`)).allow, 'GET, PATCH, DELETE, HEAD', 'after the key is checked');
    assert.equal((await asked('PUT', '/healthz')).status, 405);
    assert.equal((await asked('DELETE', '/v1/nothing')).status, 404, 'an unknown path is still 404');
  });

  it('answers 404 not_found as JSON for an unknown route', async () => {
    const response = await fetch(`${suite.stack.baseUrl}/v1/nothing`);
    assert.equal(response.status, 404);
    assert.deepEqual(await response.json(), { success: false, error: { code: 'not_found', message: 'no such resource' } });
  });

  it('answers /healthz and /readyz while both servers are up', async () => {
    assert.deepEqual(await (await fetch(`${suite.stack.baseUrl}/healthz`)).json(), { ok: true });
    const ready = await fetch(`${suite.stack.baseUrl}/readyz`);
    assert.equal(ready.status, 200);
    const openapi = await fetch(`${suite.stack.baseUrl}/openapi.json`);
    assert.equal(((await openapi.json()) as { openapi: string }).openapi, '3.1.0');
  });

  describe('when Temporal cannot be reached', () => {
    let broken: Stack;
    before(async () => {
      broken = await startStack({ apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    });
    after(async () => broken?.stop());

    it('answers 503 unavailable and leaves no user behind', async () => {
      const channelKey = new Types.ObjectId(channel.channelKey);
      const usersBefore = await User.countDocuments({ channelKey });
      const { status, body } = await broken.postMessage(valid());
      assert.equal(status, 503);
      assert.equal(body.error?.code, 'unavailable');
      assert.equal(await User.countDocuments({ channelKey }), usersBefore);
      const burnt = (await Channel.findById(channelKey).lean())!.lastUserID;
      const reuse = await suite.stack.postMessage({ ...valid(), userID: burnt });
      assert.equal(reuse.status, 404, 'the userID of a refused message is never issued');
    });

    it('answers /readyz with 503 naming Temporal', async () => {
      const response = await fetch(`${broken.baseUrl}/readyz`);
      assert.equal(response.status, 503);
      assert.match(((await response.json()) as { error: { message: string } }).error.message, /Temporal/);
    });
  });
});
