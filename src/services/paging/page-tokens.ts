import { randomBytes } from 'node:crypto';
import type { Redis } from 'ioredis';
import { PageTokenNotFound, Unavailable } from '../../errors';

/** How long a page token of a Temporal-backed list stays usable. */
export const PAGE_TOKEN_TTL_SECONDS = 3_600;
/** What a token looks like to clients: 16 random bytes, base64url. */
export const PAGE_TOKEN_PATTERN = /^[A-Za-z0-9_-]{22}$/;

/**
 * Cursors of lists that Temporal pages (sessions), held in Redis under a random id. Temporal's own tokens are not
 * handed out: a forged one can stall visibility for seconds (the SQL store waits on some), and a client cannot
 * tell one from another. An id names a token for one list only (its scope), for an hour, on every API replica.
 */
export interface PageTokens {
  issue(scope: string, token: Uint8Array): Promise<string>;
  /** The token `id` was issued for in `scope`; 404 page_token_not_found for an unknown, expired or foreign id. */
  redeem(scope: string, id: string): Promise<Buffer>;
}

export function createPageTokens(redis: Redis): PageTokens {
  const key = (id: string) => `parley:page:${id}`;
  const unavailable = (err: unknown) => {
    throw new Unavailable('the page token store', err);
  };
  return {
    async issue(scope, token) {
      const id = randomBytes(16).toString('base64url');
      await redis.set(key(id), JSON.stringify([scope, Buffer.from(token).toString('base64')]), 'EX', PAGE_TOKEN_TTL_SECONDS).catch(unavailable);
      return id;
    },
    async redeem(scope, id) {
      const stored = await redis.get(key(id)).catch(unavailable);
      const [storedScope, token] = stored ? (JSON.parse(stored) as [string, string]) : [];
      if (storedScope !== scope || token === undefined) throw new PageTokenNotFound();
      return Buffer.from(token, 'base64');
    },
  };
}
