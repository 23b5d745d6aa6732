import { activityInfo } from '@temporalio/activity';
import { ApplicationFailure } from '@temporalio/common';
import type { OutboxEntry } from '../workflows/definitions';
import type { createAttemptDelivery } from './deliver-webhook';

/**
 * Sessions started before the retry schedule moved into the workflow call this: one attempt per activity
 * attempt, a failure thrown so Temporal's retry policy (5 s × 6, up to 10 h) repeats it.
 */
export function createDeliverWebhook(attemptDelivery: ReturnType<typeof createAttemptDelivery>) {
  return async function deliverWebhook(input: { channelKey: string; userID: number; entry: OutboxEntry }) {
    const result = await attemptDelivery({ ...input, finalAttempt: activityInfo().attempt >= 8, at: Date.now() });
    if (result.outcome === 'delivered') return { status: result.status, latencyMs: result.latencyMs };
    if (result.outcome === 'failed') throw ApplicationFailure.retryable(result.error, 'WebhookRejected');
    if (result.outcome === 'channel_gone') throw ApplicationFailure.nonRetryable('channel no longer exists', 'ChannelNotFound');
    if (result.outcome === 'forbidden') throw ApplicationFailure.nonRetryable(result.error, 'ForbiddenAddress');
    if (result.outcome === 'seq_taken') throw ApplicationFailure.nonRetryable('another delivery holds this seq', 'SeqTaken');
    throw ApplicationFailure.retryable(`channel disabled: ${result.reason}`, 'ChannelDisabled');
  };
}
