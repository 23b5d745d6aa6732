import assert from 'node:assert/strict';
import { Worker } from '@temporalio/worker';
import type { Flow } from '../../src/schemas/flow';
import { adminMessageSignal, resumeBotSignal, sessionWorkflowId, stateQuery, TURNS_BEFORE_CONTINUE_AS_NEW, userMessageSignal, type SessionInput, type UserMessage } from '../../workflows/definitions';
import type { SessionWorkflow } from '../../workflows/session';
import { workflowBundle } from '../helpers/servers';
import { ORDER_FLOW, recordingActivities, sessionHarness } from '../helpers/session-harness';
import { useTimeSkippingEnvPerTest } from '../helpers/time-skipping';
import { tracingWorkerOptions } from '../../src/temporal/worker';
import { testTracing } from '../helpers/tracing';

describe('SessionWorkflow (time-skipping test server)', function () {
  this.timeout(120_000);
  const env = useTimeSkippingEnvPerTest(); // a server per test: what one test leaves behind cannot hold up the next

  const { withSession, stopSession, state, until, nextRun } = sessionHarness(env);

  it('starts the deployed bot when the message is its keyword, in any case and with "#"', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('  #ORDER ');
      await until(async () => delivered.length === 1);
      const view = await state(workflowId);
      assert.equal(view.status, 'bot');
      assert.equal(view.botId, 'bot-order');
      assert.equal(view.botVersion, 3);
      assert.equal(view.node, 'ask');
      assert.deepEqual(delivered[0]!.entry.reply.quickReplies, ['Tea', 'Coffee']);
    });
  });

  it('waits at a question, saves the answer and goes on', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await until(async () => delivered.length === 1);
      await send('Tea');
      await until(async () => delivered.length === 3);
      assert.deepEqual(delivered.map((d) => d.entry.reply.text), ['What would you like?', 'One Tea coming up.', 'Thanks, user 7!']);
      const view = await state(workflowId);
      assert.deepEqual(view.variables, { drink: 'Tea' });
      assert.equal(view.status, 'idle');
    });
  });

  it('handles a redelivered messageId once', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order', 'same-id');
      await send('order', 'same-id');
      await send('Tea', 'other-id');
      await until(async () => delivered.length === 3);
      const userEntries = (await state(workflowId)).transcript.filter((e) => e.kind === 'user');
      assert.deepEqual(userEntries.map((e) => e.kind === 'user' && e.messageId), ['same-id', 'other-id']);
      assert.equal(delivered.filter((d) => d.entry.reply.text === 'What would you like?').length, 1);
    });
  });

  it('delivers replies in seq order, one at a time', async () => {
    const { activities, delivered, maxConcurrentDeliveries } = recordingActivities();
    await withSession(activities, async (send) => {
      await send('order');
      await send('Coffee');
      await send('order');
      await until(async () => delivered.length === 4);
      assert.deepEqual(delivered.map((d) => d.entry.seq), [1, 2, 3, 4]);
      assert.equal(new Set(delivered.map((d) => d.entry.webhookId)).size, 4);
      assert.equal(maxConcurrentDeliveries(), 1);
    });
  });

  it('retries a failing delivery until it succeeds, holding later replies back', async () => {
    const { activities, delivered, attempts } = recordingActivities({ failDeliveries: 3 });
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await send('Tea');
      await until(async () => attempts.length === 1);
      assert.equal((await state(workflowId)).delivery?.failedAttempts, 1, 'the state query shows where the delivery is');
      await env().sleep('45 minutes'); // past 5 s, 5 min and 30 min (each +20 % at most)
      await until(async () => delivered.length === 3);
      assert.deepEqual(delivered.map((d) => d.entry.seq), [1, 2, 3]);
      assert.deepEqual(attempts.map(({ seq, ok }) => ({ seq, ok })), [
        { seq: 1, ok: false }, { seq: 1, ok: false }, { seq: 1, ok: false }, { seq: 1, ok: true },
        { seq: 2, ok: true }, { seq: 3, ok: true },
      ]);
      const view = await state(workflowId);
      assert.equal(view.outboxPending, 0);
      assert.ok(!view.transcript.some((e) => e.kind === 'event' && e.event === 'delivery_failed'));
    });
  });

  it("starts a new user's first run at seq 1 without asking the database, nor the delivery log; a returning user's run asks both", async () => {
    const fresh = recordingActivities();
    await withSession(fresh.activities, async (send) => {
      await send('order');
      await until(async () => fresh.delivered.length === 1);
    }, undefined, { newUser: true });
    assert.deepEqual(fresh.loaded, [], 'nothing loaded for a new user');
    assert.equal(fresh.delivered[0]!.entry.seq, 1);
    assert.ok(fresh.attempts.every((a) => a.seqChecked), 'no run but this one ever numbered its replies');

    const returning = recordingActivities();
    await withSession(returning.activities, async (send) => {
      await send('order');
      await until(async () => returning.delivered.length === 1);
    });
    assert.equal(returning.loaded.length, 1);
    assert.equal(returning.attempts[0]!.seqChecked, false, 'its first attempt looks the seq up');
  });

  it('completes after the idle timeout, saving where seq goes on', async () => {
    const { activities, delivered, saved } = recordingActivities();
    await withSession(
      activities,
      async (send, workflowId) => {
        await send('order');
        const result = await env().client.workflow.getHandle(workflowId).result();
        assert.deepEqual(result, { reason: 'idle_timeout', nextSeq: 2 });
        assert.equal(delivered.length, 1);
        assert.deepEqual(saved, [2]);
      },
      60_000,
    );
  });
  it('picks up carried state after continue-as-new: seq, waiting question and seen ids', async () => {
    const { activities, delivered } = recordingActivities();
    const run = nextRun();
    const taskQueue = `wf-test-${run}`;
    const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities, ...tracingWorkerOptions(testTracing) });
    const carried = {
      nextSeq: 41, status: 'bot' as const, variables: {}, transcript: [], outbox: [], inbox: [], seenMessageIds: ['old'],
      bot: { botId: 'bot-order', version: 3, flow: ORDER_FLOW, cursor: { node: 'ask', retries: 0 }, waiting: 'question' as const },
    };
    const input: SessionInput = { channelKey: `chan${run}`, userID: 9, channelID: 'p', idleTimeoutMs: 3_600_000, carried };
    await worker.runUntil(async () => {
      const handle = await env().client.workflow.start<typeof SessionWorkflow>('SessionWorkflow', {
        workflowId: sessionWorkflowId(input.channelKey, 9), taskQueue, args: [input],
      });
      await handle.signal(userMessageSignal, { messageId: 'old', text: 'Coffee', attachments: [], receivedAt: 0 });
      await handle.signal(userMessageSignal, { messageId: 'new', text: 'Tea', attachments: [], receivedAt: 0 });
      await until(async () => delivered.length === 2);
      assert.deepEqual(delivered.map((d) => [d.entry.seq, d.entry.reply.text]), [[41, 'One Tea coming up.'], [42, 'Thanks, user 9!']]);
    });
    await stopSession(sessionWorkflowId(input.channelKey, 9));
  });
  it(`continues as new after ${TURNS_BEFORE_CONTINUE_AS_NEW} turns (or fewer events), keeping seq and the conversation`, async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('order');
      await send('Tea');
      const firstRunId = (await handle.describe()).runId;
      for (let turn = 3; turn <= TURNS_BEFORE_CONTINUE_AS_NEW; turn++) await send('hello there');
      // A thousand turns queue up faster than a loaded worker drains them: wait for the drain, not a fixed 10 s.
      await until(async () => (await handle.describe()).runId !== firstRunId, 90_000);
      await send('order');
      await until(async () => delivered.length === 4);
      assert.deepEqual(delivered.map((d) => d.entry.seq), [1, 2, 3, 4]);
      const view = await handle.query(stateQuery);
      assert.equal(view.node, 'ask');
      assert.ok(view.transcript.some((e) => e.kind === 'event' && e.event === 'unrouted'), 'the transcript came along');
    });
  });
  it('continues as new once a run passes its history-length bound, long before the turn bound; a run stops looking its seqs up once checked and a minute old', async () => {
    const { activities, delivered, attempts } = recordingActivities();
    const eventsBeforeContinueAsNew = 150; // EVENTS_BEFORE_CONTINUE_AS_NEW in production; small so the test is quick
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('order');
      await until(async () => delivered.length === 1);
      await env().sleep('61 seconds'); // past the minute in which an earlier run's attempt could still log a seq
      const firstRunId = (await handle.describe()).runId;
      let sent = 1;
      // Each "order" restarts the bot and sends one reply: about ten events a message.
      while (sent < 60 && (await handle.describe()).runId === firstRunId) {
        await send('order');
        sent++;
        await until(async () => delivered.length === sent, 30_000);
      }
      assert.notEqual((await handle.describe()).runId, firstRunId, `no continue-as-new after ${sent} messages`);
      await send('order');
      await until(async () => delivered.length === sent + 1, 30_000);
      await env().sleep('61 seconds');
      await send('order');
      await until(async () => delivered.length === sent + 2, 30_000);
      assert.deepEqual(delivered.map((d) => d.entry.seq), Array.from({ length: sent + 2 }, (_, i) => i + 1), 'seq goes on across the runs');
      const runs = [...new Set(attempts.map((a) => a.runId))];
      assert.equal(runs.length, 2);
      for (const runId of runs) {
        // Looked up while the run is young (and never checked yet), then no more: false…false, true…true.
        const checked = attempts.filter((a) => a.runId === runId).map((a) => a.seqChecked);
        const trusted = checked.indexOf(true);
        assert.ok(checked[0] === false && trusted > 0 && checked.slice(trusted).every(Boolean), `run ${runId}: ${checked.join(', ')}`);
      }
    }, undefined, { eventsBeforeContinueAsNew });
  });
  it('continues as new at its history bound while a backlog of replies keeps a delivery in flight', async () => {
    const { activities, delivered, attempts } = recordingActivities();
    const eventsBeforeContinueAsNew = 150;
    await withSession(activities, async (send, workflowId) => {
      // Each "order" restarts the bot and queues one reply; forty at once queue faster than deliveries (20 ms each)
      // go out, so from here to the end of the backlog one attempt follows another.
      for (let i = 0; i < 40; i++) await send('order');
      await until(async () => delivered.length === 40, 60_000);
      assert.deepEqual(delivered.map((d) => d.entry.seq), Array.from({ length: 40 }, (_, i) => i + 1), 'in order, none lost, across the runs');
      const [firstRunId] = new Set(attempts.map((a) => a.runId));
      const firstRun = await env().client.workflow.getHandle(workflowId, firstRunId).fetchHistory();
      const length = firstRun.events!.length;
      // The bound, plus what arrives while the attempt in flight ends: a few signals and that attempt's events.
      assert.ok(length <= eventsBeforeContinueAsNew + 40, `the first run continued as new after ${length} events (bound ${eventsBeforeContinueAsNew})`);
      assert.ok(firstRun.events!.at(-1)!.workflowExecutionContinuedAsNewEventAttributes, 'the first run ended by continuing as new');
    }, undefined, { eventsBeforeContinueAsNew });
  });
  const PIZZA_FLOW: Flow = {
    start: 'wait',
    nodes: {
      wait: { type: 'delay', seconds: 86_400, next: 'call' },
      call: { type: 'http', method: 'GET', url: 'https://api.example.com/eta?user={{user.id}}', saveAs: 'eta', next: 'tell', onError: 'sorry' },
      tell: { type: 'message', text: 'Your pizza arrives in {{eta.eta}}.', next: 'agent' },
      sorry: { type: 'end', text: 'No ETA ({{eta.error}}).' },
      agent: { type: 'handoff', text: 'An agent takes over.', next: 'back' },
      back: { type: 'end', text: 'The bot is back.' },
    },
  };

  it('lets a day-long delay pass in test time, then calls http and hands off until resumed', async () => {
    const { activities, delivered, httpRequests } = recordingActivities({ flows: { pizza: PIZZA_FLOW } });
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('#pizza');
      await until(async () => (await handle.query(stateQuery)).node === 'wait');
      await send('are you there?');
      await env().sleep('1450 minutes'); // the day-long delay, not yet the 30-minute agent idle timeout
      await until(async () => delivered.length === 2);
      assert.deepEqual(httpRequests.map((r) => r.url), ['https://api.example.com/eta?user=7']);
      assert.deepEqual(delivered.map((d) => d.entry.reply.text), ['Your pizza arrives in 20 min.', 'An agent takes over.']);
      let view = await handle.query(stateQuery);
      assert.equal(view.status, 'agent');
      assert.ok(view.transcript.some((e) => e.kind === 'event' && e.event === 'bot_busy'), 'a message during the delay is kept, not routed');

      await send('hello agent');
      await handle.signal(resumeBotSignal);
      await until(async () => delivered.length === 3);
      assert.equal(delivered[2]!.entry.reply.text, 'The bot is back.');
      view = await handle.query(stateQuery);
      assert.equal(view.status, 'idle');
      assert.ok(view.transcript.some((e) => e.kind === 'user' && e.text === 'hello agent'));
    });
  });

  it('takes the onError branch when the http node fails', async () => {
    const flows = { pizza: { ...PIZZA_FLOW, start: 'call' } };
    const { activities, delivered } = recordingActivities({ flows, httpAnswer: { kind: 'http', ok: false, error: 'TimeoutError: timed out' } });
    await withSession(activities, async (send) => {
      await send('pizza');
      await until(async () => delivered.length === 1);
      assert.equal(delivered[0]!.entry.reply.text, 'No ETA (TimeoutError: timed out).');
    });
  });

  it('takes the onError branch, and keeps the session, when the http activity itself fails', async () => {
    const flows = { pizza: { ...PIZZA_FLOW, start: 'call' } };
    const { activities, delivered } = recordingActivities({ flows, httpThrows: true });
    await withSession(activities, async (send, workflowId) => {
      await send('pizza');
      await until(async () => delivered.length === 1);
      assert.match(delivered[0]!.entry.reply.text, /^No ETA \(.*\)\.$/);
      assert.equal((await env().client.workflow.getHandle(workflowId).describe()).status.name, 'RUNNING');
    });
  });

  it('restarts a running bot when its keyword comes again', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await send('#order');
      await until(async () => delivered.length === 2);
      const events = (await state(workflowId)).transcript.filter((e) => e.kind === 'event').map((e) => e.kind === 'event' && e.event);
      assert.deepEqual(events, ['bot_started', 'bot_restarted', 'bot_started']);
    });
  });
  it('stops a running bot at its next step once its deployment is deleted', async () => {
    const { activities, delivered, undeployed } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      await send('order');
      await until(async () => delivered.length === 1);
      undeployed.add('bot-order');
      await send('Tea');
      await until(async () => (await state(workflowId)).transcript.some((e) => e.kind === 'event' && e.event === 'unrouted'));
      const view = await state(workflowId);
      assert.equal(view.status, 'idle');
      assert.deepEqual(view.transcript.filter((e) => e.kind === 'event').map((e) => e.kind === 'event' && e.event), ['bot_started', 'bot_stopped', 'unrouted']);
      assert.equal(delivered.length, 1);
    });
  });
  it('keeps the bot version a session started with when the bot is edited; a new session gets the new one', async () => {
    const { activities, delivered, publish, routeFor } = recordingActivities();
    const run = nextRun();
    const taskQueue = `wf-test-${run}`;
    const worker = await Worker.create({ connection: env().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities, ...tracingWorkerOptions(testTracing) });
    const session = (userID: number) => ({ channelKey: `chan${run}`, userID, channelID: 'p', idleTimeoutMs: 3_600_000 });
    const send = (userID: number, messageId: string, text: string) =>
      env().client.workflow.signalWithStart<typeof SessionWorkflow, [UserMessage]>('SessionWorkflow', {
        workflowId: sessionWorkflowId(`chan${run}`, userID), taskQueue, args: [session(userID)], signal: userMessageSignal,
        signalArgs: [{ messageId, text, attachments: [], receivedAt: 0, route: routeFor(text) }],
      });
    await worker.runUntil(async () => {
      await send(1, 'a1', 'order');
      await until(async () => delivered.length === 1);
      const edited = structuredClone(ORDER_FLOW);
      (edited.nodes.confirm as { text: string }).text = 'v4: {{drink}} is on its way.';
      publish('order', 4, edited);
      await send(2, 'b1', 'order');
      await send(2, 'b2', 'Tea');
      await send(1, 'a2', 'Tea');
      await until(async () => delivered.length === 6);
      const textsOf = (userID: number) => delivered.filter((d) => d.userID === userID).map((d) => d.entry.reply.text);
      assert.equal(textsOf(1)[1], 'One Tea coming up.');
      assert.equal(textsOf(2)[1], 'v4: Tea is on its way.');
      assert.equal((await state(sessionWorkflowId(`chan${run}`, 2))).transcript.some((e) => e.kind === 'event' && e.detail === 'bot-order@4'), true);
    });
    await Promise.all([1, 2].map((userID) => stopSession(sessionWorkflowId(`chan${run}`, userID))));
  });
  it('puts the session in agent mode on an admin message, in seq order with adminID, until the agent goes quiet', async () => {
    const { activities, delivered } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('order');
      await until(async () => delivered.length === 1);
      await handle.signal(adminMessageSignal, { adminID: 2, text: 'Hi, Sam from support here.', attachments: [] });
      await send('Tea');
      await until(async () => (await handle.query(stateQuery)).transcript.some((e) => e.kind === 'user' && e.text === 'Tea'));
      let view = await handle.query(stateQuery);
      assert.equal(view.status, 'agent');
      assert.equal(view.node, 'ask', 'the bot is paused at its question, not answered by the user\'s message');
      await until(async () => delivered.length === 2);
      assert.deepEqual(delivered.map((d) => [d.entry.seq, d.entry.reply.adminID]), [[1, undefined], [2, 2]]);

      await env().sleep('31 minutes'); // AGENT_IDLE_TIMEOUT (30 min by default) hands the user back to the bot
      await until(async () => (await handle.query(stateQuery)).status === 'bot');
      await send('Coffee');
      await until(async () => delivered.length === 4);
      view = await handle.query(stateQuery);
      assert.ok(view.transcript.some((e) => e.kind === 'event' && e.event === 'agent_mode_ended' && e.detail === 'agent_idle_timeout'));
      assert.equal(delivered[2]!.entry.reply.text, 'One Coffee coming up.');
    });
  });

  it('resumes the bot when asked, after an admin took over', async () => {
    const { activities } = recordingActivities();
    await withSession(activities, async (send, workflowId) => {
      const handle = env().client.workflow.getHandle(workflowId);
      await send('order');
      await until(async () => (await handle.query(stateQuery)).status === 'bot');
      await handle.signal(adminMessageSignal, { adminID: 1, text: 'Let me help.', attachments: [{ url: 'https://x.test/a.png' }] });
      await until(async () => (await handle.query(stateQuery)).status === 'agent');
      await handle.signal(resumeBotSignal);
      await until(async () => (await handle.query(stateQuery)).status === 'bot');
    });
  });
});
