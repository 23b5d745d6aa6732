import { createAttemptDelivery } from './deliver-webhook';
import { createDeliverWebhook } from './legacy-deliver-webhook';
import type { SendOptions } from '../src/webhooks/send';
import { createHttpCall } from './http-call';
import { createIsDeployed, createLoadBotVersion, createLoadFlow, createRouteMessage } from './load-flow';
import { logUndelivered } from './log-undelivered';
import { loadSession, saveSession } from './session-store';

export type ActivityDeps = SendOptions;

/** Every activity the session workflow calls, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  const attemptDelivery = createAttemptDelivery(deps);
  return {
    attemptDelivery,
    /** For sessions started before the retry schedule moved into the workflow (RETRY_SCHEDULE_PATCH). */
    deliverWebhook: createDeliverWebhook(attemptDelivery),
    httpCall: createHttpCall(deps),
    loadBotVersion: createLoadBotVersion(),
    routeMessage: createRouteMessage(),
    isDeployed: createIsDeployed(),
    /** For sessions recorded before MessageRoute, which routed each message with this local activity. */
    loadFlow: createLoadFlow(),
    loadSession,
    saveSession,
    logUndelivered,
  };
}

export type SessionActivities = ReturnType<typeof createActivities>;
