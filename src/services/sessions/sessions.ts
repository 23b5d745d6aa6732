import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { Types } from 'mongoose';
import type { SignalDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal as proto } from '@temporalio/proto';
import { Channel } from '../../db/channel';
import { DeletedChannel } from '../../db/deleted-channel';
import { Delivery } from '../../db/delivery';
import { Event } from '../../db/event';
import { Deployment } from '../../db/deployment';
import { User } from '../../db/user';
import { NotFound, PageTokenNotFound, Unavailable } from '../../errors';
import type { AdminMessageInput } from '../../schemas/management';
import { signalAdminMessage, type SessionSettings } from '../../temporal/sessions';
import {
  BotIdAttribute,
  endSessionSignal,
  resumeBotSignal,
  SessionStatusAttribute,
  sessionWorkflowId,
  stateQuery,
  UserIdAttribute,
  type SessionView,
} from '../../../workflows/definitions';
import type { AdminIdentity } from '../accounts';
import type { PageTokens } from '../paging/page-tokens';
import type { SessionRow } from '../../schemas/views';
import { deleteChannelAttachments, storeAttachments } from '../messages/attachments';
import { Account } from '../../db/account';
import { PLAN_LIMITS } from '../../plans';
import { decodeAttachmentsOrThrow } from '../../schemas/parse';
import { findOwnChannel } from '../channels/channels';
import { isLiveUser } from '../messages/users';

const SIGNAL_BATCH = 20;
// Users read from the database at once when every session of a channel is signalled.
const USERS_PER_BATCH = 500;

/** A user's session of one of the admin's channels; 404 for a userID never issued there. */
async function sessionHandle(temporal: Client, admin: AdminIdentity, channelID: string, userID: number) {
  const channel = await findOwnChannel(admin, channelID);
  if (!(await isLiveUser(channel._id, userID))) throw new NotFound('user_not_found', 'this userID was never issued on this channel');
  return temporal.workflow.getHandle(sessionWorkflowId(String(channel._id), userID));
}

/** The session's live state (the workflow's `state` query): status, bot and version, node, variables, transcript. */
export async function getSession(temporal: Client, admin: AdminIdentity, channelID: string, userID: number): Promise<SessionView & { running: boolean }> {
  const handle = await sessionHandle(temporal, admin, channelID, userID);
  try {
    const [view, description] = await Promise.all([handle.query(stateQuery), handle.describe()]);
    return { ...view, running: description.status.name === 'RUNNING' };
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFound('session_not_found', 'this user has no session yet');
    throw err;
  }
}

/** Hands a user in agent mode back to the bot. */
export async function resumeSession(temporal: Client, admin: AdminIdentity, channelID: string, userID: number): Promise<void> {
  const handle = await sessionHandle(temporal, admin, channelID, userID);
  try {
    await handle.signal(resumeBotSignal);
  } catch (err) {
    if (err instanceof WorkflowNotFoundError) throw new NotFound('session_not_found', 'this user has no running session');
    throw err;
  }
}

/** Signals each user's running session, a batch at a time; answers how many were running. */
export async function signalRunningSessions<Args extends unknown[]>(
  temporal: Client,
  channelKey: string,
  userIDs: number[],
  signal: SignalDefinition<Args>,
  ...args: Args
): Promise<number> {
  let running = 0;
  for (let i = 0; i < userIDs.length; i += SIGNAL_BATCH) {
    const signalled = await Promise.all(
      userIDs.slice(i, i + SIGNAL_BATCH).map((userID) =>
        temporal.workflow
          .getHandle(sessionWorkflowId(channelKey, userID))
          .signal(signal, ...args)
          .then(() => true, (err: unknown) => (err instanceof WorkflowNotFoundError ? false : Promise.reject(err))),
      ),
    );
    running += signalled.filter(Boolean).length;
  }
  return running;
}

/**
 * Deletes a channel: it answers 401 at once (the credentials cache aside), its deployments, delivery log,
 * conversation log, uploads and users go, and every running session ends with reason `channel_deleted`. Nothing
 * of another channel is touched. A tombstone written first lets the hourly sweep finish a deletion cut short and
 * whatever raced with it (`finishChannelDeletions`).
 */
export async function deleteChannel(temporal: Client, admin: AdminIdentity, channelID: string): Promise<{ sessionsEnded: number }> {
  const channel = await findOwnChannel(admin, channelID);
  await DeletedChannel.updateOne({ _id: channel._id }, { $setOnInsert: { deletedAt: new Date() } }, { upsert: true });
  await Channel.deleteOne({ _id: channel._id });
  return { sessionsEnded: await deleteChannelData(temporal, channel._id) };
}

/**
 * Everything of a deleted channel but the channel (gone first: a log append racing this finds no channel and
 * stores nothing, src/events/log.ts), its running sessions ended. Safe to run again, and beside another run.
 * Answers how many sessions were running.
 */
async function deleteChannelData(temporal: Client, channelKey: Types.ObjectId): Promise<number> {
  await Deployment.deleteMany({ channelKey });
  await Delivery.deleteMany({ channelKey });
  await Event.deleteMany({ channelKey });
  await deleteChannelAttachments(String(channelKey));
  // Every issued user's session ID is known, so no session is missed while visibility lags behind. Users are read
  // and signalled a batch at a time: a channel with a million users does not sit in memory at once.
  let sessionsEnded = 0;
  let batch: number[] = [];
  const signalBatch = async () => {
    sessionsEnded += await signalRunningSessions(temporal, String(channelKey), batch, endSessionSignal, { reason: 'channel_deleted' });
    batch = [];
  };
  for await (const { userID } of User.find({ channelKey }, { userID: 1 }).lean().cursor({ batchSize: USERS_PER_BATCH })) {
    batch.push(userID);
    if (batch.length >= USERS_PER_BATCH) await signalBatch();
  }
  await signalBatch();
  // Last: the users were the list of sessions to end. A session ending now saves nothing back (no upsert).
  await User.deleteMany({ channelKey });
  return sessionsEnded;
}

/**
 * How long after a deletion the sweep goes over it again: past any write that raced with it (an attempt's 30 s,
 * the credentials cache's 500 ms), and long enough that a deletion still running is not swept beside itself.
 */
export const DELETION_SETTLE_MS = 10 * 60_000;
const DELETIONS_PER_SWEEP = 100;

/**
 * Goes over channels deleted at least DELETION_SETTLE_MS ago once more: ends what sessions still run, deletes
 * what was written after the deletion or left by one cut short, and drops the tombstone. A tombstone whose channel
 * still exists is of a deletion that failed before the channel went: it is dropped, and nothing deleted. Answers
 * how many deletions were finished; the API runs it hourly.
 */
export async function finishChannelDeletions(temporal: Client, now = Date.now()): Promise<number> {
  const settled = await DeletedChannel.find({ deletedAt: { $lt: new Date(now - DELETION_SETTLE_MS) } }, { _id: 1 }).limit(DELETIONS_PER_SWEEP).lean();
  let finished = 0;
  for (const { _id: channelKey } of settled) {
    if (!(await Channel.exists({ _id: channelKey }))) {
      await deleteChannelData(temporal, channelKey);
      finished++;
    }
    await DeletedChannel.deleteOne({ _id: channelKey });
  }
  return finished;
}

/**
 * An admin writes to a user: delivered to the webhook with the admin's adminID, in the same per-user order as
 * the bot's replies; the session enters agent mode. Answers once Temporal holds the message.
 */
export async function sendAdminMessage(
  temporal: Client,
  settings: SessionSettings,
  admin: AdminIdentity,
  channelID: string,
  userID: number,
  input: AdminMessageInput,
  publicUrl: string,
) {
  const channel = await findOwnChannel(admin, channelID);
  if (!(await isLiveUser(channel._id, userID))) throw new NotFound('user_not_found', 'this userID was never issued on this channel');
  const target = { channelKey: String(channel._id), channelID: channel.channelID, userID };
  const account = await Account.findById(channel.accountId, { plan: 1 }).lean();
  const owner = { channelKey: target.channelKey, userID, quotaBytes: account?.plan ? PLAN_LIMITS[account.plan].attachmentBytes : 0 };
  const attachments = await storeAttachments(decodeAttachmentsOrThrow(input.attachments), owner, publicUrl);
  try {
    await signalAdminMessage(temporal, settings, target, { adminID: admin.adminID, text: input.message, attachments: attachments.refs, ...(channel.webhookEvents ? { webhookEvents: channel.webhookEvents } : {}) });
  } catch (err) {
    await attachments.discard();
    throw new Unavailable('the session service', err);
  }
  return { channelID: channel.channelID, userID, adminID: admin.adminID, message: input.message, success: true };
}

const VISIBILITY_TIMEOUT_MS = 5_000;
const GRPC_INVALID_ARGUMENT = 3;

/** A channel's sessions from Temporal visibility (search attributes), newest first, a page at a time. */
export async function listSessions(
  temporal: Client,
  pageTokens: PageTokens,
  admin: AdminIdentity,
  channelID: string,
  { status, limit, pageToken }: { status?: string; limit: number; pageToken?: string },
): Promise<{ sessions: SessionRow[]; nextPageToken: string | null }> {
  const channel = await findOwnChannel(admin, channelID);
  const query = `ChannelKey = "${String(channel._id)}"${status ? ` AND SessionStatus = "${status}"` : ''}`;
  // A token continues the list it came from: same channel, same filter and page size.
  const scope = `sessions|${query}|${limit}`;
  const nextPageToken = pageToken ? await pageTokens.redeem(scope, pageToken) : undefined;
  const page = await temporal.connection.withDeadline(Date.now() + VISIBILITY_TIMEOUT_MS, () => temporal.workflowService.listWorkflowExecutions({
    namespace: temporal.options.namespace,
    query,
    pageSize: limit,
    nextPageToken,
  })).catch((err: { code?: number }) => {
    if (err.code === GRPC_INVALID_ARGUMENT) throw new PageTokenNotFound();
    throw new Unavailable('Temporal visibility', err);
  });
  const sessions = (page.executions ?? []).map((w) => {
    const attributes = decodeTypedSearchAttributes(w.searchAttributes?.indexedFields);
    return {
      userID: attributes.get(UserIdAttribute) ?? null,
      status: attributes.get(SessionStatusAttribute) ?? null,
      botId: attributes.get(BotIdAttribute) ?? null,
      running: w.status === proto.api.enums.v1.WorkflowExecutionStatus.WORKFLOW_EXECUTION_STATUS_RUNNING,
      workflowId: w.execution?.workflowId ?? null,
    };
  });
  const next = page.nextPageToken?.length ? await pageTokens.issue(scope, page.nextPageToken) : null;
  return { sessions, nextPageToken: next };
}
