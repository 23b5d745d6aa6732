import assert from 'node:assert/strict';
import { createTtlCache } from '../../src/cache/ttl-cache';

describe('ttl cache', () => {
  it('shares one load between concurrent misses and serves it until it expires', async () => {
    let loads = 0;
    const cache = createTtlCache<string, number>({ ttlMs: 50, maxEntries: 10 });
    const load = async () => ++loads;
    assert.deepEqual(await Promise.all([cache.get('a', load), cache.get('a', load)]), [1, 1]);
    assert.equal(await cache.get('a', load), 1);
    await new Promise((ok) => setTimeout(ok, 60));
    assert.equal(await cache.get('a', load), 2);
  });

  it('does not keep failed loads or values the keep rule refuses', async () => {
    const cache = createTtlCache<string, number | null>({ ttlMs: 10_000, maxEntries: 10, keep: (v) => v !== null });
    await assert.rejects(cache.get('a', async () => Promise.reject(new Error('down'))));
    assert.equal(await cache.get('a', async () => 1), 1);
    assert.equal(await cache.get('b', async () => null), null);
    assert.equal(await cache.get('b', async () => 2), 2);
  });

  it('never grows past maxEntries', async () => {
    let loads = 0;
    const cache = createTtlCache<number, number>({ ttlMs: 10_000, maxEntries: 2 });
    for (const key of [1, 2, 3, 1]) await cache.get(key, async () => ++loads);
    assert.equal(loads, 4, 'key 1 was evicted when the third key came in');
  });

  it('evicts the least recently used entry: a flood of unknown keys does not push out the ones in use', async () => {
    const loads = new Map<string, number>();
    const cache = createTtlCache<string, number>({ ttlMs: 10_000, maxEntries: 100 });
    const get = (key: string) => cache.get(key, async () => loads.set(key, (loads.get(key) ?? 0) + 1).get(key)!);
    await get('real-channel');
    for (let i = 0; i < 10_000; i++) {
      await get(`guess-${i}`);
      if (i % 50 === 0) await get('real-channel'); // in use all along
    }
    assert.equal(loads.get('real-channel'), 1, 'loaded once, never evicted');
  });
});
