/** How a group commit batches. */
export interface GroupCommitOptions {
  /** The most items one batch takes. */
  maxBatch: number;
  /** The most batches being written at once: the items arriving meanwhile wait and form the next batch. */
  maxInFlight: number;
  /**
   * Whether a failed batch's items are worth trying alone (default: always). Not when the database is away: each
   * would only fail again, one after another.
   */
  retryAlone?: (error: unknown) => boolean;
  /**
   * How long an item may wait for its batch to start, and what it is refused with then: statements that hang hold
   * up everything queued behind them, which must get an answer as a request waiting for a pool connection would.
   */
  maxWait?: { ms: number; error: () => Error };
}

interface Waiting<I, O> {
  item: I;
  resolve: (result: O) => void;
  reject: (error: unknown) => void;
  timer?: NodeJS.Timeout;
}

/**
 * Group commit (ADR 21): items written one at a time share a statement when they arrive together. While
 * `maxInFlight` batches are being written, the items arriving wait, and the next batch takes up to `maxBatch` of
 * them; an item arriving at a quiet moment is written at once, alone, with no timer and no added wait. So the
 * batches grow with the load, and the cost a statement has whatever its size (the round trip, planning, locks, the
 * commit) is shared by as many writes as are waiting for it.
 *
 * `run` writes a batch and answers per item, in order. If it fails, each item of the batch is tried alone, one after
 * another (still one statement at a time for the batch's slot), so that one item's fault (a constraint it breaks)
 * fails only that item; `run` must therefore be safe to repeat for an item whose batch failed, as an idempotent
 * claim makes it (insertIfClaimed).
 */
export function groupCommit<I, O>(
  run: (batch: I[]) => Promise<O[]>,
  options: GroupCommitOptions,
): (item: I) => Promise<O> {
  for (const [name, value] of Object.entries({
    maxBatch: options.maxBatch,
    maxInFlight: options.maxInFlight,
  }))
    if (!Number.isInteger(value) || value < 1)
      throw new RangeError(`${name} must be a whole number from 1 up`);
  const queue: Waiting<I, O>[] = [];
  let inFlight = 0;

  async function alone(waiting: Waiting<I, O>) {
    try {
      const [result] = await run([waiting.item]);
      waiting.resolve(result as O);
    } catch (error) {
      waiting.reject(error);
    }
  }

  async function write(batch: Waiting<I, O>[]) {
    if (batch.length === 1) return alone(batch[0] as Waiting<I, O>);
    let results: O[];
    try {
      results = await run(batch.map((waiting) => waiting.item));
      if (results.length !== batch.length) throw new Error('A group commit must answer for every item');
    } catch (error) {
      if (options.retryAlone && !options.retryAlone(error)) {
        for (const waiting of batch) waiting.reject(error);
        return;
      }
      for (const waiting of batch) await alone(waiting);
      return;
    }
    batch.forEach((waiting, i) => {
      waiting.resolve(results[i] as O);
    });
  }

  function pump() {
    while (inFlight < options.maxInFlight && queue.length > 0) {
      inFlight++;
      const batch = queue.splice(0, options.maxBatch);
      for (const waiting of batch) clearTimeout(waiting.timer);
      void write(batch).finally(() => {
        inFlight--;
        pump();
      });
    }
  }

  return (item) =>
    new Promise<O>((resolve, reject) => {
      const waiting: Waiting<I, O> = { item, resolve, reject };
      const { maxWait } = options;
      if (maxWait) {
        waiting.timer = setTimeout(() => {
          const at = queue.indexOf(waiting);
          if (at < 0) return;
          queue.splice(at, 1);
          reject(maxWait.error());
        }, maxWait.ms);
        waiting.timer.unref();
      }
      queue.push(waiting);
      pump();
    });
}
