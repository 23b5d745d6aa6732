import type { Response } from 'express';
import { retryAfterSeconds, type Allowance } from '../plans';

/** The IETF draft's RateLimit-Limit / -Remaining / -Reset, on every answer that spent a budget. */
export function writeRateLimitHeaders(res: Response, allowance: Allowance): void {
  res.setHeader('ratelimit-limit', String(allowance.limit));
  res.setHeader('ratelimit-remaining', String(allowance.remaining));
  res.setHeader('ratelimit-reset', String(retryAfterSeconds(allowance)));
}
