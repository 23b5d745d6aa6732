import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import type { SignalDefinition } from '@temporalio/common';
import { decodeTypedSearchAttributes } from '@temporalio/common/lib/converter/payload-search-attributes';
import { temporal as proto } from '@temporalio/proto';
import { NotFound, PageTokenNotFound, Unavailable } from '../../errors';
import type { AdminMessageInput } from '../../schemas/management';
import { signalAdminMessage, type SessionSettings } from '../../temporal/sessions';
import {
  BotIdAttribute,
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
import { storeAttachments } from '../messages/attachments';
import { Account } from '../../db/account';
import { PLAN_LIMITS } from '../../plans';
import { decodeAttachmentsOrThrow } from '../../schemas/parse';
import { findOwnChannel } from '../channels/channels';
import { isLiveUser } from '../messages/users';

const SIGNAL_BATCH = 20;

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
