import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';
import { MockActivityEnvironment } from '@temporalio/testing';
import { DefaultLogger, type LogEntry } from '@temporalio/worker';
import { mongo } from 'mongoose';
import { createAttemptDelivery, FAILING_CHANNEL_DISABLED_AFTER_MS, type AttemptDeliveryInput, type AttemptOutcome } from '../../activities/deliver-webhook';
import { Channel } from '../../src/db/channel';
import { Delivery } from '../../src/db/delivery';
import { channelWithBot } from '../helpers/fixtures';
import { Receiver } from '../helpers/receiver';
import { testDatabase } from '../helpers/stack';

/** The attemptDelivery activity on its own, against FerretDB and real HTTP servers on loopback. */
describe('attemptDelivery activity', function () {
  this.timeout(30_000);
  const attempt = createAttemptDelivery({ allowPrivate: true, userAgent: 'Parley/test', timeoutMs: 1_000 });
  const runWithCheck = (input: AttemptDeliveryInput, activity = attempt) => new MockActivityEnvironment().run(activity, input) as Promise<AttemptOutcome>;
  // The outcome proper; which run's seqs were looked up is the concern of one test below.
  const run = async (input: AttemptDeliveryInput, activity = attempt): Promise<AttemptOutcome> => {
    const outcome = await runWithCheck(input, activity);
    delete outcome.seqCheckedIn;
    return outcome;
  };
  let n = 0;
  const input = (channelKey: string, overrides: Partial<AttemptDeliveryInput> = {}): AttemptDeliveryInput => {
    const seq = ++n;
    return {
      channelKey, userID: 5, finalAttempt: false, at: Date.now(),
      entry: { webhookId: `msg_attempt_${Date.now()}_${seq}`, seq, reply: { text: 'hello', timestamp: 1_700_000_000_000 } },
      ...overrides,
    };
  };
  let server: Server;
  let answer: (res: ServerResponse, req: IncomingMessage) => void;

  before(async () => {
    await testDatabase();
    server = createServer((req, res) => answer(res, req));
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });
  const url = () => `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`;
  const record = async (webhookId: string) => (await Delivery.findById(webhookId).lean())!;
  const channelOf = async (channelKey: string) => (await Channel.findById(channelKey).lean())!;

  it('POSTs the signed payload, reports status and latency, and logs the delivery', async () => {
    const receiver = await Receiver.start();
    const channel = await channelWithBot(receiver.url);
    receiver.useSecret(channel.webhookSecret);
    const sent = input(channel.channelKey, { attempt: 1 });
    const result = await run(sent);
    assert.equal(result.outcome, 'delivered');
    const [event] = await receiver.waitFor(1);
    await receiver.down();
    assert.equal(event!.verified, true, 'the standardwebhooks verifier accepts the signature');
    assert.equal(event!.webhookId, sent.entry.webhookId);
    assert.equal(event!.headers['content-type'], 'application/json');
    assert.equal(event!.headers['user-agent'], 'Parley/test');
    assert.deepEqual(event!.payload, { channelID: channel.channelID, message: 'hello', userID: 5, seq: sent.entry.seq, timestamp: 1_700_000_000_000 });

    const logged = await record(sent.entry.webhookId);
    assert.equal(logged.state, 'delivered');
    assert.equal(String(logged.channelKey), channel.channelKey);
    assert.deepEqual([logged.userID, logged.seq], [5, sent.entry.seq]);
    assert.equal(logged.attempts.length, 1);
    assert.equal(logged.attempts[0]!.status, 200);
    assert.equal(typeof logged.attempts[0]!.latencyMs, 'number');

    // Written with the driver, not the model: still the record the model describes, in its types, with its
    // defaults, and no null where the model leaves a field out.
    const stored = (await Delivery.collection.findOne({ _id: sent.entry.webhookId as never }))!;
    await new Delivery(stored).validate();
    assert.ok(stored.channelKey instanceof mongo.ObjectId, 'channelKey is an ObjectId');
    assert.ok([stored.createdAt, stored.updatedAt, stored.attempts[0].at].every((d) => d instanceof Date), 'times are dates');
    assert.equal(stored.redeliveries, 0);
    assert.deepEqual(Object.keys(stored.attempts[0]).sort(), ['at', 'latencyMs', 'status']);
  });

  it('refuses a seq the log holds under another webhook-id, saying where numbering goes on and which run it checked', async () => {
    const receiver = await Receiver.start();
    const channel = await channelWithBot(receiver.url);
    const first = input(channel.channelKey);
    assert.equal((await run(first)).outcome, 'delivered');
    const again = { ...first, entry: { ...first.entry, webhookId: `${first.entry.webhookId}-reset` } };
    const refused = await runWithCheck(again);
    assert.deepEqual(refused, { outcome: 'seq_taken', nextSeq: first.entry.seq + 1, seqCheckedIn: refused.seqCheckedIn });
    assert.ok(refused.seqCheckedIn, 'the run it checked for');
    // A run that already checked trusts its own numbering: no look-up (a run numbers past the log once checked).
    const trusted = await runWithCheck({ ...again, seqChecked: true });
    assert.equal(trusted.outcome, 'delivered');
    assert.equal(trusted.seqCheckedIn, undefined);
    assert.equal((await receiver.waitFor(2)).length, 2);
    await receiver.down();
  });

  it('a first attempt retried after it wrote its record (a worker died) adds to that record', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => res.writeHead(503).end();
    const first = input(channel.channelKey, { attempt: 1 });
    assert.equal((await run(first)).outcome, 'failed');
    answer = (res) => res.writeHead(200).end();
    assert.equal((await run({ ...first, at: first.at + 1_000 })).outcome, 'delivered');
    const logged = await record(first.entry.webhookId);
    assert.equal(logged.state, 'delivered');
    assert.deepEqual(logged.attempts.map((a) => a.status), [503, 200]);
    await new Delivery(await Delivery.collection.findOne({ _id: first.entry.webhookId as never })).validate();
  });

  it('logs an attempt that did not deliver at info, and a delivered one at debug only (the delivery log holds every attempt)', async () => {
    const channel = await channelWithBot(url());
    const lines: LogEntry[] = [];
    const logged = (entry: AttemptDeliveryInput) => new MockActivityEnvironment(undefined, { logger: new DefaultLogger('TRACE', (line) => lines.push(line)) }).run(attempt, entry);
    answer = (res) => res.writeHead(200).end();
    const delivered = input(channel.channelKey);
    await logged(delivered);
    answer = (res) => res.writeHead(503).end();
    const failed = input(channel.channelKey);
    await logged(failed);
    const levels = (webhookId: string) => lines.filter((l) => l.message === 'webhook attempt' && l.meta?.webhookId === webhookId).map((l) => [l.level, l.meta?.outcome]);
    assert.deepEqual(levels(delivered.entry.webhookId), [['DEBUG', 'delivered']]);
    assert.deepEqual(levels(failed.entry.webhookId), [['INFO', 'failed']]);
  });

  it('a receiver with another secret rejects the signature', async () => {
    const receiver = await Receiver.start('whsec_' + Buffer.alloc(24, 7).toString('base64'));
    const channel = await channelWithBot(receiver.url);
    const result = await run(input(channel.channelKey));
    const [event] = await receiver.waitFor(1);
    await receiver.down();
    assert.equal(event!.verified, false);
    assert.equal(result.outcome, 'failed', 'the receiver answered 400, so the attempt failed');
  });

  it('records a 500 with a short snippet, without reading a huge body; pending until the final attempt', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => {
      res.writeHead(500, { 'content-type': 'text/plain' });
      const chunk = 'E'.repeat(64 * 1024);
      for (let i = 0; i < 64; i++) res.write(chunk); // 4 MB the activity must not buffer
      res.end();
    };
    const first = input(channel.channelKey);
    assert.deepEqual(await run(first), { outcome: 'failed', status: 500, error: 'webhook answered 500' });
    let logged = await record(first.entry.webhookId);
    assert.equal(logged.state, 'pending');
    assert.equal(logged.attempts[0]!.status, 500);
    assert.match(logged.attempts[0]!.responseSnippet!, /^E{256}$/);

    await run({ ...first, finalAttempt: true });
    logged = await record(first.entry.webhookId);
    assert.equal(logged.state, 'failed');
    assert.equal(logged.attempts.length, 2);
  });

  it('does not follow redirects', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => res.writeHead(302, { location: 'http://127.0.0.1:1/elsewhere' }).end();
    assert.deepEqual(await run(input(channel.channelKey)), { outcome: 'failed', status: 302, error: 'webhook answered 302' });
  });

  it('passes a Retry-After of a 429 or 503 on, and ignores it on other statuses', async () => {
    const channel = await channelWithBot(url());
    for (const [status, expected] of [[429, 120_000], [503, 120_000], [500, undefined]] as const) {
      answer = (res) => res.writeHead(status, { 'retry-after': '120' }).end();
      const result = await run(input(channel.channelKey));
      assert.equal(result.outcome === 'failed' ? result.retryAfterMs : 'not failed', expected, `status ${status}`);
    }
  });

  it('records a timeout and a refused connection as failed attempts without a status', async () => {
    const channel = await channelWithBot(url());
    answer = () => undefined; // never answers
    const timedOut = input(channel.channelKey);
    assert.deepEqual(await run(timedOut), { outcome: 'failed', error: 'timed out' });
    assert.equal((await record(timedOut.entry.webhookId)).attempts[0]!.error, 'timed out');

    await Channel.updateOne({ _id: channel.channelKey }, { webhookUrl: 'http://127.0.0.1:1/closed' });
    await new Promise((ok) => setTimeout(ok, 600)); // the activity's channel cache
    const refused = await run(input(channel.channelKey));
    assert.equal(refused.outcome, 'failed');
    assert.match(refused.outcome === 'failed' ? refused.error : '', /ECONNREFUSED/);
  });

  it('disables the channel at once on 410 Gone, keeping the delivery pending', async () => {
    const channel = await channelWithBot(url());
    answer = (res) => res.writeHead(410).end();
    const sent = input(channel.channelKey);
    assert.deepEqual(await run(sent), { outcome: 'channel_disabled', reason: 'webhook_gone' });
    const stored = await channelOf(channel.channelKey);
    assert.deepEqual([stored.status, stored.disabledReason], ['disabled', 'webhook_gone']);
    const logged = await record(sent.entry.webhookId);
    assert.deepEqual([logged.state, logged.waiting, logged.attempts[0]!.status], ['pending', 'channel_disabled', 410]);

    answer = (res) => res.writeHead(200).end();
    const next = input(channel.channelKey);
    assert.deepEqual(await run(next), { outcome: 'channel_disabled', reason: 'webhook_gone' }, 'no attempt while disabled');
    assert.equal(((await record(next.entry.webhookId)).attempts ?? []).length, 0); // FerretDB drops an empty array on upsert
  });

  it('disables a channel whose deliveries have all failed for five days; a success in between starts the count again', async () => {
    const channel = await channelWithBot(url());
    const day0 = Date.now();
    answer = (res) => res.writeHead(500).end();
    await run(input(channel.channelKey, { at: day0 }));
    assert.equal((await channelOf(channel.channelKey)).failingSince?.getTime(), day0);

    answer = (res) => res.writeHead(200).end();
    await new Promise((ok) => setTimeout(ok, 600));
    assert.equal((await run(input(channel.channelKey, { at: day0 + 1_000 }))).outcome, 'delivered');
    assert.equal((await channelOf(channel.channelKey)).failingSince, undefined);

    answer = (res) => res.writeHead(503).end();
    await new Promise((ok) => setTimeout(ok, 600));
    const day1 = day0 + 86_400_000;
    await run(input(channel.channelKey, { at: day1 }));
    await new Promise((ok) => setTimeout(ok, 600));
    const almost = await run(input(channel.channelKey, { at: day1 + FAILING_CHANNEL_DISABLED_AFTER_MS - 1 }));
    assert.equal(almost.outcome, 'failed');
    assert.equal((await channelOf(channel.channelKey)).status, 'active');
    await new Promise((ok) => setTimeout(ok, 600));
    const after = await run(input(channel.channelKey, { at: day1 + FAILING_CHANNEL_DISABLED_AFTER_MS }));
    assert.deepEqual(after, { outcome: 'channel_disabled', reason: 'webhook_failing' });
    const stored = await channelOf(channel.channelKey);
    assert.deepEqual([stored.status, stored.disabledReason], ['disabled', 'webhook_failing']);
  });

  it('signs with the old and the new secret for a day after a rotation', async () => {
    const receiver = await Receiver.start();
    const channel = await channelWithBot(receiver.url);
    const next = 'whsec_' + Buffer.alloc(24, 9).toString('base64');
    await Channel.updateOne({ _id: channel.channelKey }, { webhookSecret: next, previousWebhookSecret: channel.webhookSecret, previousSecretUntil: new Date(Date.now() + 86_400_000) });
    receiver.useSecret(channel.webhookSecret); // an integrator who has not switched yet
    assert.equal((await run(input(channel.channelKey))).outcome, 'delivered');
    receiver.useSecret(next); // one who has
    assert.equal((await run(input(channel.channelKey))).outcome, 'delivered');
    const events = await receiver.waitFor(2);
    await receiver.down();
    assert.deepEqual(events.map((e) => e.verified), [true, true]);
    assert.equal(events[0]!.headers['webhook-signature']!.split(' ').length, 2);
  });

  it('refuses a private address for good, recorded as failed, unless private webhooks are allowed', async () => {
    const channel = await channelWithBot(url());
    const strict = createAttemptDelivery({ allowPrivate: false, userAgent: 'Parley/test' });
    const sent = input(channel.channelKey);
    const result = await run(sent, strict);
    assert.equal(result.outcome, 'forbidden');
    assert.match(result.outcome === 'forbidden' ? result.error : '', /is not a public address/);
    const logged = await record(sent.entry.webhookId);
    assert.equal(logged.state, 'failed');
    assert.match(logged.attempts[0]!.error!, /is not a public address/);
    assert.doesNotMatch(logged.attempts[0]!.error!, /loopback|127\.0\.0\.1 \(/, 'the log the integrator reads names no internal range');
  });

  it('reports a deleted channel', async () => {
    const channel = await channelWithBot(url());
    await Channel.deleteOne({ channelID: channel.channelID });
    assert.deepEqual(await run(input(channel.channelKey)), { outcome: 'channel_gone' });
  });
});
