import { randomUUID } from 'node:crypto';
import type { Client } from '@temporalio/client';
import type { Types } from 'mongoose';
import { Account } from '../db/account';
import { Channel } from '../db/channel';
import { User } from '../db/user';
import { ChannelDisabled, NotFound, PlanNotAllowed, Unauthorized, Unavailable } from '../api/errors';
import type { Logger } from '../logger';
import type { InboundMessage } from '../schemas/message';
import { secretsEqual } from '../security/secrets';
import { signalUserMessage, type SessionSettings } from '../temporal/sessions';

export interface IntakeDeps {
  temporal: Client;
  sessions: SessionSettings;
  logger: Logger;
}

export interface Accepted {
  channelID: string;
  message: string;
  userID: number;
  success: true;
}

// Compared against when the channel is unknown, so both failures take the same path and time.
const NO_TOKEN = 'x'.repeat(32);

/** POST /v1/messages: authenticate, resolve the user, and answer only once Temporal holds the message. */
export async function acceptMessage(deps: IntakeDeps, input: InboundMessage): Promise<Accepted> {
  const channel = await Channel.findOne(
    { channelID: input.channelID },
    { channelID: 1, token: 1, accountId: 1, status: 1, disabledReason: 1 },
  ).lean();
  const tokenMatches = secretsEqual(input.token, channel?.token ?? NO_TOKEN);
  if (!channel || !tokenMatches) throw new Unauthorized();

  const [account, known] = await Promise.all([
    Account.findById(channel.accountId, { plan: 1 }).lean(),
    input.userID === undefined ? null : User.exists({ channelKey: channel._id, userID: input.userID }),
  ]);
  if (!account || account.plan === 'free') throw new PlanNotAllowed();
  if (channel.status === 'disabled') throw new ChannelDisabled(channel.disabledReason ?? undefined);
  if (input.userID !== undefined && !known) throw new NotFound('user_not_found', 'this userID was never issued on this channel');

  const isNewUser = input.userID === undefined;
  const userID = input.userID ?? (await issueUser(channel._id));
  const channelKey = String(channel._id);
  const messageId = randomUUID();
  try {
    await signalUserMessage(deps.temporal, deps.sessions, { channelKey, channelID: channel.channelID, userID }, {
      messageId,
      text: input.message,
      attachments: input.attachments ?? [],
      receivedAt: Date.now(),
    });
  } catch (err) {
    deps.logger.warn({ err, channelKey, userID }, 'temporal did not accept the message');
    // The new userID was never returned: withdraw it (if this fails too, it stays unknown to everyone).
    if (isNewUser) await User.deleteOne({ channelKey: channel._id, userID }).catch(() => undefined);
    throw new Unavailable('the session service');
  }
  deps.logger.info({ channelKey, userID, messageId }, 'message accepted');
  return { channelID: channel.channelID, message: input.message, userID, success: true };
}

const ISSUE_ATTEMPTS = 50;

/**
 * Per-channel counter, then the User record whose unique index is the real arbiter. On MongoDB the $inc is
 * atomic and the first insert wins; FerretDB v1 (SQLite) can hand two concurrent requests the same number,
 * so a duplicate just takes the next one. A number burnt by a failed request is never reused.
 */
async function issueUser(channelKey: Types.ObjectId): Promise<number> {
  for (let attempt = 0; attempt < ISSUE_ATTEMPTS; attempt++) {
    // No projection: FerretDB v1 does not implement findAndModify's "fields".
    const updated = await Channel.findOneAndUpdate({ _id: channelKey }, { $inc: { lastUserID: 1 } }, { returnDocument: 'after' }).lean();
    if (!updated) throw new Unauthorized();
    try {
      await User.create({ channelKey, userID: updated.lastUserID });
      return updated.lastUserID;
    } catch (err) {
      if ((err as { code?: number }).code !== 11000) throw err;
    }
  }
  throw new Unavailable('user issuance');
}
