import { pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** Which demo data sets have been seeded, so seeding runs once even across crashes and restarts. */
export const demoSeeds = pgTable('kernel_demo_seeds', {
  name: text('name').primaryKey(),
  seededAt: timestamp('seeded_at', { withTimezone: true }).notNull().defaultNow(),
});
