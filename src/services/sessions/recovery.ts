import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { Types } from 'mongoose';
import { Channel } from '../../db/channel';
import { BotVersion } from '../../db/bot';
import { Delivery, lastLoggedSeq } from '../../db/delivery';
import { User } from '../../db/user';
import { NotFound } from '../../errors';
import { isLiveUser } from '../messages/users';
import { sessionStart, type SessionSettings } from '../../temporal/sessions';
import type { Flow } from '../../schemas/flow';
import type { WebhookPayload } from '../../schemas/message';
import { SESSION_WORKFLOW_TYPE, stateQuery, type OutboxEntry, type RunningBot, type SessionInput, type SessionState, type SessionView } from '../../../workflows/definitions';
import { initialState, record } from '../../../workflows/session-state';
import type { SessionWorkflow } from '../../../workflows/session';

const QUERY_DEADLINE_MS = 5_000;

export interface RecoveredSession {
  workflowId: string;
  /** The run that was ended, and the fresh one that carries on. */
  endedRunId: string;
  runId: string;
  nextSeq: number;
  /** Deliveries still pending in the log, queued again with their webhook-id and seq. */
  redeliveries: number;
  /** Where the bot was, when the old run still answered its state query and waited at a question. */
  bot: { botId: string; version: number; node: string } | null;
  /** Whether the old run answered its state query (one that fails replay cannot). */
  stateQueried: boolean;
}

/**
 * An operator's way out for a session whose run no longer makes progress (say, its history fails replay): ends
 * that run and starts a fresh one in the same step, carrying what can be recovered: seq (past every logged
 * delivery), the deliveries still pending in the log, and the bot's position and variables if known.
 */
export async function recoverSession(temporal: Client, settings: SessionSettings, channelID: string, userID: number): Promise<RecoveredSession> {
  const channel = await Channel.findOne({ channelID }, { channelID: 1 }).lean();
  // A user being erased is not brought back.
  if (!channel || !(await isLiveUser(channel._id, userID))) throw new NotFound('user_not_found', 'no such channelID and userID');
  const target = { channelKey: String(channel._id), channelID, userID };
  const start = sessionStart(settings, target);
  const old = temporal.workflow.getHandle(start.workflowId);
  const description = await old.describe().catch((err: unknown) => {
    throw err instanceof WorkflowNotFoundError ? new NotFound('session_not_found', 'this user has no session') : err;
  });
  if (description.status.name !== 'RUNNING') throw new NotFound('session_not_running', 'this session has no running run to recover');

  const view = await temporal.connection.withDeadline(Date.now() + QUERY_DEADLINE_MS, () => old.query(stateQuery)).catch(() => null);
  const carried = await recoverableState(channel._id, userID, view);
  const input: SessionInput = { ...start.args[0], carried };
  // One step: the server ends the stuck run and starts this one, so no message can slip in between.
  const handle = await temporal.workflow.start<typeof SessionWorkflow>(SESSION_WORKFLOW_TYPE, {
    ...start, args: [input], workflowIdConflictPolicy: 'TERMINATE_EXISTING',
  });
  const bot = carried.bot ? { botId: carried.bot.botId, version: carried.bot.version, node: carried.bot.cursor.node } : null;
  return {
    workflowId: start.workflowId, endedRunId: description.runId, runId: handle.firstExecutionRunId,
    nextSeq: carried.nextSeq, redeliveries: carried.outbox.length, bot, stateQueried: view !== null,
  };
}

async function recoverableState(channelKey: Types.ObjectId, userID: number, view: SessionView | null): Promise<SessionState> {
  const [user, lastSeq, pending] = await Promise.all([
    User.findOne({ channelKey, userID }, { nextSeq: 1 }).lean(),
    lastLoggedSeq(channelKey, userID),
    Delivery.find({ channelKey, userID, state: 'pending' }).sort({ seq: 1 }).lean(),
  ]);
  const transcriptSeqs = (view?.transcript ?? []).map((entry) => ('seq' in entry ? entry.seq : 0));
  const state = initialState(Math.max(user?.nextSeq ?? 1, lastSeq + 1, ...transcriptSeqs.map((seq) => seq + 1)));
  state.outbox = pending.map(({ _id, seq, payload }): OutboxEntry => {
    const { message, timestamp, quickReplies, attachments, adminID } = payload as WebhookPayload;
    const reply = { text: message, timestamp, ...(quickReplies ? { quickReplies } : {}), ...(attachments ? { attachments } : {}), ...(adminID ? { adminID } : {}) };
    return { webhookId: String(_id), seq, reply, redelivery: true };
  });
  if (view) {
    state.transcript = view.transcript;
    state.seenMessageIds = view.transcript.flatMap((entry) => (entry.kind === 'user' ? [entry.messageId] : []));
    state.variables = view.variables;
    state.bot = await botAtQuestion(view);
    state.status = state.bot ? 'bot' : 'idle';
  }
  record(state, { at: Date.now(), kind: 'event', event: 'session_recovered', detail: `${pending.length} pending deliveries queued again` });
  return state;
}

/** The bot, when it waited at a question: the one position a fresh run can take up as it was. */
async function botAtQuestion(view: SessionView): Promise<RunningBot | null> {
  if (!view.botId || view.botVersion === null || !view.node) return null;
  const stored = await BotVersion.findOne({ botId: new Types.ObjectId(view.botId), version: view.botVersion }, { flow: 1 }).lean();
  const flow = stored?.flow as Flow | undefined;
  if (!flow || flow.nodes[view.node]?.type !== 'question') return null;
  return { botId: view.botId, version: view.botVersion, flow, cursor: { node: view.node, retries: 0 }, waiting: 'question' };
}
