import { defineQuery, setHandler, sleep } from '@temporalio/workflow';

export const clocksQuery = defineQuery<number[]>('clocks');

/** Reads the workflow clock when it starts and again when its timer has fired. */
export async function clockProbe(timerMs: number): Promise<number[]> {
  const clocks = [Date.now()];
  setHandler(clocksQuery, () => clocks);
  await sleep(timerMs);
  clocks.push(Date.now());
  return clocks;
}
