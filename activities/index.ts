import { createDeliverWebhook, type DeliverWebhookDeps } from './deliver-webhook';
import { createHttpCall } from './http-call';
import { createIsDeployed, createLoadFlow } from './load-flow';
import { loadSession, saveSession } from './session-store';

export type ActivityDeps = DeliverWebhookDeps;

/** Every activity the session workflow calls, with its dependencies injected. */
export function createActivities(deps: ActivityDeps) {
  return {
    deliverWebhook: createDeliverWebhook(deps),
    httpCall: createHttpCall(deps),
    loadFlow: createLoadFlow(),
    isDeployed: createIsDeployed(),
    loadSession,
    saveSession,
  };
}

export type SessionActivities = ReturnType<typeof createActivities>;
