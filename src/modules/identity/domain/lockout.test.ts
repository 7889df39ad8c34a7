import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { ACCOUNT_RULE, failuresAfter, lockedUntil } from './lockout.ts';

describe('progressive lockout', () => {
  const now = new Date('2026-11-23T08:00:00Z');

  it('allows a few attempts, then locks for a minute, doubling up to an hour', () => {
    assert.equal(lockedUntil(ACCOUNT_RULE, 4, now), undefined);
    const seconds = (failures: number) =>
      ((lockedUntil(ACCOUNT_RULE, failures, now)?.getTime() ?? 0) - now.getTime()) / 1000;
    assert.deepEqual([5, 6, 7, 8, 12, 20].map(seconds), [60, 120, 240, 480, 3600, 3600]);
  });

  it('forgets failures after a day', () => {
    assert.equal(failuresAfter(ACCOUNT_RULE, 7, new Date(now.getTime() - 60_000), now), 8);
    assert.equal(failuresAfter(ACCOUNT_RULE, 7, new Date(now.getTime() - 25 * 3600_000), now), 1);
    assert.equal(failuresAfter(ACCOUNT_RULE, 0, undefined, now), 1);
  });
});
