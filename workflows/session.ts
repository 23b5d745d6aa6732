import {
  allHandlersFinished,
  condition,
  continueAsNew,
  metricMeter,
  proxyActivities,
  setHandler,
  workflowInfo,
} from '@temporalio/workflow';
import type { SessionActivities } from '../activities';
import { runTurn, type FlowInput, type HttpRequest } from './flow/engine';
import {
  adminMessageSignal,
  deliveriesResumedSignal,
  endSessionSignal,
  redeliverSignal,
  resumeBotSignal,
  stateQuery,
  EVENTS_BEFORE_CONTINUE_AS_NEW,
  TURNS_BEFORE_CONTINUE_AS_NEW,
  userMessageSignal,
  type AdminMessage,
  type BotRef,
  type BotSnapshot,
  type MessageRoute,
  type SessionEnd,
  type SessionInput,
  type SessionState,
  type UserMessage,
} from './definitions';
import { agentSays, agentTimedOut, DEFAULT_AGENT_IDLE_TIMEOUT_MS, handBack, wakeTimeout } from './agent-mode';
import { searchAttributeSync } from './search-attributes';
import { deliverInOrder, type DeliveryStatus } from './session-delivery';
import { currentTrace, withTrace } from './trace-context';
import { DEFAULT_RETRY_SCHEDULE_MS } from './delivery-schedule';
import { createWakeTimer } from './wake-timer';
import { applyTurn, fitForCarry, inboxFitsCarry, initialState, markSeen, queueRedeliveries, record, view } from './session-state';

// The session's database reads and writes, as regular activities: each result is an event at its own place in
// history, matched to its call by activity id, so no interleaving of signals, queries and completions can hand
// one call's result to another on replay (local activity markers could: README, "Why no local activities").
const DATABASE = { startToCloseTimeout: '10s', retry: { initialInterval: '1s', maximumInterval: '30s' } } as const;
const db = proxyActivities<SessionActivities>(DATABASE);

// A flow's http node: one attempt (its own timeout is at most 30 s); a failure takes the node's onError branch.
const { httpCall } = proxyActivities<SessionActivities>({ startToCloseTimeout: '40s', retry: { maximumAttempts: 1 } });

/**
 * A reply's webhook-id, from history alone (run id and seq): a replay makes the same one whatever else drew from
 * the workflow's random stream (a tracing span, or a worker traced differently from the one that recorded it).
 */
function webhookIdFor(seq: number): string {
  return `msg_${workflowInfo().runId}-${seq}`;
}

/** One long-running session per (channel, user): user messages in, bot replies out to the webhook in order. */
export async function SessionWorkflow(input: SessionInput): Promise<SessionEnd> {
  const { channelKey, userID, channelID } = input;
  const state: SessionState = input.carried ?? initialState(0);

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
    state.nextSeq = newUsersRun ? 1 : (await db.loadSession({ channelKey, userID })).nextSeq;
  }
  const searchAttributes = searchAttributeSync(state);
  // A new user's first run, unless reset (a reset keeps the original run id), is the only one that ever numbered
  // this user's replies: its seqs need no look-up in the delivery log.
  const { runId, originalExecutionRunId } = workflowInfo();
  const delivery: DeliveryStatus = { inFlight: false, ...(newUsersRun && runId === originalExecutionRunId ? { firstRunOfUser: true } : {}) };
  const retryScheduleMs = input.retryScheduleMs ?? DEFAULT_RETRY_SCHEDULE_MS;
  void deliverInOrder(state, delivery, { channelKey, userID, retryScheduleMs, newWebhookId: webhookIdFor });

  let turns = 0;
  // Due after many turns or when Temporal suggests it, but never with a delivery in flight (a late arrival of
  // that attempt could overtake what the next run sends), nor with more waiting than the carry may hold.
  const continueAsNewDue = () =>
    (turns >= TURNS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested || workflowInfo().historyLength >= (input.eventsBeforeContinueAsNew ?? EVENTS_BEFORE_CONTINUE_AS_NEW)) &&
    !delivery.inFlight && inboxFitsCarry(state);
  const delayOver = () => state.bot?.waiting === 'delay' && Date.now() >= (state.bot.wakeAt ?? 0);
  const agentIdleTimeoutMs = input.agentIdleTimeoutMs ?? DEFAULT_AGENT_IDLE_TIMEOUT_MS;
  const signalled = () =>
    state.inbox.length > 0 || Boolean(state.agentInbox?.length) || Boolean(state.resumeRequested) || Boolean(state.endReason);

  const wakeTimer = createWakeTimer();
  for (;;) {
    const timeout = wakeTimeout(state, input.idleTimeoutMs, agentIdleTimeoutMs, Date.now());
    wakeTimer.wakeIn(timeout);
    await condition(() => signalled() || continueAsNewDue() || wakeTimer.due());
    const woke = signalled() || continueAsNewDue();
    if (state.endReason) {
      record(state, { at: Date.now(), kind: 'event', event: 'session_ended', detail: state.endReason });
      await condition(allHandlersFinished);
      return { reason: state.endReason, nextSeq: state.nextSeq };
    }
    if (continueAsNewDue()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof SessionWorkflow>({ ...input, carried: fitForCarry(state) });
    }
    const timedOut = agentTimedOut(state, agentIdleTimeoutMs, Date.now());
    if (state.agentInbox?.length) {
      agentSays(state, state.agentInbox.shift()!, Date.now(), webhookIdFor);
    } else if (state.resumeRequested || timedOut) {
      state.resumeRequested = false;
      const atHandoff = state.agent ? handBack(state, Date.now(), timedOut ? 'agent_idle_timeout' : 'resumed') : true;
      if (atHandoff && (await stillDeployed())) await advance({ kind: 'resume' });
    } else if (delayOver()) {
      if (await stillDeployed()) await advance({ kind: 'resume' });
    } else if (woke) {
      const message = state.inbox.shift()!;
      state.origin = { trace: message.trace, receivedAt: message.receivedAt };
      try {
        await handleMessage(message);
      } finally {
        delete state.origin;
      }
      turns++;
    } else if (!state.agent && (!state.bot || state.bot.waiting === 'question')) {
      // Idle: let pending replies go out first, then end this run unless a message came in meanwhile.
      await condition(() => state.inbox.length > 0 || state.outbox.length === 0);
      if (state.inbox.length > 0) continue;
      await db.saveSession({ channelKey, userID, nextSeq: state.nextSeq });
      await condition(allHandlersFinished);
      if (state.inbox.length > 0) continue;
      runsEnded.add(1);
      return { reason: 'idle_timeout', nextSeq: state.nextSeq };
    }
    if (state.spilled?.length) await logSpilled();
    searchAttributes();
  }

  /** Replies that did not fit the outbox, logged as failed with their seq: redelivering them sends them. */
  async function logSpilled(): Promise<void> {
    const entries = state.spilled!.splice(0);
    record(state, { at: Date.now(), kind: 'event', event: 'replies_not_queued', detail: `outbox full; seq ${entries.map((e) => e.seq).join(', ')} logged as failed` });
    await db.logUndelivered({ channelKey, userID, entries, reason: "not queued: the session's outbox was full" });
  }

  async function handleMessage(message: UserMessage): Promise<void> {
    const { messageId, text, attachments } = message;
    record(state, { at: Date.now(), kind: 'user', messageId, text, ...(attachments.length ? { attachments } : {}) });
    // In agent mode the user talks to a person: messages stay in the transcript for the agent.
    if (state.agent || state.bot?.waiting === 'handoff') return;
    const route = message.route ?? (await db.routeMessage({ channelKey, text }));
    const started = route.keyword && (await botAt(route.keyword));
    if (started) return startBot(started);
    if (state.bot?.waiting === 'question' && stillDeployedIn(route)) return advance({ kind: 'answer', text });
    if (state.bot) return record(state, { at: Date.now(), kind: 'event', event: 'bot_busy', detail: state.bot.waiting });
    const fallback = route.fallback && (await botAt(route.fallback));
    if (fallback) return startBot(fallback);
    record(state, { at: Date.now(), kind: 'event', event: 'unrouted', detail: messageId });
  }

  /** The flow of a bot version: the pinned one when that version runs already, else loaded (an activity). */
  async function botAt(ref: BotRef): Promise<BotSnapshot | null> {
    const bot = state.bot;
    if (bot && bot.botId === ref.botId && bot.version === ref.version) return { botId: bot.botId, version: bot.version, flow: bot.flow };
    return withTrace(state.origin?.trace, () => db.loadBotVersion(ref));
  }

  /** False, after stopping the bot, when the route no longer lists its deployment. */
  function stillDeployedIn(route: MessageRoute): boolean {
    return !state.bot || route.deployedBotIds.includes(state.bot.botId) || stopUndeployedBot();
  }

  /** False, after stopping the bot, when its deployment was deleted since it started. */
  async function stillDeployed(): Promise<boolean> {
    const bot = state.bot;
    if (!bot) return true;
    const deployed = await db.isDeployed({ channelKey, botId: bot.botId });
    return deployed || stopUndeployedBot();
  }

  function stopUndeployedBot(): false {
    record(state, { at: Date.now(), kind: 'event', event: 'bot_stopped', detail: `${state.bot?.botId}: deployment deleted` });
    state.bot = null;
    state.status = 'idle';
    return false;
  }

  /** An http node's answer; even a lost or timed-out activity is an answer the flow branches on (onError). */
  async function callHttp(request: HttpRequest): Promise<FlowInput> {
    try {
      return await withTrace(state.origin?.trace, () => httpCall(request));
    } catch (err) {
      return { kind: 'http', ok: false, error: err instanceof Error ? err.message : String(err) };
    }
  }

  async function startBot(snapshot: BotSnapshot): Promise<void> {
    if (state.bot) record(state, { at: Date.now(), kind: 'event', event: 'bot_restarted', detail: state.bot.botId });
    state.bot = { ...snapshot, cursor: { node: snapshot.flow.start, retries: 0 }, waiting: 'question' };
    state.status = 'bot';
    state.variables = {};
    record(state, { at: Date.now(), kind: 'event', event: 'bot_started', detail: `${snapshot.botId}@${snapshot.version}` });
    await advance({ kind: 'start' });
  }

  /** Runs turns until the bot waits for the user, a timer or an agent; http nodes are answered in between. */
  async function advance(first: FlowInput): Promise<void> {
    for (let next: FlowInput | null = first; next && state.bot; ) {
      const bot = state.bot;
      const turn = runTurn(bot.flow, bot.cursor, next, { variables: state.variables, userID, channelID });
      applyTurn(state, turn, Date.now(), webhookIdFor);
      next = turn.pause.kind === 'http' && state.bot === bot ? await callHttp(turn.pause.request) : null;
    }
  }
}
