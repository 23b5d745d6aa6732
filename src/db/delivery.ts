import { Schema, model, type InferSchemaType, type Types } from 'mongoose';

export const DELIVERY_STATES = ['pending', 'delivered', 'failed'] as const;
export type DeliveryState = (typeof DELIVERY_STATES)[number];

/** Attempts kept per delivery; the schedule makes 8, redeliveries and re-enables add more. */
export const ATTEMPTS_KEPT = 50;

const attemptSchema = new Schema(
  {
    at: { type: Date, required: true },
    // Absent when no answer came (timeout, refused connection, forbidden address).
    status: { type: Number },
    latencyMs: { type: Number },
    error: { type: String },
    responseSnippet: { type: String },
  },
  { _id: false },
);

/** One record per webhook message (its webhook-id), written by the delivery activity at every attempt. */
const deliverySchema = new Schema(
  {
    _id: { type: String, required: true }, // the webhook-id, stable across retries and redeliveries
    channelKey: { type: Schema.Types.ObjectId, required: true },
    userID: { type: Number, required: true },
    seq: { type: Number, required: true },
    // The body as last sent; channelID is the channel's public ID at that time.
    payload: { type: Schema.Types.Mixed, required: true },
    state: { type: String, enum: DELIVERY_STATES, required: true },
    // Why a pending delivery is not being attempted now, e.g. channel_disabled.
    waiting: { type: String },
    attempts: { type: [attemptSchema], default: [] },
    redeliveries: { type: Number, default: 0 },
    // The message's time: "since T" filters on it.
    createdAt: { type: Date, required: true },
    updatedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Serves "this channel's recent deliveries" (optionally of one user, filtered in the scan).
deliverySchema.index({ channelKey: 1, createdAt: -1, seq: -1, _id: -1 });
// Serves "failed (or pending) since T": redeliver-since and re-enabling a disabled channel.
deliverySchema.index({ channelKey: 1, state: 1, createdAt: 1 });

// Serves "the user's highest seq" (a new session run continues past it; a seq already taken is never sent again).
deliverySchema.index({ channelKey: 1, userID: 1, seq: -1 });

export type DeliveryDoc = InferSchemaType<typeof deliverySchema>;
export const Delivery = model('Delivery', deliverySchema);

/** The highest seq in a user's delivery log, 0 when there is none (the channelKey, userID, seq index). */
export async function lastLoggedSeq(channelKey: Types.ObjectId, userID: number): Promise<number> {
  const last = await Delivery.findOne({ channelKey, userID }, { seq: 1 }).sort({ seq: -1 }).lean();
  return last?.seq ?? 0;
}
