import { Schema, model } from 'mongoose';

/**
 * A channel being deleted or deleted lately, by its key: written before the channel goes, so that what the deletion
 * could not finish (it was cut short: the channel is gone and cannot be asked for again) or raced with (a reply's
 * delivery record or log event written by an attempt under way, a user issued from a replica's 500 ms cache) is
 * finished by the API's hourly sweep (src/services/sessions/delete-channel.ts). The sweep removes it once done.
 */
const deletedChannelSchema = new Schema(
  {
    _id: { type: Schema.Types.ObjectId, required: true },
    deletedAt: { type: Date, required: true },
  },
  { versionKey: false },
);

// The sweep's "deleted long enough ago".
deletedChannelSchema.index({ deletedAt: 1 });

export const DeletedChannel = model('DeletedChannel', deletedChannelSchema);
