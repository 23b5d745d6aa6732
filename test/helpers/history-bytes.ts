import type { temporal } from '@temporalio/proto';
import type { Payload, PayloadCodec } from '@temporalio/common';

/** Every byte string and text of a history as stored (payload data and metadata, failure messages, names…). */
export function storedContents(value: unknown): Buffer[] {
  if (value instanceof Uint8Array) return [Buffer.from(value)];
  if (typeof value === 'string') return [Buffer.from(value, 'utf8')];
  if (Array.isArray(value)) return value.flatMap(storedContents);
  if (value === null || typeof value !== 'object') return [];
  return Object.values(value).flatMap(storedContents);
}

/** Whether `text` occurs anywhere in the stored history. */
export function historyHolds(history: temporal.api.history.v1.IHistory, text: string): boolean {
  return storedContents(history).some((bytes) => bytes.includes(text));
}

/** Every payload of a history (anything with `data` and `metadata`), for decoding in a test. */
export function payloadsOf(value: unknown): Payload[] {
  if (Array.isArray(value)) return value.flatMap(payloadsOf);
  if (value === null || typeof value !== 'object' || value instanceof Uint8Array) return [];
  const record = value as Record<string, unknown>;
  if (record.metadata && record.data instanceof Uint8Array) return [record as Payload];
  return Object.values(record).flatMap(payloadsOf);
}

/** The history's payloads decoded with `codec`, as one text to search. */
export async function decodedText(history: temporal.api.history.v1.IHistory, codec: PayloadCodec): Promise<string> {
  const decoded = await codec.decode(payloadsOf(history));
  return decoded.map((payload) => Buffer.from(payload.data ?? []).toString('utf8')).join('\n');
}
