import { condition, proxyActivities, upsertSearchAttributes } from '@temporalio/workflow';
import type { SessionActivities } from '../activities';
import { BotIdAttribute, SessionStatusAttribute, type SessionState } from './definitions';
import { record } from './session-state';

// One attempt is bounded by the activity's own 15 s fetch timeout; Temporal retries durably across restarts.
const { deliverWebhook } = proxyActivities<SessionActivities>({
  startToCloseTimeout: '20s',
  retry: {
    initialInterval: '5s',
    backoffCoefficient: 6,
    maximumInterval: '10h',
    maximumAttempts: 8,
    nonRetryableErrorTypes: ['ChannelNotFound', 'ForbiddenAddress'],
  },
});

/** Strictly in seq order: reply n+1 is not sent before n is delivered or has failed for good. */
export async function deliverInOrder(
  state: SessionState,
  delivery: { inFlight: boolean },
  channelKey: string,
  userID: number,
): Promise<never> {
  for (;;) {
    await condition(() => state.outbox.length > 0);
    const entry = state.outbox[0]!;
    delivery.inFlight = true;
    try {
      await deliverWebhook({ channelKey, userID, entry });
    } catch (err) {
      const detail = `seq ${entry.seq} (${entry.webhookId}): ${err instanceof Error ? err.message : String(err)}`;
      record(state, { at: Date.now(), kind: 'event', event: 'delivery_failed', detail });
    } finally {
      delivery.inFlight = false;
    }
    state.outbox.shift();
  }
}

/** Keeps SessionStatus and BotId current for operators, upserting only on change. */
export function searchAttributeSync(state: SessionState): () => void {
  let last = '';
  const sync = () => {
    const botId = state.bot?.botId ?? '';
    if (`${state.status}/${botId}` === last) return;
    last = `${state.status}/${botId}`;
    upsertSearchAttributes([
      { key: SessionStatusAttribute, value: state.status },
      { key: BotIdAttribute, value: botId || null },
    ]);
  };
  sync();
  return sync;
}
