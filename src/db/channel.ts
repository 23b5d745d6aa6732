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
    status: { type: String, enum: CHANNEL_STATUSES, required: true, default: 'active' },
    disabledReason: { type: String },
    // Last issued userID; users are issued by an atomic $inc on this field.
    lastUserID: { type: Number, required: true, default: 0 },
  },
  { timestamps: true },
);

// Serves intake authentication: every POST /v1/messages looks the channel up by its public id.
channelSchema.index({ channelID: 1 }, { unique: true });
// Serves "this account's channels" (listing, plan channel limits).
channelSchema.index({ accountId: 1, createdAt: -1 });

export type ChannelDoc = InferSchemaType<typeof channelSchema>;
export const Channel = model('Channel', channelSchema);
