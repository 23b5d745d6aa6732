import { readEventStream, type StreamEvent } from '../../src/webhooks/event-stream';
import type { LoggedEvent } from '../../src/events/log';

/** GET a log route with the channel token; answers status and parsed body. */
export async function getLog(url: string, token: string | undefined, init: { headers?: Record<string, string>; signal?: AbortSignal } = {}) {
  const response = await fetch(url, { headers: { ...(token === undefined ? {} : { authorization: `Bearer ${token}` }), ...init.headers }, ...(init.signal ? { signal: init.signal } : {}) });
  const text = await response.text();
  let body: unknown = text;
  try {
    body = JSON.parse(text);
  } catch {
    // a stream's or a plain answer
  }
  return { status: response.status, headers: response.headers, body: body as { events: LoggedEvent[]; cursor: string; error?: { code: string } } };
}

/** Opens a stream and collects its events until `stop()`; `opened` resolves with the first answer's status. */
export function openStream(url: string, token: string, lastEventId?: string) {
  const events: StreamEvent[] = [];
  const statuses: (number | Error)[] = [];
  const controller = new AbortController();
  let opened: (status: number) => void = () => undefined;
  const first = new Promise<number>((ok) => (opened = ok));
  const done = readEventStream({
    url, token, signal: controller.signal, retryMs: 100, ...(lastEventId === undefined ? {} : { lastEventId }),
    onEvent: (event) => events.push(event),
    onStatus: (status) => {
      statuses.push(status);
      if (typeof status === 'number') opened(status);
    },
  }).catch((err: unknown) => err);
  return {
    events,
    statuses,
    opened: first,
    async stop() {
      controller.abort();
      await done;
    },
    done,
  };
}

/** Waits until `check` holds, polling; fails with `what` after timeoutMs. */
export async function until(check: () => boolean, what: string, timeoutMs = 20_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!check()) {
    if (Date.now() > deadline) throw new Error(`timed out waiting for ${what}`);
    await new Promise((ok) => setTimeout(ok, 50));
  }
}
