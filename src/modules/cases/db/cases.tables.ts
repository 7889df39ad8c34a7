import { sql } from 'drizzle-orm';
import {
  date,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { Pause } from '../domain/clock.ts';
import type { Answers, FlowState } from '../domain/flow.ts';
import type { ProcessDefinition, StepKind } from '../domain/process-definition.ts';

/** A definition is drafted, then activated (the one new cases of its service start with), then retired. */
export const DEFINITION_STATES = ['draft', 'active', 'retired'] as const;
export type DefinitionState = (typeof DEFINITION_STATES)[number];

/** Versioned process definitions per service; a case points at the version it started with, for its whole life. */
export const processDefinitions = pgTable(
  'cases_process_definitions',
  {
    id: text('id').primaryKey(),
    serviceCode: text('service_code').notNull(),
    /** 1, 2, 3… per service. */
    version: integer('version').notNull(),
    state: text('state').$type<DefinitionState>().notNull(),
    definition: jsonb('definition').$type<ProcessDefinition>().notNull(),
    note: text('note').notNull().default(''),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    activatedAt: timestamp('activated_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('cases_process_definitions_version').on(t.serviceCode, t.version),
    // One active version per service: activating the next retires the last in the same transaction.
    uniqueIndex('cases_process_definitions_active').on(t.serviceCode).where(sql`state = 'active'`),
  ],
);

/** Where a case is. `supplement`: waiting for the applicant (the clock stopped). */
export const CASE_STATES = ['in_progress', 'supplement', 'approved', 'rejected', 'withdrawn'] as const;
export type CaseState = (typeof CASE_STATES)[number];

/** The platform-wide sequence behind case numbers (never reused, so a number names one case forever). */
export const CASE_NUMBER_SEQUENCE = 'cases_number_seq';
export const caseNumberSequence = pgSequence(CASE_NUMBER_SEQUENCE, { startWith: 1, increment: 1 });

/** One application (办件), whatever door it came through. */
export const cases = pgTable(
  'cases_cases',
  {
    id: text('id').primaryKey(),
    /** `SJ-2026-0000042-K`: read aloud and typed by people (domain/case-number.ts). */
    number: text('number').notNull().unique(),
    serviceCode: text('service_code').notNull(),
    /** The service's responsible department when the case was made. */
    departmentCode: text('department_code').notNull(),
    definitionId: text('definition_id')
      .notNull()
      .references(() => processDefinitions.id),
    /** The person who applied (or for whom a clerk applied at the counter). */
    applicantId: text('applicant_id').notNull(),
    /** The organisation applied for, under a mandate; absent for a person's own case. */
    organisationId: text('organisation_id'),
    channel: text('channel').$type<'online' | 'counter'>().notNull(),
    /** Who typed it in: the applicant, or the counter clerk. */
    submittedBy: text('submitted_by').notNull(),
    /** The form version the answers were given on (forms_definitions), if the service has a form. */
    formId: text('form_id'),
    answers: jsonb('answers').$type<Answers>().notNull(),
    state: text('state').$type<CaseState>().notNull(),
    flow: jsonb('flow').$type<FlowState>().notNull(),
    /** The civil date the case was submitted: its limits count from here (the day itself not counted). */
    startedOn: date('started_on', { mode: 'string' }).notNull(),
    statutoryDays: integer('statutory_days').notNull(),
    promisedDays: integer('promised_days').notNull(),
    /** Supplement requests (补正): each stops the clock from the day asked to the day answered. */
    pauses: jsonb('pauses').$type<Pause[]>().notNull().default([]),
    /** What the applicant was last asked to supply, all at once (一次性告知). */
    missing: jsonb('missing').$type<string[]>().notNull().default([]),
    /** Promised due date with finished pauses counted in; null while paused. */
    dueOn: date('due_on', { mode: 'string' }),
    submittedAt: timestamp('submitted_at', { withTimezone: true }).notNull().defaultNow(),
    closedAt: timestamp('closed_at', { withTimezone: true }),
    /** The day the responsible department was warned that the promised date is near, and the day it passed. */
    warnedOn: date('warned_on', { mode: 'string' }),
    overdueOn: date('overdue_on', { mode: 'string' }),
    /** Optimistic concurrency: every change adds one. */
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    index('cases_cases_applicant').on(t.applicantId, t.submittedAt),
    index('cases_cases_service').on(t.serviceCode, t.state),
    // The deadline watch's cases: the few running ones by due date, not a million by state (ADR 20).
    index('cases_cases_running_due').on(t.dueOn).where(sql`state = 'in_progress'`),
  ],
);

export const TASK_STATES = ['open', 'done', 'cancelled'] as const;
export type TaskState = (typeof TASK_STATES)[number];
export const TASK_OUTCOMES = ['approved', 'rejected'] as const;
export type TaskOutcome = (typeof TASK_OUTCOMES)[number];

/** A step of a case for one department (a branch of a parallel block is one task). */
export const caseTasks = pgTable(
  'cases_tasks',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    nodeId: text('node_id').notNull(),
    kind: text('kind').$type<StepKind>().notNull(),
    departmentCode: text('department_code').notNull(),
    role: text('role').notNull(),
    state: text('state').$type<TaskState>().notNull(),
    outcome: text('outcome').$type<TaskOutcome>(),
    /** Why, in the decider's words: shown to the applicant with a rejection. */
    reason: text('reason'),
    claimedBy: text('claimed_by'),
    openedOn: date('opened_on', { mode: 'string' }).notNull(),
    limitDays: integer('limit_days').notNull(),
    /** The step's own due date with the case's pauses counted in; null without a limit of its own or while paused. */
    dueOn: date('due_on', { mode: 'string' }),
    /** The day the step's holders were warned that it is due soon, and the day it went overdue (escalated). */
    warnedOn: date('warned_on', { mode: 'string' }),
    overdueOn: date('overdue_on', { mode: 'string' }),
    decidedBy: text('decided_by'),
    decidedAt: timestamp('decided_at', { withTimezone: true }),
    openedAt: timestamp('opened_at', { withTimezone: true }).notNull().defaultNow(),
    /** Optimistic concurrency: a decision names the revision it saw; another person's decision changed it. */
    revision: integer('revision').notNull().default(1),
  },
  (t) => [
    // The inbox: a department's open tasks for a role, in the inbox's order (soonest due, then first opened), so a
    // page of it is a walk that stops at 100 rows; and the same across roles for the department's head (ADR 20).
    index('cases_tasks_inbox').on(t.departmentCode, t.role, t.dueOn, t.openedAt).where(sql`state = 'open'`),
    index('cases_tasks_inbox_department')
      .on(t.departmentCode, t.dueOn, t.openedAt)
      .where(sql`state = 'open'`),
    // The deadline watch's steps: open ones by due date, across departments.
    index('cases_tasks_open_due').on(t.dueOn).where(sql`state = 'open'`),
    index('cases_tasks_case').on(t.caseId),
  ],
);

/** What the applicant sees happen, in order (the audit log keeps the accountable record of the same facts). */
export const caseTimeline = pgTable(
  'cases_timeline',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    at: timestamp('at', { withTimezone: true }).notNull().defaultNow(),
    /** `submitted`, `step_opened`, `step_approved`, `supplement_requested`, `supplement_answered`, … */
    kind: text('kind').notNull(),
    departmentCode: text('department_code'),
    taskId: text('task_id'),
    /** Words for the applicant (a reason, the list of what is missing); never internal comments. */
    details: jsonb('details').$type<Record<string, unknown>>().notNull().default({}),
  },
  (t) => [index('cases_timeline_case').on(t.caseId, t.at)],
);

/**
 * Idempotency keys of submissions: a double click or a retried request with the same key gives the same case.
 * Kept per account, with a hash of the request so a reused key with different content is refused, not merged.
 */
export const submissionKeys = pgTable(
  'cases_submission_keys',
  {
    accountId: text('account_id').notNull(),
    key: text('key').notNull(),
    requestHash: text('request_hash').notNull(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.key] })],
);

/** Staff's internal comments on a case: never shown to the applicant. */
export const caseComments = pgTable(
  'cases_comments',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id')
      .notNull()
      .references(() => cases.id),
    authorId: text('author_id').notNull(),
    departmentCode: text('department_code').notNull(),
    body: text('body').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('cases_comments_case').on(t.caseId, t.createdAt)],
);
