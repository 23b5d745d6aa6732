import { Types } from 'mongoose';
import { Unauthorized, Unavailable } from '../../errors';
import { Channel } from '../../db/channel';
import { isDuplicateKey } from '../../db/errors';
import { User } from '../../db/user';

const ISSUE_ATTEMPTS = 50;

/**
 * Per-channel counter, then the User record whose unique index is the real arbiter. On MongoDB the $inc is
 * atomic and the first insert wins; FerretDB v1 (SQLite) can hand two concurrent requests the same number,
 * so a duplicate just takes the next one. A number burnt by a failed request is never reused.
 */
export async function issueUser(channelKey: Types.ObjectId): Promise<number> {
  for (let attempt = 0; attempt < ISSUE_ATTEMPTS; attempt++) {
    // No projection: FerretDB v1 does not implement findAndModify's "fields".
    const updated = await Channel.findOneAndUpdate({ _id: channelKey }, { $inc: { lastUserID: 1 } }, { returnDocument: 'after' }).lean();
    if (!updated) throw new Unauthorized();
    try {
      await User.create({ channelKey, userID: updated.lastUserID });
      return updated.lastUserID;
    } catch (err) {
      if (!isDuplicateKey(err)) throw err;
    }
  }
  throw new Unavailable('user issuance');
}

/** Whether the userID was issued on the channel and is not erased (nor being erased). */
export async function isLiveUser(channelKey: Types.ObjectId, userID: number): Promise<boolean> {
  // `erasedAt: null` also matches documents without the field (every user not being erased).
  return Boolean(await User.exists({ channelKey, userID, erasedAt: null }));
}
