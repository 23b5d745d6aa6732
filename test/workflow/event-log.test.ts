import assert from 'node:assert/strict';
import type { AttemptDeliveryInput, AttemptOutcome } from '../../activities/deliver-webhook';
import { adminMessageSignal, resumeBotSignal, stateQuery } from '../../workflows/definitions';
import { HANDOFF_FLOW } from '../helpers/flows';
import { recordingActivities, sessionHarness } from '../helpers/session-harness';
import { useTimeSkippingEnvPerTest } from '../helpers/time-skipping';

/**
 * What the session writes to its conversation log: each event once, in order, with the turn's events carried by
 * the delivery attempt of its reply (no round trip of their own), and the webhook event selection.
 */
describe('SessionWorkflow conversation log (time-skipping test server)', function () {
  this.timeout(120_000);
  const env = useTimeSkippingEnvPerTest();
  const { withSession, until } = sessionHarness(env);
  const types = (events: { type: string }[]) => events.map((e) => e.type);

  it('logs a message and its replies in order through the reply attempts, with no append activity of their own', async () => {
    const { activities, logged, appends, delivered } = recordingActivities();
    await withSession(activities, async (send) => {
      await send('order', 'first');
      await until(async () => delivered.length === 1);
      await send('Tea', 'second');
      await until(async () => delivered.length === 3 && logged.length === 5);
      assert.deepEqual(types(logged), ['message.user', 'message.bot', 'message.user', 'message.bot', 'message.bot']);
      assert.deepEqual(logged.map((e) => e.seq), [undefined, 1, undefined, 2, 3]);
      assert.equal(logged[0]!.id, 'first', 'a user message is logged under its messageId');
      assert.equal(logged[1]!.id, delivered[0]!.entry.webhookId, 'a reply under its webhook-id');
      assert.deepEqual(appends.map((a) => a.by), ['attempt', 'attempt'], 'the first attempt of each turn carries its events');
      const carried = delivered[0]!.events!.find((e) => e.id === delivered[0]!.entry.webhookId)!;
      assert.equal(carried.reply, undefined, 'the reply the attempt sends is not sent twice in its input');
    });
  });

  it('logs a message no reply follows by an append of its own, once', async () => {
    const { activities, logged, appends } = recordingActivities();
    await withSession(activities, async (send) => {
      await send('nobody routes this', 'lonely');
      await send('nobody routes this', 'lonely');
      await until(async () => logged.length === 1);
      await env().sleep('1 minute');
      assert.deepEqual(appends, [{ by: 'append', ids: ['lonely'] }]);
    });
  });

  it('logs handoff.started (flow), the agent message, handoff.ended (resumed), and handoff by an agent then its timeout', async () => {
    const { activities, logged, delivered } = recordingActivities({ flows: { help: HANDOFF_FLOW } });
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('help');
      await until(async () => (await handle.query(stateQuery)).status === 'agent');
      await handle.signal(adminMessageSignal, { adminID: 4, text: 'Sam here.', attachments: [] });
      await until(async () => delivered.length === 2);
      await handle.signal(resumeBotSignal);
      await until(async () => delivered.length === 3 && logged.some((e) => e.type === 'handoff.ended'));
      await handle.signal(adminMessageSignal, { adminID: 5, text: 'Me again.', attachments: [] });
      await until(async () => delivered.length === 4);
      await env().sleep('31 minutes');
      await until(async () => logged.filter((e) => e.type === 'handoff.ended').length === 2);
      assert.deepEqual(types(logged), [
        'message.user', 'message.bot', 'handoff.started', 'message.agent', 'handoff.ended', 'message.bot',
        'handoff.started', 'message.agent', 'handoff.ended',
      ]);
      const data = logged.filter((e) => e.type.startsWith('handoff')).map((e) => e.data);
      assert.deepEqual(data, [{ by: 'flow' }, { reason: 'resumed' }, { by: 'agent', adminID: 5 }, { reason: 'agent_timeout' }]);
      assert.equal(new Set(logged.map((e) => e.id)).size, logged.length, 'ids are unique');
    });
  });

  it('logs session.ended with idle_timeout before the run completes', async () => {
    const { activities, logged, saved } = recordingActivities();
    await withSession(activities, async (send) => {
      await send('order');
      await env().sleep('2 hours');
      await until(async () => saved.length === 1);
      assert.deepEqual(types(logged), ['message.user', 'message.bot', 'session.ended']);
      assert.deepEqual(logged[2]!.data, { reason: 'idle_timeout' });
    }, 3_600_000);
  });

  it('logs delivery.failed for a reply given up after its schedule, and keeps logging while it is retried', async () => {
    const downFor1 = (input: AttemptDeliveryInput): AttemptOutcome | undefined =>
      input.entry.seq === 1 ? { outcome: 'failed', status: 503, error: 'webhook answered 503' } : undefined;
    const { activities, logged, appends, delivered } = recordingActivities({ deliveryOutcome: downFor1 });
    await withSession(activities, async (send) => {
      await send('order');
      await until(async () => logged.length === 2);
      await env().sleep('1 minute');
      await send('Tea', 'during-retries');
      await until(async () => logged.length === 5);
      assert.equal(delivered.length, 0, 'the replies wait for the failing one');
      assert.ok(appends.some((a) => a.by === 'append' && a.ids.includes('during-retries')), 'the log does not wait for the webhook');
      await env().sleep('36 hours');
      await until(async () => delivered.length === 2 && logged.some((e) => e.type === 'delivery.failed'));
      const failed = logged.find((e) => e.type === 'delivery.failed')!;
      assert.deepEqual({ ...failed.data, webhookId: undefined }, { webhookId: undefined, seq: 1, error: 'webhook answered 503', attempts: 8 });
      assert.equal(failed.id, `failed_${failed.data!.webhookId}`);
    });
  });

  it('sends the event types the channel chose, each with a seq in order with the replies, and logs a deselected reply without sending it', async () => {
    const { activities, logged, delivered } = recordingActivities({ flows: { help: HANDOFF_FLOW } });
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('help', 'h1', { webhookEvents: ['message.user', 'handoff.started'] });
      await until(async () => (await handle.query(stateQuery)).status === 'agent' && delivered.length === 2);
      await until(async () => logged.length === 3);
      assert.deepEqual(delivered.map((d) => [d.entry.seq, d.entry.event?.type]), [[1, 'message.user'], [3, 'handoff.started']]);
      assert.deepEqual(logged.map((e) => [e.type, e.seq]), [['message.user', 1], ['message.bot', 2], ['handoff.started', 3]], 'the deselected reply is logged with its seq');
      assert.deepEqual(delivered[1]!.entry.event, { type: 'handoff.started', data: { by: 'flow' } });
    });
  });
});
