import { Schema, model, type InferSchemaType } from 'mongoose';

export const BOT_STATUSES = ['draft', 'ready'] as const;

/** A bot: its name and where its versions stand. Each save adds a BotVersion; sessions run the latest ready one. */
const botSchema = new Schema(
  {
    accountId: { type: Schema.Types.ObjectId, required: true },
    name: { type: String, required: true },
    /** The latest saved version and its status. */
    version: { type: Number, required: true },
    status: { type: String, enum: BOT_STATUSES, required: true },
    /** The latest ready version (what new sessions start), or null while only drafts exist. */
    readyVersion: { type: Number, default: null },
  },
  { timestamps: true },
);

// Serves "this account's bots".
botSchema.index({ accountId: 1, createdAt: -1 });

const botVersionSchema = new Schema(
  {
    botId: { type: Schema.Types.ObjectId, required: true },
    version: { type: Number, required: true },
    // Validated before it is stored: node ids and variable names never contain '.' or start with '$'.
    flow: { type: Schema.Types.Mixed, required: true },
    status: { type: String, enum: BOT_STATUSES, required: true },
  },
  { timestamps: true, minimize: false },
);

// Serves loading one version (sessions, GET) and makes concurrent saves of the same version number collide.
botVersionSchema.index({ botId: 1, version: 1 }, { unique: true });

export type BotDoc = InferSchemaType<typeof botSchema>;
export const Bot = model('Bot', botSchema);
export const BotVersion = model('BotVersion', botVersionSchema);
