import { Redis } from 'ioredis';
import type { Logger } from '../logger';

/**
 * A Redis connection for the rate limiter that fails fast: while Redis is away a command errors at once (no
 * offline queue, one try, a 1 s deadline) and the API answers 503, and the client reconnects in the background.
 * `lazy` connects on the first command (tests that never limit anything).
 */
export function createRedis(url: string, logger?: Logger, options: { lazy?: boolean } = {}): Redis {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: 1_000,
    connectTimeout: 2_000,
    lazyConnect: options.lazy ?? false,
    retryStrategy: (times) => Math.min(times * 200, 2_000),
  });
  // One line per outage, not one per reconnect attempt.
  let down = false;
  redis.on('error', (err: Error) => {
    if (down) return;
    down = true;
    logger?.warn({ err: { message: err.message } }, 'redis unreachable; rate-limited requests answer 503 until it is back');
  });
  redis.on('ready', () => {
    if (down) logger?.info('redis reachable again');
    down = false;
  });
  return redis;
}

/** Resolves once the connection is ready; names REDIS_URL when it is not within `timeoutMs`. */
export async function redisReady(redis: Redis, timeoutMs = 10_000): Promise<void> {
  if (redis.status === 'ready') return;
  await new Promise<void>((ok, fail) => {
    const timer = setTimeout(() => {
      redis.off('ready', ready);
      fail(new Error(`REDIS_URL: no Redis answered within ${timeoutMs / 1000} s`));
    }, timeoutMs);
    const ready = () => {
      clearTimeout(timer);
      ok();
    };
    redis.once('ready', ready);
  });
}
