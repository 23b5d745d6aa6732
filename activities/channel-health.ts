import { Channel } from '../src/db/channel';

// A channel's health as its deliveries decide it: failing since its first failed attempt after a success, disabled
// once every attempt has failed for FAILING_CHANNEL_DISABLED_AFTER_MS or its webhook answered 410 Gone.

/** A channel is disabled once every delivery attempt has failed for this long. */
export const FAILING_CHANNEL_DISABLED_AFTER_MS = 5 * 24 * 3_600_000;

/** Whether a channel failing since `failingSince` has failed long enough, at `at` (the workflow's clock), to be disabled. */
export function failingTooLong(failingSince: Date | undefined, at: number): boolean {
  return failingSince !== undefined && at - failingSince.getTime() >= FAILING_CHANNEL_DISABLED_AFTER_MS;
}

/** The first failure after a success starts the clock (a failing channel keeps its first failure's time). */
export async function markFailing(channelKey: string, since: Date): Promise<void> {
  await Channel.updateOne({ _id: channelKey, failingSince: null }, { $set: { failingSince: since } });
}

/** A delivered attempt stops the clock. */
export async function markHealthy(channelKey: string): Promise<void> {
  await Channel.updateOne({ _id: channelKey }, { $unset: { failingSince: 1 } });
}

/** Disables an active channel: its deliveries wait until it is re-enabled (PATCH status "active"). */
export async function disableChannel(channelKey: string, reason: 'webhook_gone' | 'webhook_failing'): Promise<void> {
  await Channel.updateOne({ _id: channelKey, status: 'active' }, { status: 'disabled', disabledReason: reason });
}
