import type { Client } from '@temporalio/client';
import { sessionWorkflowId, stateQuery } from '../../workflows/definitions';


const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));
const ANSWERS = ['a', 'b', 'A', '42', '7', '0', 'x@y.co', 'not an email', '', 'a!', 'yes'];
const FREE_TEXT = ['hello', 'what?', 'help me please', 'ok', '🍕', 'one more thing', '#nokeyword'];

/** What users type: deployed keywords (with or without '#', any case), answers that fit some questions, free text. */
export function userText(random: () => number, keywords: readonly string[]): string {
  const pick = random();
  if (pick < 0.15) {
    const keyword = keywords[Math.floor(random() * keywords.length)]!;
    const cased = random() < 0.3 ? keyword.toUpperCase() : keyword;
    return random() < 0.5 ? `#${cased}` : cased;
  }
  const pool = pick < 0.85 ? ANSWERS : FREE_TEXT;
  return pool[Math.floor(random() * pool.length)]! || 'empty';
}

export interface Traffic {
  accepted: number;
  refused: Record<string, number>;
  queries: number;
  queriesFailed: number;
  /** The Parley userIDs the users got, in the order they first spoke. */
  userIDs: number[];
}

export interface TrafficOptions {
  baseUrl: string;
  channel: { channelID: string; channelKey: string; token: string };
  keywords: readonly string[];
  users: number;
  until: number;
  random: () => number;
  /** Pause between one user's messages. */
  thinkMs: { min: number; max: number };
}

/** Every user talks until `until`, each message through POST /v1/messages; the answers are counted. */
export async function talk(options: TrafficOptions, traffic: Traffic): Promise<void> {
  const { baseUrl, channel, keywords, random, thinkMs } = options;
  await Promise.all(Array.from({ length: options.users }, async () => {
    let userID: number | undefined;
    await sleep(random() * thinkMs.max);
    while (Date.now() < options.until) {
      // The first message starts a bot, as most real conversations do.
      const message = userID === undefined ? keywords[Math.floor(random() * keywords.length)]! : userText(random, keywords);
      const status = await fetch(`${baseUrl}/v1/messages`, {
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ channelID: channel.channelID, token: channel.token, message, userID }),
        signal: AbortSignal.timeout(10_000),
      }).then(async (response) => {
        const body = (await response.json()) as { userID?: number };
        if (response.ok && userID === undefined && body.userID) traffic.userIDs.push((userID = body.userID));
        return String(response.status);
      }, (err: unknown) => (err instanceof Error ? err.name : 'error'));
      if (status === '200') traffic.accepted++;
      else traffic.refused[status] = (traffic.refused[status] ?? 0) + 1;
      await sleep(thinkMs.min + random() * (thinkMs.max - thinkMs.min));
    }
  }));
}

/** The `state` query at `perSecond` in all, on sessions picked at random, as the UI and dashboards make it. */
export async function queryStorm(client: Client, options: TrafficOptions & { perSecond: number }, traffic: Traffic): Promise<void> {
  if (options.perSecond <= 0) return;
  const inFlight = new Set<Promise<unknown>>();
  while (Date.now() < options.until) {
    const userID = traffic.userIDs[Math.floor(options.random() * traffic.userIDs.length)];
    if (userID !== undefined && inFlight.size < 100) {
      traffic.queries++;
      const handle = client.workflow.getHandle(sessionWorkflowId(options.channel.channelKey, userID));
      // A UI gives up after a few seconds too (no worker up: the query waits for one).
      const query: Promise<unknown> = client.connection.withDeadline(Date.now() + 3_000, () => handle.query(stateQuery))
        .catch(() => traffic.queriesFailed++)
        .finally(() => inFlight.delete(query));
      inFlight.add(query);
    }
    await sleep(1_000 / options.perSecond);
  }
  await Promise.all(inFlight);
}
