import type { Types } from 'mongoose';
import { z } from 'zod';

/** `?limit=&pageToken=` of every list: at most 200 a page, 50 unless asked. */
export const pageQuerySchema = z.strictObject({
  limit: z.coerce.number().int().min(1).max(200).default(50),
  // The last row's sort key, "<createdAt ms>.<id>": any such key is a place to continue from.
  pageToken: z.string().regex(/^\d{1,15}\.[0-9a-f]{24}$/, 'the nextPageToken of a previous page').optional(),
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

const encodeToken = ({ createdAt, _id }: Keyed) => `${createdAt.getTime()}.${String(_id)}`;

/** Every token pageQuerySchema lets through is a place to continue from: 15 digits stay within Date's range. */
function decodeToken(token: string): { createdAt: Date; id: string } {
  const [at, id] = token.split('.') as [string, string];
  return { createdAt: new Date(Number(at)), id };
}
