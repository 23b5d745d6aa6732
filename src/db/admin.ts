import { Schema, model, type InferSchemaType } from 'mongoose';

const adminSchema = new Schema(
  {
    accountId: { type: Schema.Types.ObjectId, required: true },
    adminID: { type: Number, required: true },
    name: { type: String, required: true },
    // API keys are "pk_<keyId>_<secret>": keyId finds the admin, the secret is kept only as a SHA-256 hash.
    keyId: { type: String, required: true },
    apiKeyHash: { type: String, required: true },
  },
  { timestamps: true },
);

// Serves API-key authentication: one lookup by the key's public id.
adminSchema.index({ keyId: 1 }, { unique: true });
// Serves "admins of this account" and keeps adminID unique within an account.
adminSchema.index({ accountId: 1, adminID: 1 }, { unique: true });

export type AdminDoc = InferSchemaType<typeof adminSchema>;
export const Admin = model('Admin', adminSchema);
