import { Types } from 'mongoose';
import { lastLoggedSeq } from '../src/db/delivery';
import { User } from '../src/db/user';

export interface SessionKey {
  channelKey: string;
  userID: number;
}

/**
 * What a fresh session run needs from earlier runs: where webhook seq continues. Past the last seq logged as
 * well as the one saved, so a run that was terminated or reset before it saved never hands out a seq again.
 */
export async function loadSession({ channelKey, userID }: SessionKey): Promise<{ nextSeq: number }> {
  const key = new Types.ObjectId(channelKey);
  const [user, last] = await Promise.all([
    User.findOne({ channelKey: key, userID }, { nextSeq: 1 }).lean(),
    lastLoggedSeq(key, userID),
  ]);
  return { nextSeq: Math.max(user?.nextSeq ?? 1, last + 1) };
}


/**
 * Saved when a run ends; $max keeps it monotonic if an older run's save lands late. No upsert: a session
 * whose userID was withdrawn (Temporal refused the first message) must not bring that user back.
 */
export async function saveSession({ channelKey, userID, nextSeq }: SessionKey & { nextSeq: number }): Promise<void> {
  await User.updateOne({ channelKey: new Types.ObjectId(channelKey), userID }, { $max: { nextSeq } });
}
