import type { Types } from 'mongoose';
import { z } from 'zod';
import { InvalidRequest } from '../api/errors';

/** `?limit=&pageToken=` of every list: at most 200 a page, 50 unless asked. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  pageToken: z.string().min(1).max(200).optional(),
});
export type PageQuery = z.infer<typeof pageQuerySchema>;

export interface Page<T> {
  items: T[];
  /** Present when there may be more: pass it back as `pageToken`. */
  nextPageToken?: string;
}

type Keyed = { _id: Types.ObjectId; createdAt: Date };

/** What pageOf needs of a mongoose query. */
interface ListQuery {
  sort(order: Record<string, 1 | -1>): ListQuery;
  limit(count: number): ListQuery;
  lean(): PromiseLike<unknown>;
}
export type Find = (filter: { $and: Record<string, unknown>[] }) => ListQuery;

/**
 * One page of `filter`'s documents in `order` (1 oldest first, -1 newest first) by (createdAt, _id). The token is
 * the last row's sort key, so pages stay stable while documents are added (keyset pagination: no skip).
 */
export async function pageOf<T extends Keyed>(find: Find, filter: Record<string, unknown>, query: PageQuery, order: 1 | -1): Promise<Page<T>> {
  const conditions: Record<string, unknown>[] = [filter];
  if (query.pageToken) {
    const after = decodeToken(query.pageToken);
    const beyond = order === -1 ? '$lt' : '$gt';
    conditions.push({ $or: [{ createdAt: { [beyond]: after.createdAt } }, { createdAt: after.createdAt, _id: { [beyond]: after.id } }] });
  }
  const rows = (await find({ $and: conditions }).sort({ createdAt: order, _id: order }).limit(query.limit + 1).lean()) as T[];
  const items = rows.slice(0, query.limit);
  return { items, ...(rows.length > query.limit ? { nextPageToken: encodeToken(items.at(-1)!) } : {}) };
}

const encodeToken = ({ createdAt, _id }: Keyed) => Buffer.from(JSON.stringify([createdAt.getTime(), String(_id)])).toString('base64url');

function decodeToken(token: string): { createdAt: Date; id: string } {
  try {
    const [at, id] = JSON.parse(Buffer.from(token, 'base64url').toString('utf8')) as [unknown, unknown];
    // Within the dates a Date can hold (±8.64e15 ms), so a forged token is a 400, not a failed cast.
    if (typeof at === 'number' && Math.abs(at) <= 8.64e15 && typeof id === 'string' && /^[0-9a-f]{24}$/.test(id)) return { createdAt: new Date(at), id };
  } catch {
    // falls through to the error below
  }
  throw new InvalidRequest([{ path: 'pageToken', message: 'not a page token from this API' }]);
}
