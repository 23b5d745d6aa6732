import { randomBytes } from 'node:crypto';
import mongoose from 'mongoose';
import { ALLOWED_MIME_TYPES, type AllowedMime } from '../attachments/data-url';
import type { AttachmentInput, AttachmentRef } from '../schemas/message';

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

/** Stores each base64 upload in GridFS; URL attachments pass through. `publicUrl` is where the API is reached. */
export async function storeAttachments(inputs: AttachmentInput[], publicUrl: string): Promise<StoredAttachments> {
  const stored: string[] = [];
  const discard = async () => {
    await Promise.all(stored.map((id) => bucket().delete(id as never).catch(() => undefined)));
  };
  try {
    const refs: AttachmentRef[] = [];
    for (const input of inputs) {
      if (!input.base64) {
        refs.push({ url: input.url! });
        continue;
      }
      const id = randomBytes(24).toString('base64url');
      const filename = `attachment-${id.slice(0, 8)}.${ALLOWED_MIME_TYPES[input.base64.mime]}`;
      stored.push(id); // before writing: chunks written before a failure are deleted too
      const upload = bucket().openUploadStreamWithId(id as never, filename, { metadata: { mime: input.base64.mime } });
      await new Promise<void>((ok, fail) => upload.once('finish', ok).once('error', fail).end(input.base64!.bytes));
      refs.push({ url: `${publicUrl}/v1/attachments/${id}` });
    }
    return { refs, discard };
  } catch (err) {
    await discard();
    throw err;
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
