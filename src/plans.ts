import type { Plan } from './db/account';

export interface PlanLimits {
  /** API channels an account may have; null is unlimited. */
  apiChannels: number | null;
  /** Messages per second per channel and the burst above it (enforced with issue 7's shared limiter). */
  messagesPerSecond: number;
  burst: number;
}

/** DESIGN.md §9, in one place: every plan rule reads this table. */
export const PLANS: Record<Plan, PlanLimits> = {
  free: { apiChannels: 0, messagesPerSecond: 0, burst: 0 },
  pro: { apiChannels: 10, messagesPerSecond: 20, burst: 40 },
  enterprise: { apiChannels: null, messagesPerSecond: 200, burst: 400 },
};

export function allowsApiChannels(plan: Plan | null | undefined): boolean {
  return plan !== null && plan !== undefined && PLANS[plan].apiChannels !== 0;
}
