/** When a failed webhook delivery is tried again (README, "Webhook delivery"); pure, so the workflow and tests share it. */

const S = 1_000;
const M = 60 * S;
const H = 60 * M;

/** Delays after the first try: about 28 h in all before a delivery is `failed`. */
export const DEFAULT_RETRY_SCHEDULE_MS: readonly number[] = [5 * S, 5 * M, 30 * M, 2 * H, 5 * H, 10 * H, 10 * H];

/** Each delay is spread ±20 % so that a receiver coming back is not hit by every retry at once. */
export const RETRY_JITTER = 0.2;

/** A delivery waiting for its disabled channel checks again this often, in case the re-enable signal was missed. */
export const CHANNEL_RECHECK_MS = H;

/**
 * The delay before the next try after `failedAttempts` failed ones, or null when the schedule is spent.
 * A Retry-After (already clamped to [1 s, 24 h]) replaces the scheduled delay; `random` is in [0, 1).
 */
export function nextRetryDelay(schedule: readonly number[], failedAttempts: number, random: number, retryAfterMs?: number): number | null {
  const base = schedule[failedAttempts - 1];
  if (base === undefined) return null;
  if (retryAfterMs !== undefined) return retryAfterMs;
  return Math.round(base * (1 + RETRY_JITTER * (2 * random - 1)));
}
