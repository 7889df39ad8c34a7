/**
 * A value loaded on demand and kept for a short time in this process, with one load in flight at a time.
 * Only for data that may be a little stale on other instances (a directory, a catalogue page): anything that must
 * agree across instances goes through the database.
 */
export interface TtlCache<T> {
  get(): Promise<T>;
  /** Forget the value now (call after this process changed what it caches). */
  invalidate(): void;
}

/** Creates a cache around `load`, keeping its result for `ttlMs` milliseconds. */
export function ttlCache<T>(
  load: () => Promise<T>,
  ttlMs: number,
  now: () => number = Date.now,
): TtlCache<T> {
  const keyed = keyedTtlCache<null, T>(load, ttlMs, 1, now);
  return { get: () => keyed.get(null), invalidate: keyed.invalidate };
}

/** Like TtlCache, one value per key. */
export interface KeyedTtlCache<K, T> {
  get(key: K): Promise<T>;
  /** Forget every value now (call after this process changed what it caches). */
  invalidate(): void;
}

/**
 * Creates a cache around `load(key)`, keeping each key's result for `ttlMs` milliseconds and at most `maxEntries`
 * keys (the oldest go first). Same rule as ttlCache: only for what may be a little stale on other instances.
 */
export function keyedTtlCache<K, T>(
  load: (key: K) => Promise<T>,
  ttlMs: number,
  maxEntries = 1000,
  now: () => number = Date.now,
): KeyedTtlCache<K, T> {
  const values = new Map<K, { data: T; expires: number }>();
  const inFlight = new Map<K, Promise<T>>();
  let generation = 0;
  return {
    get(key) {
      const value = values.get(key);
      if (value && value.expires > now()) return Promise.resolve(value.data);
      let loading = inFlight.get(key);
      if (!loading) {
        const started = generation;
        loading = load(key)
          .then((data) => {
            if (started === generation) {
              values.delete(key);
              if (values.size >= maxEntries) values.delete(values.keys().next().value as K);
              values.set(key, { data, expires: now() + ttlMs });
            }
            return data;
          })
          .finally(() => {
            inFlight.delete(key);
          });
        inFlight.set(key, loading);
      }
      return loading;
    },
    invalidate() {
      generation++;
      values.clear();
    },
  };
}
