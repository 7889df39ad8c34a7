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
  let value: { data: T; expires: number } | undefined;
  let inFlight: Promise<T> | undefined;
  let generation = 0;
  return {
    get() {
      if (value && value.expires > now()) return Promise.resolve(value.data);
      if (!inFlight) {
        const started = generation;
        inFlight = load()
          .then((data) => {
            // A load that began before an invalidation must not put old data back.
            if (started === generation) value = { data, expires: now() + ttlMs };
            return data;
          })
          .finally(() => {
            inFlight = undefined;
          });
      }
      return inFlight;
    },
    invalidate() {
      generation++;
      value = undefined;
    },
  };
}
