import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { endOfCivilDay, isCivilDate, startOfCivilDay } from './civil-day.ts';

describe('civil days in a time zone', () => {
  it('begins and ends a day in Asia/Shanghai eight hours before UTC', () => {
    assert.equal(startOfCivilDay('2026-11-23', 'Asia/Shanghai').toISOString(), '2026-11-22T16:00:00.000Z');
    assert.equal(endOfCivilDay('2026-11-23', 'Asia/Shanghai').toISOString(), '2026-11-23T16:00:00.000Z');
    assert.equal(endOfCivilDay('2026-12-31', 'Asia/Shanghai').toISOString(), '2026-12-31T16:00:00.000Z');
    assert.equal(startOfCivilDay('2028-02-29', 'UTC').toISOString(), '2028-02-29T00:00:00.000Z');
    assert.equal(endOfCivilDay('9999-12-31', 'Asia/Shanghai').toISOString(), '9999-12-31T16:00:00.000Z');
  });

  it('follows summer time where a zone has it', () => {
    assert.equal(startOfCivilDay('2026-07-01', 'Europe/London').toISOString(), '2026-06-30T23:00:00.000Z');
    assert.equal(startOfCivilDay('2026-01-01', 'Europe/London').toISOString(), '2026-01-01T00:00:00.000Z');
    // The day summer time starts is 23 hours long.
    const start = startOfCivilDay('2026-03-29', 'Europe/London').getTime();
    assert.equal(endOfCivilDay('2026-03-29', 'Europe/London').getTime() - start, 23 * 3600_000);
  });

  it('accepts only real days written YYYY-MM-DD', () => {
    assert.equal(isCivilDate('2026-11-23'), true);
    assert.equal(isCivilDate('0099-01-01'), true);
    for (const bad of [
      '0000-01-01',
      '2026-02-30',
      '2026-13-01',
      '2026-1-1',
      '23/11/2026',
      '',
      '2026-11-23T00:00',
    ])
      assert.equal(isCivilDate(bad), false, bad);
    assert.throws(() => startOfCivilDay('2026-02-30', 'Asia/Shanghai'), RangeError);
  });
});
