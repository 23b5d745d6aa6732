import { z } from 'zod';
import { trimmedText } from './text';
import { ALLOWED_MIME_TYPES, MAX_ATTACHMENT_BYTES, MAX_DATA_URL_CHARS, parseDataUrl, type Upload } from '../attachments/data-url';

export const MAX_MESSAGE_CHARS = 10_000;
export const MAX_ATTACHMENTS = 10;

/**
 * `data:<allowed mime>;base64,<standard base64>`, as a pattern the document can state. One character class, no
 * repeated group: it runs over megabytes before authentication. Whether the base64 is whole is content (422).
 */
const DATA_URL_PATTERN = new RegExp(
  `^data:(${Object.keys(ALLOWED_MIME_TYPES).map((mime) => mime.replace(/[.+]/g, '\\$&')).join('|')});base64,[A-Za-z0-9+/]+={0,2}$`,
);

/**
 * A data URL as it arrives: its form only, so nothing is decoded before the sender is authenticated. Its content
 * (the type's magic number, the size decoded) is checked after, and is 422 invalid_attachment.
 */
const dataUrlSchema = z
  .string()
  .max(MAX_DATA_URL_CHARS, `at most ${MAX_ATTACHMENT_BYTES} bytes once decoded`)
  .regex(DATA_URL_PATTERN, `expected data:<mime>;base64,<data> with standard base64 (no spaces, no parameters), mime one of ${Object.keys(ALLOWED_MIME_TYPES).join(', ')}`)
  .meta({ description: `data:<mime>;base64,<data>, ≤ ${MAX_ATTACHMENT_BYTES} bytes decoded, content of that type; mime one of ${Object.keys(ALLOWED_MIME_TYPES).join(', ')}` });

const uploadSchema = dataUrlSchema.transform((text, ctx): Upload => {
  const parsed = parseDataUrl(text);
  if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
  return parsed as Upload;
});

const url = z.url({ protocol: /^https?$/ }).max(2_048);
const exactlyOne = (a: { url?: unknown; base64?: unknown }) => (a.url === undefined) !== (a.base64 === undefined);
const ONE_OF = 'give exactly one of url or base64';

/** `{url}` is passed through, never fetched; `{base64}` is stored (GridFS) and becomes a URL Parley serves. */
const rawAttachmentSchema = z
  .strictObject({ url: url.optional(), base64: dataUrlSchema.optional() })
  .refine(exactlyOne, ONE_OF)
  .meta({ oneOf: [{ required: ['url'] }, { required: ['base64'] }] });
export const rawAttachmentsSchema = z.array(rawAttachmentSchema).max(MAX_ATTACHMENTS);

/** Attachments with their uploads decoded and checked (type, size, magic number). */
export const attachmentsSchema = z.array(z.strictObject({ url: url.optional(), base64: uploadSchema.optional() }).refine(exactlyOne, ONE_OF)).max(MAX_ATTACHMENTS);

export type AttachmentInput = z.output<typeof attachmentsSchema>[number];

/** A message's text: up to MAX_MESSAGE_CHARS characters, not only blanks; stored trimmed. */
export const messageTextSchema = trimmedText(MAX_MESSAGE_CHARS);

/** Body of POST /v1/messages (README, "Five-minute walkthrough"); uploads are decoded after authentication (src/services/messages/intake.ts). */
export const inboundMessageSchema = z.strictObject({
  channelID: z.string().min(1).max(64),
  token: z.string().min(1).max(256),
  message: messageTextSchema,
  userID: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  attachments: rawAttachmentsSchema.optional(),
});

export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/** What the session sees of an attachment: always a URL (uploads are stored first). */
export interface AttachmentRef {
  url: string;
}

/** A bot or agent reply as the integrator's webhook receives it (README, "Webhook delivery"). */
export interface WebhookPayload {
  channelID: string;
  message: string;
  userID: number;
  timestamp: number;
  seq: number;
  quickReplies?: string[];
  attachments?: { offset: number; url: string }[];
  adminID?: number;
}
