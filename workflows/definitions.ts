import { defineSearchAttributeKey, SearchAttributeType } from '@temporalio/common';
import { defineQuery, defineSignal } from '@temporalio/workflow';
import type { Flow } from './flow/types';
import type { Cursor, OutboundMessage } from './flow/engine';
import type { TraceCarrier } from './trace-context';

export const SESSION_WORKFLOW_TYPE = 'SessionWorkflow';
export const TRANSCRIPT_LIMIT = 100;
export const SEEN_MESSAGE_IDS_LIMIT = 1_000;
export const TURNS_BEFORE_CONTINUE_AS_NEW = 1_000;
/**
 * A run continues as new past this many history events (about 120 messages): a worker with a cold cache replays
 * a session's whole run before it can answer it, about 0.8 s of CPU at this length, and the worker runs four
 * such tasks at once in its one workflow thread (src/temporal/worker.ts), well inside Temporal's 10 s task timeout.
 */
export const EVENTS_BEFORE_CONTINUE_AS_NEW = 1_000;
/** The bound of runs that started before patch continue-as-new-on-time. */
export const EVENTS_BEFORE_CONTINUE_AS_NEW_BEFORE_PATCH = 1_500;

/** Readable and unique per (channel, user), so operators can find a session by its ID. */
export function sessionWorkflowId(channelKey: string, userID: number): string {
  return `session-${channelKey}-${userID}`;
}

export const ChannelKeyAttribute = defineSearchAttributeKey('ChannelKey', SearchAttributeType.KEYWORD);
export const UserIdAttribute = defineSearchAttributeKey('UserId', SearchAttributeType.INT);
export const SessionStatusAttribute = defineSearchAttributeKey('SessionStatus', SearchAttributeType.KEYWORD);
export const BotIdAttribute = defineSearchAttributeKey('BotId', SearchAttributeType.KEYWORD);

export type SessionStatus = 'idle' | 'bot' | 'agent';

export interface UserMessage {
  /** Deduplicated: the same messageId twice is one message. */
  messageId: string;
  text: string;
  attachments: { url: string }[];
  /** UTC ms when the API accepted it. */
  receivedAt: number;
  /** Set by the session's signal handler, not by the API: the trace the message's replies belong to. */
  trace?: TraceCarrier;
  /**
   * Where the message goes, as the API saw the channel's deployments when it accepted it: the session needs no
   * database read per message. Absent from APIs older than this field; the session then asks an activity.
   */
  route?: MessageRoute;
  /** The channel's webhook event types when the API accepted it; absent (never chosen, or an older API): as last known. */
  webhookEvents?: string[];
}

/** A deployed bot at the version new sessions start (its latest ready one). */
export interface BotRef {
  botId: string;
  version: number;
}

export interface MessageRoute {
  /** The bot the message's keyword starts; null when the message is not a deployed keyword. */
  keyword: BotRef | null;
  /** The channel's default deployment, for messages that no running bot takes. */
  fallback: BotRef | null;
  /** Every bot deployed on the channel now: a running bot not among them was undeployed and stops. */
  deployedBotIds: string[];
}

export interface BotSnapshot {
  botId: string;
  version: number;
  flow: Flow;
}

/** A running bot: the flow is pinned when it starts, so editing the bot never changes this session. */
export interface RunningBot extends BotSnapshot {
  cursor: Cursor;
  /** What the bot waits for at the cursor. */
  waiting: 'question' | 'delay' | 'http' | 'handoff';
  /** UTC ms when a delay ends. */
  wakeAt?: number;
}

export type TranscriptEntry =
  | { at: number; kind: 'user'; messageId: string; text: string; attachments?: { url: string }[]; attachmentsOmitted?: number }
  | { at: number; kind: 'agent'; adminID: number; seq: number; text: string }
  | { at: number; kind: 'bot'; seq: number; text: string }
  | { at: number; kind: 'event'; event: string; detail?: string };

/** What a reply answers: the trace of the message that caused it and when that message arrived. */
export interface ReplyOrigin {
  trace?: TraceCarrier;
  /** UTC ms the API accepted the user's message (end-to-end latency runs from here). */
  receivedAt?: number;
}

export interface OutboxEntry {
  webhookId: string;
  seq: number;
  origin?: ReplyOrigin;
  reply: OutboundMessage & { timestamp: number; adminID?: number };
  /** Sent again on request (same webhook-id and seq), after the session's newer messages. */
  redelivery?: boolean;
  /** A log event the channel's webhook takes besides messages (its `reply.text` is empty): sent as {type, …, data}. */
  event?: { type: string; data: Record<string, unknown> };
  /** Where the head of the outbox is in its retry schedule; carried across continue-as-new. */
  progress?: DeliveryProgress;
}

export interface DeliveryProgress {
  /** Failed attempts so far in the current schedule. */
  failedAttempts: number;
  /** UTC ms of the next try, while a retry timer runs. */
  nextAttemptAt?: number;
  /** Set while the delivery waits for its disabled channel to be re-enabled. */
  waiting?: 'channel_disabled';
  lastError?: string;
}

/**
 * What one attempt came to; the workflow decides what happens next (retry timer, wait, move on). `seqCheckedIn`
 * is the run whose seqs the attempt found free in the delivery log: later attempts of that run need not look.
 */
export type AttemptOutcome = AttemptResult & { seqCheckedIn?: string };

type AttemptResult =
  | { outcome: 'delivered'; status: number; latencyMs: number }
  | { outcome: 'failed'; status?: number; error: string; retryAfterMs?: number }
  /** Refused by the SSRF guard: retrying cannot help. */
  | { outcome: 'forbidden'; error: string }
  /** The channel is disabled (now, by a 410 or five days of failures, or before): the delivery waits for a re-enable. */
  | { outcome: 'channel_disabled'; reason: string }
  | { outcome: 'channel_gone' }
  /** The delivery log already holds this seq (or a later one) under another webhook-id: number again from `nextSeq`. */
  | { outcome: 'seq_taken'; nextSeq: number };

/**
 * An event of the conversation log (src/events/log.ts, src/events/types.ts) not appended yet: appended in order by
 * the next delivery attempt, or by appendLogEvents when no attempt comes soon. Replies carry their `reply` and the
 * activity writes the webhook body from it; a user message carries its text; other types carry their data.
 */
export interface PendingEvent {
  id: string;
  type: string;
  /** UTC ms, the session's clock (a user message: when the API accepted it). */
  at: number;
  seq?: number;
  /** The outbox entry sending this event, whose renumbering (a taken seq) renumbers it too. */
  webhookId?: string;
  reply?: OutboxEntry['reply'];
  data?: Record<string, unknown>;
}

/** A person (an admin of the account) writing to the user; puts the session in agent mode. */
export interface AdminMessage {
  adminID: number;
  text: string;
  attachments: { url: string }[];
  /** Set by the session's signal handler: where the agent's reply belongs. */
  origin?: ReplyOrigin;
  /** The channel's webhook event types when the API took the message (absent: as last known). */
  webhookEvents?: string[];
}

export interface SessionInput {
  channelKey: string;
  userID: number;
  /** The public channelID when the session started (also in the memo). */
  channelID: string;
  /** SESSION_IDLE_TIMEOUT: a run with no message for this long completes. */
  idleTimeoutMs: number;
  /** AGENT_IDLE_TIMEOUT: agent mode with no agent message for this long hands the user back to the bot. */
  agentIdleTimeoutMs?: number;
  /** History events after which a run continues as new; EVENTS_BEFORE_CONTINUE_AS_NEW when absent (tests lower it). */
  eventsBeforeContinueAsNew?: number;
  /** WEBHOOK_RETRY_SCHEDULE: delays after a failed delivery; DEFAULT_RETRY_SCHEDULE_MS when absent. */
  retryScheduleMs?: number[];
  /**
   * The API issued this userID for the message that starts the run: nothing was saved or logged for the user yet,
   * so seq starts at 1 without asking the database. Ignored once state is carried.
   */
  newUser?: boolean;
  /** Carried over by continue-as-new; absent on a fresh start. */
  carried?: SessionState;
}

/** Plain JSON: it crosses continue-as-new and is what the `state` query shows. */
export interface SessionState {
  nextSeq: number;
  status: SessionStatus;
  bot: RunningBot | null;
  variables: Record<string, string>;
  transcript: TranscriptEntry[];
  outbox: OutboxEntry[];
  inbox: UserMessage[];
  seenMessageIds: string[];
  /** Set by the resumeBot signal while the bot waits at a handoff. */
  resumeRequested?: boolean;
  /** Set by the endSession signal: the run completes with this reason. */
  endReason?: string;
  /** Agent mode (an admin wrote, or the flow handed off): the bot pauses until resumed or the agent goes quiet. */
  agent?: { lastAt: number };
  /** Admin messages waiting for the main loop. */
  agentInbox?: AdminMessage[];
  /** Set by the deliveriesResumed signal (the channel was re-enabled) while a delivery waits for it. */
  deliveriesResumed?: boolean;
  /** While a user message is handled: what the replies it causes answer. */
  origin?: ReplyOrigin;
  /** Replies past the outbox bounds, logged as failed (redeliverable) by the main loop, then cleared. */
  spilled?: OutboxEntry[];
  /** Events for the conversation log, oldest first; absent in runs that predate the log (patch conversation-log). */
  eventQueue?: PendingEvent[];
  /** Events this session numbered without a webhook-id (their ids are `evt_<run>-<n>`). */
  eventCount?: number;
  /** The channel's webhook event types as last told (by the API with a message); absent: the default (messages). */
  webhookEvents?: string[];
}

export interface SessionView {
  status: SessionStatus;
  botId: string | null;
  botVersion: number | null;
  node: string | null;
  variables: Record<string, string>;
  transcript: TranscriptEntry[];
  outboxPending: number;
  /** The delivery at the head of the outbox, with where it is in its retry schedule. */
  delivery: ({ webhookId: string; seq: number } & DeliveryProgress) | null;
}

/** `idle_timeout`, or the reason given by the endSession signal (e.g. `channel_deleted`). */
export type SessionEnd = { reason: string; nextSeq: number };

export const userMessageSignal = defineSignal<[UserMessage]>('userMessage');
/** Hands the user back to the bot after a handoff (agent mode). */
export const resumeBotSignal = defineSignal('resumeBot');
/** Ends the session now, whatever it is doing (the channel was deleted). */
export const endSessionSignal = defineSignal<[{ reason: string }]>('endSession');
/** Redelivers logged messages (same webhook-id and seq), in seq order, after what is queued now. */
export const redeliverSignal = defineSignal<[{ entries: OutboxEntry[] }]>('redeliver');
/** The channel was re-enabled: a delivery waiting for it goes on now. */
export const deliveriesResumedSignal = defineSignal('deliveriesResumed');
export const adminMessageSignal = defineSignal<[AdminMessage]>('adminMessage');
export const stateQuery = defineQuery<SessionView>('state');
