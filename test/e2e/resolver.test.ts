import assert from 'node:assert/strict';
import { createSocket, type Socket } from 'node:dgram';
import { once } from 'node:events';
import type { AddressInfo } from 'node:net';
import { createResolver, MAX_LOOKUPS_PER_KEY, withLookupSlot } from '../../src/outbound/resolver';

/** Name resolution for webhooks and http nodes, against a real nameserver on loopback that never answers. */
describe('outbound name resolution', () => {
  let blackhole: Socket;
  let queries = 0;
  before(async () => {
    blackhole = createSocket('udp4').on('message', () => queries++); // reads every query, answers none
    blackhole.bind(0, '127.0.0.1');
    await once(blackhole, 'listening');
  });
  after(() => blackhole.close());

  it('gives up on a nameserver that never answers after its timeout and tries, instead of holding a thread', async () => {
    const resolve = createResolver({ timeoutMs: 200, tries: 2, servers: [`127.0.0.1:${(blackhole.address() as AddressInfo).port}`] });
    const started = performance.now();
    await assert.rejects(resolve('hooks.example.com'), (err: NodeJS.ErrnoException) => err.code === 'ETIMEOUT');
    const ms = performance.now() - started;
    assert.ok(ms < 2_000, `gave up after ${ms.toFixed(0)} ms`);
    assert.ok(queries >= 2, 'the nameserver was asked');
  });

  it('answers localhost and *.localhost as loopback without asking anyone (RFC 6761)', async () => {
    const resolve = createResolver({ timeoutMs: 200, tries: 1, servers: [`127.0.0.1:${(blackhole.address() as AddressInfo).port}`] });
    const before = queries;
    assert.deepEqual((await resolve('localhost')).map((a) => a.address), ['127.0.0.1', '::1']);
    assert.deepEqual((await resolve('api.localhost.')).map((a) => a.address), ['127.0.0.1', '::1']);
    assert.equal(queries, before);
  });

  it(`lets one channel resolve at most ${MAX_LOOKUPS_PER_KEY} names at once; another channel does not wait for it`, async () => {
    let running = 0;
    let most = 0;
    const releases: (() => void)[] = [];
    const slow = () => withLookupSlot('channel-a', async () => {
      most = Math.max(most, ++running);
      await new Promise<void>((ok) => releases.push(ok));
      running--;
    });
    const hung = Array.from({ length: 10 }, slow);
    await new Promise((ok) => setImmediate(ok));
    assert.equal(most, MAX_LOOKUPS_PER_KEY);
    assert.equal(await withLookupSlot('channel-b', async () => 'b'), 'b', 'another channel is not held up');
    while (releases.length > 0 || running > 0) {
      releases.splice(0).forEach((release) => release());
      await new Promise((ok) => setImmediate(ok));
    }
    await Promise.all(hung);
    assert.equal(most, MAX_LOOKUPS_PER_KEY, 'never more at once, all ten done');
  });

  it('drops a waiting lookup whose request gave up, instead of resolving for nobody', async () => {
    const releases: (() => void)[] = [];
    const holders = Array.from({ length: MAX_LOOKUPS_PER_KEY }, () => withLookupSlot('channel-c', () => new Promise<void>((ok) => releases.push(ok))));
    const deadline = new AbortController();
    let ran = false;
    const waiting = withLookupSlot('channel-c', async () => void (ran = true), deadline.signal);
    deadline.abort(new Error('request timed out'));
    await assert.rejects(waiting, /request timed out/);
    releases.forEach((release) => release());
    await Promise.all(holders);
    assert.equal(ran, false);
    assert.equal(await withLookupSlot('channel-c', async () => 'free again'), 'free again');
  });
});
