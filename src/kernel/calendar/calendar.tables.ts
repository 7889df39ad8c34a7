import { date, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Public holidays and make-up working days (调休) that deadlines count with. Seeded from the official schedules
 * shipped in official-schedule.ts; an administrator adds next year's when the State Council publishes it.
 */
export const calendarDays = pgTable('kernel_calendar_days', {
  date: date('date', { mode: 'string' }).primaryKey(),
  kind: text('kind', { enum: ['holiday', 'workday'] }).notNull(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  /** 'official' when it came with the platform, 'admin' when an administrator entered it. */
  source: text('source', { enum: ['official', 'admin'] })
    .notNull()
    .default('official'),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});
