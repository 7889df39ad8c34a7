import { sql } from 'drizzle-orm';
import {
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Answers } from '../domain/conditions.ts';
import type { FormDefinition } from '../domain/form-definition.ts';

/** Versioned application forms per service; a draft keeps the version it started with. */
export const formDefinitions = pgTable(
  'forms_definitions',
  {
    id: text('id').primaryKey(),
    serviceCode: text('service_code').notNull(),
    version: integer('version').notNull(),
    state: text('state').$type<'draft' | 'active' | 'retired'>().notNull(),
    definition: jsonb('definition').$type<FormDefinition>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('forms_definitions_version').on(t.serviceCode, t.version),
    uniqueIndex('forms_definitions_active').on(t.serviceCode).where(sql`state = 'active'`),
  ],
);

/**
 * An application being filled in, saved on the server after every page so it can be resumed on another day or
 * device. Its id is the submission's idempotency key: submitting the same draft twice gives one case.
 */
export const formDrafts = pgTable(
  'forms_drafts',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id').notNull(),
    serviceCode: text('service_code').notNull(),
    formId: text('form_id')
      .notNull()
      .references(() => formDefinitions.id),
    answers: jsonb('answers').$type<Answers>().notNull().default({}),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set when the draft became a case; the draft is then read-only. */
    submittedCaseId: text('submitted_case_id'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
  },
  (t) => [
    // One open draft per person and service: "apply" resumes it.
    uniqueIndex('forms_drafts_open').on(t.accountId, t.serviceCode).where(sql`submitted_case_id is null`),
    index('forms_drafts_account').on(t.accountId, t.updatedAt),
  ],
);

/**
 * The files each account uploaded, on a form's page or through the API. An application may name only files its
 * submitter uploaded (a hash seen in another case opens nothing), and what a file is — its type, size and scan —
 * is taken from here, never from the answers sent.
 */
export const formUploads = pgTable(
  'forms_uploads',
  {
    accountId: text('account_id').notNull(),
    sha256: text('sha256').notNull(),
    mime: text('mime').notNull(),
    size: integer('size').notNull(),
    scan: text('scan').$type<'clean' | 'not_scanned'>().notNull(),
    uploadedAt: timestamp('uploaded_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.sha256] })],
);
