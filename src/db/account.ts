import { Schema, model, type InferSchemaType } from 'mongoose';

export const PLANS = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLANS)[number];

const accountSchema = new Schema(
  {
    name: { type: String, required: true },
    plan: { type: String, enum: PLANS, required: true },
    nextAdminID: { type: Number, required: true, default: 0 },
  },
  { timestamps: true },
);

export type AccountDoc = InferSchemaType<typeof accountSchema>;
export const Account = model('Account', accountSchema);
