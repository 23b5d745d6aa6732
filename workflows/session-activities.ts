import { proxyActivities, workflowInfo } from '@temporalio/workflow';
import type { SessionActivities } from '../activities';

// The session's database reads and writes, as regular activities: each result is an event at its own place in
// history, matched to its call by activity id, so no interleaving of signals, queries and completions can hand
// one call's result to another on replay (local activity markers could: README, "Why no local activities").
const DATABASE = { startToCloseTimeout: '10s', retry: { initialInterval: '1s', maximumInterval: '30s' } } as const;
export const db = proxyActivities<SessionActivities>(DATABASE);

// A flow's http node: one attempt (its own timeout is at most 30 s); a failure takes the node's onError branch.
export const { httpCall } = proxyActivities<SessionActivities>({ startToCloseTimeout: '40s', retry: { maximumAttempts: 1 } });

/**
 * A reply's webhook-id, from history alone (run id and seq): a replay makes the same one whatever else drew from
 * the workflow's random stream (a tracing span, or a worker traced differently from the one that recorded it).
 */
export function webhookIdFor(seq: number): string {
  return `msg_${workflowInfo().runId}-${seq}`;
}

/** The log id of a session event that has no webhook-id (a handoff, a session end the webhook does not take). */
export function eventIdFor(n: number): string {
  return `evt_${workflowInfo().runId}-${n}`;
}
