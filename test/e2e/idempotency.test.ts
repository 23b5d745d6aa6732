import assert from 'node:assert/strict';
import { IdempotencyKey } from '../../src/db/idempotency-key';
import { idempotencyKeyId } from '../../src/services/messages/idempotency';
import { sessionWorkflowId, stateQuery } from '../../workflows/definitions';
import { eventually } from '../helpers/eventually';
import { channelWithBot, type ChannelFixture } from '../helpers/fixtures';
import { startStack, useStackWithReceiver } from '../helpers/stack';
import { freePort } from '../../src/dev/servers';

describe('Idempotency-Key on POST /v1/messages (real API, Temporal, FerretDB)', function () {
  this.timeout(60_000);
  const suite = useStackWithReceiver();
  let channel: ChannelFixture;
  before(async () => {
    channel = await channelWithBot(suite.receiver.url, 'drinks', 'enterprise');
  });

  const key = () => `key-${Math.random().toString(36).slice(2)}`;
  const post = (body: object, idempotencyKey: string) => suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, ...body }, { headers: { 'idempotency-key': idempotencyKey } });
  const userMessages = async (userID: number) => {
    const view = await suite.stack.client.workflow.getHandle(sessionWorkflowId(channel.channelKey, userID)).query(stateQuery);
    return view.transcript.filter((entry) => entry.kind === 'user').map((entry) => (entry as { text: string }).text);
  };

  it('answers a retry with the first answer, the same new userID, and one message in the session', async () => {
    const k = key();
    const first = await post({ message: 'hello once' }, k);
    const again = await post({ message: 'hello once' }, k);
    assert.equal(first.status, 200);
    assert.deepEqual(again, first);
    await eventually(async () => assert.deepEqual(await userMessages(first.body.userID!), ['hello once']));
  });

  it('gives ten concurrent duplicates one answer and one message', async () => {
    const k = key();
    const answers = await Promise.all(Array.from({ length: 10 }, () => post({ message: 'ten at once' }, k)));
    assert.deepEqual(answers.map((a) => a.status), Array(10).fill(200));
    assert.equal(new Set(answers.map((a) => a.body.userID)).size, 1, 'one user issued');
    const userID = answers[0]!.body.userID!;
    await eventually(async () => assert.deepEqual(await userMessages(userID), ['ten at once']));
    await new Promise((ok) => setTimeout(ok, 500));
    assert.deepEqual(await userMessages(userID), ['ten at once'], 'still one after the dust settles');
  });

  it('lets a retry take over a claim whose API process died after signalling: same user, still one message', async () => {
    const k = key();
    const first = await post({ message: 'sent before the crash' }, k);
    // What a process that died between Temporal's answer and storing its own looks like: pending, lease run out.
    const crashed = await IdempotencyKey.updateOne(
      { state: 'done', 'answer.userID': first.body.userID },
      { $set: { state: 'pending', leaseUntil: new Date(Date.now() - 1) }, $unset: { answer: 1 } },
    );
    assert.equal(crashed.modifiedCount, 1);
    const retried = await post({ message: 'sent before the crash' }, k);
    assert.deepEqual(retried, first);
    await new Promise((ok) => setTimeout(ok, 500));
    // The session saw the same messageId twice and kept one.
    assert.deepEqual(await userMessages(first.body.userID!), ['sent before the crash']);
  });

  it('answers 422 idempotency_key_reused for the same key with another body, and keeps the first answer', async () => {
    const k = key();
    const first = await post({ message: 'first body' }, k);
    const other = await post({ message: 'another body' }, k);
    assert.equal(other.status, 422);
    assert.equal(other.body.error?.code, 'idempotency_key_reused');
    assert.deepEqual(await post({ message: 'first body' }, k), first);
  });

  it('treats a key as new once its 24 hours are over', async () => {
    const k = key();
    const first = await post({ message: 'old' }, k);
    await IdempotencyKey.updateMany({ state: 'done', 'answer.userID': first.body.userID }, { $set: { expiresAt: new Date(Date.now() - 1) } });
    const later = await post({ message: 'new' }, k);
    assert.equal(later.status, 200);
    assert.notEqual(later.body.userID, first.body.userID, 'a new message, so a new user');
  });

  it('frees the key when the message was not accepted, so the retry is accepted', async () => {
    const k = key();
    const refused = await post({ message: 'to nobody', userID: 999_999 }, k);
    assert.equal(refused.status, 404);
    const issued = await post({ message: 'hi' }, key());
    const retried = await post({ message: 'to somebody', userID: issued.body.userID }, k);
    assert.equal(retried.status, 200);
  });

  it('refuses an empty or over-long key with 400 at the header', async () => {
    for (const bad of ['', 'x'.repeat(256), 'has space']) {
      const answer = await post({ message: 'hi' }, bad);
      assert.equal(answer.status, 400, JSON.stringify(bad));
      assert.equal(answer.body.error?.details?.[0]?.path, 'headers.idempotency-key');
    }
  });

  it('keeps the key, its user and its uploads when the signal fails, so the retry lands in the same session', async () => {
    const broken = await startStack({ apiTemporalAddress: `127.0.0.1:${await freePort()}` });
    try {
      const k = key();
      const body = { channelID: channel.channelID, token: channel.token, message: 'through the outage' };
      const failed = await broken.postMessage(body, { headers: { 'idempotency-key': k } });
      assert.equal(failed.status, 503);
      const kept = await IdempotencyKey.findById(idempotencyKeyId(channel.channelKey, k)).lean();
      assert.ok(kept?.state === 'pending' && kept.userID !== undefined && kept.leaseUntil <= new Date(), 'kept with its userID and an ended lease');
      const retried = await post({ message: 'through the outage' }, k);
      assert.equal(retried.status, 200);
      assert.equal(retried.body.userID, kept.userID, 'the same user: the first signal, had it landed, went to this session');
      await eventually(async () => assert.deepEqual(await userMessages(retried.body.userID!), ['through the outage']));
    } finally {
      await broken.stop();
    }
  });
});
