import assert from 'node:assert/strict';
import { createWakeTimer, type WakeClock } from '../../workflows/wake-timer';

/** A workflow clock by hand: sleeps are recorded, and `fire` resolves one with the clock set as told. */
function manualClock(start: number) {
  let time = start;
  const sleeps: { ms: number; armedAt: number; resolve: () => void }[] = [];
  const clock: WakeClock = {
    now: () => time,
    sleep: (ms) => new Promise<void>((resolve) => sleeps.push({ ms, armedAt: time, resolve })),
  };
  return {
    clock,
    sleeps,
    set: (at: number) => void (time = at),
    /** Fires sleep `i` in an activation whose clock reads `activationTime`, and lets its callback run. */
    fire: async (i: number, activationTime: number) => {
      time = activationTime;
      sleeps[i]!.resolve();
      await new Promise((ok) => setImmediate(ok));
    },
  };
}

describe('the wake timer (workflows/wake-timer.ts)', () => {
  it('arms one timer for an idle deadline that moves later, and re-arms for what is left when it fires', async () => {
    const c = manualClock(0);
    const timer = createWakeTimer(c.clock);
    timer.wakeIn(20_000);
    c.set(5_000);
    timer.wakeIn(20_000); // a message at 5 s: deadline 25 s, no new timer
    assert.deepEqual(c.sleeps.map((s) => s.ms), [20_000]);
    await c.fire(0, 20_000);
    assert.equal(timer.due(), false);
    assert.deepEqual(c.sleeps.map((s) => s.ms), [20_000, 5_000], 'the rest of the deadline');
    await c.fire(1, 25_000);
    assert.equal(timer.due(), true);
  });

  it('counts a fired timer\'s instant as come even when the activation\'s clock reads earlier, as a replay of the same history would', async () => {
    const c = manualClock(0);
    const timer = createWakeTimer(c.clock);
    timer.wakeIn(20_000);
    // The timer fires, but the activation's clock reads the start of the task before (seen live, never on replay).
    await c.fire(0, 6_000);
    assert.equal(timer.due(), true, 'idle, as the replay decides');
    assert.equal(timer.now(), 20_000, 'the main loop decides at the fired instant, not at the stale reading');
    assert.equal(c.sleeps.length, 1, 'no timer re-armed for a deadline that has come');
  });
});
