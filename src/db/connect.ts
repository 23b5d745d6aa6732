import mongoose from 'mongoose';
import { Account } from './account';
import { Admin } from './admin';
import { Bot, BotVersion } from './bot';
import { Channel } from './channel';
import { DeletedChannel } from './deleted-channel';
import { Delivery } from './delivery';
import { Deployment } from './deployment';
import { Event } from './event';
import { IdempotencyKey } from './idempotency-key';
import { User } from './user';

const MODELS = [Account, Admin, Bot, BotVersion, Channel, DeletedChannel, Delivery, Deployment, Event, IdempotencyKey, User];

/** Connects mongoose and makes sure every index exists (idempotent, safe on every start). */
export async function connectDatabase(uri: string): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // Queries fail fast instead of buffering while the database is down: the API answers 503.
  mongoose.set('bufferCommands', false);
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 5_000, autoIndex: false });
  await Promise.all(MODELS.map((m) => m.createIndexes()));
  await createExpiryIndexes();
  await createAttachmentIndexes();
  return mongoose;
}

/** Uploads live in GridFS (src/services/messages/attachments.ts), not a model: the indexes its lookups and sweeps use. */
async function createAttachmentIndexes(): Promise<void> {
  const files = mongoose.connection.collection('attachments.files');
  await files.createIndex({ 'metadata.channelKey': 1, 'metadata.sha256': 1 });
  await files.createIndex({ 'metadata.lastUsedAt': 1 });
}

export async function disconnectDatabase(): Promise<void> {
  // FerretDB v1 answers endSessions with an error on close; it is harmless.
  await mongoose.disconnect().catch(() => undefined);
}

export async function pingDatabase(): Promise<void> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('database not connected');
  await db.admin().command({ ping: 1 });
}

/**
 * Documents that MongoDB deletes once `field` (a Date) has passed. FerretDB v1 does not implement TTL indexes:
 * there the index is a plain one and the documents stay, so every reader also checks the date itself.
 */
async function createExpiryIndexes(): Promise<void> {
  const expiring = [
    [IdempotencyKey.collection.collectionName, 'expiresAt'],
    [Event.collection.collectionName, 'expiresAt'],
  ] as const;
  for (const [collection, field] of expiring) {
    const indexes = mongoose.connection.collection(collection);
    await indexes.createIndex({ [field]: 1 }, { expireAfterSeconds: 0 }).catch(async (err: { message?: string }) => {
      if (!err.message?.includes('expireAfterSeconds')) throw err;
      await indexes.createIndex({ [field]: 1 });
    });
  }
}
