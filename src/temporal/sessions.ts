import type { Client } from '@temporalio/client';
import type { Config } from '../config';
import type { SessionWorkflow } from '../../workflows/session';
import {
  adminMessageSignal,
  ChannelKeyAttribute,
  redeliverSignal,
  SESSION_WORKFLOW_TYPE,
  sessionWorkflowId,
  UserIdAttribute,
  userMessageSignal,
  type AdminMessage,
  type OutboxEntry,
  type SessionInput,
  type UserMessage,
} from '../../workflows/definitions';

export interface SessionTarget {
  channelKey: string;
  channelID: string;
  userID: number;
  /** The userID was issued for this message: a session it starts needs nothing from the database. */
  newUser?: boolean;
}

export interface SessionSettings {
  taskQueue: string;
  idleTimeoutMs: number;
  agentIdleTimeoutMs: number;
  /** How long to wait for Temporal to accept the signal before answering 503. */
  acceptTimeoutMs: number;
  /** WEBHOOK_RETRY_SCHEDULE; the workflow's default schedule when absent. */
  retryScheduleMs?: number[];
}

/** The session settings of a process, from its validated config. */
export function sessionSettingsFrom(config: Config): SessionSettings {
  return {
    taskQueue: config.TEMPORAL_TASK_QUEUE,
    idleTimeoutMs: config.SESSION_IDLE_TIMEOUT,
    agentIdleTimeoutMs: config.AGENT_IDLE_TIMEOUT,
    ...(config.WEBHOOK_RETRY_SCHEDULE ? { retryScheduleMs: config.WEBHOOK_RETRY_SCHEDULE } : {}),
    acceptTimeoutMs: 5_000,
  };
}

/** What signalWithStart needs to start a session that is not running; a running one just gets the signal. */
export function sessionStart(settings: SessionSettings, { channelKey, channelID, userID, newUser }: SessionTarget) {
  return {
    workflowId: sessionWorkflowId(channelKey, userID),
    taskQueue: settings.taskQueue,
    args: [
      {
        channelKey, userID, channelID, idleTimeoutMs: settings.idleTimeoutMs, agentIdleTimeoutMs: settings.agentIdleTimeoutMs,
        ...(settings.retryScheduleMs ? { retryScheduleMs: settings.retryScheduleMs } : {}),
        ...(newUser ? { newUser } : {}),
      },
    ] as [SessionInput],
    typedSearchAttributes: [
      { key: ChannelKeyAttribute, value: channelKey },
      { key: UserIdAttribute, value: userID },
    ],
    memo: { channelID },
  };
}

type SessionSignal =
  | { signal: typeof userMessageSignal; message: UserMessage }
  | { signal: typeof adminMessageSignal; message: AdminMessage }
  | { signal: typeof redeliverSignal; message: { entries: OutboxEntry[] } };

/** Durably hands a message to its session, starting the session workflow if it is not running. */
async function signalSession(client: Client, settings: SessionSettings, target: SessionTarget, { signal, message }: SessionSignal): Promise<void> {
  await client.connection.withDeadline(Date.now() + settings.acceptTimeoutMs, () =>
    client.workflow.signalWithStart<typeof SessionWorkflow, [SessionSignal['message']]>(SESSION_WORKFLOW_TYPE, {
      ...sessionStart(settings, target),
      signal: signal.name,
      signalArgs: [message],
    }),
  );
}

export function signalUserMessage(client: Client, settings: SessionSettings, target: SessionTarget, message: UserMessage) {
  return signalSession(client, settings, target, { signal: userMessageSignal, message });
}

/** An admin's message: the session enters agent mode. */
export function signalAdminMessage(client: Client, settings: SessionSettings, target: SessionTarget, message: AdminMessage) {
  return signalSession(client, settings, target, { signal: adminMessageSignal, message });
}

/** Logged deliveries sent again by the user's session (started again if it ended). */
export function signalRedeliveries(client: Client, settings: SessionSettings, target: SessionTarget, entries: OutboxEntry[]) {
  return signalSession(client, settings, target, { signal: redeliverSignal, message: { entries } });
}
