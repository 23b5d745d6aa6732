import type { Client } from '@temporalio/client';
import type { SessionWorkflow } from '../../workflows/session';
import {
  adminMessageSignal,
  ChannelKeyAttribute,
  SESSION_WORKFLOW_TYPE,
  sessionWorkflowId,
  UserIdAttribute,
  userMessageSignal,
  type AdminMessage,
  type SessionInput,
  type UserMessage,
} from '../../workflows/definitions';

export interface SessionTarget {
  channelKey: string;
  channelID: string;
  userID: number;
}

export interface SessionSettings {
  taskQueue: string;
  idleTimeoutMs: number;
  agentIdleTimeoutMs: number;
  /** How long to wait for Temporal to accept the signal before answering 503. */
  acceptTimeoutMs: number;
}

/** What signalWithStart needs to start a session that is not running; a running one just gets the signal. */
function sessionStart(settings: SessionSettings, { channelKey, channelID, userID }: SessionTarget) {
  return {
    workflowId: sessionWorkflowId(channelKey, userID),
    taskQueue: settings.taskQueue,
    args: [{ channelKey, userID, channelID, idleTimeoutMs: settings.idleTimeoutMs, agentIdleTimeoutMs: settings.agentIdleTimeoutMs }] as [SessionInput],
    typedSearchAttributes: [
      { key: ChannelKeyAttribute, value: channelKey },
      { key: UserIdAttribute, value: userID },
    ],
    memo: { channelID },
  };
}

/** Durably hands a user message to its session, starting the session workflow if it is not running. */
export async function signalUserMessage(client: Client, settings: SessionSettings, target: SessionTarget, message: UserMessage): Promise<void> {
  await client.connection.withDeadline(Date.now() + settings.acceptTimeoutMs, () =>
    client.workflow.signalWithStart<typeof SessionWorkflow, [UserMessage]>(SESSION_WORKFLOW_TYPE, {
      ...sessionStart(settings, target),
      signal: userMessageSignal,
      signalArgs: [message],
    }),
  );
}

/** The same for an admin's message (agent mode). */
export async function signalAdminMessage(client: Client, settings: SessionSettings, target: SessionTarget, message: AdminMessage): Promise<void> {
  await client.connection.withDeadline(Date.now() + settings.acceptTimeoutMs, () =>
    client.workflow.signalWithStart<typeof SessionWorkflow, [AdminMessage]>(SESSION_WORKFLOW_TYPE, {
      ...sessionStart(settings, target),
      signal: adminMessageSignal,
      signalArgs: [message],
    }),
  );
}
