import mongoose from 'mongoose';
import { BurstyRateLimiter, RateLimiterMongo, RateLimiterRes } from 'rate-limiter-flexible';
import { RateLimited, Unavailable } from '../api/errors';
import type { Plan } from '../db/account';
import { parleyMetrics } from '../telemetry/metrics';
import { ADMIN_KEY_BUDGET, PLANS, USER_BUDGET, type RateBudget } from '../plans';

/** What one consume left of a budget: the RateLimit-* headers are written from it. */
export interface Allowance {
  limit: number;
  remaining: number;
  resetMs: number;
}

export interface RateLimitSettings {
  plans: Record<Plan, RateBudget>;
  user: RateBudget;
  adminKey: RateBudget;
}

export interface RateLimits {
  /** One message on a channel (and by a user of it when known); throws RateLimited or Unavailable. */
  message(channel: { channelKey: string; plan: Plan }, userID?: number): Promise<Allowance>;
  /** One management request by an API key. */
  adminRequest(apiKeyOwner: string): Promise<Allowance>;
}

/** The collections every API replica shares, one per kind of budget (rate-limiter-flexible keys them by "<prefix>:<key>"). */
export const RATE_LIMIT_COLLECTIONS = { channel: 'rate_limits_channel', user: 'rate_limits_user', admin: 'rate_limits_admin' } as const;
/** The burst above the steady rate is refilled over this window, so the sustained rate stays close to perSecond. */
const BURST_WINDOW_SECONDS = 10;

/** src/plans.ts's budgets, with RATE_LIMITS's overrides ("pro=20/40,user=5/10") applied. */
export function rateLimitSettings(overrides: Partial<Record<Plan | 'user' | 'admin-key', RateBudget>> = {}): RateLimitSettings {
  const plans = Object.fromEntries(Object.entries(PLANS).map(([plan, { messagesPerSecond, burst }]) => [plan, overrides[plan as Plan] ?? { perSecond: messagesPerSecond, burst }]));
  return { plans: plans as Record<Plan, RateBudget>, user: overrides.user ?? USER_BUDGET, adminKey: overrides['admin-key'] ?? ADMIN_KEY_BUDGET };
}

/**
 * Limits shared by every API replica through the database (rate-limiter-flexible's Mongo store).
 * A store that cannot answer is 503: traffic is never let through unlimited.
 */
export function createRateLimits(settings: RateLimitSettings, store: () => LimiterStore = sharedDatabase): RateLimits {
  const buckets = new Map<string, TokenBucket>();
  const bucket = (name: string, collection: string, budget: RateBudget) => {
    let found = buckets.get(name);
    if (!found) {
      // Built on first use: the database is connected by then.
      found = tokenBucket(name, collection, budget, store());
      buckets.set(name, found);
    }
    return found;
  };

  return {
    async message({ channelKey, plan }, userID) {
      const started = performance.now();
      try {
        const channel = bucket(`plan-${plan}`, RATE_LIMIT_COLLECTIONS.channel, settings.plans[plan]);
        // The user's own budget first, so a chatty user is refused without spending the channel's.
        const user = userID === undefined ? undefined : await bucket('user', RATE_LIMIT_COLLECTIONS.user, settings.user).consume(`${channelKey}:${userID}`);
        const byChannel = await channel.consume(channelKey);
        return user && user.remaining < byChannel.remaining ? user : byChannel;
      } finally {
        parleyMetrics().rateLimitSeconds.record((performance.now() - started) / 1000);
      }
    },
    adminRequest: (apiKeyOwner) => bucket('admin-key', RATE_LIMIT_COLLECTIONS.admin, settings.adminKey).consume(apiKeyOwner),
  };
}

interface TokenBucket {
  consume(key: string): Promise<Allowance>;
}

/** Where the counters live: the app's own database unless a test points elsewhere. */
export interface LimiterStore {
  client: ReturnType<typeof mongoose.connection.getClient>;
  dbName: string;
}

const sharedDatabase = (): LimiterStore => ({ client: mongoose.connection.getClient(), dbName: mongoose.connection.name });

function tokenBucket(name: string, tableName: string, { perSecond, burst }: RateBudget, { client, dbName }: LimiterStore): TokenBucket {
  // Indexes are connectDatabase's: the library's own would ask FerretDB for a TTL index it does not have.
  const store = { storeClient: client, dbName, tableName, disableIndexesCreation: true };
  const steady = new RateLimiterMongo({ ...store, keyPrefix: name, points: perSecond, duration: 1 });
  const extra = burst - perSecond;
  const limiter = extra > 0
    ? new BurstyRateLimiter(steady, new RateLimiterMongo({ ...store, keyPrefix: `${name}-burst`, points: extra, duration: BURST_WINDOW_SECONDS }))
    : steady;
  return {
    async consume(key) {
      try {
        const res = await limiter.consume(key);
        return { limit: perSecond, remaining: res.remainingPoints, resetMs: res.msBeforeNext };
      } catch (err) {
        if (err instanceof RateLimiterRes) {
          parleyMetrics().rateLimited.add(1, { budget: name });
          throw new RateLimited({ limit: perSecond, remaining: 0, resetMs: err.msBeforeNext });
        }
        throw new Unavailable('the rate limiter', err);
      }
    },
  };
}
