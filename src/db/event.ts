import { Schema, model, type InferSchemaType } from 'mongoose';

/**
 * One entry of a channel's conversation log (src/events/log.ts): stored once, in order. `cursor` is the
 * channel's position, allocated from Channel.lastEventCursor; the _id is the event's own id (a messageId, a
 * webhook-id, or one the session derives), so an append that is retried never stores it twice.
 */
const eventSchema = new Schema(
  {
    _id: { type: String, required: true },
    channelKey: { type: Schema.Types.ObjectId, required: true },
    cursor: { type: Number, required: true },
    userID: { type: Number, required: true },
    type: { type: String, required: true },
    // The per-user seq the webhook gets it under: bot and agent replies, and session events the channel's webhook takes.
    seq: { type: Number },
    // The body readers and the webhook get (its schema depends on `type`: src/events/types.ts).
    data: { type: Schema.Types.Mixed, required: true },
    // When the event happened (the session's clock).
    at: { type: Date, required: true },
    // When its cursor was allocated (the writer's clock): a reader decides from it whether a gap can still fill.
    allocatedAt: { type: Date, required: true },
    // The plan's retention: MongoDB's TTL index deletes it then; on FerretDB v1 a sweep does.
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// Serves the channel's log in order (long-poll, stream, history) and makes a cursor unique within its channel.
eventSchema.index({ channelKey: 1, cursor: 1 }, { unique: true });
// Serves one user's log in order, and erasing a user.
eventSchema.index({ channelKey: 1, userID: 1, cursor: 1 });

export type EventDoc = InferSchemaType<typeof eventSchema>;
export const Event = model('Event', eventSchema);
