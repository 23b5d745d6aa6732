import { createAttemptDelivery } from './deliver-webhook';
import type { SendOptions } from '../src/webhooks/send';
import { createHttpCall } from './http-call';
import { createIsDeployed, createLoadBotVersion, createRouteMessage } from './load-flow';
import { logUndelivered } from './log-undelivered';
import { loadSession, saveSession } from './session-store';

export type ActivityDeps = SendOptions;

/** Every activity the session workflow calls, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  return {
    attemptDelivery: createAttemptDelivery(deps),
    httpCall: createHttpCall(deps),
    loadBotVersion: createLoadBotVersion(),
    routeMessage: createRouteMessage(),
    isDeployed: createIsDeployed(),
    loadSession,
    saveSession,
    logUndelivered,
  };
}

export type SessionActivities = ReturnType<typeof createActivities>;
