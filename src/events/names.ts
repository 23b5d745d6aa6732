/**
 * The conversation log's event types by name, what each is, and what a channel's webhook gets by default. Imports
 * nothing: the API's schemas (./types.ts) and the dashboard's channel settings share it.
 */

export const EVENT_TYPES = ['message.user', 'message.bot', 'message.agent', 'handoff.started', 'handoff.ended', 'session.ended', 'delivery.failed'] as const;
export type EventType = (typeof EVENT_TYPES)[number];

/** The types a webhook gets as messages (the body it always had, with a seq); the others come as {type, …, data}. */
export const MESSAGE_EVENT_TYPES = ['message.bot', 'message.agent'] as const satisfies readonly EventType[];
/** What a channel's webhook receives when it chose nothing: the messages it received before the log existed. */
export const DEFAULT_WEBHOOK_EVENTS: EventType[] = [...MESSAGE_EVENT_TYPES];

const EVENT_DESCRIPTIONS: Record<EventType, string> = {
  'message.user': 'A user message, as accepted by POST /v1/messages',
  'message.bot': 'A bot reply (the webhook body, with its per-user seq)',
  'message.agent': 'An agent message (the webhook body with adminID)',
  'handoff.started': 'The bot handed the user to an agent',
  'handoff.ended': 'The bot took over again (resumed, or the agent was idle)',
  'session.ended': 'The session ended, with its reason',
  'delivery.failed': 'A reply given up after its retry schedule',
};

export const eventDescription = (type: EventType) => EVENT_DESCRIPTIONS[type];
