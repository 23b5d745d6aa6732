import { Schema, model, type InferSchemaType } from 'mongoose';

export const PLAN_NAMES = ['free', 'pro', 'enterprise'] as const;
export type Plan = (typeof PLAN_NAMES)[number];
/** The old name of PLAN_NAMES. */
export const PLANS = PLAN_NAMES;

const accountSchema = new Schema(
  {
    name: { type: String, required: true },
    plan: { type: String, enum: PLAN_NAMES, required: true },
    nextAdminID: { type: Number, required: true, default: 0 },
  },
  { timestamps: true },
);

export type AccountDoc = InferSchemaType<typeof accountSchema>;
export const Account = model('Account', accountSchema);
