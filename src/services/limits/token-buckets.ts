import type { Redis } from 'ioredis';
import type { RateBudget } from '../../plans';

/**
 * Token buckets in Redis, as GCRA (the generic cell rate algorithm): one key per bucket holding its
 * "theoretical arrival time", so a budget of `perSecond` with `burst` is exact whatever the number of API
 * replicas. One script call takes a token from every bucket a request spends, or from none: a request
 * refused by one budget spends nothing from the others, so nothing needs to be given back.
 * The clock is Redis's own (TIME), so replicas whose clocks drift still share one bucket.
 */
const CONSUME_SCRIPT = `
local now = redis.call('TIME')
now = now[1] * 1000000 + now[2]
local spent = {}
for i, key in ipairs(KEYS) do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = math.max(tonumber(redis.call('GET', key) or now), now) + interval
  local allowAt = tat - burst * interval
  if allowAt > now then return {0, i, math.ceil((allowAt - now) / 1000)} end
  spent[i] = {tat, math.floor((now - allowAt) / interval)}
end
local answer = {1}
for i, key in ipairs(KEYS) do
  local tat, remaining = spent[i][1], spent[i][2]
  redis.call('SET', key, string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000))
  table.insert(answer, remaining)
  table.insert(answer, math.ceil((tat - now) / 1000))
end
return answer
`;

/** One bucket a request spends from: its Redis key and its budget. */
export interface Bucket {
  key: string;
  budget: RateBudget;
}

export type ConsumeResult =
  /** Every bucket gave a token; per bucket, what it has left and the ms until it is full again. */
  | { allowed: true; left: { remaining: number; fullInMs: number }[] }
  /** `refusedBy` (an index into the buckets) had no token; it has one again in `retryInMs`. Nothing was spent. */
  | { allowed: false; refusedBy: number; retryInMs: number };

type ConsumeCommand = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

/** Takes one token from each bucket atomically, in one round trip. */
export function tokenBuckets(redis: Redis) {
  redis.defineCommand('parleyConsumeTokens', { lua: CONSUME_SCRIPT });
  const consume = (redis as unknown as { parleyConsumeTokens: ConsumeCommand }).parleyConsumeTokens.bind(redis);
  return async function consumeTokens(buckets: Bucket[]): Promise<ConsumeResult> {
    const args = buckets.flatMap(({ budget }) => [1_000_000 / budget.perSecond, budget.burst]);
    const answer = await consume(buckets.length, ...buckets.map((b) => b.key), ...args);
    if (answer[0] === 0) return { allowed: false, refusedBy: answer[1]! - 1, retryInMs: answer[2]! };
    return { allowed: true, left: buckets.map((_, i) => ({ remaining: answer[1 + 2 * i]!, fullInMs: answer[2 + 2 * i]! })) };
  };
}
