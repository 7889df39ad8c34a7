import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { OFFICIAL_SCHEDULES, type SpecialDay } from './official-schedule.ts';
import { civilDate, isCivilDate, WorkingDayCalendar } from './working-days.ts';

const officialDays = Object.values(OFFICIAL_SCHEDULES).flat();
const calendar = new WorkingDayCalendar(officialDays);
const plainWeeks = new WorkingDayCalendar([]);

// Independent of the code under test: Date is safe here because everything is UTC.
function weekdayOf(date: string): number {
  return new Date(`${date}T00:00:00Z`).getUTCDay();
}

function datesFrom(start: string, count: number): string[] {
  const first = Date.parse(`${start}T00:00:00Z`);
  return Array.from({ length: count }, (_, i) => new Date(first + i * 86_400_000).toISOString().slice(0, 10));
}

describe('isCivilDate', () => {
  it('accepts real dates and rejects malformed or impossible ones', () => {
    assert.equal(isCivilDate('2026-02-14'), true);
    assert.equal(isCivilDate('2024-02-29'), true);
    assert.equal(isCivilDate('2026-02-29'), false);
    assert.equal(isCivilDate('2100-02-29'), false);
    assert.equal(isCivilDate('2026-13-01'), false);
    assert.equal(isCivilDate('2026-2-14'), false);
    assert.equal(isCivilDate('2026-02-14T00:00:00Z'), false);
    assert.equal(isCivilDate(20260214), false);
  });

  it('makes the calendar throw RangeError on malformed input and negative n', () => {
    assert.throws(() => calendar.isWorkingDay('2026/02/14'), RangeError);
    assert.throws(() => calendar.addWorkingDays('2026-02-30', 1), RangeError);
    assert.throws(() => calendar.addWorkingDays('2026-02-13', -1), RangeError);
    assert.throws(() => calendar.addWorkingDays('2026-02-13', 1.5), RangeError);
    assert.throws(() => calendar.workingDaysBetween('2026-02-13', ''), RangeError);
    assert.throws(() => calendar.addWorkingDays('9999-12-30', 5), RangeError);
  });
});

describe('WorkingDayCalendar on ordinary weeks', () => {
  it('treats Monday–Friday as working and the weekend as not', () => {
    assert.equal(plainWeeks.isWorkingDay('2026-03-13'), true); // Friday
    assert.equal(plainWeeks.isWorkingDay('2026-03-14'), false); // Saturday
    assert.equal(plainWeeks.isWorkingDay('2026-03-15'), false); // Sunday
    assert.equal(plainWeeks.isWorkingDay('2026-03-16'), true); // Monday
  });

  it('does not count the day of acceptance and skips the weekend', () => {
    assert.equal(plainWeeks.addWorkingDays('2026-03-13', 1), '2026-03-16');
    assert.equal(plainWeeks.addWorkingDays('2026-03-13', 5), '2026-03-20');
    assert.equal(plainWeeks.addWorkingDays('2026-03-14', 1), '2026-03-16');
    assert.equal(plainWeeks.nextWorkingDay('2026-03-16'), '2026-03-17');
    assert.equal(plainWeeks.addWorkingDays('2026-12-31', 1), '2027-01-01');
  });

  it('agrees with UTC Date arithmetic across centuries and leap days', () => {
    const starts = ['0001-01-01', '1600-02-28', '1900-02-28', '2000-02-28', '2024-02-28', '2100-02-27'];
    for (let t = Date.UTC(1601, 0, 1); t < Date.UTC(9000, 0, 1); t += 997 * 86_400_000) {
      starts.push(new Date(t).toISOString().slice(0, 10));
    }
    for (const start of starts) {
      let next = Date.parse(`${start}T00:00:00Z`) + 86_400_000;
      while ([0, 6].includes(new Date(next).getUTCDay())) next += 86_400_000;
      const expected = new Date(next).toISOString().slice(0, 10);
      assert.equal(plainWeeks.nextWorkingDay(start), expected, start);
      assert.equal(plainWeeks.isWorkingDay(start), ![0, 6].includes(weekdayOf(start)), start);
    }
  });

  it('returns start for n = 0 on a working day, else the next working day', () => {
    assert.equal(plainWeeks.addWorkingDays('2026-03-13', 0), '2026-03-13');
    assert.equal(plainWeeks.addWorkingDays('2026-03-14', 0), '2026-03-16');
    assert.equal(calendar.addWorkingDays('2026-02-15', 0), '2026-02-24');
  });

  it('counts working days in (from, to], antisymmetrically', () => {
    assert.equal(plainWeeks.workingDaysBetween('2026-03-13', '2026-03-13'), 0);
    assert.equal(plainWeeks.workingDaysBetween('2026-03-13', '2026-03-16'), 1);
    assert.equal(plainWeeks.workingDaysBetween('2026-03-13', '2026-03-20'), 5);
    assert.equal(plainWeeks.workingDaysBetween('2026-03-20', '2026-03-13'), -5);
    for (const [a, b] of [
      ['2026-01-01', '2026-12-31'],
      ['2025-09-27', '2026-02-28'],
      ['2026-10-04', '2026-10-10'],
    ] as const) {
      assert.equal(calendar.workingDaysBetween(b, a), -calendar.workingDaysBetween(a, b));
    }
  });
});

describe('WorkingDayCalendar with the 2026 official schedule', () => {
  it('handles the Spring Festival: Sat 02-14 works, 02-15..02-23 are off, Sat 02-28 works', () => {
    assert.equal(calendar.addWorkingDays('2026-02-13', 1), '2026-02-14');
    assert.equal(calendar.addWorkingDays('2026-02-13', 2), '2026-02-24');
    assert.equal(calendar.addWorkingDays('2026-02-14', 1), '2026-02-24');
    for (const date of datesFrom('2026-02-15', 9)) assert.equal(calendar.isWorkingDay(date), false, date);
    assert.equal(calendar.isWorkingDay('2026-02-28'), true);
    assert.equal(calendar.addWorkingDays('2026-02-27', 1), '2026-02-28');
    assert.equal(calendar.workingDaysBetween('2026-02-13', '2026-02-24'), 2);
    assert.equal(calendar.specialDay('2026-02-14')?.kind, 'workday');
    assert.deepEqual(calendar.specialDay('2026-02-17')?.name, { 'zh-CN': '春节', en: 'Spring Festival' });
    assert.equal(calendar.specialDay('2026-03-02'), undefined);
  });

  it('handles National Day: Sun 09-20 works, 10-01..10-07 are off, Sat 10-10 works', () => {
    assert.equal(calendar.isWorkingDay('2026-09-20'), true);
    for (const date of datesFrom('2026-10-01', 7)) assert.equal(calendar.isWorkingDay(date), false, date);
    assert.equal(calendar.isWorkingDay('2026-10-10'), true);
    assert.equal(calendar.addWorkingDays('2026-09-30', 1), '2026-10-08');
    assert.equal(calendar.addWorkingDays('2026-10-09', 1), '2026-10-10');
    assert.equal(calendar.workingDaysBetween('2026-09-30', '2026-10-10'), 3); // 10-08, 10-09, 10-10
  });

  it('reports which years it covers', () => {
    assert.equal(calendar.coversYear(2025), true);
    assert.equal(calendar.coversYear(2026), true);
    assert.equal(calendar.coversYear(2027), false);
    assert.equal(plainWeeks.coversYear(2026), false);
    assert.equal(new WorkingDayCalendar([], { coveredYears: [2030] }).coversYear(2030), true);
  });

  it('rejects a date listed twice', () => {
    const day: SpecialDay = { date: '2026-03-02', kind: 'holiday', name: { 'zh-CN': '测试', en: 'Test' } };
    assert.throws(() => new WorkingDayCalendar([day, { ...day, kind: 'workday' }]), /listed twice/);
  });

  it('inverts addWorkingDays with workingDaysBetween for many starts and n ≥ 1', () => {
    for (const start of datesFrom('2024-12-20', 760)) {
      for (const n of [1, 2, 3, 5, 7, 10, 15, 20, 30, 60]) {
        const end = calendar.addWorkingDays(start, n);
        assert.equal(calendar.isWorkingDay(end), true);
        assert.equal(calendar.workingDaysBetween(start, end), n, `${start} + ${n}`);
        assert.equal(calendar.workingDaysBetween(end, start), -n);
      }
    }
  });
});

describe('WorkingDayCalendar with the 2025 official schedule', () => {
  it('handles the Spring Festival and the merged National Day / Mid-Autumn week', () => {
    assert.equal(calendar.isWorkingDay('2025-01-01'), false);
    assert.equal(calendar.isWorkingDay('2025-01-26'), true); // Sunday
    assert.equal(calendar.addWorkingDays('2025-01-27', 1), '2025-02-05');
    assert.equal(calendar.isWorkingDay('2025-02-08'), true); // Saturday
    assert.equal(calendar.isWorkingDay('2025-04-27'), true); // Sunday
    assert.equal(calendar.addWorkingDays('2025-04-30', 1), '2025-05-06');
    assert.equal(calendar.addWorkingDays('2025-05-30', 1), '2025-06-03');
    assert.equal(calendar.isWorkingDay('2025-09-28'), true); // Sunday
    assert.equal(calendar.addWorkingDays('2025-09-30', 1), '2025-10-09');
    assert.equal(calendar.isWorkingDay('2025-10-11'), true); // Saturday
  });
});

describe('OFFICIAL_SCHEDULES', () => {
  it('lists each date once, in date order, within its own year', () => {
    for (const [year, days] of Object.entries(OFFICIAL_SCHEDULES)) {
      const dates = days.map((d) => d.date);
      assert.equal(new Set(dates).size, dates.length, `duplicate in ${year}`);
      assert.deepEqual(dates, [...dates].sort(), `order in ${year}`);
      for (const date of dates) {
        assert.ok(isCivilDate(date), date);
        assert.ok(date.startsWith(`${year}-`), date);
      }
    }
  });

  it('puts every make-up working day on a weekend', () => {
    for (const day of officialDays.filter((d) => d.kind === 'workday')) {
      assert.ok([0, 6].includes(weekdayOf(day.date)), day.date);
    }
  });

  it('matches the day counts of the notices', () => {
    const count = (year: number, kind: SpecialDay['kind']): number =>
      (OFFICIAL_SCHEDULES[year] ?? []).filter((d) => d.kind === kind).length;
    assert.equal(count(2025, 'holiday'), 1 + 8 + 3 + 5 + 3 + 8);
    assert.equal(count(2025, 'workday'), 5);
    assert.equal(count(2026, 'holiday'), 3 + 9 + 3 + 5 + 3 + 3 + 7);
    assert.equal(count(2026, 'workday'), 6);
  });
});

describe('civilDate', () => {
  it('gives the date in the requested zone, not in UTC', () => {
    const instant = new Date('2026-02-13T16:30:00Z');
    assert.equal(civilDate(instant, 'Asia/Shanghai'), '2026-02-14');
    assert.equal(civilDate(instant, 'UTC'), '2026-02-13');
    assert.equal(civilDate(new Date('2026-02-13T15:59:59Z'), 'Asia/Shanghai'), '2026-02-13');
    assert.equal(civilDate(new Date('2026-02-13T16:00:00Z'), 'Asia/Shanghai'), '2026-02-14');
  });

  it('rejects an invalid instant or time zone', () => {
    assert.throws(() => civilDate(new Date('nonsense'), 'Asia/Shanghai'), RangeError);
    assert.throws(() => civilDate(new Date(), 'Mars/Olympus_Mons'), RangeError);
  });
});
