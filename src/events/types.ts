import { z } from 'zod';
import { DEFAULT_WEBHOOK_EVENTS, EVENT_TYPES, MESSAGE_EVENT_TYPES, type EventType } from './names';

/**
 * The conversation log's event types (src/events/log.ts): one zod schema per type for its `data`, the envelope
 * readers get, and the body a webhook receives. The OpenAPI document lists them under `webhooks` (src/api/openapi.ts).
 * Their names, descriptions and the webhook's default live in ./names.ts, which imports nothing (the dashboard
 * bundles it).
 */
export { DEFAULT_WEBHOOK_EVENTS, EVENT_TYPES, eventDescription, MESSAGE_EVENT_TYPES, type EventType } from './names';

const userID = z.number().int().positive();
const timestamp = z.number().int().nonnegative().meta({ description: 'UTC ms' });
const seq = z.number().int().positive();

/** A user message as the API accepted it. */
export const userMessageData = z.strictObject({
  channelID: z.string(),
  userID,
  message: z.string(),
  attachments: z.array(z.strictObject({ url: z.string() })).optional(),
  timestamp,
});

/** A bot reply: exactly the body the webhook receives (README, "Webhook delivery"). */
export const botMessageData = z.strictObject({
  channelID: z.string(),
  message: z.string(),
  userID,
  timestamp,
  seq,
  quickReplies: z.array(z.string()).optional(),
  attachments: z.array(z.strictObject({ offset: z.number().int().nonnegative(), url: z.string() })).optional(),
});

/** An agent's message: the webhook body with the adminID of who wrote it. */
export const agentMessageData = botMessageData.extend({ adminID: z.number().int().positive() });

/** The bot handed the user to a person: a flow's handoff node, or an agent writing. */
export const handoffStartedData = z.strictObject({ by: z.enum(['flow', 'agent']), adminID: z.number().int().positive().optional() });

/** The bot took over again: resumed (POST …/resume), or no agent message for AGENT_IDLE_TIMEOUT. */
export const handoffEndedData = z.strictObject({ reason: z.enum(['resumed', 'agent_timeout']) });

/** The session's run ended: `idle_timeout`, or the reason it was ended with (`channel_deleted`, …). */
export const sessionEndedData = z.strictObject({ reason: z.string() });

/** A reply given up after its retry schedule (or refused for good); it stays in the delivery log, redeliverable. */
export const deliveryFailedData = z.strictObject({ webhookId: z.string(), seq, error: z.string(), attempts: z.number().int().nonnegative() });

export const EVENT_DATA = {
  'message.user': userMessageData,
  'message.bot': botMessageData,
  'message.agent': agentMessageData,
  'handoff.started': handoffStartedData,
  'handoff.ended': handoffEndedData,
  'session.ended': sessionEndedData,
  'delivery.failed': deliveryFailedData,
} satisfies Record<EventType, z.ZodObject>;

export type EventData<T extends EventType> = z.infer<(typeof EVENT_DATA)[T]>;


/** One event as readers get it (history, long-poll, stream): `cursor` is opaque; `seq` on messages sent to the user. */
export function eventEnvelope<T extends EventType>(type: T) {
  return z.strictObject({
    id: z.string(),
    cursor: z.string(),
    type: z.literal(type),
    userID,
    seq: seq.optional(),
    timestamp,
    data: EVENT_DATA[type],
  });
}

/** Any logged event, discriminated by `type`. */
export const loggedEventSchema = z.discriminatedUnion('type', EVENT_TYPES.map((type) => eventEnvelope(type)) as unknown as [ReturnType<typeof eventEnvelope<EventType>>]);
export type LoggedEventOf<T extends EventType> = z.infer<ReturnType<typeof eventEnvelope<T>>>;

/**
 * The body a webhook gets for an event that is not a bot or agent message (those keep their body: EVENT_DATA).
 * It takes a seq in the user's one sequence with the messages, so a receiver's order and gap checks hold.
 */
export function webhookEventBody<T extends EventType>(type: T) {
  return z.strictObject({ type: z.literal(type), channelID: z.string(), userID, timestamp, seq, data: EVENT_DATA[type] });
}

export const isMessageType = (type: string): type is (typeof MESSAGE_EVENT_TYPES)[number] => (MESSAGE_EVENT_TYPES as readonly string[]).includes(type);

/** The webhook body of `type`: the message itself for bot and agent messages, else the event envelope. */
export const webhookBodySchema = (type: EventType) => (isMessageType(type) ? EVENT_DATA[type] : webhookEventBody(type));

/** What a channel's webhook receives: its choice, or the default for a channel that made none (or predates the field). */
export function webhookEventsOf(channel: { webhookEvents?: string[] | null }): string[] {
  return channel.webhookEvents ?? [...DEFAULT_WEBHOOK_EVENTS];
}

/** A channel's choice of event types for its webhook (POST/PATCH /v1/channels). */
export const webhookEventsSchema = z
  .array(z.enum(EVENT_TYPES))
  .max(EVENT_TYPES.length)
  .refine((types) => new Set(types).size === types.length, 'each type once')
  .meta({ uniqueItems: true });
