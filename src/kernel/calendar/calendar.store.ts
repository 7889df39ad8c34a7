import type { Db } from '../db/database.ts';
import { calendarDays } from './calendar.tables.ts';
import { OFFICIAL_SCHEDULES, type SpecialDay } from './official-schedule.ts';
import { WorkingDayCalendar } from './working-days.ts';

/** Adds the shipped official schedules to the calendar table; days an administrator changed are kept as they are. */
export async function addOfficialSchedules(db: Db): Promise<void> {
  const days = Object.values(OFFICIAL_SCHEDULES).flat();
  await db
    .insert(calendarDays)
    .values(days.map((d) => ({ date: d.date, kind: d.kind, nameZh: d.name['zh-CN'], nameEn: d.name.en })))
    .onConflictDoNothing({ target: calendarDays.date });
}

/** Loads the working-day calendar from the table (official schedules plus the administrator's entries). */
export async function loadCalendar(db: Db): Promise<WorkingDayCalendar> {
  const rows = await db.select().from(calendarDays);
  const days: SpecialDay[] = rows.map((r) => ({
    date: r.date,
    kind: r.kind,
    name: { 'zh-CN': r.nameZh, en: r.nameEn },
  }));
  return new WorkingDayCalendar(days);
}
