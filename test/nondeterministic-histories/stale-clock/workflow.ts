import { condition, defineQuery, defineSignal, setHandler, sleep } from '@temporalio/workflow';

export const clocksQuery = defineQuery<number[]>('clocks');
export const pokeSignal = defineSignal('poke');

/**
 * Reads the workflow clock when its timer starts and again when the timer has fired. `pokes`: signals to take
 * first, to give the history some length (a new worker then takes longer to replay it).
 */
export async function clockProbe(timerMs: number, pokes = 0): Promise<number[]> {
  let poked = 0;
  const clocks: number[] = [];
  setHandler(pokeSignal, () => void poked++);
  setHandler(clocksQuery, () => clocks);
  await condition(() => poked >= pokes);
  clocks.push(Date.now());
  await sleep(timerMs);
  clocks.push(Date.now());
  return clocks;
}
