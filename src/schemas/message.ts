import { z } from 'zod';
import { ALLOWED_MIME_TYPES, MAX_ATTACHMENT_BYTES, MAX_DATA_URL_CHARS, parseDataUrl, type Upload } from '../attachments/data-url';

export const MAX_MESSAGE_CHARS = 10_000;
export const MAX_ATTACHMENTS = 10;

const uploadSchema = z
  .string()
  .max(MAX_DATA_URL_CHARS, `at most ${MAX_ATTACHMENT_BYTES} bytes once decoded`)
  .transform((text, ctx): Upload => {
    const parsed = parseDataUrl(text);
    if ('error' in parsed) ctx.addIssue({ code: 'custom', message: parsed.error });
    return parsed as Upload;
  })
  .meta({ description: `data:<mime>;base64,<data>, ≤ ${MAX_ATTACHMENT_BYTES} bytes decoded; mime one of ${Object.keys(ALLOWED_MIME_TYPES).join(', ')}` });

/** `{url}` is passed through, never fetched; `{base64}` is stored (GridFS) and becomes a URL Parley serves. */
export const attachmentInputSchema = z
  .strictObject({ url: z.url({ protocol: /^https?$/ }).max(2_048).optional(), base64: uploadSchema.optional() })
  .refine((a) => (a.url === undefined) !== (a.base64 === undefined), 'give exactly one of url or base64');

export type AttachmentInput = z.output<typeof attachmentInputSchema>;

/** Body of POST /v1/messages (DESIGN.md §4). */
export const inboundMessageSchema = z.strictObject({
  channelID: z.string().min(1).max(64),
  token: z.string().min(1).max(256),
  message: z
    .string()
    .transform((text) => text.trim())
    .pipe(z.string().min(1, 'must not be empty').max(MAX_MESSAGE_CHARS)),
  userID: z.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional(),
  attachments: z.array(attachmentInputSchema).max(MAX_ATTACHMENTS).optional(),
});

export type InboundMessage = z.infer<typeof inboundMessageSchema>;

/** What the session sees of an attachment: always a URL (uploads are stored first). */
export interface AttachmentRef {
  url: string;
}

/** A bot or agent reply as the integrator's webhook receives it (DESIGN.md §7). */
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
