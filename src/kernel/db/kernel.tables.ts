import { boolean, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Which demo data sets have been seeded, so seeding runs once even across crashes and restarts. */
export const demoSeeds = pgTable('kernel_demo_seeds', {
  name: text('name').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * Per-address budgets of the throttled routes (kernel/http/throttle.ts) in server mode, shared by every instance:
 * `<budget> <address>` → the moment by which that address's requests so far are paid for (GCRA's theoretical
 * arrival time), and whether its last request was let through. About one count in a thousand also sends a sweep of
 * the rows paid up more than an hour ago.
 */
export const throttleCounters = pgTable('kernel_throttle_counters', {
  key: text('key').primaryKey(),
  allowedUntil: timestamp('allowed_until', { withTimezone: true }).notNull(),
  lastAllowed: boolean('last_allowed').notNull(),
});
