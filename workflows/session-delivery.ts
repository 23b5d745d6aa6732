import { condition, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { SessionActivities } from '../activities';
import type { AttemptOutcome, OutboxEntry, SessionState } from './definitions';
import { CHANNEL_RECHECK_MS, nextRetryDelay } from './delivery-schedule';
import { record, renumberFrom } from './session-state';
import { withTrace } from './trace-context';

// One attempt: the HTTP call is bounded at 15 s; the heartbeat notices a dead worker within 5 s. Only our own
// trouble (the database) throws, and that is retried here until it clears; the attempt's outcome is a result.
const { attemptDelivery } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '30s',
  heartbeatTimeout: '5s',
  retry: { initialInterval: '1s', backoffCoefficient: 2, maximumInterval: '1m' },
});

export interface DeliveryContext {
  channelKey: string;
  userID: number;
  retryScheduleMs: readonly number[];
  /** The webhook-id of a reply numbered `seq` (renumbering after a taken seq makes new ones). */
  newWebhookId: (seq: number) => string;
}

/** A delivery in flight, and what this run knows of its seqs in the delivery log. */
export interface DeliveryStatus {
  inFlight: boolean;
  /** The run whose seqs an attempt found free in the log: a reset run (another run id in its history) looks again. */
  seqCheckedIn?: string;
  /** No earlier run ever numbered this user's replies (a new user's first run, not reset): nothing to look up. */
  firstRunOfUser?: boolean;
}

/**
 * An attempt of an earlier run (terminated or reset) may still finish and log its seq this long after that run
 * ended (an attempt lives up to 30 s): until a run is this old, every attempt looks its seq up again.
 */
const EARLIER_ATTEMPTS_SETTLED_MS = 60_000;

/** Strictly in seq order: message n+1 is not sent before n is delivered or has failed for good. */
export async function deliverInOrder(state: SessionState, delivery: DeliveryStatus, context: DeliveryContext): Promise<never> {
  for (;;) {
    await condition(() => state.outbox.length > 0);
    const entry = state.outbox[0]!;
    await deliverOnSchedule(state, entry, delivery, context);
    state.outbox.shift();
  }
}

/**
 * One attempt at a time, with durable timers in between (README, "Webhook delivery"): a worker or server restart resumes the
 * schedule where it was. A disabled channel holds the delivery, and every later one, until it is re-enabled.
 */
async function deliverOnSchedule(state: SessionState, entry: OutboxEntry, delivery: DeliveryStatus, context: DeliveryContext) {
  const progress = (entry.progress ??= { failedAttempts: 0 });
  let justResumed = false;
  for (;;) {
    // After continue-as-new the timer of the previous run is gone; wait out what is left of it.
    if (progress.nextAttemptAt !== undefined && progress.nextAttemptAt > Date.now()) await sleep(progress.nextAttemptAt - Date.now());
    delete progress.nextAttemptAt;

    const result = await attempt(entry, progress.failedAttempts >= context.retryScheduleMs.length, justResumed);
    justResumed = false;
    if (result.seqCheckedIn) delivery.seqCheckedIn = result.seqCheckedIn;
    switch (result.outcome) {
      case 'delivered':
        return;
      case 'seq_taken':
        renumberFrom(state, result.nextSeq, context.newWebhookId);
        break;
      case 'channel_gone':
      case 'forbidden':
        return failedForGood(state, entry, result.outcome === 'forbidden' ? result.error : 'the channel was deleted');
      case 'channel_disabled': {
        progress.waiting = 'channel_disabled';
        if (await condition(() => Boolean(state.deliveriesResumed), CHANNEL_RECHECK_MS)) {
          progress.failedAttempts = 0; // re-enabled: the operator says the webhook works again, so a fresh schedule
          justResumed = true;
        }
        state.deliveriesResumed = false;
        delete progress.waiting;
        break;
      }
      case 'failed': {
        progress.failedAttempts++;
        progress.lastError = result.error;
        const delay = nextRetryDelay(context.retryScheduleMs, progress.failedAttempts, Math.random(), result.retryAfterMs);
        if (delay === null) return failedForGood(state, entry, result.error);
        progress.nextAttemptAt = Date.now() + delay;
        await sleep(delay);
        break;
      }
    }
  }

  async function attempt(entry: OutboxEntry, finalAttempt: boolean, channelJustEnabled: boolean): Promise<AttemptOutcome> {
    delivery.inFlight = true;
    try {
      const { webhookId, seq, reply, origin, redelivery } = entry;
      // The attempt joins the trace of the message this reply answers (POST → signal → here → webhook).
      return await withTrace(origin?.trace, () => attemptDelivery({
        channelKey: context.channelKey, userID: context.userID, entry: { webhookId, seq, reply, ...(redelivery ? { redelivery } : {}), ...(origin?.receivedAt ? { origin: { receivedAt: origin.receivedAt } } : {}) },
        finalAttempt, at: Date.now(), attempt: (entry.progress?.failedAttempts ?? 0) + 1, ...(channelJustEnabled ? { freshChannel: true } : {}),
        ...(seqsKnownFree(delivery) ? { seqChecked: true } : {}),
      }));
    } finally {
      delivery.inFlight = false;
    }
  }
}

/** Whether this run's seqs need no look-up in the delivery log before an attempt. */
function seqsKnownFree(delivery: DeliveryStatus): boolean {
  if (delivery.firstRunOfUser) return true;
  const { runId, runStartTime } = workflowInfo();
  return delivery.seqCheckedIn === runId && Date.now() - runStartTime.getTime() > EARLIER_ATTEMPTS_SETTLED_MS;
}

function failedForGood(state: SessionState, entry: OutboxEntry, error: string): void {
  // The workflow logger: replay-safe (no line twice), with the workflow's id and run on each line.
  log.warn('webhook delivery failed for good', { webhookId: entry.webhookId, seq: entry.seq, error });
  record(state, { at: Date.now(), kind: 'event', event: 'delivery_failed', detail: `seq ${entry.seq} (${entry.webhookId}): ${error}` });
}
