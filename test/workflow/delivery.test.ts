import assert from 'node:assert/strict';
import type { AttemptDeliveryInput, AttemptOutcome } from '../../activities/deliver-webhook';
import { deliveriesResumedSignal, redeliverSignal } from '../../workflows/definitions';
import { DEFAULT_RETRY_SCHEDULE_MS } from '../../workflows/delivery-schedule';
import { recordingActivities, sessionHarness } from '../helpers/session-harness';
import { useTimeSkippingEnvPerTest } from '../helpers/time-skipping';

/**
 * Webhook delivery inside the SessionWorkflow: the retry schedule, Retry-After, a disabled channel and redelivery,
 * with hours passing in test time. Its own test server: time skipping here must not wait on other tests' sessions.
 */
describe('SessionWorkflow webhook delivery (time-skipping test server)', function () {
  this.timeout(120_000);
  const env = useTimeSkippingEnvPerTest(); // a server per test: what one test leaves behind cannot hold up the next

  const { withSession, state, until } = sessionHarness(env);

  const receiverDownFor = (seq: number) => (input: AttemptDeliveryInput): AttemptOutcome | undefined =>
    input.entry.seq === seq ? { outcome: 'failed', status: 503, error: 'webhook answered 503' } : undefined;

  it('retries after 5 s, 5 min, 30 min, 2 h, 5 h, 10 h, 10 h (±20 %), then marks it failed and sends the next', async () => {
    const { activities, attempts, delivered } = recordingActivities({ deliveryOutcome: receiverDownFor(1) });
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await send('Tea');
      await until(async () => attempts.length === 1);
      await env().sleep('36 hours');
      await until(async () => delivered.length === 2);
      const first = attempts.filter((a) => a.seq === 1);
      assert.equal(first.length, 8, 'the first try and seven retries');
      assert.deepEqual(first.map((a) => a.finalAttempt), [false, false, false, false, false, false, false, true]);
      const gaps = first.slice(1).map((a, i) => a.at - first[i]!.at);
      DEFAULT_RETRY_SCHEDULE_MS.forEach((scheduled, i) => {
        assert.ok(gaps[i]! >= scheduled * 0.8 && gaps[i]! <= scheduled * 1.2 + 1_000, `retry ${i + 1}: ${gaps[i]} ms for ${scheduled} ms`);
      });
      assert.ok(new Set(gaps.map((gap, i) => gap / DEFAULT_RETRY_SCHEDULE_MS[i]!)).size > 1, 'the delays are jittered');
      assert.deepEqual(delivered.map((d) => d.entry.seq), [2, 3], 'the later replies go out after the failed one');
      const failed = (await state(workflowId)).transcript.find((e) => e.kind === 'event' && e.event === 'delivery_failed');
      assert.match(failed?.kind === 'event' ? failed.detail ?? '' : '', /^seq 1 \(msg_.*\): webhook answered 503$/);
    });
  });

  it('waits as long as a Retry-After says instead of the scheduled delay', async () => {
    let tries = 0;
    const { activities, attempts, delivered } = recordingActivities({
      deliveryOutcome: () => (tries++ === 0 ? { outcome: 'failed', status: 429, error: 'webhook answered 429', retryAfterMs: 7_200_000 } : undefined),
    });
    await withSession(activities, async (send) => {
      await send('order');
      await until(async () => attempts.length === 1);
      await env().sleep('1 hour');
      assert.equal(delivered.length, 0, 'not retried after the scheduled 5 s');
      await env().sleep('90 minutes');
      await until(async () => delivered.length === 1);
      const gap = attempts[1]!.at - attempts[0]!.at;
      assert.ok(gap >= 7_200_000 && gap < 7_200_000 + 5_000, `${gap} ms`);
    });
  });

  it('holds deliveries while the channel is disabled, checking hourly, and sends them in order once re-enabled', async () => {
    let disabled = true;
    const { activities, attempts, delivered } = recordingActivities({
      deliveryOutcome: () => (disabled ? { outcome: 'channel_disabled', reason: 'webhook_gone' } : undefined),
    });
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await send('Tea');
      await until(async () => (await state(workflowId)).delivery?.waiting === 'channel_disabled' && attempts.length === 1, 30_000);
      // Half way between two hourly checks: a signal at the very instant a check's timer fires made the time-skipping
      // test server start a workflow task it never completed (1 run in 3, on the code before this session too).
      await env().sleep('150 minutes');
      assert.equal(delivered.length, 0);
      assert.ok(attempts.length >= 3 && attempts.length <= 4, `checked hourly: ${attempts.length} checks in 2.5 h`);
      disabled = false;
      await env().client.workflow.getHandle(workflowId).signal(deliveriesResumedSignal);
      await until(async () => delivered.length === 3);
      assert.deepEqual(delivered.map((d) => d.entry.seq), [1, 2, 3]);
      assert.equal((await state(workflowId)).delivery, null);
    });
  });

  it('keeps a re-enable signalled while an hourly check is in flight: delivers at once, not an hour later', async () => {
    let disabled = true;
    let workflowId = '';
    const { activities, attempts, delivered } = recordingActivities({
      deliveryOutcome: () => (disabled ? { outcome: 'channel_disabled', reason: 'webhook_gone' } : undefined),
    });
    const recordAttempt = activities.attemptDelivery;
    activities.attemptDelivery = async (input) => {
      if (attempts.length !== 1) return recordAttempt(input);
      // The second attempt (the hourly check) reads the channel as disabled while the operator re-enables it.
      await env().client.workflow.getHandle(workflowId).signal(deliveriesResumedSignal);
      const result = await recordAttempt(input);
      disabled = false;
      return result;
    };
    await withSession(activities, async (send, id) => {
      workflowId = id;
      await send('order');
      await until(async () => attempts.length === 1);
      await env().sleep('61 minutes');
      await until(async () => delivered.length === 1);
      const check = attempts[1]!;
      assert.equal(check.outcome, 'channel_disabled');
      assert.ok(delivered[0]!.at - check.at < 60_000, `delivered ${delivered[0]!.at - check.at} ms after the check`);
      assert.equal(delivered[0]!.freshChannel, true, 'read the channel from the database, not the cache');
    });
  });

  it('names each reply\'s webhook-id after the run and its seq, so a replay names it the same', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await until(async () => delivered.length === 1);
      const { runId } = await env().client.workflow.getHandle(workflowId).describe();
      assert.equal(delivered[0]!.entry.webhookId, `msg_${runId}-${delivered[0]!.entry.seq}`);
    });
  });

  it('does not retry an address the SSRF guard refused: failed at once, and the next reply goes', async () => {
    const { activities, attempts, delivered } = recordingActivities({
      deliveryOutcome: (input) => (input.entry.seq === 1 ? { outcome: 'forbidden', error: 'hooks.example is a loopback address' } : undefined),
    });
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await send('Tea');
      await until(async () => delivered.length === 2);
      assert.equal(attempts.filter((a) => a.seq === 1).length, 1);
      const failed = (await state(workflowId)).transcript.find((e) => e.kind === 'event' && e.event === 'delivery_failed');
      assert.match(failed?.kind === 'event' ? failed.detail ?? '' : '', /loopback address/);
    });
  });

  it('redelivers logged messages after the queued ones, in seq order, keeping their webhook-id and seq', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await until(async () => delivered.length === 1);
      const old = (seq: number) => ({ webhookId: `msg_old_${seq}`, seq, reply: { text: `old ${seq}`, timestamp: 1 } });
      await env().client.workflow.getHandle(workflowId).signal(redeliverSignal, { entries: [old(9), old(4), old(9)] });
      await until(async () => delivered.length === 3);
      assert.deepEqual(delivered.slice(1).map((d) => [d.entry.webhookId, d.entry.seq, d.entry.reply.text]), [
        ['msg_old_4', 4, 'old 4'], ['msg_old_9', 9, 'old 9'],
      ]);
    });
  });
});
