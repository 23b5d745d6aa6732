import { sleep } from '@temporalio/workflow';

/** What the wake timer needs of the workflow: its durable sleep and its clock (injected by unit tests). */
export interface WakeClock {
  sleep(ms: number): Promise<void>;
  now(): number;
}

const WORKFLOW_CLOCK: WakeClock = { sleep, now: () => Date.now() };

/**
 * The main loop's one wake-up timer. A timer is armed only when none fires by the deadline, so a session whose
 * deadline moves later with every message (the idle timeout) starts no timer and cancels none per message:
 * the timer armed first fires, finds the deadline moved, and arms one for what is left.
 *
 * A timer that fired means its instant has come, whatever the clock says in that activation: on the first task
 * a new worker took after a SIGKILL (likely after a query made it replay), `Date.now()` in the timer's activation
 * read the start of the task before, while a replay of the same history reads the task's own start, so the live
 * run re-armed where the replay went idle and the history no longer replayed
 * (test/nondeterministic-histories/). Time here is never earlier than the last fired timer's instant; on a
 * correct clock (every replay) that changes nothing, as a timer fires after its instant.
 */
export function createWakeTimer(clock: WakeClock = WORKFLOW_CLOCK) {
  let deadline = Number.POSITIVE_INFINITY;
  let armedFor: number | null = null;
  let firedUpTo = Number.NEGATIVE_INFINITY;
  const now = () => Math.max(clock.now(), firedUpTo);
  const arm = () => {
    if (deadline <= now() || (armedFor !== null && armedFor <= deadline)) return;
    const at = deadline;
    armedFor = at;
    void clock.sleep(at - now()).then(() => {
      firedUpTo = Math.max(firedUpTo, at);
      if (armedFor !== at) return; // an earlier timer took over; this one is stale
      armedFor = null;
      arm();
    });
  };
  return {
    /** Wake no later than `ms` from now (replacing the previous deadline, earlier or later). */
    wakeIn(ms: number): void {
      deadline = now() + ms;
      arm();
    },
    /** Whether the deadline has come (workflow time moves on when a timer fires). */
    due: (): boolean => now() >= deadline,
    /** Workflow time, never earlier than the instant of a timer that fired: what the main loop decides by. */
    now,
  };
}
