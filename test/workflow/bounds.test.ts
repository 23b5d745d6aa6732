import assert from 'node:assert/strict';
import type { Flow } from '../../src/schemas/flow';
import { MAX_OUTBOX_ENTRIES, MAX_VARIABLES_BYTES, sizeOf } from '../../workflows/bounds';
import { recordingActivities, sessionHarness } from '../helpers/session-harness';
import { useTimeSkippingEnvPerTest } from '../helpers/time-skipping';

/** Hostile input against a real SessionWorkflow: each bound holds, with an outcome someone can see, nothing lost. */
describe('SessionWorkflow bounds and seq (time-skipping test server)', function () {
  this.timeout(120_000);
  const env = useTimeSkippingEnvPerTest(); // a server per test: what one test leaves behind cannot hold up the next

  const { withSession, state, until } = sessionHarness(env);

  it('logs replies past the outbox bound as failed (redeliverable) while the webhook is down, in seq order', async () => {
    const { activities, attempts, undelivered } = recordingActivities({ deliveryOutcome: () => ({ outcome: 'failed', status: 503, error: 'down' }) });
    const extra = 5;
    // The head's next try an hour away, out of the test's way. The session cancels its retry timer whenever a logged
    // event wakes it; when that timer had fired (5 s, real time) during the same workflow task, the time-skipping test
    // server refused the CancelTimer and left the task started for good (temporalio/sdk-java#2606, #3088): 1 run in 6
    // hung without a workflow cache. The real server accepts that cancel, and nothing here is about the retry.
    const retryScheduleMs = [3_600_000];
    await withSession(activities, async (send, workflowId) => {
      for (let i = 0; i < MAX_OUTBOX_ENTRIES + extra; i++) await send('order');
      await until(async () => undelivered.length === extra);
      const view = await state(workflowId);
      assert.equal(view.outboxPending, MAX_OUTBOX_ENTRIES);
      assert.ok(view.transcript.some((e) => e.kind === 'event' && e.event === 'replies_not_queued'));
      assert.deepEqual(undelivered.map((e) => e.seq), Array.from({ length: extra }, (_, i) => MAX_OUTBOX_ENTRIES + 1 + i));
      assert.equal(new Set(attempts.map((a) => a.seq)).size, 1, 'only the head of the outbox is attempted');
    }, undefined, { retryScheduleMs });
  });

  it('numbers replies again past a seq the delivery log already holds, and delivers them once', async () => {
    let refusals = 0;
    const { activities, delivered } = recordingActivities({
      deliveryOutcome: (input) => (input.entry.seq === 1 && refusals++ === 0 ? { outcome: 'seq_taken', nextSeq: 40 } : undefined),
    });
    await withSession(activities, async (send) => {
      await send('order');
      await send('Tea');
      await until(async () => delivered.length === 3);
      assert.deepEqual(delivered.map((d) => d.entry.seq), [40, 41, 42]);
      assert.equal(new Set(delivered.map((d) => d.entry.webhookId)).size, 3);
      assert.ok(delivered.every((d) => d.entry.webhookId.endsWith(`-${d.entry.seq}`)), 'webhook-ids follow the new seqs');
    });
  });

  it('keeps the variables of an http answer with long keys and huge values within their bound', async () => {
    const flow: Flow = {
      start: 'call',
      nodes: {
        call: { type: 'http', method: 'GET', url: 'https://api.example.com/x', saveAs: 'a', next: 'done', onError: 'done' },
        done: { type: 'end', text: 'done' },
      },
    };
    const data = Object.fromEntries(Array.from({ length: 100 }, (_, i) => [`${'k'.repeat(80)}${i}`, { v: 'z'.repeat(2_000) }])); // ~200 KB, under the http node's 256 KB
    const { activities, delivered } = recordingActivities({ flows: { big: flow }, httpAnswer: { kind: 'http', ok: true, data } });
    await withSession(activities, async (send, workflowId) => {
      await send('big');
      await until(async () => delivered.length === 1);
      const view = await state(workflowId);
      assert.ok(sizeOf(view.variables) <= MAX_VARIABLES_BYTES + 100, `${sizeOf(view.variables)} bytes of variables`);
      assert.ok(Object.keys(view.variables).every((name) => name.length <= 64));
    });
  });
});
