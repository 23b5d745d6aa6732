import mongoose from 'mongoose';
import { Account } from './account';
import { Admin } from './admin';
import { Bot, BotVersion } from './bot';
import { Channel } from './channel';
import { Deployment } from './deployment';
import { User } from './user';

const MODELS = [Account, Admin, Bot, BotVersion, Channel, Deployment, User];

/** Connects mongoose and makes sure every index exists (idempotent, safe on every start). */
export async function connectDatabase(uri: string): Promise<typeof mongoose> {
  mongoose.set('strictQuery', true);
  // Queries fail fast instead of buffering while the database is down: the API answers 503.
  mongoose.set('bufferCommands', false);
  await mongoose.connect(uri, { serverSelectionTimeoutMS: 5_000, autoIndex: false });
  await Promise.all(MODELS.map((m) => m.createIndexes()));
  return mongoose;
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
