import { z } from 'zod';
import { PLANS } from '../db/account';
import { flowSchema } from './flow';

export const objectId = z.string().regex(/^[a-f0-9]{24}$/, 'expected a 24-character hex id');

export const createAccountSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  plan: z.enum(PLANS),
});

export const webhookUrlSchema = z
  .url({ protocol: /^https?$/ })
  .max(2_048)
  .refine((url) => !new URL(url).username && !new URL(url).password, 'credentials in the URL are not supported (fetch refuses them)');

export const createChannelSchema = z.strictObject({
  webhookUrl: webhookUrlSchema,
  channelID: z.string().regex(/^[A-Za-z0-9_-]{3,64}$/, 'use 3-64 letters, digits, "_" or "-"').optional(),
  token: z.string().min(24).max(256).optional(),
});

export const createBotSchema = z.strictObject({
  name: z.string().trim().min(1).max(200),
  flow: flowSchema,
});

/** "#Order" and "order" are the same keyword: stored lower-case, without '#'. */
export const keywordSchema = z
  .string()
  .trim()
  .transform((keyword) => keyword.replace(/^#/, '').toLowerCase())
  .pipe(z.string().regex(/^[a-z0-9_-]{1,64}$/, 'use 1-64 letters, digits, "_" or "-", optionally after "#"'));

export const createDeploymentSchema = z.strictObject({
  botId: objectId,
  keyword: keywordSchema,
  default: z.boolean().optional(),
});

export type CreateAccount = z.infer<typeof createAccountSchema>;
export type CreateChannel = z.infer<typeof createChannelSchema>;
export type CreateBot = z.infer<typeof createBotSchema>;
export type CreateDeployment = z.infer<typeof createDeploymentSchema>;
