import { condition, defineSignal, proxyActivities, setHandler } from '@temporalio/workflow';
import type { createBaselineActivities } from './baseline-activities';

/** The least a Temporal-based channel can do: queue each signalled text and POST it to the receiver. */
export const baselineMessage = defineSignal<[string]>('say');

const { postToReceiver } = proxyActivities<ReturnType<typeof createBaselineActivities>>({
  startToCloseTimeout: '20s',
  retry: { initialInterval: '5s' },
});

export async function BaselineSession(): Promise<void> {
  const queue: string[] = [];
  setHandler(baselineMessage, (text) => void queue.push(text));
  while (await condition(() => queue.length > 0, '1 minute')) {
    await postToReceiver(queue.shift()!);
  }
}
