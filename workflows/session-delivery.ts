import { condition, log, proxyActivities, sleep, workflowInfo } from '@temporalio/workflow';
import type { SessionActivities } from '../activities';
import type { AttemptOutcome, OutboxEntry, PendingEvent, SessionState } from './definitions';
import { CHANNEL_RECHECK_MS, nextRetryDelay } from './delivery-schedule';
import { db } from './session-activities';
import { emit, logEvent } from './session-log';
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
  /** The log id of an event without a webhook-id. */
  newEventId?: (n: number) => string;
  /** False while the main loop is in the middle of an action: its events wait for the reply it may queue. */
  settled?: () => boolean;
  /** True while the run waits to continue as new: the attempt in flight ends, and no other starts in this run. */
  held?: () => boolean;
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
    await condition(() => !context.held?.() && (state.outbox.length > 0 || logDue(state, context)));
    if (state.outbox.length === 0) {
      await appendQueued(state, delivery, context);
      continue;
    }
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
    if (progress.nextAttemptAt !== undefined && progress.nextAttemptAt > Date.now()) await waitLogging(state, delivery, context, progress.nextAttemptAt - Date.now());
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
        return failedForGood(state, entry, result.outcome === 'forbidden' ? result.error : 'the channel was deleted', progress.failedAttempts + 1, context);
      case 'channel_disabled': {
        progress.waiting = 'channel_disabled';
        if (await resumedWithin(CHANNEL_RECHECK_MS)) {
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
        if (delay === null) return failedForGood(state, entry, result.error, progress.failedAttempts, context);
        progress.nextAttemptAt = Date.now() + delay;
        await waitLogging(state, delivery, context, delay);
        break;
      }
    }
  }

  /** Whether the channel was re-enabled within `ms`; the log goes on meanwhile. */
  async function resumedWithin(ms: number): Promise<boolean> {
    if (!state.eventQueue) return condition(() => Boolean(state.deliveriesResumed), ms);
    const until = Date.now() + ms;
    for (;;) {
      const woke = await condition(() => Boolean(state.deliveriesResumed) || logDue(state, context), Math.max(0, until - Date.now()));
      if (state.deliveriesResumed) return true;
      if (!woke) return false;
      await appendQueued(state, delivery, context);
    }
  }

  async function attempt(entry: OutboxEntry, finalAttempt: boolean, channelJustEnabled: boolean): Promise<AttemptOutcome> {
    delivery.inFlight = true;
    // The attempt appends what waits for the log first: no round trip of its own for the events of a turn.
    const events = state.eventQueue?.splice(0) ?? [];
    try {
      const { webhookId, seq, reply, origin, redelivery, event } = entry;
      // The attempt joins the trace of the message this reply answers (POST → signal → here → webhook).
      const result = await withTrace(origin?.trace, () => attemptDelivery({
        channelKey: context.channelKey, userID: context.userID, entry: { webhookId, seq, reply, ...(redelivery ? { redelivery } : {}), ...(event ? { event } : {}), ...(origin?.receivedAt ? { origin: { receivedAt: origin.receivedAt } } : {}) },
        ...(events.length ? { events: events.map((e) => withoutEntryReply(e, webhookId)) } : {}),
        finalAttempt, at: Date.now(), attempt: (entry.progress?.failedAttempts ?? 0) + 1, ...(channelJustEnabled ? { freshChannel: true } : {}),
        ...(seqsKnownFree(delivery) ? { seqChecked: true } : {}),
      }));
      // A taken seq stores nothing: the events wait, and are renumbered with their entries.
      if (result.outcome === 'seq_taken') state.eventQueue?.unshift(...events);
      return result;
    } catch (err) {
      state.eventQueue?.unshift(...events);
      throw err;
    } finally {
      delivery.inFlight = false;
    }
  }
}

/** The reply an attempt sends travels once: the activity writes that event's body from the entry. */
function withoutEntryReply(event: PendingEvent, webhookId: string): PendingEvent {
  if (event.id !== webhookId || !event.reply) return event;
  const rest = { ...event, data: { sameAsEntry: true } };
  delete rest.reply;
  return rest;
}

/** Events wait for the log, and the main loop is between actions (a reply it queues would carry them). */
function logDue(state: SessionState, context: DeliveryContext): boolean {
  return (state.eventQueue?.length ?? 0) > 0 && (context.settled?.() ?? true);
}

/** Appends what waits for the log when no attempt is about to: nothing queued, or the head waits for a retry. */
async function appendQueued(state: SessionState, delivery: DeliveryStatus, context: DeliveryContext): Promise<void> {
  const events = state.eventQueue!.splice(0);
  delivery.inFlight = true;
  try {
    await db.appendLogEvents({ channelKey: context.channelKey, userID: context.userID, events });
  } catch (err) {
    state.eventQueue!.unshift(...events);
    throw err;
  } finally {
    delivery.inFlight = false;
  }
}

/** A wait between attempts: the durable timer of old, or (with the log) one that appends what comes meanwhile. */
async function waitLogging(state: SessionState, delivery: DeliveryStatus, context: DeliveryContext, ms: number): Promise<void> {
  if (!state.eventQueue) {
    await sleep(ms);
    return;
  }
  const until = Date.now() + ms;
  while (until > Date.now()) {
    if (!(await condition(() => logDue(state, context), until - Date.now()))) return;
    await appendQueued(state, delivery, context);
  }
}

/** Whether this run's seqs need no look-up in the delivery log before an attempt. */
function seqsKnownFree(delivery: DeliveryStatus): boolean {
  if (delivery.firstRunOfUser) return true;
  const { runId, runStartTime } = workflowInfo();
  return delivery.seqCheckedIn === runId && Date.now() - runStartTime.getTime() > EARLIER_ATTEMPTS_SETTLED_MS;
}

function failedForGood(state: SessionState, entry: OutboxEntry, error: string, attempts: number, context: DeliveryContext): void {
  // The workflow logger: replay-safe (no line twice), with the workflow's id and run on each line.
  log.warn('webhook delivery failed for good', { webhookId: entry.webhookId, seq: entry.seq, error });
  record(state, { at: Date.now(), kind: 'event', event: 'delivery_failed', detail: `seq ${entry.seq} (${entry.webhookId}): ${error}` });
  const data = { webhookId: entry.webhookId, seq: entry.seq, error, attempts };
  // A failed delivery.failed is logged, never queued for the webhook again: no chain of failures.
  if (entry.event?.type === 'delivery.failed') logEvent(state, { id: `failed_${entry.webhookId}`, type: 'delivery.failed', at: Date.now(), data });
  else emit(state, 'delivery.failed', data, Date.now(), { webhookId: context.newWebhookId, eventId: context.newEventId ?? ((n) => `evt_${n}`) }, `failed_${entry.webhookId}`);
}
