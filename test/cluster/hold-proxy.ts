import { once } from 'node:events';
import { createServer, request, type IncomingMessage, type ServerResponse } from 'node:http';
import type { AddressInfo } from 'node:net';

interface Held {
  payload: { userID?: number; seq?: number };
  /** The sender hung up while held (its worker died). */
  senderGone: boolean;
  forward(): void;
}

/**
 * A pass-through in front of the webhook receiver that can hold requests unanswered: so a worker can be killed
 * while it has a delivery in flight, and the test can tell that it had.
 */
export async function startHoldProxy(targetUrl: string) {
  const target = new URL(targetUrl);
  let holding = false;
  const held: Held[] = [];
  const server = createServer((req: IncomingMessage, res: ServerResponse) => {
    const chunks: Buffer[] = [];
    req.on('data', (chunk: Buffer) => chunks.push(chunk));
    req.on('end', () => {
      const body = Buffer.concat(chunks);
      const forward = () => {
        const upstream = request({ host: target.hostname, port: target.port, path: target.pathname, method: 'POST', headers: req.headers }, (answer) => {
          res.writeHead(answer.statusCode ?? 502, answer.headers);
          answer.pipe(res);
        });
        upstream.on('error', () => res.destroy());
        upstream.end(body);
      };
      if (!holding) return forward();
      const entry: Held = { payload: JSON.parse(body.toString()) as Held['payload'], senderGone: false, forward };
      res.on('close', () => (entry.senderGone = !res.writableFinished));
      held.push(entry);
    });
  });
  server.listen(0, '127.0.0.1');
  await once(server, 'listening');
  return {
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`,
    hold: () => (holding = true),
    held: () => held.slice(),
    /** Forwards everything held (a dead sender's request too: the receiver sees what a real one would). */
    release: () => {
      holding = false;
      for (const entry of held.splice(0)) entry.forward();
    },
    close: async () => {
      server.closeAllConnections();
      server.close();
      await once(server, 'close');
    },
  };
}
