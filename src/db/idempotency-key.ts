import { Schema, model, type InferSchemaType } from 'mongoose';

const idempotencyKeySchema = new Schema(
  {
    // sha256 of the channel key and the client's Idempotency-Key: fixed length, and the key itself is not kept.
    _id: { type: String, required: true },
    // sha256 of the request as parsed (token left out): the same key with another body is refused.
    fingerprint: { type: String, required: true },
    state: { type: String, enum: ['pending', 'done'], required: true },
    // A pending claim whose lease ran out (its API process died) may be taken over by a retry.
    leaseUntil: { type: Date, required: true },
    // Who holds the claim now (a random token per claim): its writes are filtered on it.
    holder: { type: String, required: true },
    // The channel (the key's scope) and the user it sent for, so erasing a user finds their keys (src/services/sessions/erase-user.ts).
    channelKey: { type: String },
    // Given by the request, or kept as soon as a new user is issued, so a takeover sends to the same session.
    userID: { type: Number },
    answer: { type: Schema.Types.Mixed },
    expiresAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// The TTL index on expiresAt is made by connectDatabase (FerretDB v1 has none, so readers also check expiresAt).

export type IdempotencyKeyDoc = InferSchemaType<typeof idempotencyKeySchema>;
export const IdempotencyKey = model('IdempotencyKey', idempotencyKeySchema, 'idempotency_keys');
