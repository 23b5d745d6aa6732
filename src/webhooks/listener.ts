import { once } from 'node:events';
import { createServer, type IncomingMessage, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { verifyWebhook } from './signing';

export interface ReceivedEvent {
  webhookId: string;
  /** null when no secret was given to check against. */
  verified: boolean | null;
  error?: string;
  headers: Record<string, string>;
  payload: unknown;
}

export interface WebhookListener {
  port: number;
  close(): Promise<void>;
}

const MAX_BODY_BYTES = 1024 * 1024;

/** A real HTTP webhook receiver on loopback: checks each event's signature and answers 200 (400 if it fails). */
export async function startWebhookListener(options: {
  port: number;
  /** Read per request, so a test can learn the secret after the receiver is up. */
  secret?: () => string | undefined;
  onEvent: (event: ReceivedEvent) => void;
  /** The status to answer (default: 200, or 400 for a bad signature), e.g. to play a failing receiver. */
  respond?: (event: ReceivedEvent) => number | undefined;
}): Promise<WebhookListener> {
  const server: Server = createServer((req, res) => {
    readBody(req)
      .then((body) => {
        const event = inspect(body, req, options.secret?.());
        options.onEvent(event);
        const status = options.respond?.(event) ?? (event.verified === false ? 400 : 200);
        res.writeHead(status, { 'content-type': 'application/json' });
        res.end(JSON.stringify({ ok: status < 300 }));
      })
      .catch(() => {
        res.writeHead(413).end();
      });
  });
  server.listen(options.port, '127.0.0.1');
  await once(server, 'listening');
  return {
    port: (server.address() as AddressInfo).port,
    close: async () => {
      server.closeAllConnections();
      await new Promise((ok) => server.close(ok));
    },
  };
}

function inspect(body: string, req: IncomingMessage, secret: string | undefined): ReceivedEvent {
  const headers = Object.fromEntries(
    Object.entries(req.headers).map(([name, value]) => [name, Array.isArray(value) ? value.join(', ') : (value ?? '')]),
  );
  let payload: unknown = body;
  try {
    payload = JSON.parse(body);
  } catch {
    // not JSON: shown as text
  }
  const event: ReceivedEvent = { webhookId: headers['webhook-id'] ?? '', verified: null, headers, payload };
  if (secret === undefined) return event;
  try {
    verifyWebhook(secret, body, headers);
    return { ...event, verified: true };
  } catch (err) {
    return { ...event, verified: false, error: err instanceof Error ? err.message : String(err) };
  }
}

async function readBody(req: IncomingMessage): Promise<string> {
  const chunks: Buffer[] = [];
  let size = 0;
  for await (const chunk of req as AsyncIterable<Buffer>) {
    size += chunk.length;
    if (size > MAX_BODY_BYTES) throw new Error('body too large');
    chunks.push(chunk);
  }
  return Buffer.concat(chunks).toString('utf8');
}
