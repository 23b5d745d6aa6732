import assert from 'node:assert/strict';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createServer } from 'node:http';
import type { AddressInfo } from 'node:net';
import mongoose, { Types } from 'mongoose';
import { Delivery } from '../../src/db/delivery';
import { Event } from '../../src/db/event';
import { IdempotencyKey } from '../../src/db/idempotency-key';
import { User } from '../../src/db/user';
import { idempotencyKeyId } from '../../src/services/messages/idempotency';
import { sessionWorkflowId } from '../../workflows/definitions';
import { adminApi } from '../helpers/admin-api';
import { eventually } from '../helpers/eventually';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { dataUrl, PNG } from '../helpers/samples';
import { startStack, useStackWithReceiver, type Stack } from '../helpers/stack';

type Payload = { userID: number; message: string; seq: number };
const files = () => mongoose.connection.collection('attachments.files');
const chunks = () => mongoose.connection.collection('attachments.chunks');
const uniquePng = () => Buffer.concat([PNG, randomBytes(16)]);

describe('erasing a user (DELETE /v1/channels/:channelID/users/:userID)', function () {
  this.timeout(120_000);
  // One retry 50 ms after a failure: a refused reply is `failed` within a second.
  const suite = useStackWithReceiver({ retryScheduleMs: [50] });
  let channel: ChannelFixture;
  let admin: ReturnType<typeof adminApi>;
  let replica: Stack;
  before(async () => {
    channel = await channelWithBot(suite.receiver.url);
    admin = adminApi(suite.stack.baseUrl, channel.apiKey);
    replica = await startStack();
  });
  after(async () => {
    await replica?.stop();
  });
  const send = (stack: Stack, message: string, userID?: number, extra: Record<string, unknown> = {}, headers: Record<string, string> = {}) =>
    stack.postMessage({ channelID: channel.channelID, token: channel.token, message, ...(userID ? { userID } : {}), ...extra }, { headers });
  const repliesTo = (userID: number) => (event: { payload: unknown }) => (event.payload as Payload).userID === userID;

  it('deletes every store of the user, keeps the other user and a file both sent, and the userID is unknown on every replica', async () => {
    const [own, shared] = [uniquePng(), uniquePng()];
    // The second reply to the user is refused: a failed delivery beside delivered ones.
    suite.receiver.respond = (event) => ((event.payload as Payload).message === 'Here is your Tea.' ? 500 : undefined);
    const first = await send(suite.stack, '#drinks', undefined, { attachments: [{ base64: dataUrl('image/png', own) }, { base64: dataUrl('image/png', shared) }] });
    assert.equal(first.status, 200, JSON.stringify(first.body));
    const erased = first.body.userID!;
    const other = (await send(suite.stack, '#drinks', undefined, { attachments: [{ base64: dataUrl('image/png', shared) }] })).body.userID!;
    await suite.receiver.waitFor(1, repliesTo(other));
    await suite.receiver.waitFor(1, repliesTo(erased));
    // Through the other replica (it now caches the user as known), with an Idempotency-Key.
    assert.equal((await send(replica, 'Tea', erased, {}, { 'idempotency-key': `erase-${erased}` })).status, 200);
    await suite.receiver.waitFor(1, (event) => repliesTo(erased)(event) && (event.payload as Payload).message.startsWith('Bye'));
    await eventually(async () => assert.equal(await Delivery.countDocuments({ channelKey: channel.channelKey, userID: erased, state: 'failed' }), 1));
    const channelKey = new Types.ObjectId(channel.channelKey);
    // The session logged both messages, the three replies and the delivery given up.
    await eventually(async () => assert.equal(await Event.countDocuments({ channelKey, userID: erased, type: 'delivery.failed' }), 1));
    const logged = await Event.countDocuments({ channelKey, userID: erased });
    assert.ok(logged >= 6, `the user's log has ${logged} events`);
    const readLog = (stack: Stack, userID: number) =>
      fetch(`${stack.baseUrl}/v1/channels/${channel.channelID}/users/${userID}/events`, { headers: { authorization: `Bearer ${channel.token}` } });
    // The other replica reads the user's log first, so it caches the user as known.
    assert.equal((await readLog(replica, erased)).status, 200);
    const sharedFile = await files().findOne({ 'metadata.channelKey': channel.channelKey, 'metadata.userIDs': { $all: [erased, other] } });
    assert.ok(sharedFile, 'the file both users sent is stored once, naming both');
    const ownFile = await files().findOne({ 'metadata.channelKey': channel.channelKey, 'metadata.userIDs': [erased] });
    assert.ok(ownFile);
    // The other user's message and first reply are logged (the attempt that delivered it writes it).
    await eventually(async () => assert.equal(await Event.countDocuments({ channelKey, userID: other }), 2));
    const otherBefore = { deliveries: await Delivery.countDocuments({ channelKey, userID: other }), events: await Event.countDocuments({ channelKey, userID: other }) };
    assert.ok(otherBefore.deliveries >= 1);

    const answer = await admin('DELETE', `/v1/channels/${channel.channelID}/users/${erased}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.deepEqual(answer.body, {
      channelID: channel.channelID, userID: erased, sessionEnded: true,
      deleted: { events: logged, deliveries: 3, attachments: 1, idempotencyKeys: 1, users: 1 },
    });

    assert.equal(await Event.countDocuments({ channelKey, userID: erased }), 0, 'log');
    assert.equal(await Delivery.countDocuments({ channelKey, userID: erased }), 0, 'deliveries');
    assert.equal(await IdempotencyKey.countDocuments({ _id: idempotencyKeyId(channel.channelKey, `erase-${erased}`) }), 0, 'idempotency');
    assert.equal(await User.countDocuments({ channelKey, userID: erased }), 0, 'user');
    assert.equal(await files().countDocuments({ _id: ownFile._id }), 0, 'own upload');
    assert.equal(await chunks().countDocuments({ files_id: ownFile._id }), 0, "own upload's chunks");
    assert.equal(await files().countDocuments({ 'metadata.channelKey': channel.channelKey, 'metadata.userIDs': erased }), 0, 'no file names the user');
    const description = await suite.stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, erased)).describe();
    assert.equal(description.status.name, 'TERMINATED');

    // The other user: log, deliveries and the shared file untouched.
    assert.deepEqual({ deliveries: await Delivery.countDocuments({ channelKey, userID: other }), events: await Event.countDocuments({ channelKey, userID: other }) }, otherBefore);
    assert.deepEqual((await files().findOne({ _id: sharedFile._id }))?.metadata?.userIDs, [other]);
    const download = await fetch(`${suite.stack.baseUrl}/v1/attachments/${String(sharedFile._id)}`);
    assert.equal(download.status, 200);
    assert.deepEqual(Buffer.from(await download.arrayBuffer()), shared);
    assert.equal((await send(suite.stack, 'Coffee', other)).status, 200, 'the other user goes on');

    for (const stack of [suite.stack, replica]) {
      const later = await send(stack, 'still there?', erased);
      assert.equal(later.status, 404, 'on each replica');
      assert.equal(later.body.error?.code, 'user_not_found');
      const log = await readLog(stack, erased);
      assert.equal(log.status, 404, 'its log is unknown on each replica');
      assert.equal(((await log.json()) as { error: { code: string } }).error.code, 'user_not_found');
    }
    const again = await admin('DELETE', `/v1/channels/${channel.channelID}/users/${erased}`);
    assert.equal(again.status, 404);
    assert.equal(again.body.error.code, 'user_not_found');
    assert.equal((await admin('GET', `/v1/channels/${channel.channelID}/users/${erased}/session`)).body.error.code, 'user_not_found');
    const next = await send(suite.stack, 'hello');
    assert.ok(next.body.userID! > Math.max(erased, other), 'the userID is never issued again');
    suite.receiver.respond = () => undefined;
  });

  it('finishes an erasure that stopped midway: a user already marked erased is unknown to the intake, and a retry deletes the rest', async () => {
    const userID = (await send(suite.stack, 'hello')).body.userID!;
    await User.updateOne({ channelKey: channel.channelKey, userID }, { $set: { erasedAt: new Date(Date.now() - 60_000) } });
    // A fresh replica (no cached answer): the mark alone makes the user unknown.
    const refused = await send(replica, 'hello again', userID);
    assert.equal(refused.status, 404);
    assert.equal(refused.body.error?.code, 'user_not_found');
    const answer = await admin('DELETE', `/v1/channels/${channel.channelID}/users/${userID}`);
    assert.equal(answer.status, 200, JSON.stringify(answer.body));
    assert.equal(answer.body.deleted.users, 1);
    assert.equal(await User.countDocuments({ channelKey: channel.channelKey, userID }), 0);
  });

  it('waits for a webhook attempt that was in flight when the session ended, so its record does not outlive the erasure', async () => {
    // A webhook that holds every request past the stack's 2 s webhook timeout: the attempt records itself after it.
    let received = 0;
    const hanging = createServer((_req, res) => {
      received++;
      setTimeout(() => res.end(), 5_000).unref();
    });
    hanging.listen(0, '127.0.0.1');
    await once(hanging, 'listening');
    try {
      const slow = await channelWithBot(`http://127.0.0.1:${(hanging.address() as AddressInfo).port}/hook`);
      const posted = await suite.stack.postMessage({ channelID: slow.channelID, token: slow.token, message: '#drinks' });
      const userID = posted.body.userID!;
      await eventually(async () => assert.equal(received, 1));
      // As a retry of an erasure marked a minute ago: no quiet period left to wait, only the attempt in flight.
      await User.updateOne({ channelKey: slow.channelKey, userID }, { $set: { erasedAt: new Date(Date.now() - 60_000) } });
      const answer = await adminApi(suite.stack.baseUrl, slow.apiKey)('DELETE', `/v1/channels/${slow.channelID}/users/${userID}`);
      assert.equal(answer.status, 200, JSON.stringify(answer.body));
      assert.equal(answer.body.sessionEnded, true);
      assert.equal(answer.body.deleted.deliveries, 1, 'the attempt had recorded itself when the stores were emptied');
      assert.equal(await Delivery.countDocuments({ channelKey: slow.channelKey, userID }), 0);
    } finally {
      hanging.closeAllConnections();
      hanging.close();
    }
  });

  it('is for admin keys of the account only: an agent key gets 403, another account 404, a malformed userID 400', async () => {
    const userID = (await send(suite.stack, 'hello')).body.userID!;
    const agent = await admin('POST', '/v1/admins', { name: 'desk', role: 'agent' });
    assert.equal(agent.status, 201);
    const byAgent = await adminApi(suite.stack.baseUrl, agent.body.apiKey)('DELETE', `/v1/channels/${channel.channelID}/users/${userID}`);
    assert.equal(byAgent.status, 403);
    assert.equal(byAgent.body.error.code, 'role_forbidden');
    const stranger = await channelWithBot(suite.receiver.url);
    const byStranger = await adminApi(suite.stack.baseUrl, stranger.apiKey)('DELETE', `/v1/channels/${channel.channelID}/users/${userID}`);
    assert.equal(byStranger.status, 404);
    assert.equal(byStranger.body.error.code, 'channel_not_found');
    const malformed = await admin('DELETE', `/v1/channels/${channel.channelID}/users/0`);
    assert.equal(malformed.status, 400);
    assert.equal(malformed.body.error.code, 'invalid_request');
    assert.equal(await User.countDocuments({ channelKey: channel.channelKey, userID }), 1, 'nothing was erased');
    assert.equal((await send(suite.stack, 'still here', userID)).status, 200);
  });
});
