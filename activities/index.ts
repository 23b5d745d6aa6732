import { createAttemptDelivery, mongoDeliveryStore, type DeliveryStore } from './deliver-webhook';
import type { SendOptions } from '../src/webhooks/send';
import { createAppendLogEvents, mongoEventStore, type EventStore } from './append-events';
import { createHttpCall } from './http-call';
import { createBotActivities, mongoBotStore, type BotStore } from './load-flow';
import { createLogUndelivered, mongoUndeliveredStore, type UndeliveredStore } from './log-undelivered';
import { createSeqActivities, mongoSeqStore, type SeqStore } from './session-store';

/** The repositories activities read and write; the worker's are MongoDB, a unit test hands in its own. */
export interface ActivityStores {
  seq: SeqStore;
  bots: BotStore;
  deliveries: DeliveryStore;
  undelivered: UndeliveredStore;
  events: EventStore;
}

export interface ActivityDeps extends SendOptions {
  /** MongoDB for each store not given. */
  stores?: Partial<ActivityStores>;
}

/** Every activity the session workflow calls, with its dependencies injected. */
export function createActivities({ stores = {}, ...send }: ActivityDeps) {
  const seq = createSeqActivities(stores.seq ?? mongoSeqStore);
  return {
    attemptDelivery: createAttemptDelivery(send, { ...(stores.deliveries ?? mongoDeliveryStore), ...(stores.events ? { events: stores.events } : {}) }),
    httpCall: createHttpCall(send),
    ...createBotActivities(stores.bots ?? mongoBotStore()),
    ...seq,
    /** The names loadNextSeq and saveNextSeq had until 2026-12-06, which histories of older runs schedule. */
    loadSession: seq.loadNextSeq,
    saveSession: seq.saveNextSeq,
    logUndelivered: createLogUndelivered(stores.undelivered ?? mongoUndeliveredStore),
    appendLogEvents: createAppendLogEvents(stores.events ?? mongoEventStore),
  };
}

export type SessionActivities = ReturnType<typeof createActivities>;
