import { index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Notices in the site: to one person (their case moved on), or to the holders of a role in a department (a step
 * due soon; to the head, a step overdue). The same facts go out by e-mail to people who gave an address.
 */
export const caseNotifications = pgTable(
  'cases_notifications',
  {
    id: text('id').primaryKey(),
    /** A person's own notice. */
    accountId: text('account_id'),
    /** Or a department's, for the holders of `role` there. */
    departmentCode: text('department_code'),
    role: text('role'),
    caseId: text('case_id').notNull(),
    caseNumber: text('case_number').notNull(),
    /** `submitted`, `supplementRequested`, `approved`, `rejected`, `taskDueSoon`, `taskOverdue`, `caseOverdue` */
    kind: text('kind').notNull(),
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    readAt: timestamp('read_at', { withTimezone: true }),
  },
  (t) => [
    index('cases_notifications_account').on(t.accountId, t.createdAt),
    index('cases_notifications_department').on(t.departmentCode, t.role, t.createdAt),
  ],
);
