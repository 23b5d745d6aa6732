import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo, Socket } from 'node:net';
import { guardedRequest, type OutboundRequest } from '../../src/outbound/request';

/** Webhook POSTs and http-node calls keep their connections alive (src/outbound/agents.ts), on real sockets. */
describe('outbound connections', () => {
  let server: Server;
  let connections: number;
  /** Destroys a connection at its second request instead of answering, as a server closing an idle one does. */
  let dropReused = false;
  const served = new WeakMap<Socket, number>();

  beforeEach(async () => {
    connections = 0;
    dropReused = false;
    server = createServer((req, res) => {
      const count = (served.get(req.socket) ?? 0) + 1;
      served.set(req.socket, count);
      if (dropReused && count > 1) return void req.socket.destroy();
      req.resume();
      req.on('end', () => res.end('ok'));
    });
    server.on('connection', () => connections++);
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
  });
  afterEach(() => {
    server.closeAllConnections();
    server.close();
  });

  const post = (resendOnStaleConnection = true): Promise<{ status: number }> => guardedRequest({
    url: `http://127.0.0.1:${(server.address() as AddressInfo).port}/hook`, method: 'POST', headers: {}, body: '{}',
    timeoutMs: 2_000, allowPrivate: true, maxBodyBytes: 256, overflow: 'truncate', resendOnStaleConnection,
  } satisfies OutboundRequest);

  it('sends consecutive requests to one origin over one kept-alive connection', async () => {
    for (let i = 0; i < 5; i++) assert.equal((await post()).status, 200);
    assert.equal(connections, 1);
  });

  it('sends again, once, on a new connection when a kept-alive one was closed under it', async () => {
    assert.equal((await post()).status, 200);
    dropReused = true;
    assert.equal((await post()).status, 200, 'answered on a second connection');
    assert.equal(connections, 2);
  });

  it('does not send a POST twice where a second copy could do harm (an http node): the lost connection is an error', async () => {
    assert.equal((await post(false)).status, 200);
    dropReused = true;
    await assert.rejects(post(false), (err: NodeJS.ErrnoException) => err.code === 'ECONNRESET');
    assert.equal(connections, 1);
  });
});
