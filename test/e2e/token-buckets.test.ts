import assert from 'node:assert/strict';
import { randomUUID } from 'node:crypto';
import type { Redis } from 'ioredis';
import { createRedis, redisReady } from '../../src/db/redis';
import { tokenBuckets, type Bucket } from '../../src/services/limits/token-buckets';
import { devServers } from '../helpers/servers';

const sleep = (ms: number) => new Promise((ok) => setTimeout(ok, ms));

describe('token buckets in Redis (GCRA, one script call per request)', function () {
  this.timeout(30_000);
  const clients: Redis[] = [];
  const connect = async () => {
    const redis = createRedis((await devServers()).redisUrl);
    await redisReady(redis);
    clients.push(redis);
    return tokenBuckets(redis);
  };
  const bucket = (perSecond: number, burst: number): Bucket => ({ key: `test:${randomUUID()}`, budget: { perSecond, burst } });
  after(() => clients.forEach((redis) => redis.disconnect()));

  it('gives the burst at once, counting down, then refuses with the time to the next token', async () => {
    const consume = await connect();
    const b = bucket(10, 5);
    const left: number[] = [];
    for (let i = 0; i < 5; i++) {
      const result = await consume([b]);
      assert.ok(result.allowed, `request ${i + 1} of the burst`);
      left.push(result.left[0]!.remaining);
    }
    assert.deepEqual(left, [4, 3, 2, 1, 0]);
    const refused = await consume([b]);
    assert.ok(!refused.allowed);
    assert.equal(refused.refusedBy, 0);
    assert.ok(refused.retryInMs > 0 && refused.retryInMs <= 100, `retry in ${refused.retryInMs} ms (one token every 100 ms)`);
  });

  it('refills at the steady rate: one token per interval, not the whole burst', async () => {
    const consume = await connect();
    const b = bucket(20, 3);
    for (let i = 0; i < 3; i++) assert.ok((await consume([b])).allowed);
    const refused = await consume([b]);
    assert.ok(!refused.allowed);
    await sleep(refused.retryInMs + 5);
    assert.ok((await consume([b])).allowed, 'a token came back after the interval');
    assert.ok(!(await consume([b])).allowed, 'and only one');
  });

  it('spends from every bucket a request names, or from none when one refuses', async () => {
    const consume = await connect();
    const [roomy, tight] = [bucket(1, 100), bucket(1, 2)];
    assert.ok((await consume([roomy, tight])).allowed);
    assert.ok((await consume([roomy, tight])).allowed);
    const refused = await consume([roomy, tight]);
    assert.ok(!refused.allowed);
    assert.equal(refused.refusedBy, 1, 'the tight bucket refused');
    const after = await consume([roomy]);
    assert.ok(after.allowed);
    assert.equal(after.left[0]!.remaining, 100 - 3, 'the refused request took nothing from the roomy bucket');
  });

  it('is exact under concurrency: three connections racing for a burst of 50 get 50 in all', async () => {
    const consumers = await Promise.all([connect(), connect(), connect()]);
    const b = bucket(1, 50);
    const started = performance.now();
    const results = await Promise.all(Array.from({ length: 300 }, (_, i) => consumers[i % 3]!([b])));
    const seconds = (performance.now() - started) / 1000;
    const allowed = results.filter((r) => r.allowed).length;
    assert.ok(allowed >= 50 && allowed <= 50 + Math.floor(seconds), `${allowed} allowed of 300 in ${seconds.toFixed(2)} s`);
  });
});
