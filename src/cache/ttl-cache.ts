export interface TtlCache<K, V> {
  /** The cached value if younger than the TTL, else `load()`'s; concurrent misses share one load. */
  get(key: K, load: () => Promise<V>): Promise<V>;
  delete(key: K): void;
}

export interface TtlCacheOptions<V> {
  /** No value is served once this old (counted from when its load began). */
  ttlMs: number;
  maxEntries: number;
  /** Values this refuses are not cached (nor are failed loads). */
  keep?: (value: V) => boolean;
  /**
   * A value this old is still served, and reloaded in the background (one reload at a time; a failed one is not
   * tried again before the TTL): a key in steady use is never waited for, and never served older than the TTL.
   */
  refreshAfterMs?: number;
  /** Tests move time by hand. */
  now?: () => number;
}

interface Entry<V> {
  value: Promise<V>;
  loadedAt: number;
  /** The load answered a value that is kept (no background reload starts before that). */
  settled: boolean;
  /** A background reload is under way, or failed (none is tried again before the TTL). */
  refreshing: boolean;
}

/**
 * A small read-through cache for hot lookups on the message path. Entries live `ttlMs` at most, so a
 * change in the database (a new token, a disabled channel) is seen by every replica within that time.
 * Failed loads and values `keep` rejects are not cached. Past `maxEntries` the least recently used entry goes:
 * a flood of unknown keys (random channelIDs) evicts itself, not the channels in use.
 */
export function createTtlCache<K, V>(options: TtlCacheOptions<V>): TtlCache<K, V> {
  const { ttlMs, maxEntries, keep, refreshAfterMs, now = Date.now } = options;
  const entries = new Map<K, Entry<V>>();

  /** Drops `entry` if its load fails or answers a value `keep` refuses (unless replaced meanwhile); else marks it settled. */
  const settle = (key: K, entry: Entry<V>) => {
    const forget = () => {
      if (entries.get(key) === entry) entries.delete(key);
    };
    entry.value.then((loaded) => (keep && !keep(loaded) ? forget() : void (entry.settled = true)), forget);
  };

  const refresh = (key: K, stale: Entry<V>, load: () => Promise<V>) => {
    stale.refreshing = true;
    const loadedAt = now();
    Promise.resolve().then(load).then(
      (value) => {
        if (entries.get(key) !== stale) return; // deleted or replaced meanwhile: this reload is not newer than that
        if (keep && !keep(value)) return void entries.delete(key);
        entries.set(key, { value: Promise.resolve(value), loadedAt, settled: true, refreshing: false });
      },
      () => undefined, // the stale value stays until its TTL; the caller after that loads and learns of the failure
    );
  };

  return {
    get(key, load) {
      const at = now();
      const hit = entries.get(key);
      entries.delete(key); // re-inserted below: the map's order is least recently used first
      if (hit && at - hit.loadedAt < ttlMs) {
        entries.set(key, hit);
        if (refreshAfterMs !== undefined && hit.settled && !hit.refreshing && at - hit.loadedAt >= refreshAfterMs) refresh(key, hit, load);
        return hit.value;
      }
      if (entries.size >= maxEntries) entries.delete(entries.keys().next().value!);
      const entry: Entry<V> = { value: load(), loadedAt: at, settled: false, refreshing: false };
      entries.set(key, entry);
      settle(key, entry);
      return entry.value;
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
