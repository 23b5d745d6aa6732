import type { RunResult } from './report';

/** Sends one message as bench user n; resolves once accepted, with when it started on this process's clock. */
export type Send = (user: number, text: string) => Promise<{ startedAt: number; acceptMs: number }>;

export interface Pace {
  users: number;
  /** Messages per second offered, whatever the side answers. */
  rate: number;
  seconds: number;
}

/**
 * Latency at a fixed offered load (open loop): message i is due at start + i / rate, to user i mod users, and sent
 * then whether or not earlier ones were answered, so a slow answer cannot hold back the load that measures it (the
 * saturation rounds' senders wait for each accept, which makes their latency a measure of throughput). Accept and
 * end-to-end are timed from when each message was due: a sender that fell behind counts against the side. Accept
 * ends when this process learns of it (the HTTP answer, or the baseline client's message back).
 */
export async function measurePaced(name: string, send: Send, pace: Pace, arrivals: Map<string, number>): Promise<RunResult> {
  const total = Math.round(pace.rate * pace.seconds);
  const intervalMs = 1000 / pace.rate;
  const dueAt = new Map<string, number>();
  const accept: number[] = [];
  let errors = 0;
  const started = performance.now();
  const inFlight: Promise<void>[] = [];
  for (let i = 0; i < total; i++) {
    const due = started + i * intervalMs;
    const wait = due - performance.now();
    if (wait > 0) await sleep(wait);
    const text = `${name}-${i}`;
    // Timed here, on this process's clock, for both sides: the baseline's client runs in a process of its own.
    inFlight.push(send(i % pace.users, text).then(() => {
      dueAt.set(text, due);
      accept.push(performance.now() - due);
    }, () => void errors++));
  }
  await Promise.all(inFlight);
  const deadline = performance.now() + 120_000;
  while ([...dueAt.keys()].some((text) => !arrivals.has(text)) && performance.now() < deadline) await sleep(20);
  const endToEnd = [...dueAt].filter(([text]) => arrivals.has(text)).map(([text, due]) => arrivals.get(text)! - due);
  const finished = Math.max(...[...dueAt.keys()].map((text) => arrivals.get(text) ?? 0));
  return { name, accept, endToEnd, errors: errors + dueAt.size - endToEnd.length, seconds: (finished - started) / 1000 };
}

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
