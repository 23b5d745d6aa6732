import { webhookEventsSchema } from '../events/types';
import { DELIVERY_STATES } from '../db/delivery';
import { z } from 'zod';
import { PLAN_NAMES } from '../db/account';
import { ADMIN_ROLES } from '../db/admin';
import { PAGE_TOKEN_PATTERN } from '../services/paging/page-tokens';
import { flowBytes, flowSchema, identifier, MAX_FLOW_CHARS } from './flow';
import { inboundMessageSchema, rawAttachmentsSchema } from './message';
import { trimmedText } from './text';

export const objectId = z.string().regex(/^[a-f0-9]{24}$/, 'expected a 24-character hex id');

export const createAccountSchema = z.strictObject({
  name: trimmedText(200),
  plan: z.enum(PLAN_NAMES),
});

export const webhookUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2_048)
  .refine((url) => !URL.canParse(url) || (!new URL(url).username && !new URL(url).password), 'credentials in the URL are not supported (fetch refuses them)');

export const createChannelSchema = z.strictObject({
  webhookUrl: webhookUrlSchema,
  /** The log's event types the webhook receives; default: message.bot and message.agent, as before the log. */
  webhookEvents: webhookEventsSchema.optional(),
  channelID: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'use 3-64 letters, digits, "_" or "-"').optional(),
  token: z.string().min(24).max(256).optional(),
});

const botName = trimmedText(200);

export const createBotSchema = z.strictObject({ name: botName, flow: flowSchema });
export const updateBotSchema = z.strictObject({ name: botName.optional(), flow: flowSchema });

/**
 * What a draft must be to be stored at all: the flow's shape with safe keys (FerretDB refuses '.' and '$'),
 * even if its nodes do not validate yet.
 */
export const draftBotSchema = z.strictObject({
  name: botName.optional(),
  flow: z
    .looseObject({ start: z.string().max(64), nodes: z.record(identifier, z.looseObject({ type: z.string().max(32) })) })
    .refine((flow) => flowBytes(flow) <= MAX_FLOW_CHARS, `the flow is larger than ${MAX_FLOW_CHARS / 1024} KB`)
    .refine((flow) => !hasUnstorableKey(flow), 'keys may not start with "$" or contain ".", and arrays may not hold arrays'),
});

/** A new bot as it can be stored: a name, and a flow that is ready or a draft. */
export const createDraftBotSchema = draftBotSchema.extend({ name: botName });

export const botVersionQuerySchema = z.strictObject({ version: z.coerce.number().int().positive().optional() });

export const draftQuerySchema = z.strictObject({ draft: z.enum(['true', 'false']).optional() });

/** "#Order" and "order" are the same keyword: stored lower-case, without '#'. */
export const keywordSchema = z
  .string()
  .regex(/^#?[A-Za-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-", optionally after "#"')
  .transform((keyword) => keyword.replace(/^#/, '').toLowerCase());

/** A channelID in a path: any length the API stores (3-64 when chosen, 16 when generated); others are 404. */
export const channelIdParam = z.string().min(1).max(64);

export const createDeploymentSchema = z.strictObject({
  botId: objectId,
  keyword: keywordSchema,
  default: z.boolean().optional(),
});

export type CreateAccount = z.infer<typeof createAccountSchema>;
export type CreateChannel = z.infer<typeof createChannelSchema>;
export type CreateBot = z.infer<typeof createBotSchema>;
export type DraftBot = z.infer<typeof draftBotSchema>;
export type CreateDeployment = z.infer<typeof createDeploymentSchema>;

/** True when some key, at any depth, could not be stored as a document key. */
function hasUnstorableKey(value: unknown): boolean {
  // FerretDB v1 also refuses an array directly inside an array.
  if (Array.isArray(value)) return value.some((item) => Array.isArray(item) || hasUnstorableKey(item));
  if (value === null || typeof value !== 'object') return false;
  return Object.entries(value).some(([key, child]) => key.startsWith('$') || key.includes('.') || hasUnstorableKey(child));
}

export const patchChannelSchema = z
  .strictObject({
    channelID: createChannelSchema.shape.channelID,
    token: createChannelSchema.shape.token,
    webhookUrl: webhookUrlSchema.optional(),
    webhookEvents: webhookEventsSchema.optional(),
    status: z.literal('active').optional(),
  })
  .refine((patch) => Object.keys(patch).length > 0, 'nothing to change')
  .meta({ minProperties: 1 });

export const userParamsSchema = z.object({ channelID: channelIdParam, userID: z.coerce.number().int().positive() });

export type PatchChannel = z.infer<typeof patchChannelSchema>;

export const adminMessageSchema = z.strictObject({
  message: inboundMessageSchema.shape.message,
  attachments: rawAttachmentsSchema.optional(),
});

export const createAdminSchema = z.strictObject({
  name: trimmedText(200),
  /** admin (the default) manages everything; agent only reads sessions, writes to users and hands them back. */
  role: z.enum(ADMIN_ROLES).optional(),
  /** The key stops working this many days from now; absent, it works until revoked. */
  expiresInDays: z.number().int().min(1).max(3_650).optional(),
});
export type CreateAdmin = z.infer<typeof createAdminSchema>;

export const adminIdParamsSchema = z.object({ adminID: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER) });

/** "2026-11-26T08:00:00Z" or "2026-11-26": documented as such, so generated clients and fuzzers send dates. */
const instantSchema = z.union([z.iso.datetime({ offset: true }), z.iso.date()]).transform((text) => new Date(text));

export const sessionsQuerySchema = z.strictObject({
  status: z.enum(['idle', 'bot', 'agent']).optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // An id of a cursor held for an hour (src/services/paging/page-tokens.ts); an unknown one is 404 page_token_not_found.
  pageToken: z.string().regex(PAGE_TOKEN_PATTERN, 'the nextPageToken of a previous page').optional(),
});

export type AdminMessageInput = z.infer<typeof adminMessageSchema>;

export const deliveriesQuerySchema = z.strictObject({
  state: z.enum(DELIVERY_STATES).optional(),
  userID: z.coerce.number().int().positive().optional(),
  since: instantSchema.optional(),
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // The last row's sort key, "<createdAt ms>.<seq>.<webhook-id>": any such key is a place to continue from.
  pageToken: z.string().regex(/^\d{1,15}\.\d{1,15}\.msg_[A-Za-z0-9_-]{1,120}$/, 'the nextPageToken of a previous page').optional(),
});
export type DeliveriesQuery = z.infer<typeof deliveriesQuerySchema>;

export const deliveryParamsSchema = z.object({ channelID: channelIdParam, webhookId: z.string().min(1).max(128) });

export const redeliverSinceSchema = z.strictObject({ since: instantSchema });
