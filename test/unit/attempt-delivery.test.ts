import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { ActivityCancellationDetails } from '@temporalio/common';
import { MockActivityEnvironment } from '@temporalio/testing';
import { createAttemptDelivery, FAILING_CHANNEL_DISABLED_AFTER_MS, type AttemptOutcome, type ChannelTarget, type DeliveryStore } from '../../activities/deliver-webhook';
import type { DeliveryState } from '../../src/db/delivery';
import { generateWebhookSecret } from '../../src/security/secrets';
import type { OutboxEntry } from '../../workflows/definitions';

/** The store in memory: what an attempt read and wrote, without a database. */
function memoryStore(channel: ChannelTarget | null, takenBy: number | null = null) {
  const records: { state: DeliveryState; status?: number; waiting?: string }[] = [];
  const calls: string[] = [];
  const store: DeliveryStore = {
    loadTarget: async () => (channel ? { ...channel } : null),
    nextSeqIfTaken: async () => takenBy,
    recordAttempt: async (_key, state, attempt, waiting) => void records.push({ state, ...(attempt?.status ? { status: attempt.status } : {}), ...(waiting ? { waiting } : {}) }),
    markFailing: async () => void calls.push('markFailing'),
    markHealthy: async () => void calls.push('markHealthy'),
    disableChannel: async (_key, reason) => void calls.push(`disable:${reason}`),
  };
  return { store, records, calls };
}

describe('one delivery attempt, its log and the channel health rules (activities/deliver-webhook.ts, no database)', function () {
  this.timeout(10_000);
  let receiver: Server;
  let answer = 200;
  let posts = 0;
  let url = '';
  before(async () => {
    receiver = createServer((req, res) => {
      posts++;
      req.resume().on('end', () => res.writeHead(answer).end());
    }).listen(0, '127.0.0.1');
    await once(receiver, 'listening');
    url = `http://127.0.0.1:${(receiver.address() as AddressInfo).port}/hook`;
  });
  after(() => receiver.close());
  beforeEach(() => {
    answer = 200;
    posts = 0;
  });

  const AT = Date.UTC(2026, 0, 10);
  const channel = (change: Partial<ChannelTarget> = {}): ChannelTarget => ({ channelID: 'c', webhookUrl: url, webhookSecret: generateWebhookSecret(), status: 'active', ...change });
  const entry: OutboxEntry = { webhookId: 'msg_r-1', seq: 1, reply: { text: 'hi', timestamp: AT } };
  const attempt = (store: DeliveryStore, finalAttempt = false): Promise<AttemptOutcome> =>
    new MockActivityEnvironment({ workflowExecution: { workflowId: 'session', runId: 'run-1' } })
      .run(createAttemptDelivery({ allowPrivate: true, userAgent: 'test', timeoutMs: 2_000 }, store), { channelKey: 'k', userID: 7, entry, finalAttempt, at: AT });

  it('logs a 2xx as delivered and stops a failing channel\'s clock', async () => {
    const { store, records, calls } = memoryStore(channel({ failingSince: new Date(AT - 1_000) }));
    const outcome = await attempt(store);
    assert.equal(outcome.outcome, 'delivered');
    assert.deepEqual([records, calls, posts], [[{ state: 'delivered', status: 200 }], ['markHealthy'], 1]);
  });

  it('logs a 500 as pending (failed on the final attempt) and starts the channel\'s clock once', async () => {
    answer = 500;
    const first = memoryStore(channel());
    assert.equal((await attempt(first.store)).outcome, 'failed');
    assert.deepEqual([first.records, first.calls], [[{ state: 'pending', status: 500 }], ['markFailing']]);
    const last = memoryStore(channel({ failingSince: new Date(AT - 1_000) }));
    await attempt(last.store, true);
    assert.deepEqual([last.records, last.calls], [[{ state: 'failed', status: 500 }], []]);
  });

  it('disables the channel at once on 410 Gone, and after five days of failures, keeping the delivery pending', async () => {
    answer = 410;
    const gone = memoryStore(channel());
    assert.deepEqual(await attempt(gone.store), { outcome: 'channel_disabled', reason: 'webhook_gone', seqCheckedIn: 'run-1' });
    assert.deepEqual([gone.records, gone.calls], [[{ state: 'pending', status: 410, waiting: 'channel_disabled' }], ['disable:webhook_gone']]);
    answer = 503;
    const failing = memoryStore(channel({ failingSince: new Date(AT - FAILING_CHANNEL_DISABLED_AFTER_MS) }));
    assert.equal((await attempt(failing.store)).outcome, 'channel_disabled');
    assert.deepEqual(failing.calls, ['disable:webhook_failing']);
    const notYet = memoryStore(channel({ failingSince: new Date(AT - FAILING_CHANNEL_DISABLED_AFTER_MS + 1) }));
    assert.equal((await attempt(notYet.store)).outcome, 'failed');
  });

  /** An attempt whose channel read takes `readMs`, cancelled once done: its heartbeats, and whether its append learnt. */
  async function cancelledAttempt(readMs: number, details: ActivityCancellationDetails) {
    const { store } = memoryStore(channel());
    let appendSignal: AbortSignal | undefined;
    store.loadTarget = async () => {
      await new Promise((ok) => setTimeout(ok, readMs));
      return channel();
    };
    store.events = { append: async (_key, events, signal) => ((appendSignal = signal), events.length) };
    const env = new MockActivityEnvironment({ workflowExecution: { workflowId: 'session', runId: 'run-1' } });
    let heartbeats = 0;
    env.on('heartbeat', () => heartbeats++);
    const events = [{ id: 'msg_r-1', type: 'message.bot', at: AT, seq: 1, data: { sameAsEntry: true } }];
    const outcome: AttemptOutcome = await env.run(createAttemptDelivery({ allowPrivate: true, userAgent: 'test', timeoutMs: 2_000 }, store), { channelKey: 'k', userID: 7, entry, finalAttempt: false, at: AT, events });
    assert.equal(outcome.outcome, 'delivered');
    assert.ok(appendSignal, 'the append gets a signal');
    const abortedBefore = appendSignal.aborted;
    env.cancel(details.workerShutdown ? 'WORKER_SHUTDOWN' : 'TIMED_OUT', details);
    return { heartbeats, abortedBefore, aborted: appendSignal.aborted };
  }

  it('heartbeats while the database is slow before the POST', async () => {
    // A heartbeat only around the POST let a 5 s wait for the database time the attempt out while it still ran:
    // its retry then ran beside it, and their writes slowed the database further.
    const { heartbeats } = await cancelledAttempt(1_300, new ActivityCancellationDetails({ timedOut: true }));
    assert.ok(heartbeats >= 1, `no heartbeat while the channel was read (${heartbeats})`);
  });

  it('tells the log append when Temporal gives the attempt up, not when the worker shuts down', async () => {
    assert.deepEqual(await cancelledAttempt(0, new ActivityCancellationDetails({ timedOut: true })), { heartbeats: 0, abortedBefore: false, aborted: true });
    // On shutdown an attempt that has POSTed finishes logging, instead of failing and sending the reply again.
    assert.deepEqual(await cancelledAttempt(0, new ActivityCancellationDetails({ workerShutdown: true })), { heartbeats: 0, abortedBefore: false, aborted: false });
  });

  it('sends nothing to a disabled or deleted channel, nor a seq another delivery holds', async () => {
    const disabled = memoryStore(channel({ status: 'disabled', disabledReason: 'webhook_gone' }));
    assert.equal((await attempt(disabled.store)).outcome, 'channel_disabled');
    assert.deepEqual(disabled.records, [{ state: 'pending', waiting: 'channel_disabled' }]);
    assert.equal((await attempt(memoryStore(null).store)).outcome, 'channel_gone');
    const taken = memoryStore(channel(), 5);
    assert.deepEqual(await attempt(taken.store), { outcome: 'seq_taken', nextSeq: 5, seqCheckedIn: 'run-1' });
    assert.deepEqual([taken.records, posts], [[], 0]);
  });
});
