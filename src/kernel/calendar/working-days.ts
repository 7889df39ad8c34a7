import type { SpecialDay } from './official-schedule.ts';

// Civil dates are plain YYYY-MM-DD strings and all arithmetic is on integer day numbers (days since
// 1970-01-01), so no Date object, and therefore no server time zone, can shift a deadline by a day.

const CIVIL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;
// Day number of 9999-12-31: walking past it means n was absurd, so stop rather than loop for ever.
const LAST_DAY_NUMBER = 2932896;

function isLeapYear(year: number): boolean {
  return (year % 4 === 0 && year % 100 !== 0) || year % 400 === 0;
}

function daysInMonth(year: number, month: number): number {
  if (month === 2) return isLeapYear(year) ? 29 : 28;
  return month === 4 || month === 6 || month === 9 || month === 11 ? 30 : 31;
}

/** True when `s` is a real calendar date written YYYY-MM-DD (so `2026-02-30` is rejected). */
export function isCivilDate(s: unknown): s is string {
  if (typeof s !== 'string') return false;
  const match = CIVIL_DATE.exec(s);
  if (!match) return false;
  const year = Number(match[1]);
  const month = Number(match[2]);
  const day = Number(match[3]);
  return month >= 1 && month <= 12 && day >= 1 && day <= daysInMonth(year, month);
}

function assertCivilDate(s: unknown, label: string): asserts s is string {
  if (!isCivilDate(s)) {
    throw new RangeError(`${label} must be a civil date written YYYY-MM-DD, got ${JSON.stringify(s)}`);
  }
}

// Day number of a civil date in the proleptic Gregorian calendar (H. Hinnant's days_from_civil).
// Pure integer arithmetic: Date.UTC would misread years below 100.
function toDayNumber(date: string): number {
  const year = Number(date.slice(0, 4));
  const month = Number(date.slice(5, 7));
  const day = Number(date.slice(8, 10));
  const y = month <= 2 ? year - 1 : year;
  const era = Math.floor(y / 400);
  const yearOfEra = y - era * 400;
  const dayOfYear = Math.floor((153 * (month + (month > 2 ? -3 : 9)) + 2) / 5) + day - 1;
  const dayOfEra = yearOfEra * 365 + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100) + dayOfYear;
  return era * 146097 + dayOfEra - 719468;
}

function fromDayNumber(dayNumber: number): string {
  const z = dayNumber + 719468;
  const era = Math.floor(z / 146097);
  const dayOfEra = z - era * 146097;
  const yearOfEra = Math.floor(
    (dayOfEra - Math.floor(dayOfEra / 1460) + Math.floor(dayOfEra / 36524) - Math.floor(dayOfEra / 146096)) /
      365,
  );
  const dayOfYear = dayOfEra - (365 * yearOfEra + Math.floor(yearOfEra / 4) - Math.floor(yearOfEra / 100));
  const mp = Math.floor((5 * dayOfYear + 2) / 153);
  const day = dayOfYear - Math.floor((153 * mp + 2) / 5) + 1;
  const month = mp < 10 ? mp + 3 : mp - 9;
  const year = yearOfEra + era * 400 + (month <= 2 ? 1 : 0);
  return `${String(year).padStart(4, '0')}-${String(month).padStart(2, '0')}-${String(day).padStart(2, '0')}`;
}

// Day number 4 (1970-01-05) is a Monday; offsetting by it makes 0..4 Monday–Friday and 5..6 the weekend.
function isWeekend(dayNumber: number): boolean {
  const mondayBased = (((dayNumber - 4) % 7) + 7) % 7;
  return mondayBased >= 5;
}

// Monday–Friday days in an arbitrary origin up to and including `dayNumber`; only differences matter.
function weekdaysUpTo(dayNumber: number): number {
  const k = dayNumber - 4;
  const weeks = Math.floor(k / 7);
  const rest = k - weeks * 7;
  return weeks * 5 + Math.min(rest + 1, 5);
}

/** Options for {@link WorkingDayCalendar}. */
export interface WorkingDayCalendarOptions {
  /**
   * Years whose schedule is known. Defaults to the years in which the given days fall; pass it when a
   * year is known but has no special days, or when a notice lists a date in a neighbouring year.
   */
  coveredYears?: Iterable<number>;
}

/**
 * Mainland China's working week: Monday–Friday, minus listed holidays, plus listed make-up working days.
 * Pure and immutable; build one from the administrator's calendar (or OFFICIAL_SCHEDULES) and share it.
 */
export class WorkingDayCalendar {
  readonly #days = new Map<number, SpecialDay>();
  // Sorted day numbers of the entries that change the Monday–Friday rule, for workingDaysBetween.
  readonly #adjustments: { dayNumber: number; delta: 1 | -1 }[] = [];
  readonly #coveredYears: ReadonlySet<number>;

  constructor(specialDays: Iterable<SpecialDay>, options: WorkingDayCalendarOptions = {}) {
    const years = new Set<number>();
    for (const entry of specialDays) {
      assertCivilDate(entry.date, 'special day date');
      if (entry.kind !== 'holiday' && entry.kind !== 'workday') {
        throw new RangeError(`special day ${entry.date} has unknown kind ${JSON.stringify(entry.kind)}`);
      }
      const dayNumber = toDayNumber(entry.date);
      // A date listed twice is a data-entry mistake; guessing which entry wins could move a deadline.
      if (this.#days.has(dayNumber)) throw new RangeError(`special day ${entry.date} is listed twice`);
      this.#days.set(dayNumber, entry);
      years.add(Number(entry.date.slice(0, 4)));
      const weekend = isWeekend(dayNumber);
      if (entry.kind === 'workday' && weekend) this.#adjustments.push({ dayNumber, delta: 1 });
      if (entry.kind === 'holiday' && !weekend) this.#adjustments.push({ dayNumber, delta: -1 });
    }
    this.#adjustments.sort((a, b) => a.dayNumber - b.dayNumber);
    this.#coveredYears = options.coveredYears ? new Set(options.coveredYears) : years;
  }

  /** True when `date` is a working day on this calendar. */
  isWorkingDay(date: string): boolean {
    assertCivilDate(date, 'date');
    return this.#isWorking(toDayNumber(date));
  }

  /** The holiday or make-up working day listed for `date`, or undefined for an ordinary day. */
  specialDay(date: string): SpecialDay | undefined {
    assertCivilDate(date, 'date');
    return this.#days.get(toDayNumber(date));
  }

  /** True when the schedule for `year` is known; counting into other years treats them as plain weeks. */
  coversYear(year: number): boolean {
    return this.#coveredYears.has(year);
  }

  /** The first working day strictly after `date`, i.e. `addWorkingDays(date, 1)`. */
  nextWorkingDay(date: string): string {
    return this.addWorkingDays(date, 1);
  }

  /**
   * The n-th working day after `start`: the day of acceptance is not counted, as for Chinese administrative
   * time limits, so a 5-working-day limit from a Friday ends on the following Friday in an ordinary week.
   * `n = 0` returns `start` when it is a working day and otherwise the next working day.
   */
  addWorkingDays(start: string, n: number): string {
    assertCivilDate(start, 'start');
    if (!Number.isSafeInteger(n) || n < 0) {
      throw new RangeError(`n must be a non-negative integer number of working days, got ${n}`);
    }
    let dayNumber = toDayNumber(start);
    let remaining = n;
    if (n === 0 && this.#isWorking(dayNumber)) return start;
    if (n === 0) remaining = 1;
    while (remaining > 0) {
      dayNumber += 1;
      if (dayNumber > LAST_DAY_NUMBER) {
        throw new RangeError(`adding ${n} working days to ${start} passes the year 9999`);
      }
      if (this.#isWorking(dayNumber)) remaining -= 1;
    }
    return fromDayNumber(dayNumber);
  }

  /**
   * Working days in (from, to]: how many working days have elapsed since `from`, the inverse of
   * addWorkingDays for n ≥ 1. Negative (and antisymmetric) when `to` is before `from`.
   */
  workingDaysBetween(from: string, to: string): number {
    assertCivilDate(from, 'from');
    assertCivilDate(to, 'to');
    const a = toDayNumber(from);
    const b = toDayNumber(to);
    if (b < a) return -this.#countIn(b, a);
    return this.#countIn(a, b);
  }

  // Working days in (a, b], a ≤ b: plain weekdays corrected by the special days inside the interval.
  #countIn(a: number, b: number): number {
    let count = weekdaysUpTo(b) - weekdaysUpTo(a);
    for (const { dayNumber, delta } of this.#adjustments) {
      if (dayNumber > b) break;
      if (dayNumber > a) count += delta;
    }
    return count;
  }

  #isWorking(dayNumber: number): boolean {
    const special = this.#days.get(dayNumber);
    if (special) return special.kind === 'workday';
    return !isWeekend(dayNumber);
  }
}

// Building a DateTimeFormat is costly and the set of zones in use is tiny, so one is kept per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();
const lastCivilDates = new Map<string, { second: number; date: string }>();

/** The civil date (YYYY-MM-DD) that `instant` falls on in `timeZone`, e.g. 'Asia/Shanghai'. */
export function civilDate(instant: Date, timeZone: string): string {
  if (!(instant instanceof Date) || Number.isNaN(instant.getTime())) {
    throw new RangeError('civilDate needs a valid Date');
  }
  // Hot (several times per request, and formatToParts is slow): the last answer per zone holds for its whole second,
  // as no zone's offset changes within a second.
  const second = Math.floor(instant.getTime() / 1000);
  const last = lastCivilDates.get(timeZone);
  if (last?.second === second) return last.date;
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    // Throws RangeError itself for an unknown time zone.
    formatter = new Intl.DateTimeFormat('en-CA', {
      timeZone,
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  // Assembled from parts, not format(), because the joined output of a locale is not a stable contract.
  const parts = formatter.formatToParts(instant);
  const part = (type: Intl.DateTimeFormatPartTypes): string =>
    parts.find((p) => p.type === type)?.value ?? '';
  const result = `${part('year').padStart(4, '0')}-${part('month')}-${part('day')}`;
  assertCivilDate(result, `civil date of ${instant.toISOString()} in ${timeZone}`);
  lastCivilDates.set(timeZone, { second, date: result });
  return result;
}
