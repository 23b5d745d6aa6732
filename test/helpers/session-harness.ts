import assert from 'node:assert/strict';
import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { TestWorkflowEnvironment } from '@temporalio/testing';
import { Worker } from '@temporalio/worker';
import type { SessionActivities } from '../../activities';
import type { AttemptDeliveryInput, AttemptOutcome } from '../../activities/deliver-webhook';
import type { HttpCallResult } from '../../activities/http-call';
import type { HttpRequest } from '../../workflows/flow/engine';
import type { Flow } from '../../src/schemas/flow';
import { sessionWorkflowId, stateQuery, userMessageSignal, type BotRef, type MessageRoute, type OutboxEntry, type PendingEvent, type SessionInput, type UserMessage } from '../../workflows/definitions';
import { keywordOf } from '../../workflows/session-state';
import type { SessionWorkflow } from '../../workflows/session';
import { eventually } from './eventually';
import { testWorkerCache, workflowBundle } from './servers';
import { tracingWorkerOptions } from '../../src/temporal/worker';
import { testTracing } from './tracing';

export const ORDER_FLOW: Flow = {
  start: 'ask',
  nodes: {
    ask: { type: 'question', text: 'What would you like?', quickReplies: ['Tea', 'Coffee'], saveAs: 'drink', next: 'confirm' },
    confirm: { type: 'message', text: 'One {{drink}} coming up.', next: 'done' },
    done: { type: 'end', text: 'Thanks, user {{user.id}}!' },
  },
};

// How a session harness routes messages as the API would: by the deployments its recording activities know.
const routers = new WeakMap<SessionActivities, (text: string) => MessageRoute>();

/** Recording activities: the workflow under test is real, its side effects are observed. */
export function recordingActivities(
  options: {
    failDeliveries?: number;
    /** Decides an attempt's outcome; the default delivers (after `failDeliveries` failures). */
    deliveryOutcome?: (input: AttemptDeliveryInput) => AttemptOutcome | undefined;
    flows?: Record<string, Flow>;
    httpAnswer?: HttpCallResult;
    httpThrows?: boolean;
  } = {},
) {
  const httpRequests: HttpRequest[] = [];
  const undeployed = new Set<string>();
  const undelivered: OutboxEntry[] = [];
  // keyword → the bot version it starts; every version ever published stays loadable, as saved versions do.
  const deployments = new Map<string, BotRef>();
  const versions = new Map<string, Flow>();
  const publish = (keyword: string, version: number, flow: Flow) => {
    const ref = { botId: `bot-${keyword}`, version };
    versions.set(`${ref.botId}@${version}`, flow);
    deployments.set(keyword, ref);
  };
  for (const [keyword, flow] of Object.entries({ order: ORDER_FLOW, ...options.flows })) publish(keyword, 3, flow);
  const live = (ref: BotRef | undefined) => (ref && !undeployed.has(ref.botId) ? ref : null);
  const routeFor = (text: string): MessageRoute => {
    const keyword = keywordOf(text);
    const deployedBotIds = [...deployments.values()].map((ref) => ref.botId).filter((botId) => !undeployed.has(botId));
    return { keyword: keyword ? live(deployments.get(keyword)) : null, fallback: null, deployedBotIds };
  };
  const delivered: AttemptDeliveryInput[] = [];
  const attempts: { seq: number; ok: boolean; at: number; finalAttempt: boolean; outcome: string; seqChecked: boolean; runId: string }[] = [];
  const saved: number[] = [];
  // The conversation log as the session writes it: by appendLogEvents or carried by an attempt, once per id.
  const logged: PendingEvent[] = [];
  const appends: { by: 'append' | 'attempt'; ids: string[] }[] = [];
  const log = (by: 'append' | 'attempt', events: PendingEvent[] | undefined) => {
    if (!events?.length) return;
    appends.push({ by, ids: events.map((e) => e.id) });
    for (const event of events) if (!logged.some((e) => e.id === event.id)) logged.push(event);
  };
  const loaded: string[] = [];
  let failuresLeft = options.failDeliveries ?? 0;
  let running = 0;
  let maxRunning = 0;
  const loadNextSeq: SessionActivities['loadNextSeq'] = async ({ channelKey, userID }) => {
    loaded.push(`${channelKey}/${userID}`);
    return { nextSeq: 1 };
  };
  const saveNextSeq: SessionActivities['saveNextSeq'] = async ({ nextSeq }) => void saved.push(nextSeq);
  const activities: SessionActivities = {
    loadBotVersion: async ({ botId, version }) => {
      const flow = versions.get(`${botId}@${version}`);
      return flow ? { botId, version, flow } : null;
    },
    routeMessage: async ({ text }) => routeFor(text),
    logUndelivered: async ({ entries }) => void undelivered.push(...entries),
    loadNextSeq,
    loadSession: loadNextSeq,
    isDeployed: async ({ botId }) => !undeployed.has(botId),
    httpCall: async (request) => {
      httpRequests.push(request);
      if (options.httpThrows) throw ApplicationFailure.nonRetryable('worker lost', 'ActivityLost');
      return options.httpAnswer ?? { kind: 'http', ok: true, data: { eta: '20 min' } };
    },
    saveNextSeq,
    saveSession: saveNextSeq,
    appendLogEvents: async ({ events }) => {
      log('append', events);
      return events.length;
    },
    attemptDelivery: async (input) => {
      maxRunning = Math.max(maxRunning, ++running);
      await new Promise((ok) => setTimeout(ok, 20)); // long enough for a second delivery to overlap, if one could
      running--;
      const result: AttemptOutcome = options.deliveryOutcome?.(input) ??
        (failuresLeft-- > 0 ? { outcome: 'failed', status: 500, error: 'receiver down' } : { outcome: 'delivered', status: 200, latencyMs: 1 });
      if (result.outcome !== 'seq_taken') log('attempt', input.events);
      const { runId } = activityInfo().workflowExecution!;
      attempts.push({ seq: input.entry.seq, ok: result.outcome === 'delivered', at: input.at, finalAttempt: input.finalAttempt, outcome: result.outcome, seqChecked: Boolean(input.seqChecked), runId });
      if (result.outcome === 'delivered') delivered.push(input);
      // As the real activity: an attempt that looked the seq up says for which run.
      return input.seqChecked || input.entry.redelivery ? result : { ...result, seqCheckedIn: runId };
    },
  };
  routers.set(activities, routeFor);
  return { activities, logged, appends, delivered, attempts, saved, loaded, httpRequests, undeployed, undelivered, publish, routeFor, maxConcurrentDeliveries: () => maxRunning };
}

// A state query of a session replaying its whole history without a workflow cache takes a few seconds at most.
const QUERY_DEADLINE_MS = 30_000;

/** Runs real SessionWorkflows on a time-skipping server, one task queue (and worker) per session. */
export function sessionHarness(getEnv: () => TestWorkflowEnvironment) {
  let run = 0;
  const nextRun = () => ++run;
  async function withSession(
    activities: SessionActivities,
    body: (send: (text: string, messageId?: string, extra?: Partial<UserMessage>) => Promise<void>, workflowId: string) => Promise<void>,
    idleTimeoutMs = 3_600_000,
    inputOptions: Partial<SessionInput> = {},
  ) {
    const taskQueue = `wf-test-${++run}`;
    const worker = await Worker.create({ connection: getEnv().nativeConnection, taskQueue, workflowBundle: await workflowBundle(), activities, ...tracingWorkerOptions(testTracing), ...testWorkerCache() });
    const input: SessionInput = { channelKey: `chan${run}`, userID: 7, channelID: 'public-id', idleTimeoutMs, ...inputOptions };
    const workflowId = sessionWorkflowId(input.channelKey, input.userID);
    let n = 0;
    const send = async (text: string, messageId = `m${++n}`, extra: Partial<UserMessage> = {}) => {
      await getEnv().client.workflow.signalWithStart<typeof SessionWorkflow, [UserMessage]>('SessionWorkflow', {
        workflowId, taskQueue, args: [input], signal: userMessageSignal,
        signalArgs: [{ messageId, text, attachments: [], receivedAt: Date.now(), route: routers.get(activities)?.(text), ...extra }],
      });
    };
    await worker.runUntil(body(send, workflowId));
    await stopSession(workflowId);
  }

  /** Ends a test's session, so skipping time in a later test does not wake it on a queue nobody polls. */
  const stopSession = (workflowId: string) =>
    getEnv().client.workflow.getHandle(workflowId).terminate('test over').catch(() => undefined);

  /**
   * The session's state query, answered within QUERY_DEADLINE_MS. The time-skipping test server can leave a
   * workflow task started for good (it refuses a CancelTimer of a timer that fired during that task:
   * temporalio/sdk-java#2606, #3088), and a query then waits forever; this says so instead of a mocha timeout.
   */
  const state = async (workflowId: string) => {
    const { client } = getEnv();
    const handle = client.workflow.getHandle(workflowId);
    try {
      return await client.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => handle.query(stateQuery));
    } catch (err) {
      const last = (await handle.fetchHistory()).events?.at(-1);
      if (last?.workflowTaskStartedEventAttributes) {
        throw new Error(`the state query timed out: workflow task ${String(last.eventId)} of ${workflowId} was started and never completed (the time-skipping test server's stuck task, temporalio/sdk-java#3088)`, { cause: err });
      }
      throw err;
    }
  };

  const until = (check: () => Promise<boolean>, timeoutMs?: number) => eventually(async () => assert.ok(await check(), 'condition not reached'), timeoutMs);

  return { withSession, stopSession, state, until, nextRun };
}
