import assert from 'node:assert/strict';
import { once } from 'node:events';
import { createServer, type Server } from 'node:http';
import type { AddressInfo } from 'node:net';
import { createHttpCall } from '../../activities/http-call';
import type { Resolver } from '../../src/outbound/address-guard';
import { guardedRequest } from '../../src/outbound/request';

/** The flow http node's activity against a real HTTP server on loopback. */
describe('httpCall activity', () => {
  const call = createHttpCall({ allowPrivate: true, userAgent: 'Parley/test' });
  let server: Server;
  let base = '';
  before(async () => {
    server = createServer((req, res) => {
      let body = '';
      req.on('data', (chunk) => (body += chunk));
      req.on('end', () => {
        if (req.url === '/slow') return void setTimeout(() => res.end('{}'), 3_000);
        if (req.url === '/broken') return void res.writeHead(500).end('nope');
        if (req.url === '/text') return void res.end('not json');
        if (req.url === '/huge') return void res.end(JSON.stringify({ blob: 'x'.repeat(1024 * 1024) }));
        res.writeHead(200, { 'content-type': 'application/json' }).end(JSON.stringify({ method: req.method, body: body ? JSON.parse(body) : null }));
      });
    });
    server.listen(0, '127.0.0.1');
    await once(server, 'listening');
    base = `http://127.0.0.1:${(server.address() as AddressInfo).port}`;
  });
  after(() => {
    server.closeAllConnections();
    server.close();
  });

  it('POSTs the rendered body as JSON and returns the JSON answer', async () => {
    const result = await call({ method: 'POST', url: `${base}/ok`, headers: { 'x-test': '1' }, body: { dish: 'pizza' }, timeoutMs: 2_000 });
    assert.deepEqual(result, { kind: 'http', ok: true, data: { method: 'POST', body: { dish: 'pizza' } } });
  });

  for (const [name, path, timeoutMs, error] of [
    ['times out', '/slow', 200, /TimeoutError/],
    ['answers 500', '/broken', 2_000, /answered 500/],
    ['answers something that is not JSON', '/text', 2_000, /SyntaxError/],
    ['answers more than 256 KB', '/huge', 2_000, /larger than/],
  ] as const) {
    it(`reports a failure the flow can branch on when the service ${name}`, async () => {
      const result = await call({ method: 'GET', url: `${base}${path}`, headers: {}, timeoutMs });
      assert.equal(result.ok, false);
      assert.match(!result.ok ? result.error : '', error);
    });
  }

  it('connects to the address it checked, resolving the host once (no DNS rebinding)', async () => {
    const lookups: string[] = [];
    // A hostile DNS would answer differently the second time; the request must never ask again.
    const resolver: Resolver = async (hostname) => {
      lookups.push(hostname);
      return lookups.length === 1 ? [{ address: '127.0.0.1', family: 4 }] : [{ address: '10.9.9.9', family: 4 }];
    };
    const port = new URL(base).port;
    const response = await guardedRequest({
      url: `http://rebind.example:${port}/ok`, method: 'GET', headers: {}, timeoutMs: 2_000, allowPrivate: true,
      maxBodyBytes: 1_024, overflow: 'error', resolver, resendOnStaleConnection: true,
    });
    assert.equal(response.status, 200);
    assert.deepEqual(lookups, ['rebind.example']);
  });

  it("refuses, without sending it, a URL that climbed out of its template's path or host", async () => {
    let received = 0;
    server.once('request', () => received++);
    const climbed = await call({ method: 'GET', url: `${base}/api/v1/..`, urlPrefix: `${base}/api/v1/users/`, headers: {}, timeoutMs: 2_000 });
    assert.deepEqual(climbed, { kind: 'http', ok: false, error: "the URL left its template's host or path (a variable held '..' or another host)" });
    const elsewhere = await call({ method: 'GET', url: 'http://127.0.0.2:1/x', urlPrefix: `${base}/`, headers: {}, timeoutMs: 2_000 });
    assert.equal(elsewhere.ok, false);
    assert.equal(received, 0);
    const inside = await call({ method: 'GET', url: `${base}/api/v1/users/ann%2F..`, urlPrefix: `${base}/api/v1/users/`, headers: {}, timeoutMs: 2_000 });
    assert.equal(inside.ok, true, 'an encoded slash stays inside its segment');
  });

  it('refuses private addresses unless they are allowed', async () => {
    const strict = createHttpCall({ allowPrivate: false, userAgent: 'Parley/test' });
    const result = await strict({ method: 'GET', url: `${base}/ok`, headers: {}, timeoutMs: 2_000 });
    assert.deepEqual(result.ok, false);
    assert.match(!result.ok ? result.error : '', /is not a public address/);
    assert.doesNotMatch(!result.ok ? result.error : '', /loopback|resolves to/, 'no internal range or resolved address in what the flow sees');
  });
});
