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
    // Secrets rotated out, each signing beside the current one until its own `until` (24 h after it was replaced).
    previousSecrets: { type: [new Schema({ secret: { type: String, required: true }, until: { type: Date, required: true } }, { _id: false })], default: undefined },
    // Written by rotations before previousSecrets existed: read, and moved into previousSecrets by the next rotation.
    previousWebhookSecret: { type: String },
    previousSecretUntil: { type: Date },
    status: { type: String, enum: CHANNEL_STATUSES, required: true, default: 'active' },
    // webhook_gone (the webhook answered 410) or webhook_failing (every delivery failed for 5 days).
    disabledReason: { type: String },
    // First failed delivery attempt since the last delivered one; cleared by a success or a re-enable.
    failingSince: { type: Date },
    // Last issued userID; users are issued by an atomic $inc on this field.
    lastUserID: { type: Number, required: true, default: 0 },
    // The log's event types its webhook receives (src/events/types.ts); absent: DEFAULT_WEBHOOK_EVENTS, the messages.
    webhookEvents: { type: [String], default: undefined },
    // Users erased so far: part of the intake's known-user cache key, so an erasure reaches every replica's cache
    // within the channel cache's 500 ms.
    usersErased: { type: Number, required: true, default: 0 },
    // Last cursor taken in the channel's conversation log (src/events/log.ts).
    lastEventCursor: { type: Number, required: true, default: 0 },
  },
  { timestamps: true },
);

// Serves intake authentication: every POST /v1/messages looks the channel up by its public id.
channelSchema.index({ channelID: 1 }, { unique: true });
// Serves "this account's channels" (listing, plan channel limits).
channelSchema.index({ accountId: 1, createdAt: -1 });

export const SECRET_ROTATION_OVERLAP_MS = 24 * 3_600_000;

/** At most this many rotated-out secrets sign at once: a delivery carries at most four signatures. */
export const MAX_PREVIOUS_SECRETS = 3;

export interface ChannelSecrets {
  webhookSecret: string;
  previousSecrets?: { secret: string; until: Date }[] | null;
  previousWebhookSecret?: string | null;
  previousSecretUntil?: Date | null;
}

/** The rotated-out secrets still signing at `now`, newest first (including one a pre-list rotation left). */
export function previousSecretsAt(channel: ChannelSecrets, now: number): { secret: string; until: Date }[] {
  const legacy = channel.previousWebhookSecret && channel.previousSecretUntil ? [{ secret: channel.previousWebhookSecret, until: channel.previousSecretUntil }] : [];
  return [...(channel.previousSecrets ?? []), ...legacy].filter(({ until }) => until.getTime() > now);
}

/** The secrets a delivery is signed with at `now`: the current one, then each rotated-out one still in its 24 h. */
export function signingSecrets(channel: ChannelSecrets, now: number): string[] {
  return [channel.webhookSecret, ...previousSecretsAt(channel, now).map(({ secret }) => secret)];
}

export type ChannelDoc = InferSchemaType<typeof channelSchema>;
export const Channel = model('Channel', channelSchema);
