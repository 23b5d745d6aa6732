import type { Client } from '@temporalio/client';
import type { SessionWorkflow } from '../../workflows/session';
import {
  ChannelKeyAttribute,
  SESSION_WORKFLOW_TYPE,
  sessionWorkflowId,
  UserIdAttribute,
  userMessageSignal,
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
  /** How long to wait for Temporal to accept the signal before answering 503. */
  acceptTimeoutMs: number;
}

/** Durably hands a user message to its session: starts the session workflow if it is not running. */
export async function signalUserMessage(
  client: Client,
  settings: SessionSettings,
  { channelKey, channelID, userID }: SessionTarget,
  message: UserMessage,
): Promise<void> {
  await client.connection.withDeadline(Date.now() + settings.acceptTimeoutMs, () =>
    client.workflow.signalWithStart<typeof SessionWorkflow, [UserMessage]>(SESSION_WORKFLOW_TYPE, {
      workflowId: sessionWorkflowId(channelKey, userID),
      taskQueue: settings.taskQueue,
      args: [{ channelKey, userID, channelID, idleTimeoutMs: settings.idleTimeoutMs }],
      signal: userMessageSignal,
      signalArgs: [message],
      typedSearchAttributes: [
        { key: ChannelKeyAttribute, value: channelKey },
        { key: UserIdAttribute, value: userID },
      ],
      memo: { channelID },
    }),
  );
}
