import { randomUUID } from 'node:crypto';

/** One API replica the test talks to; `down` once it was killed. */
export interface Replica {
  baseUrl: string;
  down: boolean;
  /** Requests sent to it and not yet answered. */
  inFlight: number;
}

export interface Accepted {
  userID: number;
  /** Tries it took (1: the first API answered 200). */
  attempts: number;
}

const RETRYABLE = new Set([409, 429, 500, 502, 503, 504]);

/**
 * What a careful client behind no load balancer does: pick a replica at random, and on a connection error, a 5xx,
 * 409 (the same key still being accepted) or 429 try again, on any replica, with the same Idempotency-Key, so a
 * message is accepted once however many tries it takes.
 */
export async function sendMessage(
  replicas: Replica[],
  body: { channelID: string; token: string; message: string; userID?: number },
  deadlineMs = 120_000,
): Promise<Accepted> {
  const idempotencyKey = randomUUID();
  const deadline = Date.now() + deadlineMs;
  for (let attempts = 1; ; attempts++) {
    const live = replicas.filter((replica) => !replica.down);
    const replica = live[Math.floor(Math.random() * live.length)];
    let lastProblem = 'no live API replica';
    if (replica) {
      replica.inFlight++;
      const answer = await fetch(`${replica.baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json', 'idempotency-key': idempotencyKey },
        body: JSON.stringify(body),
        signal: AbortSignal.timeout(15_000),
      }).then(async (response) => ({ status: response.status, body: await response.json() as { userID?: number } }), (err: Error) => err).finally(() => replica.inFlight--);
      if (!(answer instanceof Error) && answer.status === 200) return { userID: answer.body.userID!, attempts };
      if (!(answer instanceof Error) && !RETRYABLE.has(answer.status)) {
        throw new Error(`${replica.baseUrl} refused "${body.message}": ${answer.status} ${JSON.stringify(answer.body)}`);
      }
      lastProblem = answer instanceof Error ? answer.message : `HTTP ${answer.status}`;
    }
    if (Date.now() > deadline) throw new Error(`"${body.message}" not accepted after ${attempts} tries: ${lastProblem}`);
    await new Promise((ok) => setTimeout(ok, Math.min(2_000, 100 * 2 ** Math.min(attempts, 5))));
  }
}
