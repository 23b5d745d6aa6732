import type { Plan } from './db/account';

/** A token bucket: the steady rate and how many may come at once. */
export interface RateBudget {
  perSecond: number;
  burst: number;
}

/** What one consume left of a budget: the RateLimit-* headers are written from it. */
export interface Allowance {
  limit: number;
  remaining: number;
  resetMs: number;
}

/** Whole seconds until the budget refills, never 0 (a client told "retry in 0 s" retries at once). */
export function retryAfterSeconds({ resetMs }: Allowance): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

export interface PlanLimits {
  /** API channels an account may have; null is unlimited. */
  apiChannels: number | null;
  /** Messages per second per channel and how many may come at once (src/services/limits/rate-limits.ts). */
  messagesPerSecond: number;
  burst: number;
  /** Bytes of uploads a channel may hold at once (src/services/messages/attachments.ts). */
  attachmentBytes: number;
  /** Days a channel's conversation log keeps an event (src/events/log.ts). */
  eventRetentionDays: number;
}

/** Every plan rule reads this table. */
export const PLAN_LIMITS: Record<Plan, PlanLimits> = {
  free: { apiChannels: 0, messagesPerSecond: 0, burst: 0, attachmentBytes: 0, eventRetentionDays: 0 },
  pro: { apiChannels: 10, messagesPerSecond: 20, burst: 40, attachmentBytes: 1024 ** 3, eventRetentionDays: 30 },
  enterprise: { apiChannels: null, messagesPerSecond: 200, burst: 400, attachmentBytes: 20 * 1024 ** 3, eventRetentionDays: 365 },
};

/** The old name of PLAN_LIMITS (src/db/account.ts's PLAN_NAMES are the plans themselves). */
export const PLANS = PLAN_LIMITS;

export function allowsApiChannels(plan: Plan | null | undefined): boolean {
  return plan !== null && plan !== undefined && PLAN_LIMITS[plan].apiChannels !== 0;
}

/** Messages per second by one user of a channel, so that one chatty user cannot starve the channel. */
export const USER_BUDGET: RateBudget = { perSecond: 5, burst: 10 };
/** Management API requests per second by one account, whichever of its API keys sends them. */
export const ADMIN_KEY_BUDGET: RateBudget = { perSecond: 10, burst: 20 };
/**
 * Failed channel-token checks (src/services/limits/auth-failures.ts): per channelID and per client address, then per
 * (channelID, address) pair. A token of 24+ random characters is out of reach at any of these rates; they bound
 * the work a guesser causes and stop a leaked-but-rotated token from being tried forever.
 */
export const AUTH_FAILURE_BUDGETS = {
  channel: { perSecond: 1, burst: 30 },
  address: { perSecond: 1, burst: 30 },
  pair: { perSecond: 0.2, burst: 10 },
} satisfies Record<string, RateBudget>;

/** API keys an account may hold at once (revoked and expired ones do not count). */
export const MAX_API_KEYS_PER_ACCOUNT = 25;
