import {
  allHandlersFinished,
  condition,
  continueAsNew,
  proxyActivities,
  proxyLocalActivities,
  setHandler,
  upsertSearchAttributes,
  uuid4,
  workflowInfo,
} from '@temporalio/workflow';
import type { SessionActivities } from '../activities';
import { runTurn } from './flow/engine';
import {
  BotIdAttribute,
  SessionStatusAttribute,
  stateQuery,
  TURNS_BEFORE_CONTINUE_AS_NEW,
  userMessageSignal,
  type BotSnapshot,
  type SessionEnd,
  type SessionInput,
  type SessionState,
  type UserMessage,
} from './definitions';
import { applyTurn, initialState, keywordOf, markSeen, record, view } from './session-state';

// One attempt is bounded by the activity's own 15 s fetch timeout; Temporal retries durably across restarts.
const { deliverWebhook } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '20s',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 6,
    maximumInterval: '10h',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['ChannelNotFound', 'ForbiddenAddress'],
  },
});

// Short database reads and writes: local activities keep them off the task queue round trip.
const { loadFlow, loadSession, saveSession } = proxyLocalActivities<SessionActivities>({
  startToCloseTimeout: '10s',
  retry: { initialInterval: '1s', maximumInterval: '30s' },
});

/** One long-running session per (channel, user): user messages in, bot replies out to the webhook in order. */
export async function SessionWorkflow(input: SessionInput): Promise<SessionEnd> {
  const { channelKey, userID, channelID } = input;
  const state: SessionState = input.carried ?? initialState(0);

  setHandler(userMessageSignal, (message: UserMessage) => {
    if (markSeen(state, message.messageId)) state.inbox.push(message);
  });
  setHandler(stateQuery, () => view(state));

  if (!input.carried) state.nextSeq = (await loadSession({ channelKey, userID })).nextSeq;
  const searchAttributes = searchAttributeSync(state);
  const delivery = { inFlight: false };
  void deliverInOrder(state, delivery, channelKey, userID);

  let turns = 0;
  // Due after many turns or when Temporal suggests it, but never with a delivery in flight: a late arrival
  // of that attempt could overtake what the next run sends.
  const continueAsNewDue = () =>
    (turns >= TURNS_BEFORE_CONTINUE_AS_NEW || workflowInfo().continueAsNewSuggested) && !delivery.inFlight;

  for (;;) {
    const woke = await condition(() => state.inbox.length > 0 || continueAsNewDue(), input.idleTimeoutMs);
    if (continueAsNewDue()) {
      await condition(allHandlersFinished);
      await continueAsNew<typeof SessionWorkflow>({ ...input, carried: state });
    }
    if (!woke) {
      // Idle: let pending replies go out first, then end this run unless a message came in meanwhile.
      await condition(() => state.inbox.length > 0 || state.outbox.length === 0);
      if (state.inbox.length > 0) continue;
      await saveSession({ channelKey, userID, nextSeq: state.nextSeq });
      await condition(allHandlersFinished);
      if (state.inbox.length > 0) continue;
      return { reason: 'idle_timeout', nextSeq: state.nextSeq };
    }
    await handleMessage(state.inbox.shift()!);
    turns++;
    searchAttributes();
  }

  async function handleMessage(message: UserMessage): Promise<void> {
    record(state, { at: Date.now(), kind: 'user', messageId: message.messageId, text: message.text });
    const keyword = keywordOf(message.text);
    const deployed = keyword ? await loadFlow({ channelKey, keyword }) : null;
    if (deployed) return startBot(deployed);
    if (state.bot?.waitingAt) return continueBot(message.text);
    const fallback = await loadFlow({ channelKey, default: true });
    if (fallback) return startBot(fallback);
    record(state, { at: Date.now(), kind: 'event', event: 'unrouted', detail: message.messageId });
  }

  function startBot(snapshot: BotSnapshot): void {
    if (state.bot) record(state, { at: Date.now(), kind: 'event', event: 'bot_restarted', detail: state.bot.botId });
    state.bot = { ...snapshot, waitingAt: null };
    state.status = 'bot';
    state.variables = {};
    record(state, { at: Date.now(), kind: 'event', event: 'bot_started', detail: `${snapshot.botId}@${snapshot.version}` });
    advance(undefined);
  }

  function continueBot(answer: string): void {
    advance(answer);
  }

  function advance(answer: string | undefined): void {
    const bot = state.bot!;
    const scope = { variables: state.variables, userID, channelID };
    const turn = runTurn({ flow: bot.flow, waitingAt: bot.waitingAt, answer, scope });
    applyTurn(state, turn, Date.now(), () => `msg_${uuid4()}`);
  }
}

/** Strictly in seq order: reply n+1 is not sent before n is delivered or has failed for good. */
async function deliverInOrder(
  state: SessionState,
  delivery: { inFlight: boolean },
  channelKey: string,
  userID: number,
): Promise<never> {
  for (;;) {
    await condition(() => state.outbox.length > 0);
    const entry = state.outbox[0]!;
    delivery.inFlight = true;
    try {
      await deliverWebhook({ channelKey, userID, entry });
    } catch (err) {
      const detail = `seq ${entry.seq} (${entry.webhookId}): ${err instanceof Error ? err.message : String(err)}`;
      record(state, { at: Date.now(), kind: 'event', event: 'delivery_failed', detail });
    } finally {
      delivery.inFlight = false;
    }
    state.outbox.shift();
  }
}

/** Keeps SessionStatus and BotId current for operators, upserting only on change. */
function searchAttributeSync(state: SessionState): () => void {
  let last = '';
  const sync = () => {
    const botId = state.bot?.botId ?? '';
    if (`${state.status}/${botId}` === last) return;
    last = `${state.status}/${botId}`;
    upsertSearchAttributes([
      { key: SessionStatusAttribute, value: state.status },
      { key: BotIdAttribute, value: botId || null },
    ]);
  };
  sync();
  return sync;
}
