import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ApplicationFailure } from '@temporalio/common';
import { createDeliverWebhook, type DeliverWebhookInput } from '../../activities/deliver-webhook';
import { Channel } from '../../src/db/channel';
import { channelWithBot } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { testDatabase } from '../helpers/stack';

/** The deliverWebhook activity on its own, against FerretDB and real HTTP servers on loopback. */
describe('deliverWebhook activity', function () {
  this.timeout(30_000);
  const deliver = createDeliverWebhook({ allowPrivate: true, userAgent: 'Parley/test' });
  const input = (channelKey: string, seq = 1): DeliverWebhookInput => ({
    channelKey, userID: 5, entry: { webhookId: `msg_test_${seq}`, seq, reply: { text: 'hello', timestamp: 1_700_000_000_000 } },
  });
  let server: Server;
  let answer: (res: ServerResponse) => void;

  before(async () => {
    await testDatabase();
    server = createServer((_req, res) => answer(res));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;

  it('POSTs the signed payload and reports the status and latency', async () => {
    const receiver = await Receiver.start();
    const channel = await channelWithBot(receiver.url);
    receiver.useSecret(channel.webhookSecret);
    const attempt = await deliver(input(channel.channelKey));
    assert.equal(attempt.status, 200);
    const [event] = await receiver.waitFor(1);
    await receiver.down();
    assert.equal(event!.verified, true);
    assert.equal(event!.webhookId, 'msg_test_1');
    assert.deepEqual(event!.payload, { channelID: channel.channelID, message: 'hello', userID: 5, seq: 1, timestamp: 1_700_000_000_000 });
  });

  it('fails retryably on a 500 with a short snippet, without reading a huge body', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'E'.repeat(64 * 1024);
      for (let i = 0; i < 64; i++) res.write(chunk); // 4 MB the activity must not buffer
      res.end();
    };
    await assert.rejects(deliver(input(channel.channelKey)), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.nonRetryable, false);
      assert.equal(err.type, 'WebhookRejected');
      assert.ok(err.message.startsWith('webhook answered 500: EEE') && err.message.length < 300, err.message.slice(0, 80));
      return true;
    });
  });

  it('does not follow redirects', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    await assert.rejects(deliver(input(channel.channelKey)), /webhook answered 302/);
  });

  it('refuses a private address for good unless private webhooks are allowed', async () => {
    const channel = await channelWithBot(url());
    const strict = createDeliverWebhook({ allowPrivate: false, userAgent: 'Parley/test' });
    await assert.rejects(strict(input(channel.channelKey)), (err: unknown) => {
      assert.ok(err instanceof ApplicationFailure);
      assert.equal(err.type, 'ForbiddenAddress');
      assert.equal(err.nonRetryable, true);
      return true;
    });
  });

  it('gives up for good when the channel no longer exists', async () => {
    const channel = await channelWithBot(url());
    await Channel.deleteOne({ channelID: channel.channelID });
    await assert.rejects(deliver(input(channel.channelKey)), (err: unknown) => err instanceof ApplicationFailure && err.type === 'ChannelNotFound');
  });
});
