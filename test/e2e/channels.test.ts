import assert from 'node:assert/strict';
import { verifyWebhook } from '../../src/webhooks/signing';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import { Types } from 'mongoose';
import { Channel } from '../../src/db/channel';
import { DeletedChannel } from '../../src/db/deleted-channel';
import { Delivery } from '../../src/db/delivery';
import { Deployment } from '../../src/db/deployment';
import { Event } from '../../src/db/event';
import { User } from '../../src/db/user';
import { createAccount } from '../../src/services/accounts';
import { DELETION_SETTLE_MS, finishChannelDeletions } from '../../src/services/sessions/delete-channel';
import { sessionWorkflowId } from '../../workflows/definitions';
import { ROUTES } from '../../src/api/openapi';
import { adminApi } from '../helpers/admin-api';
import { startApiProcess } from '../helpers/api-process';
import { eventually } from '../helpers/eventually';
import { MANAGEMENT_BUDGET_OUT_OF_REACH, useStackWithReceiver } from '../helpers/stack';

describe('channels over the management API (real API, worker, Temporal, FerretDB)', function () {
  this.timeout(60_000);
  // The last test sends 22 management requests with one key as fast as they answer.
  const suite = useStackWithReceiver({ rateLimits: MANAGEMENT_BUDGET_OUT_OF_REACH });
  const HANDOFF_FLOW = { start: 'hi', nodes: { hi: { type: 'handoff', text: 'An agent will answer.', next: 'bye' }, bye: { type: 'end', text: 'Bot back.' } } };

  async function admin(plan: 'free' | 'pro' | 'enterprise' = 'pro') {
    const { apiKey } = await createAccount({ name: `ch-${Math.random().toString(36).slice(2)}`, plan });
    return adminApi(suite.stack.baseUrl, apiKey);
  }

  /** A new channel with a bot deployed under #agent that hands the user to a person at once. */
  async function channelWithHandoffBot(api: ReturnType<typeof adminApi>) {
    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: bot } = await api('POST', '/v1/bots', { name: 'h', flow: HANDOFF_FLOW });
    await api('POST', `/v1/channels/${channel.channelID}/deployments`, { botId: bot.botId, keyword: 'agent' });
    return { channel, bot };
  }

  it('creates, lists, shows and changes a channel; the old channelID and token stop working within a second', async () => {
    const api = await admin();
    const created = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    assert.equal(created.status, 201);
    const { channelID, token } = created.body;
    assert.match(channelID, /^[A-Za-z0-9]{16}$/);
    const listed = await api('GET', '/v1/channels');
    assert.deepEqual(listed.body.channels.map((c: { channelID: string; deployments: number; status: string }) => [c.channelID, c.deployments, c.status]), [[channelID, 0, 'active']]);
    assert.equal((await api('GET', `/v1/channels/${channelID}`)).body.token, token);

    assert.equal((await suite.stack.postMessage({ channelID, token, message: 'hi' })).status, 200);
    const renamed = await api('PATCH', `/v1/channels/${channelID}`, { channelID: 'shop-main', token: 'n'.repeat(30) });
    assert.deepEqual([renamed.status, renamed.body.channelID], [200, 'shop-main']);
    await new Promise((ok) => setTimeout(ok, 1_000));
    assert.equal((await suite.stack.postMessage({ channelID, token, message: 'hi' })).status, 401);
    assert.equal((await suite.stack.postMessage({ channelID: 'shop-main', token, message: 'hi' })).status, 401);
    assert.equal((await suite.stack.postMessage({ channelID: 'shop-main', token: 'n'.repeat(30), message: 'hi' })).status, 200);
    const invalid = await api('PATCH', '/v1/channels/shop-main', { webhookUrl: 'ftp://x' });
    assert.deepEqual([invalid.status, invalid.body.error.details[0].path], [400, 'webhookUrl']);
    await api('DELETE', '/v1/channels/shop-main');
  });

  it('enforces plans: free accounts get 403 plan_not_allowed, pro accounts at most 10 channels', async () => {
    const free = await admin('free');
    assert.equal((await free('POST', '/v1/channels', { webhookUrl: suite.receiver.url })).body.error.code, 'plan_not_allowed');
    const pro = await admin('pro');
    for (let i = 0; i < 10; i++) assert.equal((await pro('POST', '/v1/channels', { webhookUrl: suite.receiver.url })).status, 201);
    const eleventh = await pro('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    assert.deepEqual([eleventh.status, eleventh.body.error.code], [403, 'channel_limit']);
  });

  it('tests the webhook: reachable with a signed test event, a 500, a refused connection', async () => {
    const api = await admin();
    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    suite.receiver.useSecret(channel.webhookSecret);
    const ok = await api('POST', `/v1/channels/${channel.channelID}/test-webhook`);
    assert.deepEqual([ok.body.reachable, ok.body.status, typeof ok.body.latencyMs], [true, 200, 'number']);
    const [event] = await suite.receiver.waitFor(1, (e) => (e.payload as { channelID?: string; test?: boolean }).channelID === channel.channelID);
    assert.deepEqual([event!.verified, (event!.payload as { test: boolean }).test], [true, true]);

    const failing = createServer((_req, res) => res.writeHead(500).end('broken today'));
    failing.listen(0, '127.0.0.1');
    await once(failing, 'listening');
    const port = (failing.address() as AddressInfo).port;
    await api('PATCH', `/v1/channels/${channel.channelID}`, { webhookUrl: `http://127.0.0.1:${port}/hook` });
    const five = await api('POST', `/v1/channels/${channel.channelID}/test-webhook`);
    assert.deepEqual([five.status, five.body.reachable, five.body.status, five.body.responseSnippet], [200, false, 500, 'broken today']);
    failing.close();
    await once(failing, 'close');
    const silent = createServer(() => undefined); // accepts the connection, never answers
    silent.listen(0, '127.0.0.1');
    await once(silent, 'listening');
    await api('PATCH', `/v1/channels/${channel.channelID}`, { webhookUrl: `http://127.0.0.1:${(silent.address() as AddressInfo).port}/hook` });
    const slow = await api('POST', `/v1/channels/${channel.channelID}/test-webhook`);
    assert.deepEqual([slow.body.reachable, slow.body.error], [false, 'timed out']);
    silent.closeAllConnections();
    silent.close();
    await api('PATCH', `/v1/channels/${channel.channelID}`, { webhookUrl: `http://127.0.0.1:${port}/hook` });
    const refused = await api('POST', `/v1/channels/${channel.channelID}/test-webhook`);
    assert.equal(refused.body.reachable, false);
    assert.match(refused.body.error, /ECONNREFUSED|fetch failed/);
  });

  it('gives a request example that works as-is, with the first deployment keyword', async () => {
    const api = await admin();
    const { channel } = await channelWithHandoffBot(api);
    const { body: example } = await api('GET', `/v1/channels/${channel.channelID}/request-example`);
    assert.deepEqual(example.body, { channelID: channel.channelID, token: channel.token, message: '#agent' });
    assert.match(example.curl, /^curl -X POST 'http:\/\/127\.0\.0\.1:\d+\/v1\/messages'/);
    const sent = await fetch(example.url, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(example.body) });
    assert.equal(sent.status, 200);
  });

  it('shows a session, resumes the bot after a handoff, and 404s what is not the admin\'s', async () => {
    const api = await admin();
    const { channel } = await channelWithHandoffBot(api);
    const { body: posted } = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#agent' });
    const path = `/v1/channels/${channel.channelID}/users/${posted.userID}`;
    await eventually(async () => assert.equal((await api('GET', `${path}/session`)).body.status, 'agent'));
    assert.equal((await api('POST', `${path}/resume`)).status, 202);
    await eventually(async () => assert.equal((await api('GET', `${path}/session`)).body.status, 'idle'));
    const texts = (await api('GET', `${path}/session`)).body.transcript.filter((e: { kind: string }) => e.kind === 'bot').map((e: { text: string }) => e.text);
    assert.deepEqual(texts, ['An agent will answer.', 'Bot back.']);
    assert.equal((await api('GET', `/v1/channels/${channel.channelID}/users/999/session`)).body.error.code, 'user_not_found');
    const stranger = await admin();
    for (const [method, route] of [['GET', `/v1/channels/${channel.channelID}`], ['GET', `${path}/session`], ['POST', `${path}/resume`], ['DELETE', `/v1/channels/${channel.channelID}`]]) {
      assert.equal((await stranger(method!, route!)).status, 404, `${method} ${route}`);
    }
  });

  it('deletes a channel: its deployments, log and users go, its running sessions end with channel_deleted, its messages get 401', async () => {
    const api = await admin();
    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: other } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: bot } = await api('POST', '/v1/bots', { name: 'h', flow: HANDOFF_FLOW });
    await api('POST', `/v1/channels/${channel.channelID}/deployments`, { botId: bot.botId, keyword: 'agent' });
    await api('POST', `/v1/channels/${other.channelID}/deployments`, { botId: bot.botId, keyword: 'agent' });
    const { body: posted } = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#agent' });
    assert.equal((await suite.stack.postMessage({ channelID: other.channelID, token: other.token, message: 'hello' })).status, 200);
    const [channelKey, otherKey] = (await Deployment.find({ botId: new Types.ObjectId(bot.botId) }).sort({ createdAt: 1 }).lean()).map((d) => d.channelKey);
    const handle = suite.stack.client.workflow.getHandle(sessionWorkflowId(String(channelKey), posted.userID!));
    await eventually(async () => assert.equal((await api('GET', `/v1/channels/${channel.channelID}/users/${posted.userID}/session`)).body.status, 'agent'));
    const deleted = await api('DELETE', `/v1/channels/${channel.channelID}`);
    assert.deepEqual([deleted.status, deleted.body.sessionsEnded], [200, 1]);
    assert.deepEqual(await handle.result(), { reason: 'channel_deleted', nextSeq: 2 });
    assert.equal((await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'hi' })).status, 401);
    assert.equal(await Deployment.countDocuments({ channelKey }), 0);
    assert.equal(await Event.countDocuments({ channelKey }), 0, 'the conversation log goes with the channel');
    assert.equal(await User.countDocuments({ channelKey }), 0, 'its users go too');
    assert.ok(await DeletedChannel.exists({ _id: channelKey }), 'a tombstone stays for the sweep to go over it again');
    assert.equal(await User.countDocuments({ channelKey: otherKey }), 1, "the other channel's user stays");
    assert.equal((await api('GET', `/v1/channels/${other.channelID}/deployments`)).body.deployments.length, 1, 'the other channel is untouched');
  });

  it('goes over a settled deletion again: ends what still runs, deletes what came after or was left; a failed one deletes nothing', async () => {
    const api = await admin();
    const { body: doomed } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: live } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: bot } = await api('POST', '/v1/bots', { name: 'h', flow: HANDOFF_FLOW });
    const users: number[] = [];
    for (const channel of [doomed, live]) {
      await api('POST', `/v1/channels/${channel.channelID}/deployments`, { botId: bot.botId, keyword: 'agent' });
      users.push((await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#agent' })).body.userID!);
    }
    const keyOf = async (channelID: string) => (await Channel.findOne({ channelID }).lean())!._id;
    const [doomedKey, liveKey] = [await keyOf(doomed.channelID), await keyOf(live.channelID)];
    const sessionOf = (key: Types.ObjectId, userID: number) => suite.stack.client.workflow.getHandle(sessionWorkflowId(String(key), userID));
    const [doomedSession, liveSession] = [sessionOf(doomedKey, users[0]!), sessionOf(liveKey, users[1]!)];
    await eventually(async () => assert.ok(await Delivery.exists({ channelKey: doomedKey }) && await Delivery.exists({ channelKey: liveKey })));

    // A deletion cut short as soon as its channel went (the API process died), then a late attempt's record; and a
    // deletion of the live channel that failed before its channel went (the database refused the delete).
    const longAgo = new Date(Date.now() - DELETION_SETTLE_MS - 1);
    await DeletedChannel.create({ _id: doomedKey, deletedAt: new Date() });
    await Channel.deleteOne({ _id: doomedKey });
    await Delivery.collection.insertOne({ _id: 'msg_late' as never, channelKey: doomedKey, userID: users[0], seq: 9, state: 'delivered', payload: { message: 'late' } });
    await DeletedChannel.create({ _id: liveKey, deletedAt: longAgo });
    const models = { Delivery, Event, User, Deployment };
    const count = (key: Types.ObjectId) => Promise.all(Object.values(models).map((model) => model.collection.countDocuments({ channelKey: key })));
    const [doomedBefore, liveBefore] = [await count(doomedKey), await count(liveKey)];
    assert.ok([...doomedBefore, ...liveBefore].every((n) => n > 0), `each channel has a record in each collection: ${doomedBefore} / ${liveBefore}`);

    await finishChannelDeletions(suite.stack.client);
    assert.deepEqual(await count(doomedKey), doomedBefore, 'nothing deleted before the deletion settles');
    assert.equal(await DeletedChannel.exists({ _id: liveKey }), null, 'the failed deletion is dropped');
    assert.deepEqual(await count(liveKey), liveBefore, '... and deleted nothing');

    assert.ok((await finishChannelDeletions(suite.stack.client, Date.now() + DELETION_SETTLE_MS + 1)) >= 1); // other tests' deletions too
    assert.equal((await doomedSession.result()).reason, 'channel_deleted');
    assert.deepEqual(await count(doomedKey), [0, 0, 0, 0], `${Object.keys(models).join(', ')} of the deleted channel`);
    assert.equal(await DeletedChannel.exists({ _id: doomedKey }), null, 'done: the tombstone goes');
    assert.deepEqual(await count(liveKey), liveBefore, 'the live channel keeps everything');
    assert.equal((await liveSession.describe()).status.name, 'RUNNING');
  });

  it('lets a second admin write to a user: the webhook gets adminID, the bot pauses, resume hands back; sessions are listed', async () => {
    const api = await admin();
    const { body: second } = await api('POST', '/v1/admins', { name: 'Sam' });
    assert.equal(second.adminID, 2);
    const sam = adminApi(suite.stack.baseUrl, second.apiKey);
    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    suite.receiver.useSecret(channel.webhookSecret);
    const ask = { start: 'q', nodes: { q: { type: 'question', text: 'Your name?', saveAs: 'n', next: 'e' }, e: { type: 'end', text: 'Hi {{n}}' } } };
    const { body: bot } = await api('POST', '/v1/bots', { name: 'ask', flow: ask });
    await api('POST', `/v1/channels/${channel.channelID}/deployments`, { botId: bot.botId, keyword: 'ask' });
    const { body: posted } = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: '#ask' });
    const path = `/v1/channels/${channel.channelID}/users/${posted.userID}`;
    const mine = (e: { payload: unknown }) => (e.payload as { channelID?: string }).channelID === channel.channelID;
    await suite.receiver.waitFor(1, mine);

    const sent = await sam('POST', `${path}/messages`, { message: 'Sam here, how can I help?' });
    assert.deepEqual([sent.status, sent.body.adminID], [202, 2]);
    const [, fromSam] = await suite.receiver.waitFor(2, mine);
    assert.deepEqual([(fromSam!.payload as { adminID: number; seq: number }).adminID, (fromSam!.payload as { seq: number }).seq, fromSam!.verified], [2, 2, true]);
    await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'Ann', userID: posted.userID });
    await eventually(async () => {
      const { body: view } = await api('GET', `${path}/session`);
      assert.deepEqual([view.status, view.node, view.transcript.at(-1).text], ['agent', 'q', 'Ann']);
    });
    await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'just browsing' });
    await eventually(async () => {
      const listed = (await api('GET', `/v1/channels/${channel.channelID}/sessions?status=agent`)).body.sessions;
      assert.deepEqual(listed.map((x: { userID: number; status: string; running: boolean }) => [x.userID, x.status, x.running]), [[posted.userID, 'agent', true]]);
    });
    await eventually(async () => {
      const first = (await api('GET', `/v1/channels/${channel.channelID}/sessions?limit=1`)).body;
      assert.equal(first.sessions.length, 1);
      const second = (await api('GET', `/v1/channels/${channel.channelID}/sessions?limit=1&pageToken=${first.nextPageToken}`)).body;
      assert.equal(second.sessions.length, 1);
      assert.notEqual(second.sessions[0].userID, first.sessions[0].userID);
      // A token continues only the list it came from, and one it never issued is a 404, not a stalled visibility call.
      const other = await api('GET', `/v1/channels/${channel.channelID}/sessions?limit=2&pageToken=${first.nextPageToken}`);
      const unknown = await api('GET', `/v1/channels/${channel.channelID}/sessions?limit=1&pageToken=${'A'.repeat(22)}`);
      assert.deepEqual([other.status, other.body.error.code, unknown.status, unknown.body.error.code], [404, 'page_token_not_found', 404, 'page_token_not_found']);
    });

    assert.equal((await api('POST', `${path}/resume`)).status, 202);
    await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'Ann', userID: posted.userID });
    const events = await suite.receiver.waitFor(3, mine);
    assert.equal((events[2]!.payload as { message: string }).message, 'Hi Ann');
    const stranger = await admin();
    assert.equal((await stranger('POST', `${path}/messages`, { message: 'x' })).status, 404);
    assert.equal((await stranger('GET', `/v1/channels/${channel.channelID}/sessions`)).status, 404);
    assert.equal((await api('POST', `${path}/messages`, { message: '' })).body.error.details[0].path, 'message');
    const disguised = await api('POST', `${path}/messages`, { message: 'x', attachments: [{ base64: 'data:image/png;base64,aGVsbG8=' }] });
    assert.deepEqual([disguised.status, disguised.body.error.code], [422, 'invalid_attachment']);
  });

  it('applies a changed channelID and token on every API replica within a second', async () => {
    const replica = await startApiProcess(suite.stack.taskQueue);
    try {
      const api = await admin();
      const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
      const postTo = async (baseUrl: string, body: object) =>
        (await fetch(`${baseUrl}/v1/messages`, { method: 'POST', headers: { 'content-type': 'application/json' }, body: JSON.stringify(body) })).status;
      const old = { channelID: channel.channelID, token: channel.token, message: 'hi' };
      assert.deepEqual([await postTo(suite.stack.baseUrl, old), await postTo(replica.baseUrl, old)], [200, 200]);
      await api('PATCH', `/v1/channels/${channel.channelID}`, { channelID: `${channel.channelID}-2`, token: 't'.repeat(32) });
      await new Promise((ok) => setTimeout(ok, 1_000));
      assert.equal(await postTo(replica.baseUrl, old), 401, 'the other replica refuses the old credentials');
      assert.equal(await postTo(replica.baseUrl, { ...old, channelID: `${channel.channelID}-2`, token: 't'.repeat(32) }), 200);
    } finally {
      await replica.stop();
    }
  });

  it('lists channels, bots and deployments a page at a time, with one deployment count per channel', async () => {
    const api = await admin();
    const channelIDs: string[] = [];
    for (let i = 0; i < 5; i++) channelIDs.push((await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url })).body.channelID);
    const { body: bot } = await api('POST', '/v1/bots', { name: 'h', flow: HANDOFF_FLOW });
    for (const keyword of ['a', 'b', 'c']) await api('POST', `/v1/channels/${channelIDs[0]}/deployments`, { botId: bot.botId, keyword });

    const pages: { channelID: string; deployments: number }[][] = [];
    let pageToken: string | undefined;
    do {
      const { status, body } = await api('GET', `/v1/channels?limit=2${pageToken ? `&pageToken=${pageToken}` : ''}`);
      assert.equal(status, 200);
      pages.push(body.channels);
      pageToken = body.nextPageToken;
    } while (pageToken);
    assert.deepEqual(pages.map((page) => page.length), [2, 2, 1]);
    assert.deepEqual(pages.flat().map((c) => c.channelID), [...channelIDs].reverse(), 'newest first, each once');
    assert.equal(pages.flat().find((c) => c.channelID === channelIDs[0])!.deployments, 3);

    const first = (await api('GET', `/v1/channels/${channelIDs[0]}/deployments?limit=2`)).body;
    const rest = (await api('GET', `/v1/channels/${channelIDs[0]}/deployments?limit=2&pageToken=${first.nextPageToken}`)).body;
    assert.deepEqual([...first.deployments, ...rest.deployments].map((d: { keyword: string }) => d.keyword), ['a', 'b', 'c']);
    assert.equal(rest.nextPageToken, undefined);
    assert.deepEqual((await api('GET', '/v1/bots?limit=1')).body.bots.map((b: { botId: string }) => b.botId), [bot.botId]);

    // Any key of the documented form is a place to continue from: one after the newest continues from the start.
    const future = await api('GET', `/v1/channels?limit=200&pageToken=${Date.now() + 86_400_000}.${'f'.repeat(24)}`);
    assert.deepEqual(future.body.channels.slice(0, 5).map((c: { channelID: string }) => c.channelID), [...channelIDs].reverse());
    await new Promise((ok) => setTimeout(ok, 1_000)); // the admin key's budget (10/s, burst 20) refills
    // Not of that form: an old base64 token, and a time past what 15 digits (and a Date) can hold.
    const forged = ['bm90LWEtdG9rZW4', `${'9'.repeat(16)}.${'a'.repeat(24)}`];
    for (const path of ['/v1/channels', '/v1/bots', `/v1/channels/${channelIDs[0]}/deployments`]) {
      for (const token of forged) {
        const bad = await api('GET', `${path}?pageToken=${token}`);
        assert.deepEqual([bad.status, bad.body.error?.details?.[0]?.path], [400, 'pageToken'], `${path} ${token} ${JSON.stringify(bad.body)}`);
      }
    }
    assert.equal((await api('GET', '/v1/channels?limit=500')).status, 400);
  });

  it('rotates the webhook secret: the next event is signed with the new one', async () => {
    const api = await admin();
    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const { body: rotated } = await api('POST', `/v1/channels/${channel.channelID}/rotate-secret`);
    assert.match(rotated.webhookSecret, /^whsec_/);
    assert.notEqual(rotated.webhookSecret, channel.webhookSecret);
    suite.receiver.useSecret(rotated.webhookSecret);
    assert.equal((await api('POST', `/v1/channels/${channel.channelID}/test-webhook`)).body.reachable, true);
    const [event] = await suite.receiver.waitFor(1, (e) => (e.payload as { channelID?: string }).channelID === channel.channelID);
    assert.equal(event!.verified, true);
  });

  it('rotates atomically: however rotations interleave, every secret handed out signs; past three rotated out, the oldest retires', async () => {
    const api = await admin();
    /** Which of `secrets` verify the next event of the channel (test-webhook). */
    const verifying = async (channelID: string, secrets: string[], current: string) => {
      suite.receiver.useSecret(current);
      const before = suite.receiver.events.length;
      assert.equal((await api('POST', `/v1/channels/${channelID}/test-webhook`)).body.reachable, true);
      const event = (await suite.receiver.waitFor(before + 1)).at(-1)!;
      const body = JSON.stringify(event.payload); // as sent: JSON.stringify of the same object
      return secrets.map((secret) => { try { verifyWebhook(secret, body, event.headers); return true; } catch { return false; } });
    };

    // Four at once on a fresh channel until two of them interleave (one is then refused: 409, nothing changed).
    let conflicts = 0;
    for (let round = 0; round < 10 && conflicts === 0; round++) {
      const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
      const racing = await Promise.all(Array.from({ length: 4 }, () => api('POST', `/v1/channels/${channel.channelID}/rotate-secret`)));
      const won = racing.filter((r) => r.status === 200).map((r) => r.body.webhookSecret as string);
      conflicts += racing.filter((r) => r.status === 409 && r.body.error.code === 'secret_rotation_conflict').length;
      assert.equal(won.length + racing.filter((r) => r.status === 409).length, 4);
      // Every secret a 200 handed out signs (at most four: the current one and three rotated out).
      assert.ok((await verifying(channel.channelID, won, won.at(-1)!)).every(Boolean), 'a secret handed out was lost');
    }
    assert.ok(conflicts > 0, 'no two rotations interleaved in 10 rounds');

    const { body: channel } = await api('POST', '/v1/channels', { webhookUrl: suite.receiver.url });
    const secrets = [channel.webhookSecret as string];
    while (secrets.length < 6) secrets.push((await api('POST', `/v1/channels/${channel.channelID}/rotate-secret`)).body.webhookSecret as string);
    // The current one and the three newest rotated out; the older ones retired at once.
    assert.deepEqual(await verifying(channel.channelID, secrets, secrets.at(-1)!), [false, false, true, true, true, true]);
  });

  it('answers 404 on every management route for another account\'s channel, bot or user', async () => {
    const owner = await admin();
    const { channel, bot } = await channelWithHandoffBot(owner);
    const { body: posted } = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'hi' });
    const { body: ownersSecond } = await owner('POST', '/v1/admins', { name: 'second' });
    const stranger = await admin();
    const bodies: Record<string, unknown> = {
      'patch /v1/channels/:channelID': { webhookUrl: suite.receiver.url },
      'post /v1/channels/:channelID/deployments': { botId: bot.botId, keyword: 'x' },
      'post /v1/channels/:channelID/users/:userID/messages': { message: 'x' },
      'put /v1/bots/:botId': { flow: HANDOFF_FLOW },
      'post /v1/channels/:channelID/deliveries/redeliver': { since: '2026-01-01T00:00:00Z' },
    };
    const owned = ROUTES.filter((r) => r.admin && r.path.includes(':'));
    assert.ok(owned.length >= 15);
    for (const route of owned) {
      const path = route.path
        .replace(':channelID', channel.channelID).replace(':userID', String(posted.userID)).replace(':botId', bot.botId).replace(':keyword', 'agent').replace(':webhookId', 'msg_x')
        .replace(':adminID', String(ownersSecond.adminID));
      const answer = await stranger(route.method.toUpperCase(), path, bodies[`${route.method} ${route.path}`]);
      assert.equal(answer.status, 404, `${route.method} ${path}: ${JSON.stringify(answer.body)}`);
    }
    assert.equal((await owner('GET', `/v1/channels/${channel.channelID}/deployments`)).body.deployments.length, 1, 'nothing was changed');
  });
});
