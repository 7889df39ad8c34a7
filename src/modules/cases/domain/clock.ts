import type { WorkingDayCalendar } from '../../../kernel/calendar/working-days.ts';

/**
 * A time limit in working days that stops while the applicant supplies missing material (补正) and runs on when they
 * answer. The day a limit starts is not counted (as for Chinese administrative limits), and neither is the day the
 * applicant answers: the clock runs again from the next working day.
 */
export interface Pause {
  /** The civil date the supplement was requested. */
  from: string;
  /** The civil date the applicant answered; absent while the clock is stopped. */
  to?: string;
}

export interface ClockReading {
  /** The last working day of the limit, or undefined while the clock is stopped. */
  due?: string;
  paused: boolean;
  /** Working days the clock was stopped for, in finished pauses. */
  pausedDays: number;
}

/** When a limit of `limitDays` working days, started on `start`, falls due, given its pauses. */
export function readClock(
  calendar: WorkingDayCalendar,
  start: string,
  limitDays: number,
  pauses: readonly Pause[],
): ClockReading {
  let pausedDays = 0;
  let paused = false;
  for (const pause of pauses) {
    if (pause.to === undefined) paused = true;
    // Working days in (from, to]: the days the applicant had the case. A pause answered the same day costs none.
    else pausedDays += Math.max(0, calendar.workingDaysBetween(pause.from, pause.to));
  }
  if (paused) return { paused, pausedDays };
  return { due: calendar.addWorkingDays(start, limitDays + pausedDays), paused, pausedDays };
}

/** The traffic light of the workbench: green, amber within `warnDays` working days of due, red when overdue. */
export type TrafficLight = 'green' | 'amber' | 'red' | 'paused';

export function trafficLight(
  calendar: WorkingDayCalendar,
  reading: ClockReading,
  today: string,
  warnDays = 2,
): TrafficLight {
  if (reading.paused || reading.due === undefined) return 'paused';
  if (today > reading.due) return 'red';
  return calendar.workingDaysBetween(today, reading.due) <= warnDays ? 'amber' : 'green';
}
