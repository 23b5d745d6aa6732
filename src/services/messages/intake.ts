import { randomUUID } from 'node:crypto';
import { trace } from '@opentelemetry/api';
import type { Client } from '@temporalio/client';
import { Types } from 'mongoose';
import { Account, type Plan } from '../../db/account';
import { Channel } from '../../db/channel';
import { User } from '../../db/user';
import { ChannelDisabled, NotFound, PlanNotAllowed, Unauthorized, Unavailable } from '../../errors';
import { createTtlCache } from '../../cache/ttl-cache';
import type { Logger } from '../../logger';
import type { AttachmentInput, InboundMessage } from '../../schemas/message';
import { decodeAttachmentsOrThrow } from '../../schemas/parse';
import { allowsApiChannels, PLAN_LIMITS } from '../../plans';
import { secretsEqual } from '../../security/secrets';
import { signalUserMessage, type SessionSettings } from '../../temporal/sessions';
import { storeAttachments, type StoredAttachments } from './attachments';
import { claimIdempotencyKey, fingerprintOf, type Claim } from './idempotency';
import type { Allowance } from '../../plans';
import type { RateLimits } from '../limits/rate-limits';
import { createRouter } from '../channels/routes';
import { isLiveUser, issueUser } from './users';

export interface IntakeDeps {
  temporal: Client;
  sessions: SessionSettings;
  logger: Logger;
  rateLimits: RateLimits;
  /** Where this API is reached from outside: stored attachments are served under it. */
  publicUrl: string;
}

export interface Accepted {
  channelID: string;
  message: string;
  userID: number;
  success: true;
}

export interface AcceptOptions {
  idempotencyKey?: string;
  /** Where the request came from (req.ip): failed token checks are budgeted per address too. */
  clientAddress?: string;
  /** Told what the rate limits left, before anything else can fail, so every answer can carry it. */
  onAllowance?: (allowance: Allowance) => void;
}

export interface AcceptResult {
  accepted: Accepted;
  /** True when this is the stored answer to an earlier request with the same Idempotency-Key. */
  replayed: boolean;
}

export type AcceptMessage = (input: InboundMessage, options?: AcceptOptions) => Promise<AcceptResult>;

/** What authenticating a message needs; cached briefly so a token change or a disabled channel applies within it. */
interface ChannelAuth {
  channelKey: Types.ObjectId;
  channelID: string;
  token: string;
  status: string;
  disabledReason?: string | null;
  plan: Plan | null;
  /** The log's event types its webhook receives, when the channel chose them: the session learns them with each message. */
  webhookEvents?: string[];
  /** The channel's count of erased users: a known-user answer cached before an erasure is not used after it. */
  usersErased: number;
}

export const AUTH_CACHE_MS = 500;
// Compared against when the channel is unknown, so both failures take the same path and time.
const NO_TOKEN = 'x'.repeat(32);
const NO_ACCOUNT = new Types.ObjectId('000000000000000000000000');

/** POST /v1/messages: authenticate, limit, resolve the user, and answer only once Temporal holds the message. */
export function createIntake(deps: IntakeDeps): AcceptMessage {
  // Unknown channels are cached too, so a guessed channelID costs what a real one does.
  const channels = createTtlCache<string, ChannelAuth | null>({ ttlMs: AUTH_CACHE_MS, refreshAfterMs: AUTH_CACHE_MS / 2, maxEntries: 10_000 });
  // A userID once issued stays issued until it is erased; only positive answers are cached, keyed by the channel's
  // erasure count, so an erasure on any replica makes the user unknown here once the channel cache (500 ms) reloads.
  const users = createTtlCache<string, boolean>({ ttlMs: 60_000, maxEntries: 100_000, keep: Boolean });
  const routeMessage = createRouter();

  return async function acceptMessage(input, options = {}) {
    const channel = await channels.get(input.channelID, () => loadChannelAuth(input.channelID));
    const tokenMatches = secretsEqual(input.token, channel?.token ?? NO_TOKEN);
    // Before anything else answers (plan, disabled, limits): a blocked guesser must not learn its token was right.
    const attempt = { channelID: input.channelID, address: options.clientAddress ?? 'unknown' };
    if (!channel || !tokenMatches) {
      await deps.rateLimits.authFailures.failed(attempt);
      throw new Unauthorized();
    }
    await deps.rateLimits.authFailures.admit(attempt);
    if (!allowsApiChannels(channel.plan) || !channel.plan) throw new PlanNotAllowed();
    if (channel.status === 'disabled') throw new ChannelDisabled(channel.disabledReason ?? undefined);
    const channelKey = String(channel.channelKey);
    trace.getActiveSpan()?.setAttribute('channel.key', channelKey);
    options.onAllowance?.(await deps.rateLimits.message({ channelKey, plan: channel.plan }, input.userID));
    if (input.userID !== undefined) {
      const userID = input.userID;
      const known = await users.get(`${channelKey}:${channel.usersErased}:${userID}`, () => isLiveUser(channel.channelKey, userID));
      if (!known) throw new NotFound('user_not_found', 'this userID was never issued on this channel');
    }
    // Decoded only now: a stranger's 20 MB of base64 costs no more than a wrong token.
    const attachments = decodeAttachmentsOrThrow(input.attachments);

    if (options.idempotencyKey === undefined) return { accepted: await accept(channel, input, attachments), replayed: false };
    const fingerprint = requestFingerprint(input, attachments);
    const claimed = await claimIdempotencyKey<Accepted>(channelKey, options.idempotencyKey, fingerprint, deps.sessions.acceptTimeoutMs * 2, input.userID);
    if (claimed.replayed) return { accepted: claimed.answer, replayed: true };
    const { claim } = claimed;
    let accepted: Accepted;
    try {
      accepted = await accept(channel, input, attachments, claim);
    } catch (err) {
      await claim.release().catch(() => undefined); // a no-op once accept kept the claim for a retry
      throw err;
    }
    // Queued, so the answer is success even if storing it fails: a retry then takes the claim over after its
    // lease and sends the same message again, which the session drops.
    await claim.complete(accepted).catch((err: unknown) => deps.logger.warn({ err, channelKey }, 'idempotency answer not stored'));
    return { accepted, replayed: false };
  };

  /**
   * Issues the user if new, stores uploads, signals. On a failure before the signal nothing stays behind. A
   * failed signal may still have reached Temporal (a timeout): with an Idempotency-Key the user, uploads and
   * claim are kept for the retry, whose copy the session drops; without one the new user is withdrawn.
   */
  async function accept(channel: ChannelAuth, input: InboundMessage, uploads: AttachmentInput[], claim?: Claim): Promise<Accepted> {
    const { channelKey } = channel;
    const isNewUser = input.userID === undefined && claim?.userID === undefined;
    const userID = input.userID ?? claim?.userID ?? (await issueUser(channelKey));
    const target = { channelKey: String(channelKey), channelID: channel.channelID, userID, newUser: isNewUser };
    trace.getActiveSpan()?.setAttribute('user.id', userID);
    const messageId = claim?.messageId ?? randomUUID();
    let attachments: StoredAttachments | undefined;
    try {
      if (isNewUser) await claim?.rememberUser(userID);
      const route = await routeMessage(target.channelKey, input.message);
      attachments = await storeAttachments(uploads, { channelKey: target.channelKey, userID, quotaBytes: PLAN_LIMITS[channel.plan!].attachmentBytes }, deps.publicUrl);
      await signalUserMessage(deps.temporal, deps.sessions, target, { messageId, text: input.message, attachments: attachments.refs, receivedAt: Date.now(), route, ...(channel.webhookEvents ? { webhookEvents: channel.webhookEvents } : {}) });
    } catch (err) {
      const signalFailed = attachments !== undefined;
      if (signalFailed) deps.logger.warn({ err, channelKey: target.channelKey, userID }, 'temporal did not accept the message');
      if (signalFailed && claim) {
        await claim.expire().catch(() => undefined);
      } else {
        await attachments?.discard();
        // The new userID was never returned: withdraw it (if this fails too, it stays unknown to everyone).
        if (isNewUser) await User.deleteOne({ channelKey, userID }).catch(() => undefined);
      }
      throw signalFailed ? new Unavailable('the session service', err) : err;
    }
    deps.logger.debug({ channelKey: target.channelKey, userID, messageId }, 'message accepted');
    return { channelID: channel.channelID, message: input.message, userID, success: true };
  }
}

/** What makes two requests "the same": all but the token (a rotated token does not make another request). */
function requestFingerprint({ channelID, message, userID, attachments: given }: InboundMessage, attachments: AttachmentInput[]): string {
  const files = given === undefined ? undefined : attachments.map((a) => (a.base64 ? { mime: a.base64.mime, sha256: fingerprintOf(a.base64.bytes) } : { url: a.url }));
  return fingerprintOf(JSON.stringify({ channelID, message, userID, files }));
}

async function loadChannelAuth(channelID: string): Promise<ChannelAuth | null> {
  const channel = await Channel.findOne({ channelID }, { token: 1, accountId: 1, status: 1, disabledReason: 1, webhookEvents: 1, usersErased: 1 }).lean();
  // The account is looked up for an unknown channel as well: both paths make the same two queries.
  const account = await Account.findById(channel?.accountId ?? NO_ACCOUNT, { plan: 1 }).lean();
  if (!channel) return null;
  const { _id, token, status, disabledReason, usersErased } = channel;
  return {
    channelKey: _id, channelID, token, status, disabledReason, plan: account?.plan ?? null, usersErased: usersErased ?? 0,
    ...(channel.webhookEvents ? { webhookEvents: channel.webhookEvents } : {}),
  };
}
