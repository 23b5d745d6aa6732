/**
 * A unique index refused the write. MongoDB says so with code 11000; FerretDB v1 does too on insert, but on
 * update it answers a generic error carrying SQLite's "UNIQUE constraint failed".
 */
export function isDuplicateKey(err: unknown): boolean {
  const e = err as { code?: number; message?: string } | null;
  return e?.code === 11000 || Boolean(e?.message?.includes('UNIQUE constraint failed'));
}
