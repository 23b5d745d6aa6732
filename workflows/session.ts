import { allHandlersFinished, condition, continueAsNew, metricMeter, patched, setHandler, workflowInfo } from '@temporalio/workflow';
import { agentSays, DEFAULT_AGENT_IDLE_TIMEOUT_MS, handBack, wakeTimeout } from './agent-mode';
import { createBotRunner } from './bot-runner';
import {
  adminMessageSignal,
  deliveriesResumedSignal,
  endSessionSignal,
  redeliverSignal,
  resumeBotSignal,
  stateQuery,
  EVENTS_BEFORE_CONTINUE_AS_NEW,
  EVENTS_BEFORE_CONTINUE_AS_NEW_BEFORE_PATCH,
  TURNS_BEFORE_CONTINUE_AS_NEW,
  userMessageSignal,
  type AdminMessage,
  type SessionEnd,
  type SessionInput,
  type SessionState,
  type UserMessage,
} from './definitions';
import { DEFAULT_RETRY_SCHEDULE_MS } from './delivery-schedule';
import { nextAction, signalled } from './next-action';
import type { PatchId } from './patches';
import { searchAttributeSync } from './search-attributes';
import { db, eventIdFor, webhookIdFor } from './session-activities';
import { deliverInOrder, type DeliveryStatus } from './session-delivery';
import { emit, logEvent } from './session-log';
import { fitForCarry, inboxFitsCarry, initialState, markSeen, queueRedeliveries, record, view } from './session-state';
import { currentTrace } from './trace-context';
import { createWakeTimer } from './wake-timer';

/** One long-running session per (channel, user): user messages in, bot replies out to the webhook in order. */
export async function SessionWorkflow(input: SessionInput): Promise<SessionEnd> {
  const { channelKey, userID, channelID } = input;
  const state: SessionState = input.carried ?? initialState(0);
  // Runs recorded before the conversation log keep no eventQueue, so they schedule nothing new on replay.
  if (patched('conversation-log' satisfies PatchId)) state.eventQueue ??= [];
  else delete state.eventQueue;
  const ids = { webhookId: webhookIdFor, eventId: eventIdFor };
  // True while the main loop is inside an action: the events it logs wait for the reply it may queue.
  let acting = false;

  setHandler(userMessageSignal, (message: UserMessage) => {
    if (markSeen(state, message.messageId)) state.inbox.push({ ...message, trace: currentTrace() });
  });
  setHandler(resumeBotSignal, () => {
    if (state.agent || state.bot?.waiting === 'handoff') state.resumeRequested = true;
  });
  setHandler(adminMessageSignal, (message: AdminMessage) => {
    (state.agentInbox ??= []).push({ ...message, origin: { trace: currentTrace(), receivedAt: Date.now() } });
  });
  setHandler(endSessionSignal, ({ reason }) => {
    state.endReason = reason;
  });
  setHandler(redeliverSignal, ({ entries }) => queueRedeliveries(state, entries, Date.now()));
  setHandler(deliveriesResumedSignal, () => {
    state.deliveriesResumed = true;
  });
  setHandler(stateQuery, () => view(state));

  // Counted here (not emitted on replay), as a new user's run may start without any activity.
  const runsEnded = metricMeter.createCounter('parley_sessions_completed', 'runs', 'Session workflow runs ended idle');
  const newUsersRun = !input.carried && Boolean(input.newUser);
  if (!input.carried) {
    metricMeter.createCounter('parley_sessions_started', 'runs', 'Session workflow runs started fresh (not continued as new)').add(1);
    state.nextSeq = newUsersRun ? 1 : (await seqActivities().load({ channelKey, userID })).nextSeq;
  }
  const searchAttributes = searchAttributeSync(state);
  // A new user's first run, unless reset (a reset keeps the original run id), is the only one that ever numbered
  // this user's replies: its seqs need no look-up in the delivery log.
  const { runId, originalExecutionRunId } = workflowInfo();
  const delivery: DeliveryStatus = { inFlight: false, ...(newUsersRun && runId === originalExecutionRunId ? { firstRunOfUser: true } : {}) };
  const retryScheduleMs = input.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;

  let turns = 0;
  // True while the main loop waits for something to do (not while an action, or the end of the run, awaits).
  let waiting = false;
  // Runs before the patch: a backlog of replies kept one attempt after another in flight, so a run saw no moment
  // to continue as new and grew past its bound until the backlog was gone (twice the bound in the workflow test;
  // 2,250 events, a second of replay per task, in a soak run). Now the run continues at a lower bound, and once it
  // waits to, the delivery loop lets the attempt in flight end and starts no other.
  const onTime = patched('continue-as-new-on-time' satisfies PatchId);
  const eventsBound = input.eventsBeforeContinueAsNew ?? (onTime ? EVENTS_BEFORE_CONTINUE_AS_NEW : EVENTS_BEFORE_CONTINUE_AS_NEW_BEFORE_PATCH);
  // Wanted after many turns, past the history bound, or when Temporal suggests it, with no more waiting than the
  // carry may hold; due when no delivery is in flight either (a late arrival of that attempt could overtake
  // what the next run sends).
  const continueAsNewWanted = () =>
    (turns >= TURNS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= eventsBound) && inboxFitsCarry(state);
  const continueAsNewDue = () => continueAsNewWanted() && !delivery.inFlight;
  void deliverInOrder(state, delivery, {
    channelKey, userID, retryScheduleMs, newWebhookId: webhookIdFor, newEventId: eventIdFor, settled: () => !acting,
    ...(onTime ? { held: () => waiting && continueAsNewWanted() } : {}),
  });
  const agentIdleTimeoutMs = input.agentIdleTimeoutMs ?? DEFAULT_AGENT_IDLE_TIMEOUT_MS;
  const bot = createBotRunner(state, { channelKey, userID, channelID });

  const wakeTimer = createWakeTimer();
  for (;;) {
    // The wake timer's clock, not Date.now(): a fired timer's instant has come even where the activation reads earlier.
    wakeTimer.wakeIn(wakeTimeout(state, input.idleTimeoutMs, agentIdleTimeoutMs, wakeTimer.now()));
    acting = false;
    waiting = true;
    await condition(() => signalled(state) || continueAsNewDue() || wakeTimer.due());
    waiting = false;
    const action = nextAction(state, wakeTimer.now(), { continueAsNewDue: continueAsNewDue(), agentIdleTimeoutMs });
    acting = true;
    switch (action.kind) {
      case 'end':
        record(state, { at: Date.now(), kind: 'event', event: 'session_ended', detail: state.endReason! });
        if (state.eventQueue) {
          // Logged, not sent: the run's queued replies end with it (as before the log). The log is complete first.
          logEvent(state, { id: eventIdFor((state.eventCount = (state.eventCount ?? 0) + 1)), type: 'session.ended', at: Date.now(), data: { reason: state.endReason! } });
          acting = false;
          await condition(() => state.eventQueue!.length === 0 && !delivery.inFlight);
        }
        await condition(allHandlersFinished);
        return { reason: state.endReason!, nextSeq: state.nextSeq };
      case 'continue-as-new':
        await condition(allHandlersFinished);
        return continueAsNew<typeof SessionWorkflow>({ ...input, carried: fitForCarry(state) });
      case 'agent-message':
        agentSays(state, state.agentInbox!.shift()!, Date.now(), webhookIdFor, eventIdFor);
        break;
      case 'resume': {
        state.resumeRequested = false;
        const atHandoff = state.agent ? handBack(state, Date.now(), action.agentTimedOut ? 'agent_idle_timeout' : 'resumed', ids) : true;
        if (atHandoff && (await bot.stillDeployed())) await bot.advance({ kind: 'resume' });
        break;
      }
      case 'delay-over':
        if (await bot.stillDeployed()) await bot.advance({ kind: 'resume' });
        break;
      case 'user-message': {
        const message = state.inbox.shift()!;
        state.origin = { trace: message.trace, receivedAt: message.receivedAt };
        try {
          await bot.handleMessage(message);
        } finally {
          delete state.origin;
        }
        turns++;
        break;
      }
      case 'idle':
        // Let pending replies go out first, then end this run unless a message came in meanwhile.
        await condition(() => state.inbox.length > 0 || state.outbox.length === 0);
        if (state.inbox.length > 0) continue;
        if (state.eventQueue) {
          // Logged (and sent, when the webhook takes it) before the run ends; a message meanwhile starts afresh.
          emit(state, 'session.ended', { reason: 'idle_timeout' }, Date.now(), ids);
          await logged();
          if (state.inbox.length > 0) continue;
        }
        await seqActivities().save({ channelKey, userID, nextSeq: state.nextSeq });
        await condition(allHandlersFinished);
        if (state.inbox.length > 0) continue;
        runsEnded.add(1);
        return { reason: 'idle_timeout', nextSeq: state.nextSeq };
      case 'wait':
        break;
    }
    if (state.spilled?.length) await logSpilled();
    searchAttributes();
  }

  /** Until everything logged and queued is in the log and sent (the writer: deliverInOrder), or a message came. */
  async function logged(): Promise<void> {
    acting = false;
    await condition(() => state.inbox.length > 0 || (state.eventQueue!.length === 0 && state.outbox.length === 0 && !delivery.inFlight));
    acting = true;
  }

  /** The seq activities under their names, or under the ones runs recorded before they were renamed. */
  function seqActivities() {
    return patched('seq-activity-names' satisfies PatchId) ? { load: db.loadNextSeq, save: db.saveNextSeq } : { load: db.loadSession, save: db.saveSession };
  }

  /** Replies that did not fit the outbox, logged as failed with their seq: redelivering them sends them. */
  async function logSpilled(): Promise<void> {
    const entries = state.spilled!.splice(0);
    record(state, { at: Date.now(), kind: 'event', event: 'replies_not_queued', detail: `outbox full; seq ${entries.map((e) => e.seq).join(', ')} logged as failed` });
    await db.logUndelivered({ channelKey, userID, entries, reason: "not queued: the session's outbox was full" });
  }
}
