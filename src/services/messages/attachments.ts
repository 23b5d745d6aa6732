import { createHash, randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { ALLOWED_MIME_TYPES, type AllowedMime } from '../../attachments/data-url';
import { AttachmentQuotaExceeded } from '../../errors';
import type { AttachmentInput, AttachmentRef } from '../../schemas/message';

const BUCKET = 'attachments';
/** 192 random bits, base64url: the id is the only key to the file, so it must not be guessable. */
export const ATTACHMENT_ID = /^[A-Za-z0-9_-]{32}$/;

export interface StoredAttachments {
  refs: AttachmentRef[];
  /** Deletes what was stored, when the message it came with was not accepted after all. */
  discard(): Promise<void>;
}

export interface AttachmentFile {
  id: string;
  mime: AllowedMime;
  length: number;
  filename: string;
  open(): NodeJS.ReadableStream;
}

function bucket(): InstanceType<typeof mongoose.mongo.GridFSBucket> {
  const db = mongoose.connection.db;
  if (!db) throw new Error('database not connected');
  return new mongoose.mongo.GridFSBucket(db, { bucketName: BUCKET });
}

/** Where and for whom uploads are stored. */
export interface AttachmentOwner {
  channelKey: string;
  /** The user the message goes to or comes from: erasing that user deletes files no other user sent or got. */
  userID: number;
  /** The channel's plan's quota of stored bytes (src/plans.ts). */
  quotaBytes: number;
}

interface StoredFileMetadata {
  mime: AllowedMime;
  channelKey: string;
  /** Hex SHA-256 of the bytes: the same file sent again on the channel (a retried request) is stored once. */
  sha256: string;
  /** Retention counts from here: set on upload and whenever a message sends the same file again. */
  lastUsedAt: Date;
  /** Users whose messages carried the file (absent on files stored before it was kept). */
  userIDs?: number[];
}

const files = () => mongoose.connection.collection(`${BUCKET}.files`);
const chunks = () => mongoose.connection.collection(`${BUCKET}.chunks`);

/**
 * Stores each base64 upload in GridFS under its channel; URL attachments pass through. A file the channel already
 * holds (same bytes) is not stored again: its URL is reused and its retention starts over, so a retried request
 * (after a timeout, with or without an Idempotency-Key) leaves one copy. New bytes must fit the channel's quota:
 * checked before storing, so uploads racing each other may pass it by at most their own size.
 */
export async function storeAttachments(inputs: AttachmentInput[], owner: AttachmentOwner, publicUrl: string, now = new Date()): Promise<StoredAttachments> {
  const stored: string[] = [];
  const discard = async () => {
    await Promise.all(stored.map((id) => bucket().delete(id as never).catch(() => undefined)));
  };
  try {
    const refs: AttachmentRef[] = [];
    const uploads = inputs.map((input) => (input.base64 ? { ...input.base64, sha256: createHash('sha256').update(input.base64.bytes).digest('hex') } : null));
    const known = await knownFiles(owner, uploads.flatMap((u) => (u ? [u.sha256] : [])), now);
    const newBytes = uploads.reduce((sum, u) => sum + (u && !known.has(u.sha256) ? u.bytes.length : 0), 0);
    if (newBytes > 0 && (await bytesStored(owner.channelKey)) + newBytes > owner.quotaBytes) throw new AttachmentQuotaExceeded(owner.quotaBytes);
    for (const [i, input] of inputs.entries()) {
      const upload = uploads[i];
      if (!upload) {
        refs.push({ url: input.url! });
        continue;
      }
      let id = known.get(upload.sha256);
      if (!id) {
        id = randomBytes(24).toString('base64url');
        const filename = `attachment-${id.slice(0, 8)}.${ALLOWED_MIME_TYPES[upload.mime]}`;
        stored.push(id); // before writing: chunks written before a failure are deleted too
        const metadata: StoredFileMetadata = { mime: upload.mime, channelKey: owner.channelKey, sha256: upload.sha256, lastUsedAt: now, userIDs: [owner.userID] };
        const stream = bucket().openUploadStreamWithId(id as never, filename, { metadata });
        await new Promise<void>((ok, fail) => stream.once('finish', ok).once('error', fail).end(upload.bytes));
        known.set(upload.sha256, id); // the same file twice in one message is stored once
      }
      refs.push({ url: `${publicUrl}/v1/attachments/${id}` });
    }
    return { refs, discard };
  } catch (err) {
    await discard();
    throw err;
  }
}

/** The channel's files among `digests`, by digest; their retention starts over, as a message (of the user) uses them again. */
async function knownFiles({ channelKey, userID }: AttachmentOwner, digests: string[], now: Date): Promise<Map<string, string>> {
  if (digests.length === 0) return new Map();
  const filter = { 'metadata.channelKey': channelKey, 'metadata.sha256': { $in: digests } };
  const rows = await files().find(filter, { projection: { _id: 1, 'metadata.sha256': 1 } }).toArray();
  if (rows.length > 0) await files().updateMany({ _id: { $in: rows.map((r) => r._id) } }, { $set: { 'metadata.lastUsedAt': now }, $addToSet: { 'metadata.userIDs': userID } });
  return new Map(rows.map((row) => [(row.metadata as StoredFileMetadata).sha256, String(row._id)]));
}

/** Bytes the channel holds in uploads (the quota's measure). */
export async function bytesStored(channelKey: string): Promise<number> {
  const [total] = await files().aggregate<{ bytes: number }>([
    { $match: { 'metadata.channelKey': channelKey } },
    { $group: { _id: null, bytes: { $sum: '$length' } } },
  ]).toArray();
  return total?.bytes ?? 0;
}

/** Deletes every upload of a deleted channel; answers how many. */
export async function deleteChannelAttachments(channelKey: string): Promise<number> {
  return deleteFiles({ 'metadata.channelKey': channelKey });
}

/**
 * Deletes uploads not used by any message for `retentionMs` (ATTACHMENT_RETENTION), a batch at a time; answers
 * how many. Files from before retention was kept (no lastUsedAt) count from their upload.
 */
export async function sweepAttachments(retentionMs: number, now = new Date()): Promise<number> {
  const cutoff = new Date(now.getTime() - retentionMs);
  return deleteFiles({ $or: [{ 'metadata.lastUsedAt': { $lt: cutoff } }, { 'metadata.lastUsedAt': { $exists: false }, uploadDate: { $lt: cutoff } }] });
}

/**
 * Erasing a user: the user leaves every file of the channel they used, and the files no user is left on are
 * deleted (only when still so at the delete: a file another user sends meanwhile stays). Files stored before
 * users were recorded are left to the retention sweep. Answers how many files were deleted.
 */
export async function deleteUserAttachments(channelKey: string, userID: number): Promise<number> {
  // The driver's types know $pull only with a condition; a plain value pulls that value.
  await files().updateMany({ 'metadata.channelKey': channelKey, 'metadata.userIDs': userID }, { $pull: { 'metadata.userIDs': userID } as never });
  // Also those a failed erasure left without users.
  const unused = { 'metadata.channelKey': channelKey, 'metadata.userIDs': { $size: 0 } };
  let deleted = 0;
  for (const { _id } of await files().find(unused, { projection: { _id: 1 } }).toArray()) {
    // The file first, only if still unused, then its chunks (GridFS's own order); chunks are never served alone.
    if ((await files().deleteOne({ _id, ...unused })).deletedCount === 0) continue;
    await chunks().deleteMany({ files_id: _id });
    deleted++;
  }
  return deleted;
}

const DELETE_BATCH = 500;

async function deleteFiles(filter: Record<string, unknown>): Promise<number> {
  let deleted = 0;
  for (;;) {
    const batch = await files().find(filter, { projection: { _id: 1 }, limit: DELETE_BATCH }).toArray();
    // GridFS's delete takes the file, then its chunks; a file already gone (a sweep on another replica) is skipped.
    for (const { _id } of batch) deleted += await bucket().delete(_id as never).then(() => 1, () => 0);
    if (batch.length < DELETE_BATCH) return deleted;
  }
}

export async function findAttachment(id: string): Promise<AttachmentFile | null> {
  if (!ATTACHMENT_ID.test(id)) return null;
  const [file] = await bucket().find({ _id: id as never }, { limit: 1 }).toArray();
  if (!file) return null;
  return {
    id,
    mime: (file.metadata as { mime: AllowedMime }).mime,
    length: file.length,
    filename: file.filename,
    open: () => bucket().openDownloadStream(id as never),
  };
}
