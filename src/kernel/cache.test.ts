import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { keyedTtlCache, ttlCache } from './cache.ts';

describe('ttlCache', () => {
  it('loads once for concurrent callers, keeps the value for its lifetime, then reloads', async () => {
    let clock = 0;
    let loads = 0;
    const cache = ttlCache(
      async () => {
        loads++;
        return loads;
      },
      1000,
      () => clock,
    );
    assert.deepEqual(await Promise.all([cache.get(), cache.get(), cache.get()]), [1, 1, 1]);
    clock = 999;
    assert.equal(await cache.get(), 1);
    clock = 1000;
    assert.equal(await cache.get(), 2);
    cache.invalidate();
    assert.equal(await cache.get(), 3);
  });

  it('does not keep a failed load', async () => {
    let fail = true;
    const cache = ttlCache(async () => {
      if (fail) throw new Error('database down');
      return 'ok';
    }, 1000);
    await assert.rejects(cache.get(), /database down/);
    fail = false;
    assert.equal(await cache.get(), 'ok');
  });
});

describe('keyedTtlCache', () => {
  it('keeps each key apart, loads each once for concurrent callers, and keeps at most maxEntries', async () => {
    let clock = 0;
    const loads: string[] = [];
    const cache = keyedTtlCache(
      async (key: string) => {
        loads.push(key);
        return `${key}${loads.length}`;
      },
      1000,
      2,
      () => clock,
    );
    assert.deepEqual(await Promise.all([cache.get('a'), cache.get('a'), cache.get('b')]), ['a1', 'a1', 'b2']);
    assert.equal(await cache.get('c'), 'c3', 'a third key pushes out the oldest');
    assert.equal(await cache.get('b'), 'b2');
    assert.equal(await cache.get('a'), 'a4', 'the oldest was loaded again');
    clock = 1000;
    assert.equal(await cache.get('b'), 'b5', 'an expired value is loaded again');
    cache.invalidate();
    assert.equal(await cache.get('b'), 'b6');
  });
});
