import { Types } from 'mongoose';
import { User } from '../src/db/user';
import { parleyMetrics } from '../src/telemetry/metrics';

export interface SessionKey {
  channelKey: string;
  userID: number;
}

/** What a fresh session run needs from earlier runs: where webhook seq continues. */
export async function loadSession({ channelKey, userID }: SessionKey): Promise<{ nextSeq: number }> {
  const user = await User.findOne({ channelKey: new Types.ObjectId(channelKey), userID }, { nextSeq: 1 }).lean();
  parleyMetrics().sessionsStarted.add(1);
  return { nextSeq: user?.nextSeq ?? 1 };
}

/**
 * Saved when a run ends; $max keeps it monotonic if an older run's save lands late. No upsert: a session
 * whose userID was withdrawn (Temporal refused the first message) must not bring that user back.
 */
export async function saveSession({ channelKey, userID, nextSeq }: SessionKey & { nextSeq: number }): Promise<void> {
  await User.updateOne({ channelKey: new Types.ObjectId(channelKey), userID }, { $max: { nextSeq } });
  parleyMetrics().sessionsCompleted.add(1);
}
