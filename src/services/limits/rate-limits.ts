import type { Redis } from 'ioredis';
import { RateLimited, Unavailable } from '../../errors';
import type { Plan } from '../../db/account';
import { parleyMetrics } from '../../telemetry/metrics';
import { ADMIN_KEY_BUDGET, AUTH_FAILURE_BUDGETS, PLAN_LIMITS, USER_BUDGET, type Allowance, type RateBudget } from '../../plans';
import { createAuthFailures, type AuthFailureBudgets, type AuthFailures } from './auth-failures';
import { tokenBuckets, type Bucket } from './token-buckets';

export interface RateLimitSettings {
  plans: Record<Plan, RateBudget>;
  user: RateBudget;
  adminKey: RateBudget;
  authFailures: AuthFailureBudgets;
}

export interface RateLimits {
  /** One message on a channel (and by a user of it when known); throws RateLimited or Unavailable. */
  message(channel: { channelKey: string; plan: Plan }, userID?: number): Promise<Allowance>;
  /** One management request by any API key of the account: the budget is the account's, so more keys buy none. */
  adminRequest(accountId: string): Promise<Allowance>;
  /** Failed channel-token checks (src/services/limits/auth-failures.ts). */
  authFailures: AuthFailures;
  /** Resolves when the shared store answers (readiness). */
  ping(): Promise<void>;
}

/** src/plans.ts's budgets, with RATE_LIMITS's overrides ("pro=20/40,user=5/10") applied. */
export function rateLimitSettings(overrides: Partial<Record<Plan | 'user' | 'admin-key', RateBudget>> = {}): RateLimitSettings {
  const plans = Object.fromEntries(Object.entries(PLAN_LIMITS).map(([plan, { messagesPerSecond, burst }]) => [plan, overrides[plan as Plan] ?? { perSecond: messagesPerSecond, burst }]));
  return {
    plans: plans as Record<Plan, RateBudget>,
    user: overrides.user ?? USER_BUDGET,
    adminKey: overrides['admin-key'] ?? ADMIN_KEY_BUDGET,
    authFailures: AUTH_FAILURE_BUDGETS,
  };
}

// Keys that were refused, until their bucket has a token again: a client hammering past its budget costs this
// process a map lookup, not a round trip. Exact, since nothing but time puts a token back into a bucket.
const MAX_BLOCKED_KEYS = 10_000;

/**
 * Limits shared by every API replica through Redis: the user's and the channel's budgets are spent in one atomic
 * round trip (src/services/limits/token-buckets.ts). A store that cannot answer is 503: nothing gets through unlimited.
 */
export function createRateLimits(settings: RateLimitSettings, redis: Redis): RateLimits {
  const consumeTokens = tokenBuckets(redis);
  const blockedUntil = new Map<string, number>();

  async function spend(buckets: Bucket[], metricsBudget: (refused: Bucket) => string): Promise<Allowance> {
    const now = Date.now();
    for (const bucket of buckets) {
      const until = blockedUntil.get(bucket.key);
      if (until === undefined) continue;
      if (until > now) return refuse(bucket, until - now, metricsBudget(bucket));
      blockedUntil.delete(bucket.key);
    }
    const empty = buckets.find(({ budget }) => budget.perSecond <= 0 || budget.burst <= 0);
    if (empty) return refuse(empty, 1_000, metricsBudget(empty));
    let result;
    try {
      result = await consumeTokens(buckets);
    } catch (err) {
      throw new Unavailable('the rate limiter', err);
    }
    if (!result.allowed) {
      const bucket = buckets[result.refusedBy]!;
      if (blockedUntil.size >= MAX_BLOCKED_KEYS) blockedUntil.delete(blockedUntil.keys().next().value!);
      blockedUntil.set(bucket.key, Date.now() + result.retryInMs);
      return refuse(bucket, result.retryInMs, metricsBudget(bucket));
    }
    // The tightest budget is the one a client must pace itself by.
    const allowances = result.left.map(({ remaining, fullInMs }, i) => ({ limit: buckets[i]!.budget.perSecond, remaining, resetMs: fullInMs }));
    return allowances.reduce((tightest, next) => (next.remaining < tightest.remaining ? next : tightest));
  }

  function refuse({ budget }: Bucket, retryInMs: number, metricsBudget: string): never {
    parleyMetrics().rateLimited.add(1, { budget: metricsBudget });
    throw new RateLimited({ limit: budget.perSecond, remaining: 0, resetMs: retryInMs });
  }

  return {
    async message({ channelKey, plan }, userID) {
      const started = performance.now();
      // One hash tag per channel ({channelKey}): both keys live on one Redis Cluster slot, as a script needs.
      const channel: Bucket = { key: `parley:rl:{${channelKey}}:channel`, budget: settings.plans[plan] };
      const buckets = userID === undefined ? [channel] : [{ key: `parley:rl:{${channelKey}}:user:${userID}`, budget: settings.user }, channel];
      try {
        return await spend(buckets, (refused) => (refused === channel ? `plan-${plan}` : 'user'));
      } finally {
        parleyMetrics().rateLimitSeconds.record((performance.now() - started) / 1000);
      }
    },
    adminRequest: (accountId) => spend([{ key: `parley:rl:{account:${accountId}}`, budget: settings.adminKey }], () => 'admin-key'),
    authFailures: createAuthFailures(redis, settings.authFailures),
    async ping() {
      await redis.ping();
    },
  };
}
