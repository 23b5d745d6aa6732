import { z } from 'zod';

export const MAX_MESSAGE_CHARS = 10_000;
export const MAX_ATTACHMENTS = 10;

// Only URL attachments for now: they are passed through, never fetched. Base64 uploads (GridFS) come with issue 7.
export const attachmentInputSchema = z.strictObject({ url: z.url({ protocol: /^https?$/ }).max(2_048) });

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

/** What the session sees of an attachment: always a URL (base64 uploads are stored first). */
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
