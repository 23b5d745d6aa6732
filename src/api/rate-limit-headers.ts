import type { Response } from 'express';
import type { Allowance } from '../services/rate-limits';

/** Whole seconds until the budget refills, never 0 (a client told "retry in 0 s" retries at once). */
export function retryAfterSeconds({ resetMs }: Allowance): number {
  return Math.max(1, Math.ceil(resetMs / 1000));
}

/** The IETF draft's RateLimit-Limit / -Remaining / -Reset, on every answer that spent a budget. */
export function writeRateLimitHeaders(res: Response, allowance: Allowance): void {
  res.setHeader('ratelimit-limit', String(allowance.limit));
  res.setHeader('ratelimit-remaining', String(allowance.remaining));
  res.setHeader('ratelimit-reset', String(retryAfterSeconds(allowance)));
}
