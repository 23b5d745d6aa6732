export interface TtlCache<K, V> {
  /** The cached value if younger than the TTL, else `load()`'s; concurrent misses share one load. */
  get(key: K, load: () => Promise<V>): Promise<V>;
  delete(key: K): void;
}

/**
 * A small read-through cache for hot lookups on the message path. Entries live `ttlMs` at most, so a
 * change in the database (a new token, a disabled channel) is seen by every replica within that time.
 * Failed loads and values `keep` rejects are not cached. Past `maxEntries` the least recently used entry goes:
 * a flood of unknown keys (random channelIDs) evicts itself, not the channels in use.
 */
export function createTtlCache<K, V>(options: { ttlMs: number; maxEntries: number; keep?: (value: V) => boolean }): TtlCache<K, V> {
  const entries = new Map<K, { value: Promise<V>; expires: number }>();
  return {
    get(key, load) {
      const now = Date.now();
      const hit = entries.get(key);
      entries.delete(key); // re-inserted below: the map's order is least recently used first
      if (hit && hit.expires > now) {
        entries.set(key, hit);
        return hit.value;
      }
      if (entries.size >= options.maxEntries) entries.delete(entries.keys().next().value!);
      const value = load();
      entries.set(key, { value, expires: now + options.ttlMs });
      const forget = () => {
        if (entries.get(key)?.value === value) entries.delete(key);
      };
      value.then((loaded) => (options.keep && !options.keep(loaded) ? forget() : undefined), forget);
      return value;
    },
    delete(key) {
      entries.delete(key);
    },
  };
}
