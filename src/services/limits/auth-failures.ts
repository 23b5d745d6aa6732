import type { Redis } from 'ioredis';
import { TooManyFailedAttempts, Unavailable } from '../../errors';
import { createTtlCache } from '../../cache/ttl-cache';
import type { RateBudget } from '../../plans';

/**
 * Budgets for failed channel-token checks, so that guessing is slow without throttling good traffic.
 *
 * Every failure spends from three buckets: its channelID's, its client address's, and the pair's. Once the
 * channelID's or the address's is empty, a request from a pair that has not authenticated in the last 24 h is
 * answered 429 too_many_failed_attempts *before its token is revealed to be right or wrong*: a correct guess is
 * refused like a wrong one, so a guesser gets no more tries than the budgets give. A pair that has authenticated
 * (the integrator's own servers) is still checked normally, so an attack on its channel from elsewhere, or guessing
 * at other channels from behind the same NAT, does not throttle it. Only the pair's own bucket applies to it: a
 * guesser sharing the integrator's very address and channel slows the integrator too.
 *
 * Good traffic costs nothing here: a pair already known in this process is admitted without a round trip.
 */
export interface AuthFailures {
  /** A failed check: spends the buckets, then throws 429 when the pair is blocked (else the caller answers 401). */
  failed(attempt: AuthAttempt): Promise<void>;
  /** A passed check: throws 429 when the pair is blocked, else remembers the pair as one that authenticates. */
  admit(attempt: AuthAttempt): Promise<void>;
}

export interface AuthAttempt {
  /** As the client sent it: the budget also covers channelIDs that do not exist. */
  channelID: string;
  /** The client's address (req.ip: the socket's, or a trusted proxy's X-Forwarded-For with TRUST_PROXY). */
  address: string;
}

export interface AuthFailureBudgets {
  channel: RateBudget;
  address: RateBudget;
  pair: RateBudget;
}

/** How long a pair that authenticated keeps being checked normally while its channel or address is blocked. */
export const KNOWN_PAIR_SECONDS = 86_400;
// A pair admitted by this process is admitted again without Redis for this long (it stays known in Redis for 24 h).
const LOCAL_KNOWN_MS = 10 * 60_000;

/**
 * KEYS: channel, address, pair buckets (GCRA "theoretical arrival times"), then the pair's known-good key.
 * ARGV: interval and burst per bucket (µs, count), then 1 to spend a token from each bucket that has one.
 * Returns {known, empty channel, empty address, empty pair}. Buckets are spent independently: a failure counts
 * everywhere it can.
 */
const SCRIPT = `
local now = redis.call('TIME')
now = now[1] * 1000000 + now[2]
local spend = ARGV[7] == '1'
local answer = {redis.call('EXISTS', KEYS[4])}
for i = 1, 3 do
  local interval = tonumber(ARGV[2 * i - 1])
  local burst = tonumber(ARGV[2 * i])
  local tat = math.max(tonumber(redis.call('GET', KEYS[i]) or now), now) + interval
  local empty = tat - burst * interval > now
  if spend and not empty then redis.call('SET', KEYS[i], string.format('%.0f', tat), 'PX', math.ceil((tat - now) / 1000)) end
  table.insert(answer, empty and 1 or 0)
end
return answer
`;

type Command = (numKeys: number, ...keysAndArgs: (string | number)[]) => Promise<number[]>;

export function createAuthFailures(redis: Redis, budgets: AuthFailureBudgets): AuthFailures {
  redis.defineCommand('parleyAuthFailures', { lua: SCRIPT });
  const run = (redis as unknown as { parleyAuthFailures: Command }).parleyAuthFailures.bind(redis);
  const knownHere = createTtlCache<string, true>({ ttlMs: LOCAL_KNOWN_MS, maxEntries: 100_000 });

  // One hash tag for every key: a script's keys must share a Redis Cluster slot, and only failures and a pair's
  // first request in a process come here.
  const keysOf = ({ channelID, address }: AuthAttempt) => {
    const channel = encodeURIComponent(channelID);
    const pair = `${channel}|${address}`;
    return [`parley:af:{auth}:c:${channel}`, `parley:af:{auth}:a:${address}`, `parley:af:{auth}:p:${pair}`, `parley:af:{auth}:ok:${pair}`];
  };
  const args = [budgets.channel, budgets.address, budgets.pair].flatMap((b) => [1_000_000 / b.perSecond, b.burst]);

  /** Whether the attempt is blocked, and in how many seconds the slowest bucket blocking it has a token again. */
  async function check(attempt: AuthAttempt, spend: boolean): Promise<{ blockedForSeconds: number }> {
    let answer: number[];
    try {
      answer = await run(4, ...keysOf(attempt), ...args, spend ? 1 : 0);
    } catch (err) {
      throw new Unavailable('the rate limiter', err);
    }
    const [known, ...empty] = answer.map((n) => n === 1);
    // A pair that has authenticated answers to its own bucket only.
    const blocking = (known ? [budgets.pair] : [budgets.channel, budgets.address, budgets.pair]).filter((_, i) => empty[known ? 2 : i]);
    return { blockedForSeconds: Math.max(0, ...blocking.map((budget) => Math.ceil(1 / budget.perSecond))) };
  }

  const pairKey = ({ channelID, address }: AuthAttempt) => `${channelID}\n${address}`;

  return {
    async failed(attempt) {
      const { blockedForSeconds } = await check(attempt, true);
      if (!blockedForSeconds) return;
      // A known pair out of its own budget is checked in Redis again here, so its right token is refused too.
      knownHere.delete(pairKey(attempt));
      throw new TooManyFailedAttempts(blockedForSeconds);
    },
    async admit(attempt) {
      // A refusal is not cached (failed loads never are): the pair is asked about again on its next request.
      await knownHere.get(pairKey(attempt), async () => {
        const { blockedForSeconds } = await check(attempt, false);
        if (blockedForSeconds) throw new TooManyFailedAttempts(blockedForSeconds);
        await redis.set(keysOf(attempt)[3]!, '1', 'EX', KNOWN_PAIR_SECONDS).catch((err: unknown) => {
          throw new Unavailable('the rate limiter', err);
        });
        return true as const;
      });
    },
  };
}
