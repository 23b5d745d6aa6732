import { condition, defineQuery, defineSignal, setHandler, sleep } from '@temporalio/workflow';

export const clocksQuery = defineQuery<number[]>('clocks');
export const pokeSignal = defineSignal('poke');

/**
 * Reads the workflow clock when its timer starts and again when the timer has fired. `pokes`: signals to take
 * first, to give the history some length (a new worker then takes longer to replay it). `busyAfterTimer`: loop
 * iterations after the timer, to keep its task busy.
 */
export async function clockProbe(timerMs: number, pokes = 0, busyAfterTimer = 0): Promise<number[]> {
  let poked = 0;
  const clocks: number[] = [];
  setHandler(pokeSignal, () => void poked++);
  setHandler(clocksQuery, () => clocks);
  await condition(() => poked >= pokes);
  clocks.push(Date.now());
  await sleep(timerMs);
  clocks.push(Date.now());
  // Keeps the timer's task busy (a worker can be killed in the middle of it); the sum only keeps the loop alive.
  let sum = 0;
  for (let i = 0; i < busyAfterTimer; i++) sum += i % 7;
  if (sum < 0) clocks.push(sum);
  return clocks;
}
