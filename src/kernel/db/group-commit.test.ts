import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { groupCommit } from './group-commit.ts';

/** A run that waits to be let go, and remembers every batch it was given and how many ran at once. */
function gatedRun(fails: (item: number) => boolean = () => false) {
  const batches: number[][] = [];
  const gates: (() => void)[] = [];
  let running = 0;
  let mostAtOnce = 0;
  const run = async (batch: number[]) => {
    batches.push(batch);
    running++;
    mostAtOnce = Math.max(mostAtOnce, running);
    await new Promise<void>((resolve) => gates.push(resolve));
    running--;
    if (batch.some(fails)) throw new Error(`refused ${batch.filter(fails).join(',')}`);
    return batch.map((item) => item * 10);
  };
  const releaseAll = async () => {
    // Let every waiting run go, again and again, until no new one starts.
    for (let round = 0; round < 50; round++) {
      await new Promise((resolve) => setImmediate(resolve));
      for (const gate of gates.splice(0)) gate();
    }
  };
  return { run, batches, releaseAll, mostAtOnce: () => mostAtOnce };
}

describe('groupCommit', () => {
  it('writes an item that arrives at a quiet moment at once, alone', async () => {
    const gated = gatedRun();
    const commit = groupCommit(gated.run, { maxBatch: 8, maxInFlight: 2 });
    const answer = commit(1);
    assert.deepEqual(gated.batches, [[1]], 'run before the caller waited for anything');
    await gated.releaseAll();
    assert.equal(await answer, 10);
  });

  it('gathers the items that arrive while batches are written into the next batches, in order', async () => {
    const gated = gatedRun();
    const commit = groupCommit(gated.run, { maxBatch: 4, maxInFlight: 2 });
    const answers = Array.from({ length: 11 }, (_, i) => commit(i + 1));
    assert.deepEqual(gated.batches, [[1], [2]], 'two written at once, the rest waiting');
    await gated.releaseAll();
    assert.deepEqual(
      await Promise.all(answers),
      Array.from({ length: 11 }, (_, i) => (i + 1) * 10),
    );
    assert.deepEqual(gated.batches, [[1], [2], [3, 4, 5, 6], [7, 8, 9, 10], [11]]);
    assert.equal(gated.mostAtOnce(), 2, 'never more than maxInFlight batches at once');
  });

  it('tries each item of a failed batch alone, so only the faulty one fails', async () => {
    const gated = gatedRun((item) => item === 4);
    const commit = groupCommit(gated.run, { maxBatch: 8, maxInFlight: 1 });
    const answers = [1, 2, 3, 4, 5].map((item) => commit(item).then(String, (error: Error) => error.message));
    await gated.releaseAll();
    assert.deepEqual(await Promise.all(answers), ['10', '20', '30', 'refused 4', '50']);
    assert.deepEqual(gated.batches, [[1], [2, 3, 4, 5], [2], [3], [4], [5]]);
    assert.equal(gated.mostAtOnce(), 1, 'the retries one after another, within the batch slot');
  });

  it('does not retry alone what retryAlone rules out, and fails the whole batch with its error', async () => {
    const gated = gatedRun((item) => item === 3);
    const commit = groupCommit(gated.run, { maxBatch: 8, maxInFlight: 1, retryAlone: () => false });
    const answers = [1, 2, 3].map((item) => commit(item).then(String, (error: Error) => error.message));
    await gated.releaseAll();
    assert.deepEqual(await Promise.all(answers), ['10', 'refused 3', 'refused 3']);
    assert.deepEqual(gated.batches, [[1], [2, 3]]);
  });

  it('takes a run that throws before its promise as a failed run', async () => {
    const commit = groupCommit(
      (batch: number[]) => {
        if (batch.includes(2)) throw new Error('thrown at once');
        return Promise.resolve(batch);
      },
      { maxBatch: 8, maxInFlight: 1 },
    );
    const answers = await Promise.allSettled([commit(1), commit(2)]);
    assert.deepEqual(
      answers.map((a) => (a.status === 'fulfilled' ? a.value : (a.reason as Error).message)),
      [1, 'thrown at once'],
    );
  });

  it('refuses an item that waited too long for its batch to start, and only those', async () => {
    const gated = gatedRun();
    const commit = groupCommit(gated.run, {
      maxBatch: 8,
      maxInFlight: 1,
      maxWait: { ms: 20, error: () => new Error('waited too long') },
    });
    const first = commit(1);
    const queued = commit(2).then(String, (error: Error) => error.message);
    // The wait's timer does not hold a process open (unref): the test does, while it waits.
    const open = setInterval(() => {}, 1_000);
    const refused = await queued;
    clearInterval(open);
    assert.equal(refused, 'waited too long', 'refused while the first batch hangs');
    await gated.releaseAll();
    assert.equal(await first, 10, 'the batch in flight is not refused');
    assert.deepEqual(gated.batches, [[1]], 'the refused item is never written');
    const third = commit(3);
    await gated.releaseAll();
    assert.equal(await third, 30, 'and later items are written as before');
    assert.deepEqual(gated.batches, [[1], [3]]);
  });

  it('refuses sizes that would never write anything', () => {
    const run = async (batch: number[]) => batch;
    for (const options of [
      { maxBatch: 0, maxInFlight: 1 },
      { maxBatch: 8, maxInFlight: 0 },
      { maxBatch: Number.NaN, maxInFlight: 1 },
      { maxBatch: 8, maxInFlight: 1.5 },
    ])
      assert.throws(() => groupCommit(run, options), RangeError);
  });

  it('does not take a batch answer of the wrong length for the items', async () => {
    let calls = 0;
    const commit = groupCommit(
      async (batch: number[]) => {
        calls++;
        await new Promise((resolve) => setImmediate(resolve));
        return batch.length > 1 ? [1] : batch;
      },
      { maxBatch: 8, maxInFlight: 1 },
    );
    assert.deepEqual(await Promise.all([7, 8, 9].map(commit)), [7, 8, 9]);
    assert.equal(calls, 1 + 1 + 2, 'the first alone, then the batch of two, then each again alone');
  });
});
