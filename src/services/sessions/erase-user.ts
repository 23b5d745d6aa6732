import { setTimeout as sleep } from 'node:timers/promises';
import { WorkflowNotFoundError, type Client } from '@temporalio/client';
import { optionalTsToMs } from '@temporalio/common/lib/time';
import { temporal as proto } from '@temporalio/proto';
import { Types } from 'mongoose';
import { Channel } from '../../db/channel';
import { Delivery } from '../../db/delivery';
import { Event } from '../../db/event';
import { IdempotencyKey } from '../../db/idempotency-key';
import { User } from '../../db/user';
import { NotFound } from '../../errors';
import type { UserErasure } from '../../schemas/views';
import type { SessionSettings } from '../../temporal/sessions';
import { sessionWorkflowId } from '../../../workflows/definitions';
import type { AdminIdentity } from '../accounts';
import { deleteUserAttachments } from '../messages/attachments';
import { findOwnChannel } from '../channels/channels';
import { AUTH_CACHE_MS } from '../messages/intake';

// An activity running when its session ended may still write (a webhook attempt records itself; 15 s timeout).
const ACTIVITY_SETTLE_MS = 20_000;
// Activities that write nothing of the user's.
const HARMLESS_ACTIVITIES = new Set(['httpCall', 'loadBotVersion', 'isDeployed', 'routeMessage', 'loadNextSeq', 'saveNextSeq', 'loadSession', 'saveSession']);
const STARTED = proto.api.enums.v1.PendingActivityState.PENDING_ACTIVITY_STATE_STARTED;
const RUNNING = 'RUNNING';
const SESSION_ROUNDS = 3;

/**
 * DELETE /v1/channels/:channelID/users/:userID. Ordered so that a failure at any step leaves a retry able to
 * finish: (1) the User is marked erased, so the intake and the session routes refuse it (every replica within the
 * channel cache's 500 ms); (2) its session is terminated, and the erasure waits out messages that passed the check
 * before the mark (they reach Temporal within the accept timeout) and activities still running; (3) the stores
 * are emptied; (4) the User goes last, after which the userID answers user_not_found (it is never issued again:
 * the counter only grows).
 */
export async function eraseUser(temporal: Client, settings: SessionSettings, admin: AdminIdentity, channelID: string, userID: number): Promise<UserErasure> {
  const channel = await findOwnChannel(admin, channelID);
  const channelKey = channel._id;
  const user = await User.findOne({ channelKey, userID }, { erasedAt: 1 }).lean();
  if (!user) throw new NotFound('user_not_found', 'this userID was never issued on this channel (or is erased)');

  const markedAt = user.erasedAt ?? new Date();
  if (!user.erasedAt) await User.updateOne({ _id: user._id }, { $set: { erasedAt: markedAt } });
  // Again on a retry: the count is only a cache key, and one missed bump would leave caches trusting the user.
  await Channel.updateOne({ _id: channelKey }, { $inc: { usersErased: 1 } });

  const sessionEnded = await endSession(temporal, String(channelKey), userID, markedAt.getTime() + AUTH_CACHE_MS + settings.acceptTimeoutMs);
  const deleted = await deleteUserData(channelKey, channel.channelID, userID);
  const users = (await User.deleteOne({ _id: user._id })).deletedCount;
  return { channelID: channel.channelID, userID, sessionEnded, deleted: { ...deleted, users } };
}

/**
 * Terminates the user's session (at once: it schedules nothing more, so no new delivery or log entry), waits until
 * `quietFrom` and until activities it had running could have ended, then again if a late message started a new run.
 * Answers whether a run was ended.
 */
async function endSession(temporal: Client, channelKey: string, userID: number, quietFrom: number): Promise<boolean> {
  const handle = temporal.workflow.getHandle(sessionWorkflowId(channelKey, userID));
  let ended = false;
  for (let round = 0; round < SESSION_ROUNDS; round++) {
    const description = await handle.describe().catch((err: unknown) => (err instanceof WorkflowNotFoundError ? null : Promise.reject(err)));
    const running = description?.status.name === RUNNING;
    if (running) {
      await handle.terminate('user erased').catch((err: unknown) => (err instanceof WorkflowNotFoundError ? undefined : Promise.reject(err)));
      ended = true;
    }
    const settled = (description?.raw.pendingActivities ?? [])
      .filter((a) => running && a.state === STARTED && !HARMLESS_ACTIVITIES.has(a.activityType?.name ?? ''))
      .map((a) => (optionalTsToMs(a.lastStartedTime) ?? Date.now()) + ACTIVITY_SETTLE_MS);
    const waitMs = Math.max(quietFrom, ...settled) - Date.now();
    if (waitMs > 0) await sleep(waitMs);
    else if (!running) return ended;
  }
  return ended;
}

/** Deletes the user's log, deliveries, idempotency records and the uploads no other user used. */
async function deleteUserData(channelKey: Types.ObjectId, channelID: string, userID: number) {
  const events = (await Event.deleteMany({ channelKey, userID })).deletedCount;
  const deliveries = (await Delivery.deleteMany({ channelKey, userID })).deletedCount;
  const idempotencyKeys = (await IdempotencyKey.deleteMany({
    $or: [
      { channelKey: String(channelKey), userID },
      { channelKey: String(channelKey), 'answer.userID': userID },
      // Keys stored before they named their channel (they expire within 24 h): by the answer's channelID.
      { channelKey: { $exists: false }, 'answer.channelID': channelID, 'answer.userID': userID },
    ],
  })).deletedCount;
  const attachments = await deleteUserAttachments(String(channelKey), userID);
  return { events, deliveries, attachments, idempotencyKeys };
}
