import { Schema, model, type InferSchemaType } from 'mongoose';

export const CHANNEL_STATUSES = ['active', 'disabled'] as const;

const channelSchema = new Schema(
  {
    // _id is the immutable channel key: sessions, users and deployments hang off it.
    accountId: { type: Schema.Types.ObjectId, required: true },
    channelID: { type: String, required: true },
    // Kept readable: the request example shows it again. Compared in constant time.
    token: { type: String, required: true },
    webhookUrl: { type: String, required: true },
    // Needed in clear to sign deliveries.
    webhookSecret: { type: String, required: true },
    // After a rotation deliveries are signed with both secrets until previousSecretUntil (24 h).
    previousWebhookSecret: { type: String },
    previousSecretUntil: { type: Date },
    status: { type: String, enum: CHANNEL_STATUSES, required: true, default: 'active' },
    // webhook_gone (the webhook answered 410) or webhook_failing (every delivery failed for 5 days).
    disabledReason: { type: String },
    // First failed delivery attempt since the last delivered one; cleared by a success or a re-enable.
    failingSince: { type: Date },
    // Last issued userID; users are issued by an atomic $inc on this field.
    lastUserID: { type: Number, required: true, default: 0 },
  },
  { timestamps: true },
);

// Serves intake authentication: every POST /v1/messages looks the channel up by its public id.
channelSchema.index({ channelID: 1 }, { unique: true });
// Serves "this account's channels" (listing, plan channel limits).
channelSchema.index({ accountId: 1, createdAt: -1 });

export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** The secrets a delivery is signed with at `now`: the current one, and the previous one during a rotation. */
export function signingSecrets(
  channel: { webhookSecret: string; previousWebhookSecret?: string | null; previousSecretUntil?: Date | null },
  now: number,
): string[] {
  const overlap = channel.previousWebhookSecret && channel.previousSecretUntil && channel.previousSecretUntil.getTime() > now;
  return overlap ? [channel.webhookSecret, channel.previousWebhookSecret!] : [channel.webhookSecret];
}

export type ChannelDoc = InferSchemaType<typeof channelSchema>;
export const Channel = model('Channel', channelSchema);
