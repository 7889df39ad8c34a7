import { sql } from 'drizzle-orm';
import { date, index, jsonb, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import { cases } from './cases.tables.ts';

/**
 * The five levels of the national 好差评 system, best first. Kept here with their names because the level column
 * stores the key, and the pages, the service and the rectification rule must agree on one list.
 */
export const RATING_LEVELS = {
  very_satisfied: { 'zh-CN': '非常满意', en: 'Very satisfied' },
  satisfied: { 'zh-CN': '满意', en: 'Satisfied' },
  fairly_satisfied: { 'zh-CN': '基本满意', en: 'Fairly satisfied' },
  dissatisfied: { 'zh-CN': '不满意', en: 'Dissatisfied' },
  very_dissatisfied: { 'zh-CN': '非常不满意', en: 'Very dissatisfied' },
} as const;
export type RatingLevel = keyof typeof RATING_LEVELS;
export const RATING_LEVEL_KEYS = Object.keys(RATING_LEVELS) as [RatingLevel, ...RatingLevel[]];

/** The levels that open a rectification (差评整改): the department must answer for them. */
export const DISSATISFIED_LEVELS: readonly RatingLevel[] = ['dissatisfied', 'very_dissatisfied'];

/**
 * The standard dimensions every rating scores from 1 (worst) to 5 (best). The scores column is keyed by these, so
 * adding one later leaves old ratings without it: readers must not assume every key is present.
 */
export const RATING_DIMENSIONS = {
  efficiency: { 'zh-CN': '办事效率', en: 'Speed' },
  attitude: { 'zh-CN': '服务态度', en: 'Attitude' },
  convenience: { 'zh-CN': '办事便利', en: 'Convenience' },
  transparency: { 'zh-CN': '信息公开', en: 'Information' },
  integrity: { 'zh-CN': '廉洁', en: 'Integrity' },
} as const;
export type RatingDimension = keyof typeof RATING_DIMENSIONS;
export const RATING_DIMENSION_KEYS = Object.keys(RATING_DIMENSIONS) as [
  RatingDimension,
  ...RatingDimension[],
];
export type RatingScores = Record<RatingDimension, number>;

/** The applicant's rating of a closed case: the primary key on the case is what makes it one rating per case. */
export const ratings = pgTable('cases_ratings', {
  caseId: text('case_id')
    .primaryKey()
    .references(() => cases.id),
  /** Who rated: the applicant, or a person acting for the case's organisation under a mandate. */
  accountId: text('account_id').notNull(),
  level: text('level').$type<RatingLevel>().notNull(),
  scores: jsonb('scores').$type<RatingScores>().notNull(),
  /** The applicant's own words, at most 500 characters; null when they wrote none. */
  comment: text('comment'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

export const RECTIFICATION_STATES = ['open', 'done'] as const;
export type RectificationState = (typeof RECTIFICATION_STATES)[number];

/**
 * The rectification (整改) a dissatisfied rating opens for the case's responsible department: one per case (the
 * rating is one per case), due in working days, closed by the department recording what it did.
 */
export const rectifications = pgTable(
  'cases_rectifications',
  {
    id: text('id').primaryKey(),
    caseId: text('case_id')
      .notNull()
      .unique()
      .references(() => cases.id),
    departmentCode: text('department_code').notNull(),
    /** The last working day for the outcome, counted from the day of the rating (the day itself not counted). */
    dueOn: date('due_on', { mode: 'string' }).notNull(),
    state: text('state').$type<RectificationState>().notNull(),
    /** What the department did, in words the applicant reads on their case. */
    outcome: text('outcome'),
    completedBy: text('completed_by'),
    completedAt: timestamp('completed_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    // A department's open rectifications, soonest due first: the staff list.
    index('cases_rectifications_open').on(t.departmentCode, t.dueOn).where(sql`state = 'open'`),
  ],
);
