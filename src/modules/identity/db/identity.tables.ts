import { pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** People who sign in: members of the public and staff. Issue-level detail (ID numbers, mandates) grows here. */
export const accounts = pgTable('identity_accounts', {
  id: text('id').primaryKey(),
  username: text('username').notNull().unique(),
  displayNameZh: text('display_name_zh').notNull(),
  displayNameEn: text('display_name_en').notNull(),
  kind: text('kind', { enum: ['public', 'staff'] }).notNull(),
  /** Identity assurance: 1 self-registered, 2 verified against the population register, 3 verified in person. */
  assuranceLevel: smallint('assurance_level').notNull().default(1),
  /** argon2id hash; never leaves this module. */
  passwordHash: text('password_hash').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/** A staff member's role in one department (a person may hold roles in several). */
export const staffRoles = pgTable(
  'identity_staff_roles',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    departmentCode: text('department_code').notNull(),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.departmentCode, t.role] })],
);
