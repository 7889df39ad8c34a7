import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/** The government's departments (部门): the units that own services, data and staff. */
export const departments = pgTable('organisations_departments', {
  id: text('id').primaryKey(),
  /** Short code used everywhere people and systems name the department (SJ, GA…). */
  code: text('code').notNull().unique(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  /** Order in directories: the order a city's own list of departments uses. */
  sortOrder: integer('sort_order').notNull().default(0),
  /** The department's official web site (http or https), shown in the public directory; optional. */
  websiteUrl: text('website_url'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});
