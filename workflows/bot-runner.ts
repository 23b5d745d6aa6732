import type { BotRef, BotSnapshot, MessageRoute, SessionState, UserMessage } from './definitions';
import { runTurn, type FlowInput, type HttpRequest } from './flow/engine';
import { db, eventIdFor, httpCall, webhookIdFor } from './session-activities';
import { emit } from './session-log';
import { applyTurn, record } from './session-state';
import { withTrace } from './trace-context';

export interface BotRunner {
  /** A user message: recorded, then routed (a keyword starts its bot), answered by the running bot, or recorded as unrouted. */
  handleMessage(message: UserMessage): Promise<void>;
  /** Runs the flow from `input` until the bot waits for the user, a timer or an agent. */
  advance(input: FlowInput): Promise<void>;
  /** False, after stopping the bot, when its deployment was deleted since it started. */
  stillDeployed(): Promise<boolean>;
}

/** The bot side of a session: routing a message, starting a bot version, running its flow turn by turn. */
export function createBotRunner(state: SessionState, { channelKey, userID, channelID }: { channelKey: string; userID: number; channelID: string }): BotRunner {
  async function handleMessage(message: UserMessage): Promise<void> {
    const { messageId, text, attachments } = message;
    record(state, { at: Date.now(), kind: 'user', messageId, text, ...(attachments.length ? { attachments } : {}) });
    if (message.webhookEvents) state.webhookEvents = message.webhookEvents;
    const data = { message: text, ...(attachments.length ? { attachments: attachments.map(({ url }) => ({ url })) } : {}) };
    emit(state, 'message.user', data, message.receivedAt, { webhookId: webhookIdFor, eventId: eventIdFor }, messageId);
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

  async function advance(first: FlowInput): Promise<void> {
    for (let next: FlowInput | null = first; next && state.bot; ) {
      const bot = state.bot;
      const turn = runTurn(bot.flow, bot.cursor, next, { variables: state.variables, userID, channelID });
      applyTurn(state, turn, Date.now(), webhookIdFor, eventIdFor);
      next = turn.pause.kind === 'http' && state.bot === bot ? await callHttp(turn.pause.request) : null;
    }
  }

  return { handleMessage, advance, stillDeployed };
}
