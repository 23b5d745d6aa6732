import { createHash, randomUUID } from 'node:crypto';
import { setTimeout as sleep } from 'node:timers/promises';
import { IdempotencyKeyReused, IdempotencyKeyInProgress } from '../../errors';
import { IdempotencyKey } from '../../db/idempotency-key';
import { isDuplicateKey } from '../../db/errors';

export const IDEMPOTENCY_TTL_MS = 24 * 3_600_000;
/** How long a claim is its owner's before a retry may take it over (the owner's API process may have died). */
const LEASE_MS = 30_000;
const POLL_MS = 50;

/** The right to accept one message under a key; exactly one request holds it at a time. */
export interface Claim {
  /** The session deduplicates by it: a takeover that signals again is still one message. */
  messageId: string;
  /** A userID issued by an earlier holder of this claim, to be reused. */
  userID?: number;
  rememberUser(userID: number): Promise<void>;
  complete<T>(answer: T): Promise<void>;
  /** Gives the key back after a failure before anything was sent, so a retry starts afresh. */
  release(): Promise<void>;
  /**
   * After a failure that may have reached the session (a signal that timed out): keeps the key, its userID and
   * messageId, and ends the lease, so a retry sends the same message again and the session drops the copy.
   */
  expire(): Promise<void>;
}

export type ClaimResult<T> = { replayed: true; answer: T } | { replayed: false; claim: Claim };

/** The stored id of a key: fixed length, and the client's key itself is not kept. */
export function idempotencyKeyId(scope: string, key: string): string {
  return createHash('sha256').update(`${scope}\0${key}`).digest('hex');
}

export function fingerprintOf(data: string | Buffer): string {
  return createHash('sha256').update(data).digest('hex');
}

/**
 * Claims `key` within `scope` for a request with `fingerprint`, or answers what the first request with this key
 * answered. A concurrent duplicate waits (up to waitMs) for the first to finish rather than sending twice.
 */
export async function claimIdempotencyKey<T>(scope: string, key: string, fingerprint: string, waitMs: number, userID?: number): Promise<ClaimResult<T>> {
  const _id = idempotencyKeyId(scope, key);
  const deadline = Date.now() + waitMs;
  for (;;) {
    const now = Date.now();
    // The holder's token fences every write: a holder whose lease was taken over can no longer change the key.
    const lease = { leaseUntil: new Date(now + LEASE_MS), holder: randomUUID() };
    const created = await IdempotencyKey.create({ _id, channelKey: scope, ...(userID === undefined ? {} : { userID }), fingerprint, state: 'pending', ...lease, expiresAt: new Date(now + IDEMPOTENCY_TTL_MS) })
      .then(() => true, (err: unknown) => { if (isDuplicateKey(err)) return false; throw err; });
    if (created) return { replayed: false, claim: claimOf(_id, lease.holder) };

    const existing = await IdempotencyKey.findById(_id).lean();
    if (!existing) continue; // released in between
    if (existing.expiresAt.getTime() <= now) {
      await IdempotencyKey.deleteOne({ _id, expiresAt: existing.expiresAt });
      continue;
    }
    if (existing.fingerprint !== fingerprint) throw new IdempotencyKeyReused();
    if (existing.state === 'done') return { replayed: true, answer: existing.answer as T };
    if (existing.leaseUntil.getTime() <= now) {
      const taken = await IdempotencyKey.updateOne({ _id, state: 'pending', leaseUntil: existing.leaseUntil }, { $set: lease });
      if (taken.modifiedCount === 1) return { replayed: false, claim: claimOf(_id, lease.holder, existing.userID ?? undefined) };
    }
    if (Date.now() + POLL_MS > deadline) throw new IdempotencyKeyInProgress();
    await sleep(POLL_MS);
  }
}

function claimOf(_id: string, holder: string, userID?: number): Claim {
  const mine = { _id, holder, state: 'pending' as const };
  let kept = false;
  return {
    messageId: `idem-${_id}`,
    ...(userID === undefined ? {} : { userID }),
    rememberUser: async (issued) => void (await IdempotencyKey.updateOne(mine, { $set: { userID: issued } })),
    complete: async (answer) => void (await IdempotencyKey.updateOne(mine, { $set: { state: 'done', answer } })),
    release: async () => {
      if (!kept) await IdempotencyKey.deleteOne(mine);
    },
    expire: async () => {
      kept = true;
      await IdempotencyKey.updateOne(mine, { $set: { leaseUntil: new Date() } });
    },
  };
}
