import { z } from 'zod';
import { ERRORS, type ErrorCode } from '../errors';
import type { UserErasure } from './views';

/** Every error answer (README, "Errors"): the OpenAPI document declares it for each error status. */
export const errorBodySchema = z.strictObject({
  success: z.literal(false),
  error: z.strictObject({
    // The catalogue's codes (src/errors.ts): a generated client can switch on them.
    code: z.enum(Object.keys(ERRORS) as [ErrorCode, ...ErrorCode[]]),
    message: z.string(),
    details: z.array(z.strictObject({ path: z.string(), message: z.string() })).optional(),
  }),
});

/** POST /v1/messages: the message is durably queued. */
export const acceptedSchema = z.strictObject({
  channelID: z.string(),
  message: z.string(),
  userID: z.number().int().positive(),
  success: z.literal(true),
});

const count = z.number().int().nonnegative();

/** DELETE /v1/channels/:channelID/users/:userID: what the erasure deleted, per store. */
export const userErasureSchema = z.strictObject({
  channelID: z.string(),
  userID: z.number().int().positive(),
  sessionEnded: z.boolean(),
  deleted: z.strictObject({ events: count, deliveries: count, attachments: count, idempotencyKeys: count, users: count }),
}) satisfies z.ZodType<UserErasure>;
