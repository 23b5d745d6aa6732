/**
 * A client of the conversation log's stream (GET /v1/channels/:channelID/events/stream): parses Server-Sent
 * Events and, when the connection drops, reconnects with Last-Event-ID so nothing is missed or read twice. Used
 * by `webhook-listen --pull` and the tests.
 */
export interface StreamEvent {
  /** The SSE `id:`: the event's cursor. */
  id: string;
  /** The SSE `event:`: the event's type. */
  type: string;
  /** The SSE `data:`, parsed: the event's envelope. */
  data: unknown;
}

export interface StreamOptions {
  /** The stream's URL (channel or user), without `after`. */
  url: string;
  /** The channel's token. */
  token: string;
  /** Resume after this cursor. */
  lastEventId?: string;
  onEvent(event: StreamEvent): void;
  /** Told of each connection's answer or failure; a non-200 answer other than 429/503 stops the client. */
  onStatus?(status: number | Error): void;
  signal: AbortSignal;
  /** Wait before reconnecting (the server's `retry:` wins). */
  retryMs?: number;
}

/** Reads until `signal` aborts; answers the last cursor received. Throws on an answer that retrying cannot fix. */
export async function readEventStream(options: StreamOptions): Promise<string | undefined> {
  let lastEventId = options.lastEventId;
  let retryMs = options.retryMs ?? 1_000;
  while (!options.signal.aborted) {
    try {
      const response = await fetch(options.url, {
        headers: { authorization: `Bearer ${options.token}`, accept: 'text/event-stream', ...(lastEventId === undefined ? {} : { 'last-event-id': lastEventId }) },
        signal: options.signal,
      });
      options.onStatus?.(response.status);
      if (response.status !== 200) {
        const body = await response.text();
        if (response.status !== 429 && response.status !== 503) throw new StreamRefused(response.status, body);
      } else {
        for await (const frame of framesOf(response.body!)) {
          if (frame.retry !== undefined) retryMs = frame.retry;
          if (frame.id !== undefined) lastEventId = frame.id;
          if (frame.data !== undefined && frame.id !== undefined) options.onEvent({ id: frame.id, type: frame.event ?? 'message', data: JSON.parse(frame.data) as unknown });
        }
      }
    } catch (err) {
      if (err instanceof StreamRefused) throw err;
      if (options.signal.aborted) break;
      options.onStatus?.(err as Error);
    }
    await new Promise((ok) => setTimeout(ok, retryMs));
  }
  return lastEventId;
}

export class StreamRefused extends Error {
  constructor(readonly status: number, readonly body: string) {
    super(`the stream answered ${status}: ${body}`);
  }
}

interface Frame {
  id?: string;
  event?: string;
  data?: string;
  retry?: number;
}

/** SSE frames as the spec splits them: fields per line, a blank line ends a frame, ':' lines are comments. */
async function* framesOf(body: ReadableStream<Uint8Array>): AsyncGenerator<Frame> {
  const decoder = new TextDecoder();
  let buffer = '';
  let frame: Frame = {};
  for await (const chunk of body) {
    buffer += decoder.decode(chunk, { stream: true });
    let newline: number;
    while ((newline = buffer.search(/\r\n|\n|\r/)) !== -1) {
      const line = buffer.slice(0, newline);
      buffer = buffer.slice(newline + (buffer.startsWith('\r\n', newline) ? 2 : 1));
      if (line === '') {
        if (frame.data !== undefined || frame.retry !== undefined) yield frame;
        frame = {};
        continue;
      }
      if (line.startsWith(':')) continue;
      const colon = line.indexOf(':');
      const field = colon === -1 ? line : line.slice(0, colon);
      const value = colon === -1 ? '' : line.slice(colon + 1).replace(/^ /, '');
      if (field === 'id') frame.id = value;
      else if (field === 'event') frame.event = value;
      else if (field === 'data') frame.data = frame.data === undefined ? value : `${frame.data}\n${value}`;
      else if (field === 'retry' && /^\d+$/.test(value)) frame.retry = Number(value);
    }
  }
}
