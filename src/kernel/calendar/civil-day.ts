/*
 * Civil dates (YYYY-MM-DD, as people type them) turned into instants in a given time zone, so that "from 23
 * November to 23 November" in Asia/Shanghai means 2026-11-22T16:00Z up to (not including) 2026-11-23T16:00Z.
 */

const CIVIL_DATE = /^(\d{4})-(\d{2})-(\d{2})$/;

// Building a DateTimeFormat is costly and the set of zones in use is tiny, so one is kept per zone.
const formatters = new Map<string, Intl.DateTimeFormat>();

function formatterFor(timeZone: string): Intl.DateTimeFormat {
  let formatter = formatters.get(timeZone);
  if (!formatter) {
    formatter = new Intl.DateTimeFormat('en-US', {
      timeZone,
      hourCycle: 'h23',
      year: 'numeric',
      month: '2-digit',
      day: '2-digit',
      hour: '2-digit',
      minute: '2-digit',
      second: '2-digit',
    });
    formatters.set(timeZone, formatter);
  }
  return formatter;
}

/** A UTC instant for a calendar day, without Date.UTC's mapping of years 0–99 to 1900–1999. */
function utcMidnight(year: number, month: number, day: number): number {
  const date = new Date(0);
  date.setUTCFullYear(year, month - 1, day);
  return date.getTime();
}

/** How far the zone's wall clock is ahead of UTC at `instant`, in milliseconds. */
function offsetAt(instant: number, timeZone: string): number {
  const parts = formatterFor(timeZone).formatToParts(new Date(instant));
  const part = (type: Intl.DateTimeFormatPartTypes) => Number(parts.find((p) => p.type === type)?.value);
  const wall =
    utcMidnight(part('year'), part('month'), part('day')) +
    ((part('hour') * 60 + part('minute')) * 60 + part('second')) * 1000;
  return wall - (instant - (((instant % 1000) + 1000) % 1000));
}

function parse(date: string): [number, number, number] {
  const match = CIVIL_DATE.exec(date);
  if (!match) throw new RangeError(`Not a civil date (YYYY-MM-DD): ${date}`);
  const [year, month, day] = [Number(match[1]), Number(match[2]), Number(match[3])];
  // Year 0 would be 1 BC in Intl's calendar, and no record of this platform is that old.
  if (year < 1) throw new RangeError(`No such day: ${date}`);
  const check = new Date(utcMidnight(year, month, day));
  if (check.getUTCMonth() !== month - 1 || check.getUTCDate() !== day)
    throw new RangeError(`No such day: ${date}`);
  return [year, month, day];
}

/** Whether the text is a real calendar day written YYYY-MM-DD (2026-02-30 is not). */
export function isCivilDate(text: string): boolean {
  try {
    parse(text);
    return true;
  } catch {
    return false;
  }
}

/** The instant the wall clock of `timeZone` shows midnight at the start of this (valid) day. */
function startOf(year: number, month: number, day: number, timeZone: string): Date {
  const guess = utcMidnight(year, month, day);
  const first = guess - offsetAt(guess, timeZone);
  // Near a change of offset (summer time) the offset at the guess may differ from the one at the answer.
  return new Date(guess - offsetAt(first, timeZone));
}

/** The instant a civil day begins in a time zone, e.g. 2026-11-23 in Asia/Shanghai → 2026-11-22T16:00:00.000Z. */
export function startOfCivilDay(date: string, timeZone: string): Date {
  return startOf(...parse(date), timeZone);
}

/** The instant a civil day ends (the next day's start, exclusive) in a time zone. */
export function endOfCivilDay(date: string, timeZone: string): Date {
  const [year, month, day] = parse(date);
  const next = new Date(utcMidnight(year, month, day + 1));
  return startOf(next.getUTCFullYear(), next.getUTCMonth() + 1, next.getUTCDate(), timeZone);
}
