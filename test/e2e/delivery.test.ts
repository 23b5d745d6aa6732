import assert from 'node:assert/strict';
import { channelWithBot } from '../helpers/fixtures';
import { useStackWithReceiver } from '../helpers/stack';

describe('webhook delivery through a receiver outage (real Temporal retries)', function () {
  this.timeout(90_000);
  const suite = useStackWithReceiver();

  it('delivers every reply once and in order after the receiver comes back', async () => {
    const channel = await channelWithBot(suite.receiver.url);
    suite.receiver.useSecret(channel.webhookSecret);
    await suite.receiver.down();

    const first = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'drinks' });
    assert.equal(first.status, 200);
    const answer = await suite.stack.postMessage({ channelID: channel.channelID, token: channel.token, message: 'Coffee', userID: first.body.userID });
    assert.equal(answer.status, 200, 'accepting messages does not wait for the webhook');

    await new Promise((ok) => setTimeout(ok, 2_000)); // the first attempt fails: connection refused
    assert.equal(suite.receiver.events.length, 0);
    await suite.receiver.up();

    const events = await suite.receiver.waitFor(3, () => true, 45_000);
    await new Promise((ok) => setTimeout(ok, 1_000)); // anything duplicated would arrive by now
    assert.equal(suite.receiver.events.length, 3);
    assert.deepEqual(events.map((e) => (e.payload as { seq: number }).seq), [1, 2, 3]);
    assert.deepEqual(events.map((e) => (e.payload as { message: string }).message), [
      'Tea or coffee?', 'Here is your Coffee.', `Bye user ${first.body.userID} of ${channel.channelID}`,
    ]);
    assert.equal(new Set(events.map((e) => e.webhookId)).size, 3);
    assert.ok(events.every((e) => e.verified === true));
  });
});
