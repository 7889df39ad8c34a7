import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { type Progress, tickTo } from './progress.ts';

describe('tickTo', () => {
  it('moves a bar by the whole steps done since the last report, and takes a total when given one', () => {
    const ticks: number[] = [];
    const totals: number[] = [];
    const bar: Progress = { tick: (n = 1) => ticks.push(n), setTotal: (n) => totals.push(n), stop() {} };
    const report = tickTo(bar);
    report(0.4);
    report(2.5, 10);
    report(2.9);
    report(7);
    report(10, 10);
    assert.deepEqual(ticks, [2, 5, 3]);
    assert.equal(
      ticks.reduce((a, b) => a + b, 0),
      10,
    );
    assert.deepEqual(totals, [10, 10]);
  });
});
