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

describe('ttl cache with refresh ahead', () => {
  /** A cache on a hand-moved clock, and a load whose answers the test releases one by one. */
  function setup(options: { keep?: (v: number | null) => boolean } = {}) {
    let time = 0;
    const pending: { resolve(v: number | null): void; reject(e: Error): void }[] = [];
    const load = () => new Promise<number | null>((resolve, reject) => pending.push({ resolve, reject }));
    const cache = createTtlCache<string, number | null>({ ttlMs: 500, refreshAfterMs: 250, maxEntries: 10, now: () => time, ...options });
    const tick = () => new Promise((ok) => setImmediate(ok));
    return { cache, load, pending, tick, advance: (ms: number) => void (time += ms) };
  }

  it('serves a value past refreshAfterMs at once and reloads it once in the background, then serves the new one', async () => {
    const { cache, load, pending, tick, advance } = setup();
    const first = cache.get('a', load);
    pending[0]!.resolve(1);
    assert.equal(await first, 1);
    advance(300);
    assert.equal(await cache.get('a', load), 1, 'the stale value, without waiting');
    assert.equal(await cache.get('a', load), 1);
    assert.equal(pending.length, 2, 'one reload for both reads');
    pending[1]!.resolve(2);
    await tick();
    assert.equal(await cache.get('a', load), 2);
    assert.equal(pending.length, 2, 'the reloaded value is fresh: no reload yet');
  });

  it('never serves a value older than the TTL: after a failed reload the caller past the TTL loads, and learns of a failure', async () => {
    const { cache, load, pending, tick, advance } = setup();
    const first = cache.get('a', load);
    pending[0]!.resolve(1);
    await first;
    advance(300);
    assert.equal(await cache.get('a', load), 1);
    pending[1]!.reject(new Error('database down'));
    await tick();
    advance(100);
    assert.equal(await cache.get('a', load), 1, 'still within the TTL');
    assert.equal(pending.length, 2, 'a failed reload is not tried again before the TTL');
    advance(100); // 500 ms since the first load began
    const late = cache.get('a', load);
    assert.equal(pending.length, 3, 'past the TTL the caller loads');
    pending[2]!.reject(new Error('still down'));
    await assert.rejects(late, /still down/);
  });

  it('does not wait for a reload that hangs: past the TTL the caller loads afresh', async () => {
    const { cache, load, pending, advance } = setup();
    const first = cache.get('a', load);
    pending[0]!.resolve(1);
    await first;
    advance(300);
    assert.equal(await cache.get('a', load), 1);
    assert.equal(pending.length, 2, 'a reload began, and never answers');
    advance(200);
    const afresh = cache.get('a', load);
    assert.equal(pending.length, 3);
    pending[2]!.resolve(2);
    assert.equal(await afresh, 2);
  });

  it('does not let a background reload undo a delete, nor keep a value the keep rule refuses', async () => {
    const { cache, load, pending, tick, advance } = setup({ keep: (v) => v !== null });
    const first = cache.get('a', load);
    pending[0]!.resolve(1);
    await first;
    advance(300);
    await cache.get('a', load);
    cache.delete('a'); // e.g. the channel was just re-enabled: read it afresh
    pending[1]!.resolve(2);
    await tick();
    const afresh = cache.get('a', load);
    assert.equal(pending.length, 3, 'the delete stands: the next read loads');
    pending[2]!.resolve(3);
    assert.equal(await afresh, 3);

    advance(300);
    assert.equal(await cache.get('a', load), 3);
    pending[3]!.resolve(null); // e.g. the user was erased
    await tick();
    const gone = cache.get('a', load);
    assert.equal(pending.length, 5, 'the refused value dropped the entry');
    pending[4]!.resolve(4);
    assert.equal(await gone, 4);
  });

  it('starts no reload while the first load is still under way', async () => {
    const { cache, load, pending, advance } = setup();
    const first = cache.get('a', load);
    advance(300);
    const second = cache.get('a', load);
    assert.equal(pending.length, 1, 'both wait for the one load');
    pending[0]!.resolve(1);
    assert.deepEqual(await Promise.all([first, second]), [1, 1]);
  });
});
