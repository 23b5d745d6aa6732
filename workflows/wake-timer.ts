import { sleep } from '@temporalio/workflow';

/**
 * The main loop's one wake-up timer. A timer is armed only when none fires by the deadline, so a session whose
 * deadline moves later with every message (the idle timeout) starts no timer and cancels none per message:
 * the timer armed first fires, finds the deadline moved, and arms one for what is left.
 */
export function createWakeTimer() {
  let deadline = Number.POSITIVE_INFINITY;
  let armedFor: number | null = null;
  const arm = () => {
    if (deadline <= Date.now() || (armedFor !== null && armedFor <= deadline)) return;
    const at = deadline;
    armedFor = at;
    void sleep(at - Date.now()).then(() => {
      if (armedFor !== at) return; // an earlier timer took over; this one is stale
      armedFor = null;
      arm();
    });
  };
  return {
    /** Wake no later than `ms` from now (replacing the previous deadline, earlier or later). */
    wakeIn(ms: number): void {
      deadline = Date.now() + ms;
      arm();
    },
    /** Whether the deadline has come (workflow time moves on when a timer fires). */
    due: (): boolean => Date.now() >= deadline,
  };
}
