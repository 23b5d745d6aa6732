import type { Client } from '@temporalio/client';
import type { Types } from 'mongoose';
import { Channel } from '../../db/channel';
import { DeletedChannel } from '../../db/deleted-channel';
import { Delivery } from '../../db/delivery';
import { Deployment } from '../../db/deployment';
import { Event } from '../../db/event';
import { User } from '../../db/user';
import { endSessionSignal } from '../../../workflows/definitions';
import type { AdminIdentity } from '../accounts';
import { findOwnChannel } from '../channels/channels';
import { deleteChannelAttachments } from '../messages/attachments';
import { signalRunningSessions } from './sessions';

// Users read from the database at once when every session of the channel is signalled.
const USERS_PER_BATCH = 500;

/**
 * Deletes a channel: it answers 401 at once (the credentials cache aside), its deployments, delivery log,
 * conversation log, uploads and users go, and every running session ends with reason `channel_deleted`. Nothing
 * of another channel is touched. A tombstone written first lets the hourly sweep finish a deletion cut short and
 * whatever raced with it (`finishChannelDeletions`).
 */
export async function deleteChannel(temporal: Client, admin: AdminIdentity, channelID: string): Promise<{ sessionsEnded: number }> {
  const channel = await findOwnChannel(admin, channelID);
  // From this attempt: a retry after one that failed before the channel went starts the settling time again.
  await DeletedChannel.updateOne({ _id: channel._id }, { $set: { deletedAt: new Date() } }, { upsert: true });
  await Channel.deleteOne({ _id: channel._id });
  return { sessionsEnded: await deleteChannelData(temporal, channel._id) };
}

/**
 * Everything of a deleted channel but the channel (gone first: a log append racing this finds no channel and
 * stores nothing, src/events/log.ts), its running sessions ended. Safe to run again, and beside another run.
 * Answers how many sessions were running.
 */
async function deleteChannelData(temporal: Client, channelKey: Types.ObjectId): Promise<number> {
  await Deployment.deleteMany({ channelKey });
  await Delivery.deleteMany({ channelKey });
  await Event.deleteMany({ channelKey });
  await deleteChannelAttachments(String(channelKey));
  // Every issued user's session ID is known, so no session is missed while visibility lags behind. Users are read
  // and signalled a batch at a time: a channel with a million users does not sit in memory at once.
  let sessionsEnded = 0;
  let batch: number[] = [];
  const signalBatch = async () => {
    sessionsEnded += await signalRunningSessions(temporal, String(channelKey), batch, endSessionSignal, { reason: 'channel_deleted' });
    batch = [];
  };
  for await (const { userID } of User.find({ channelKey }, { userID: 1 }).lean().cursor({ batchSize: USERS_PER_BATCH })) {
    batch.push(userID);
    if (batch.length >= USERS_PER_BATCH) await signalBatch();
  }
  await signalBatch();
  // Last: the users were the list of sessions to end. A session ending now saves nothing back (no upsert).
  await User.deleteMany({ channelKey });
  return sessionsEnded;
}

/**
 * How long after a deletion the sweep goes over it again: past any write that raced with it (an attempt's 30 s,
 * the credentials cache's 500 ms), and long enough that a deletion still running is not swept beside itself.
 */
export const DELETION_SETTLE_MS = 10 * 60_000;
const DELETIONS_PER_SWEEP = 100;

/**
 * Goes over channels deleted at least DELETION_SETTLE_MS ago once more: ends what sessions still run, deletes
 * what was written after the deletion or left by one cut short, and drops the tombstone. A tombstone whose channel
 * still exists is of a deletion that failed before the channel went: it is dropped, and nothing deleted. Answers
 * how many deletions were finished; the API runs it hourly.
 */
export async function finishChannelDeletions(temporal: Client, now = Date.now()): Promise<number> {
  const settled = await DeletedChannel.find({ deletedAt: { $lt: new Date(now - DELETION_SETTLE_MS) } }, { _id: 1 }).limit(DELETIONS_PER_SWEEP).lean();
  let finished = 0;
  for (const { _id: channelKey } of settled) {
    if (!(await Channel.exists({ _id: channelKey }))) {
      await deleteChannelData(temporal, channelKey);
      finished++;
    }
    await DeletedChannel.deleteOne({ _id: channelKey });
  }
  return finished;
}
