import { Schema, model, type InferSchemaType } from 'mongoose';

export const ADMIN_ROLES = ['admin', 'agent'] as const;
export type AdminRole = (typeof ADMIN_ROLES)[number];

/** An admin of an account: a name, an adminID that agent messages carry, and one API key with a role. */
const adminSchema = new Schema(
  {
    accountId: { type: Schema.Types.ObjectId, required: true },
    adminID: { type: Number, required: true },
    name: { type: String, required: true },
    // API keys are "pk_<keyId>_<secret>": keyId finds the admin, the secret is kept only as a SHA-256 hash.
    keyId: { type: String, required: true },
    apiKeyHash: { type: String, required: true },
    // `admin` manages keys, channels, bots and deployments; `agent` only reads sessions and writes to users.
    // Absent on keys made before roles existed: those are admin keys.
    role: { type: String, enum: ADMIN_ROLES, default: 'admin' },
    // The key is refused from then on (optional).
    expiresAt: { type: Date },
    // Set once by a revocation; the key is refused from then on, and the row stays for the audit.
    revokedAt: { type: Date },
  },
  { timestamps: true },
);

// Serves API-key authentication: one lookup by the key's public id.
adminSchema.index({ keyId: 1 }, { unique: true });
// Serves "admins of this account" and keeps adminID unique within an account.
adminSchema.index({ accountId: 1, adminID: 1 }, { unique: true });

export type AdminDoc = InferSchemaType<typeof adminSchema>;
export const Admin = model('Admin', adminSchema);
