import { Schema, model, type InferSchemaType } from 'mongoose';

const userSchema = new Schema(
  {
    channelKey: { type: Schema.Types.ObjectId, required: true },
    userID: { type: Number, required: true },
    // Next webhook seq for this user, saved when a session run ends so seq keeps growing across runs.
    nextSeq: { type: Number, required: true, default: 1 },
    // Set when an erasure (DELETE …/users/:userID) starts: the user is unknown from then on, and a retried erasure
    // finishes the job; the document itself goes last.
    erasedAt: { type: Date },
  },
  { timestamps: true },
);

// Serves session load/save and "is this userID issued on this channel".
userSchema.index({ channelKey: 1, userID: 1 }, { unique: true });

export type UserDoc = InferSchemaType<typeof userSchema>;
export const User = model('User', userSchema);
