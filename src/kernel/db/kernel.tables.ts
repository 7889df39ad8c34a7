import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Which demo data sets have been seeded, so seeding runs once even across crashes and restarts. */
export const demoSeeds = pgTable('kernel_demo_seeds', {
  name: text('name').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Per-address request counters of the throttled routes (kernel/http/throttle.ts) in server mode, shared by every
 * instance: `<budget> <address>` → hits in the window that started at `window_started_at`. About one count in a
 * thousand also sends a sweep of the rows whose window started more than an hour ago.
 */
export const throttleCounters = pgTable('kernel_throttle_counters', {
  key: text('key').primaryKey(),
  hits: integer('hits').notNull(),
  windowStartedAt: timestamp('window_started_at', { withTimezone: true }).notNull(),
});
