import { Schema, model, type InferSchemaType } from 'mongoose';

const deploymentSchema = new Schema(
  {
    channelKey: { type: Schema.Types.ObjectId, required: true },
    botId: { type: Schema.Types.ObjectId, required: true },
    // Lower-cased and without '#': FerretDB has no collations, so case-insensitivity lives in the data.
    keyword: { type: String, required: true },
    default: { type: Boolean, required: true, default: false },
  },
  { timestamps: true },
);

// Serves keyword routing in the session workflow and keeps keywords unique per channel.
deploymentSchema.index({ channelKey: 1, keyword: 1 }, { unique: true });

export type DeploymentDoc = InferSchemaType<typeof deploymentSchema>;
export const Deployment = model('Deployment', deploymentSchema);
