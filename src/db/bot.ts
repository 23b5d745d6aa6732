import { Schema, model, type InferSchemaType } from 'mongoose';

export const BOT_STATUSES = ['draft', 'ready'] as const;

const botSchema = new Schema(
  {
    accountId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    version: { type: Number, required: true, default: 1 },
    // Validated before it is stored (node ids never contain '.' or start with '$').
    flow: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: BOT_STATUSES, required: true },
  },
  { timestamps: true, minimize: false },
);

// Serves "this account's bots".
botSchema.index({ accountId: 1, createdAt: -1 });

export type BotDoc = InferSchemaType<typeof botSchema>;
export const Bot = model('Bot', botSchema);
