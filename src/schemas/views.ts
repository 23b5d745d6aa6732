/**
 * What the management API answers, shared by the services that build it and the dashboard that reads it.
 * `Time` is Date where the services build a view and string (ISO 8601) where a client reads the JSON. This module
 * imports nothing, so the dashboard's build takes it without any server code.
 */

export interface ChannelView<Time = Date> {
  channelID: string;
  /** The immutable key sessions and search attributes use (ChannelKey in the Temporal UI). */
  channelKey: string;
  webhookUrl: string;
  /** The conversation log's event types its webhook receives (README, "Conversation log"). */
  webhookEvents: string[];
  status: 'active' | 'disabled';
  disabledReason?: string;
  createdAt: Time;
  deployments: number;
  /** Only when one channel is asked for. */
  token?: string;
}

export interface BotSummary<Time = Date> {
  botId: string;
  name: string;
  version: number;
  status: 'draft' | 'ready';
  /** The newest version a deployment runs; null while every version is a draft. */
  readyVersion?: number | null;
  updatedAt: Time;
}

export interface DeploymentView<Time = Date> {
  botId: string;
  keyword: string;
  default: boolean;
  createdAt: Time;
}

/** A session as Temporal visibility lists it (its search attributes). */
export interface SessionRow {
  userID: number | null;
  status: string | null;
  botId: string | null;
  running: boolean;
  workflowId: string | null;
}

/** What erasing a user deleted, per store (a retry of an erasure that failed midway counts what it deleted). */
export interface UserErasure {
  channelID: string;
  userID: number;
  /** A running session was ended (terminated). */
  sessionEnded: boolean;
  deleted: { events: number; deliveries: number; attachments: number; idempotencyKeys: number; users: number };
}

export interface AttemptView<Time = Date> {
  at: Time;
  status?: number;
  latencyMs?: number;
  error?: string;
  responseSnippet?: string;
}

export interface DeliverySummary<Time = Date> {
  webhookId: string;
  userID: number;
  seq: number;
  state: 'pending' | 'delivered' | 'failed';
  /** Why a pending delivery is not being tried (`channel_disabled`). */
  waiting?: string;
  attemptCount: number;
  lastAttempt?: AttemptView<Time>;
  redeliveries: number;
  createdAt: Time;
  updatedAt: Time;
}

/** A list page: `nextPageToken` while there may be more. */
export type Page<K extends string, T> = { [key in K]: T[] } & { nextPageToken?: string };
