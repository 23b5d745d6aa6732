import { trace } from '@opentelemetry/api';
import { activityInfo, Context, log } from '@temporalio/activity';
import type { WebhookPayload } from '../src/schemas/message';
import { createTtlCache } from '../src/cache/ttl-cache';
import { Channel, signingSecrets } from '../src/db/channel';
import type { DeliveryState } from '../src/db/delivery';
import { ForbiddenAddressError } from '../src/outbound/address-guard';
import { parleyMetrics } from '../src/telemetry/metrics';
import { sendSignedWebhook, type SendOptions } from '../src/webhooks/send';
import type { AttemptOutcome, OutboxEntry, PendingEvent } from '../workflows/definitions';
import { mongoEventStore, toLogEvent, type EventStore } from './append-events';
import { disableChannel, failingTooLong, markFailing, markHealthy } from './channel-health';
import { givenUpSignal } from './given-up';
import { nextSeqIfTaken, recordAttempt, type AttemptRecord, type DeliveryKey } from './delivery-log';

export { FAILING_CHANNEL_DISABLED_AFTER_MS } from './channel-health';

export type { AttemptOutcome };

export interface AttemptDeliveryInput {
  channelKey: string;
  userID: number;
  entry: OutboxEntry;
  /** No retry follows a failure of this attempt: the delivery becomes `failed`. */
  finalAttempt: boolean;
  /** The workflow's clock (UTC ms): the attempt's time in the log and for the 5-day rule. */
  at: number;
  /** 1 for the first attempt of a schedule (absent from sessions started before it was sent). */
  attempt?: number;
  /** The channel was just re-enabled: read it from the database, not from the short-lived cache. */
  freshChannel?: boolean;
  /** An earlier attempt of this run found its seqs free in the delivery log: no need to look again. */
  seqChecked?: boolean;
  /** Events for the conversation log, appended before the webhook is called (none when the seq is taken). */
  events?: PendingEvent[];
}

// A changed webhook URL, channelID, secret or status applies to pending deliveries within this.
const TARGET_CACHE_MS = 500;

export interface ChannelTarget {
  channelID: string;
  webhookUrl: string;
  webhookSecret: string;
  previousSecrets?: { secret: string; until: Date }[];
  previousWebhookSecret?: string;
  previousSecretUntil?: Date;
  status: string;
  disabledReason?: string;
  failingSince?: Date;
}

/** What an attempt reads and writes: the channel's target and health, and the delivery log. */
export interface DeliveryStore {
  loadTarget(channelKey: string): Promise<ChannelTarget | null>;
  /** Null when no other delivery of the user holds the entry's seq; else where numbering must go on. */
  nextSeqIfTaken(channelKey: string, userID: number, entry: OutboxEntry): Promise<number | null>;
  recordAttempt(key: DeliveryKey, state: DeliveryState, attempt: AttemptRecord | undefined, waiting: string | undefined, at: number): Promise<void>;
  markFailing(channelKey: string, since: Date): Promise<void>;
  markHealthy(channelKey: string): Promise<void>;
  disableChannel(channelKey: string, reason: 'webhook_gone' | 'webhook_failing'): Promise<void>;
  /** The conversation log (src/events/log.ts). */
  events?: EventStore;
}

/** The store the worker uses: MongoDB (channels and the delivery log). */
export const mongoDeliveryStore: DeliveryStore = {
  loadTarget: (channelKey) =>
    Channel.findById(channelKey, {
      channelID: 1, webhookUrl: 1, webhookSecret: 1, previousSecrets: 1, previousWebhookSecret: 1, previousSecretUntil: 1, status: 1, disabledReason: 1, failingSince: 1,
    }).lean<ChannelTarget>().exec(),
  nextSeqIfTaken,
  recordAttempt,
  markFailing,
  markHealthy,
  disableChannel,
  events: mongoEventStore,
};

/**
 * One attempt to POST a reply to the channel's webhook, recorded in the delivery log. Failures of the attempt
 * are results, not exceptions: only trouble of our own (the database) throws, and Temporal retries that. The
 * store is MongoDB unless a test hands in another (test/unit/attempt-delivery.test.ts).
 */
export function createAttemptDelivery(options: SendOptions, store: DeliveryStore = mongoDeliveryStore) {
  const targets = createTtlCache<string, ChannelTarget | null>({ ttlMs: TARGET_CACHE_MS, refreshAfterMs: TARGET_CACHE_MS / 2, maxEntries: 10_000 });
  const loadTarget = (channelKey: string) => targets.get(channelKey, () => store.loadTarget(channelKey));

  return async function attemptDelivery(input: AttemptDeliveryInput): Promise<AttemptOutcome> {
    const { channelKey, userID, entry } = input;
    trace.getActiveSpan()?.setAttributes({ 'channel.key': channelKey, 'user.id': userID, 'webhook.id': entry.webhookId, 'webhook.seq': entry.seq });
    // Heartbeats from the start, not only around the POST: an attempt slowed by the database is still alive (the
    // start-to-close timeout bounds it), and an attempt Temporal gave up on learns so and stops taking log cursors.
    const outcome = await whileHeartbeating(() => attemptOnce(input));
    // One line per attempt that did not deliver; a delivered one at debug only, since the delivery log holds every
    // attempt (GET …/deliveries) and a line per reply cost the worker more than it told. The activity logger adds
    // workflowId and activityId, the interceptor the trace ids.
    const line = { channelKey, userID, webhookId: entry.webhookId, seq: entry.seq, attempt: input.attempt, ...outcome };
    if (outcome.outcome === 'delivered') log.debug('webhook attempt', line);
    else log.info('webhook attempt', line);
    const metrics = parleyMetrics();
    metrics.deliveries.add(1, { outcome: outcome.outcome });
    if (outcome.outcome === 'delivered') {
      metrics.attemptsPerDelivery.record(input.attempt ?? 1);
      if (entry.origin?.receivedAt) metrics.endToEndSeconds.record((Date.now() - entry.origin.receivedAt) / 1000);
    }
    return outcome;
  };

  async function attemptOnce(input: AttemptDeliveryInput): Promise<AttemptOutcome> {
    const { channelKey, userID, entry } = input;
    if (input.freshChannel) targets.delete(channelKey);
    const channel = await loadTarget(channelKey);
    if (!channel) return { outcome: 'channel_gone' };
    if (!entry.redelivery && !input.seqChecked) {
      const seqTaken = await store.nextSeqIfTaken(channelKey, userID, entry);
      // Either way the run's seqs are free from here on: when taken, it numbers its replies again past the log.
      const checked = { seqCheckedIn: activityInfo().workflowExecution!.runId };
      if (seqTaken !== null) return { outcome: 'seq_taken', nextSeq: seqTaken, ...checked };
      return { ...(await logAndSend(input, channel)), ...checked };
    }
    return logAndSend(input, channel);
  }

  /**
   * What the session logged since its last write goes in while the webhook is called: neither waits for the other
   * (the log write would otherwise add to every reply's latency). A failed write fails the attempt, which Temporal
   * retries; the retry stores nothing twice and sends under the same webhook-id, as after any failure of our own.
   */
  async function logAndSend(input: AttemptDeliveryInput, channel: ChannelTarget): Promise<AttemptOutcome> {
    const { channelKey, userID, entry, events } = input;
    const logged = events?.length
      ? (store.events ?? mongoEventStore)
          .append(channelKey, events.map((event) => toLogEvent(event, { channelID: channel.channelID, userID }, entry)), givenUpSignal())
          .then(() => null, (err: unknown) => err)
      : null;
    const outcome = await sendAndLog(input, channel);
    const failed = await logged;
    if (failed) throw failed;
    return outcome;
  }

  /** The attempt proper, once the channel is known and the seq free. */
  async function sendAndLog(input: AttemptDeliveryInput, channel: ChannelTarget): Promise<AttemptOutcome> {
    const { channelKey, userID, entry, at } = input;

    const { text, ...rest } = entry.reply;
    // A session event the webhook takes (README, "Conversation log") is {type, channelID, userID, timestamp, seq, data}.
    const payload = (entry.event
      ? { type: entry.event.type, channelID: channel.channelID, userID, timestamp: rest.timestamp, seq: entry.seq, data: eventData(entry, channel.channelID, userID) }
      : { channelID: channel.channelID, message: text, userID, seq: entry.seq, ...rest }) as WebhookPayload;
    // A schedule's first attempt of a reply usually writes its record first (a redelivery's is there already).
    const firstWrite = input.attempt === 1 && !entry.redelivery;
    const logAttempt = (state: DeliveryState, attempt?: AttemptRecord, waiting?: string) =>
      store.recordAttempt({ webhookId: entry.webhookId, channelKey, userID, seq: entry.seq, payload, createdAt: entry.reply.timestamp, firstWrite }, state, attempt, waiting, at);

    if (channel.status !== 'active') {
      await logAttempt('pending', undefined, 'channel_disabled');
      return { outcome: 'channel_disabled', reason: channel.disabledReason ?? 'disabled' };
    }

    const attemptAt = new Date(at);
    try {
      const target = { webhookUrl: channel.webhookUrl, secrets: signingSecrets(channel, at), channelKey };
      const result = await sendSignedWebhook(target, entry.webhookId, payload, options);
      const attempt: AttemptRecord = { at: attemptAt, status: result.status, latencyMs: result.latencyMs, ...(result.snippet ? { responseSnippet: result.snippet } : {}) };
      if (result.ok) {
        await logAttempt('delivered', attempt);
        if (channel.failingSince) await store.markHealthy(channelKey);
        return { outcome: 'delivered', status: result.status, latencyMs: result.latencyMs };
      }
      if (result.status === 410) {
        await disable(channelKey, 'webhook_gone');
        await logAttempt('pending', attempt, 'channel_disabled');
        return { outcome: 'channel_disabled', reason: 'webhook_gone' };
      }
      return failed(attempt, `webhook answered ${result.status}`, result.retryAfterMs);
    } catch (err) {
      const error = describe(err);
      if (err instanceof ForbiddenAddressError) {
        log.warn('webhook address refused', { channelKey, webhookId: entry.webhookId, reason: err.reason }); // operators only
        await logAttempt('failed', { at: attemptAt, error });
        return { outcome: 'forbidden', error };
      }
      return failed({ at: attemptAt, error }, error);
    }


    async function failed(attempt: AttemptRecord, error: string, retryAfterMs?: number): Promise<AttemptOutcome> {
      if (failingTooLong(channel.failingSince, at)) {
        await disable(channelKey, 'webhook_failing');
        await logAttempt('pending', attempt, 'channel_disabled');
        return { outcome: 'channel_disabled', reason: 'webhook_failing' };
      }
      if (!channel.failingSince) await store.markFailing(channelKey, attemptAt);
      await logAttempt(input.finalAttempt ? 'failed' : 'pending', attempt);
      return { outcome: 'failed', ...(attempt.status !== undefined ? { status: attempt.status } : {}), error, ...(retryAfterMs !== undefined ? { retryAfterMs } : {}) };
    }
  }

  async function disable(channelKey: string, reason: 'webhook_gone' | 'webhook_failing'): Promise<void> {
    await store.disableChannel(channelKey, reason);
    targets.delete(channelKey);
  }
}

/** The `data` of a session event as the log stores it (a user message gets its channelID, userID and time). */
function eventData({ webhookId, seq, reply, event }: OutboxEntry, channelID: string, userID: number): unknown {
  return toLogEvent({ id: webhookId, type: event!.type, at: reply.timestamp, seq, data: event!.data }, { channelID, userID }).data;
}

/**
 * Heartbeats once a second while an attempt is in flight, so a worker that dies mid-attempt is noticed in seconds,
 * and a timeout or cancellation reaches the attempt (its context's signal aborts).
 */
async function whileHeartbeating<T>(work: () => Promise<T>): Promise<T> {
  const context = Context.current();
  const timer = setInterval(() => context.heartbeat(), 1_000);
  try {
    return await work();
  } finally {
    clearInterval(timer);
  }
}

function describe(err: unknown): string {
  if (!(err instanceof Error)) return String(err);
  const code = (err as { code?: string }).code;
  return `${err.name === 'TimeoutError' ? 'timed out' : err.message}${code && !err.message.includes(code) ? ` (${code})` : ''}`;
}
