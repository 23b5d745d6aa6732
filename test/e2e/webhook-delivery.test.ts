import assert from 'node:assert/strict';
import { Channel } from '../../src/db/channel';
import { Delivery } from '../../src/db/delivery';
import { InvalidFlow, ParleyError } from '../../src/errors';
import { refuseForbiddenHttpNodes, type ValidatedSave } from '../../src/services/bots';
import { authenticateApiKey, createAccount } from '../../src/services/accounts';
import { createChannel } from '../../src/services/channels/channels';
import type { ReceivedEvent } from '../../src/webhooks/listener';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { testDatabase, useStackWithReceiver } from '../helpers/stack';

/** Webhook delivery end to end: per-user isolation, the delivery log, 410, re-enable and redelivery. */
describe('webhook delivery (real API, worker, Temporal, FerretDB, receiver)', function () {
  this.timeout(60_000);
  // Short delays so retries happen within a test; the real schedule is covered on the time-skipping server.
  const suite = useStackWithReceiver({ retryScheduleMs: [300, 600, 900] });
  const userOf = (e: ReceivedEvent) => (e.payload as { userID: number }).userID;
  const seqOf = (e: ReceivedEvent) => (e.payload as { seq: number }).seq;

  afterEach(() => {
    suite.receiver.respond = () => undefined;
  });

  async function setUp(): Promise<{ channel: ChannelFixture; say: (message: string, userID?: number) => Promise<number>; api: ReturnType<typeof adminApi> }> {
    const channel = await channelWithBot(suite.receiver.url);
    suite.receiver.useSecret(channel.webhookSecret);
    const say = async (message: string, userID?: number) => {
      const answer = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message, userID });
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      return answer.body.userID!;
    };
    return { channel, say, api: adminApi(suite.stack.baseUrl, channel.apiKey) };
  }
  const eventsOf = (channel: ChannelFixture, userID: number) =>
    suite.receiver.events.filter((e) => (e.payload as { channelID?: string }).channelID === channel.channelID && userOf(e) === userID);

  it("one user's failing webhook does not hold back another user of the same channel", async () => {
    const { channel, say, api } = await setUp();
    const stuck = await say('#drinks');
    suite.receiver.respond = (event) => (userOf(event) === stuck ? 500 : undefined);
    const other = await say('#drinks');
    await say('Tea', other);
    await suite.receiver.waitFor(3, (e) => userOf(e) === other && e.verified === true && (e.payload as { channelID: string }).channelID === channel.channelID);
    assert.deepEqual(eventsOf(channel, other).map(seqOf), [1, 2, 3], 'the other user got every reply, in order');

    // The stuck user's first reply was tried and failed; the log shows it pending with its attempts.
    await eventually(async () => {
      const { body } = await api('GET', `/v1/channels/${channel.channelID}/deliveries?userID=${stuck}`);
      assert.equal(body.deliveries.length, 1);
      assert.equal(body.deliveries[0].state, 'pending');
      assert.ok(body.deliveries[0].attemptCount >= 2);
      assert.equal(body.deliveries[0].lastAttempt.status, 500);
    });
    suite.receiver.respond = () => undefined; // the receiver heals: the retry goes through, same webhook-id
    const { body } = await api('GET', `/v1/channels/${channel.channelID}/deliveries?userID=${stuck}`);
    await eventually(async () => {
      const latest = await api('GET', `/v1/channels/${channel.channelID}/deliveries/${body.deliveries[0].webhookId}`);
      assert.equal(latest.body.state, 'delivered');
    });
    assert.equal(new Set(eventsOf(channel, stuck).map((e) => e.webhookId)).size, 1, 'every attempt carried the same webhook-id');
  });

  it('lists the log newest first, filters by state and pages with a token; shows one delivery with its payload', async () => {
    const { channel, say, api } = await setUp();
    const userID = await say('#drinks');
    await say('Coffee', userID);
    await suite.receiver.waitFor(3, (e) => (e.payload as { channelID: string }).channelID === channel.channelID);
    await eventually(async () => {
      const { body } = await api('GET', `/v1/channels/${channel.channelID}/deliveries?state=delivered`);
      assert.equal(body.deliveries.length, 3);
    });
    const first = await api('GET', `/v1/channels/${channel.channelID}/deliveries?limit=2`);
    assert.equal(first.status, 200);
    assert.deepEqual(first.body.deliveries.map((d: { seq: number }) => d.seq), [3, 2]);
    const second = await api('GET', `/v1/channels/${channel.channelID}/deliveries?limit=2&pageToken=${first.body.nextPageToken}`);
    assert.deepEqual(second.body.deliveries.map((d: { seq: number }) => d.seq), [1]);
    assert.equal(second.body.nextPageToken, undefined);

    const one = await api('GET', `/v1/channels/${channel.channelID}/deliveries/${first.body.deliveries[0].webhookId}`);
    assert.equal(one.body.payload.message, `Bye user ${userID} of ${channel.channelID}`);
    assert.equal(one.body.attempts[0].status, 200);
    assert.equal((await api('GET', `/v1/channels/${channel.channelID}/deliveries?state=failed`)).body.deliveries.length, 0);

    assert.equal((await api('GET', `/v1/channels/${channel.channelID}/deliveries/msg_nope`)).body.error.code, 'delivery_not_found');
    const badToken = await api('GET', `/v1/channels/${channel.channelID}/deliveries?pageToken=zzz`);
    assert.deepEqual([badToken.status, badToken.body.error.details[0].path], [400, 'pageToken']);
    const badState = await api('GET', `/v1/channels/${channel.channelID}/deliveries?state=lost`);
    assert.deepEqual([badState.status, badState.body.error.details[0].path], [400, 'state']);
  });

  it('410 Gone disables the channel (403 to new messages); re-enabling sends what waited, in order', async () => {
    const { channel, say, api } = await setUp();
    suite.receiver.respond = () => 410;
    const userID = await say('#drinks');
    await eventually(async () => assert.equal((await api('GET', `/v1/channels/${channel.channelID}`)).body.disabledReason, 'webhook_gone'));
    await new Promise((ok) => setTimeout(ok, 600)); // the intake's 500 ms channel cache
    const refused = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'Tea', userID });
    assert.deepEqual([refused.status, refused.body.error?.code], [403, 'channel_disabled']);
    // An agent still writes meanwhile: the message waits behind the first one.
    assert.equal((await api('POST', `/v1/channels/${channel.channelID}/users/${userID}/messages`, { message: 'Sorry for the wait.' })).status, 202);
    await new Promise((ok) => setTimeout(ok, 500));
    const before = eventsOf(channel, userID).length;

    suite.receiver.respond = () => undefined;
    const enabled = await api('PATCH', `/v1/channels/${channel.channelID}`, { status: 'active' });
    assert.equal(enabled.body.status, 'active');
    assert.equal(enabled.body.sessionsResumed, 1);
    await eventually(async () => assert.equal(eventsOf(channel, userID).filter((e) => e.verified).length - before, 2));
    const sent = eventsOf(channel, userID).slice(before);
    assert.deepEqual(sent.map(seqOf), [1, 2], 'in seq order');
    assert.equal((sent[1]!.payload as { adminID?: number }).adminID !== undefined, true);
  });

  it('redelivers one delivery, and every failed one since a time, with the same webhook-id', async () => {
    const { channel, say, api } = await setUp();
    suite.receiver.respond = () => 500;
    const userID = await say('#drinks');
    // Four attempts (the try and three retries) fail: the delivery is failed for good.
    await eventually(async () => {
      const { body } = await api('GET', `/v1/channels/${channel.channelID}/deliveries?state=failed`);
      assert.equal(body.deliveries.length, 1);
      assert.equal(body.deliveries[0].attemptCount, 4);
    });
    const failed = (await api('GET', `/v1/channels/${channel.channelID}/deliveries?state=failed`)).body.deliveries[0];
    suite.receiver.respond = () => undefined;

    const since = await api('POST', `/v1/channels/${channel.channelID}/deliveries/redeliver`, { since: new Date(Date.now() - 60_000).toISOString() });
    assert.deepEqual([since.status, since.body], [202, { queued: 1, users: 1, more: false }]);
    await eventually(async () => assert.ok(eventsOf(channel, userID).filter((e) => e.webhookId === failed.webhookId && e.verified).length >= 5));
    await eventually(async () => {
      const { body } = await api('GET', `/v1/channels/${channel.channelID}/deliveries/${failed.webhookId}`);
      assert.deepEqual([body.state, body.redeliveries], ['delivered', 1]);
    });

    const again = await api('POST', `/v1/channels/${channel.channelID}/deliveries/${failed.webhookId}/redeliver`);
    assert.equal(again.status, 202);
    await eventually(async () => assert.equal(eventsOf(channel, userID).filter((e) => e.webhookId === failed.webhookId).length, 6));
    assert.deepEqual([...new Set(eventsOf(channel, userID).map(seqOf))], [1], 'the same message, seq 1, every time');
    const none = await api('POST', `/v1/channels/${channel.channelID}/deliveries/redeliver`, { since: 'yesterday-ish' });
    assert.deepEqual([none.status, none.body.error.details[0].path], [400, 'since']);
  });

  it('refuses a webhook URL on a private address at save time, naming the field', async () => {
    const { apiKey } = await createAccount({ name: `ssrf-${Date.now()}`, plan: 'pro' });
    const admin = await authenticateApiKey(apiKey);
    for (const webhookUrl of ['http://127.0.0.1:9/hook', 'http://[::ffff:169.254.169.254]/', 'http://localhost/x', 'http://10.0.0.8/']) {
      await assert.rejects(createChannel(admin, { webhookUrl }, { allowPrivate: false }), (err: unknown) => {
        assert.ok(err instanceof ParleyError);
        assert.deepEqual([err.status, err.code, err.details?.[0]?.path], [400, 'webhook_url_forbidden', 'webhookUrl']);
        return true;
      });
    }
    await assert.rejects(createChannel(admin, { webhookUrl: 'https://no-such-host.invalid/hook' }, { allowPrivate: false }), /does not resolve/);
    assert.equal(await Channel.countDocuments({ accountId: admin.accountId }), 0, 'nothing half-written');
  });

  it('deleting a channel deletes its delivery log', async () => {
    const { channel, say, api } = await setUp();
    await say('#drinks');
    await eventually(async () => assert.equal(await Delivery.countDocuments({ channelKey: channel.channelKey }), 1));
    assert.equal((await api('DELETE', `/v1/channels/${channel.channelID}`)).status, 200);
    assert.equal(await Delivery.countDocuments({ channelKey: channel.channelKey }), 0);
  });
});

describe('save-time SSRF check of flow http nodes', () => {
  before(async () => {
    await testDatabase();
  });
  const flowCalling = (url: string): ValidatedSave => ({
    name: 'caller', status: 'ready',
    flow: { start: 'call', nodes: { call: { type: 'http', method: 'GET', url, saveAs: 'r', next: 'end', onError: 'end' }, end: { type: 'end', text: 'ok' } } },
  });

  it('refuses a literal private address with the node path, and lets public ones through (a templated host is refused by the flow schema)', async () => {
    await assert.rejects(refuseForbiddenHttpNodes(flowCalling('http://169.254.169.254/latest/meta-data'), { allowPrivate: false }), (err: unknown) => {
      assert.ok(err instanceof InvalidFlow);
      assert.deepEqual([err.status, err.code, err.details?.[0]?.path], [422, 'invalid_flow', 'flow.nodes.call.url']);
      assert.match(err.details?.[0]?.message ?? '', /169\.254\.169\.254 is not a public address/);
      return true;
    });
    await refuseForbiddenHttpNodes(flowCalling('https://93.184.216.34/eta?u={{user.id}}'), { allowPrivate: false });
    await refuseForbiddenHttpNodes(flowCalling('http://127.0.0.1:9/'), { allowPrivate: true });
  });
});
