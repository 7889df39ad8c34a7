import { and, asc, eq, inArray, sql } from 'drizzle-orm';
import { z } from 'zod';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  AuthorizationError,
  actorIdOf,
  auditActorOf,
  type Decision,
  enforce,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { civilDate, type WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import { publishEvent } from '../../kernel/events/events.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import { CasesErrors } from './cases.errors.ts';
import { CasesPermissions } from './cases.policy.ts';
import { cases } from './db/cases.tables.ts';
import {
  DISSATISFIED_LEVELS,
  RATING_DIMENSION_KEYS,
  RATING_DIMENSIONS,
  RATING_LEVEL_KEYS,
  type RatingDimension,
  type RatingLevel,
  type RatingScores,
  type RectificationState,
  ratings,
  rectifications,
} from './db/ratings.tables.ts';
import { RatingsErrors } from './ratings.errors.ts';
import { ratingsMessages } from './ratings.messages.ts';

type ClientInfo = NonNullable<AuditEntry['request']>;

/** Working days a department has to put a poor rating right, counted from the day of the rating. */
export const RECTIFICATION_DAYS = 15;
/** The department's roles that answer for a rectification: the head, and the clerk who serves the public. */
export const RECTIFYING_ROLES: readonly string[] = ['clerk', 'head'];
export const COMMENT_MAX = 500;
export const OUTCOME_MAX = 1000;

/** A rectification as the department and the applicant see it. */
export interface Rectification {
  id: string;
  caseId: string;
  departmentCode: string;
  dueOn: string;
  state: RectificationState;
  outcome: string | null;
  completedBy: string | null;
  completedAt: Date | null;
  createdAt: Date;
  /** Still open after its due date (in the platform's time zone). */
  overdue: boolean;
}

/** The rating of a case, with the rectification it opened if it was a poor one. */
export interface CaseRating {
  caseId: string;
  /** Who rated: the applicant, or someone acting for the case's organisation under a mandate. */
  accountId: string;
  level: RatingLevel;
  scores: RatingScores;
  comment: string | null;
  createdAt: Date;
  rectification: Rectification | null;
}

/** What the applicant sends; checked here whatever the door, so the pages and any future API agree. */
export interface RatingInput {
  level: string;
  scores: Partial<Record<RatingDimension, number>>;
  comment?: string;
}

/** A rectification on a department's list, with the case and the rating that opened it. */
export interface RectificationItem extends Rectification {
  caseNumber: string;
  serviceCode: string;
  level: RatingLevel;
  scores: RatingScores;
  comment: string | null;
  ratedAt: Date;
}

export interface RectificationFilter {
  /** `open` (the default), `done`, or both. */
  state?: RectificationState | 'all';
  limit?: number;
}

export interface RatingsService {
  /**
   * The applicant rates their closed case, once. A dissatisfied or very dissatisfied rating opens a rectification
   * for the case's responsible department. Problems with the input come back in `locale`.
   */
  rate(
    actor: Actor,
    caseId: string,
    input: RatingInput,
    client: ClientInfo,
    locale?: Locale,
  ): Promise<CaseRating>;
  /** The case's rating, if it has one; the caller has already checked the reader may see the case. */
  ratingOf(caseId: string): Promise<CaseRating | undefined>;
  /** Rectifications of the departments where the staff actor is a clerk or the head: open ones soonest due first. */
  rectificationsFor(actor: Actor, options?: RectificationFilter): Promise<RectificationItem[]>;
  /** The department's clerk or head records what was done, which closes the rectification. */
  completeRectification(
    actor: Actor,
    rectificationId: string,
    outcome: string,
    client: ClientInfo,
  ): Promise<Rectification>;
}

const score = z.number().int().min(1).max(5);
const ratingSchema = z.object({
  level: z.enum(RATING_LEVEL_KEYS),
  // A missing scores object is checked as an empty one, so each dimension is reported on its own.
  scores: z.preprocess(
    (value) => value ?? {},
    z.object(
      Object.fromEntries(RATING_DIMENSION_KEYS.map((d) => [d, score])) as Record<
        RatingDimension,
        typeof score
      >,
    ),
  ),
  comment: z.string().trim().max(COMMENT_MAX).optional(),
});
const outcomeSchema = z.string().trim().min(1).max(OUTCOME_MAX);

/** Zod's issues as the fields of the rating form, in the reader's words, one problem per field. */
function ratingProblems(error: z.ZodError, locale: Locale): FieldProblem[] {
  const t = ratingsMessages.translator(locale);
  const problems = new Map<string, string>();
  const scoreProblem = (dimension: RatingDimension) =>
    problems.set(
      `scores.${dimension}`,
      t('error.score', { dimension: RATING_DIMENSIONS[dimension][locale] }),
    );
  for (const issue of error.issues) {
    const [head, dimension] = issue.path;
    if (head === 'scores' && typeof dimension === 'string' && dimension in RATING_DIMENSIONS)
      scoreProblem(dimension as RatingDimension);
    else if (head === 'scores') RATING_DIMENSION_KEYS.forEach(scoreProblem);
    else if (head === 'comment') problems.set('comment', t('error.comment'));
    // The level, or an input that is not an object at all: the first question is the one to answer.
    else problems.set('level', t('error.level'));
  }
  return [...problems].map(([path, message]) => ({ path, message }));
}

export function createRatingsService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  calendar: () => WorkingDayCalendar;
  timeZone: string;
  now?: () => Date;
}): RatingsService {
  const { db, audit, authz } = deps;
  const now = deps.now ?? (() => new Date());
  const today = () => civilDate(now(), deps.timeZone);

  const toRectification = (row: typeof rectifications.$inferSelect, day = today()): Rectification => ({
    id: row.id,
    caseId: row.caseId,
    departmentCode: row.departmentCode,
    dueOn: row.dueOn,
    state: row.state,
    outcome: row.outcome,
    completedBy: row.completedBy,
    completedAt: row.completedAt,
    createdAt: row.createdAt,
    overdue: row.state === 'open' && day > row.dueOn,
  });

  /** Whether the actor is the department's clerk or head: taskDecide alone would also let reviewers and clients. */
  const rectifies = (actor: Actor, departmentCode: string) =>
    actor.kind === 'staff' &&
    actor.roles.some((r) => r.departmentCode === departmentCode && RECTIFYING_ROLES.includes(r.role));

  const decideRectification = (actor: Actor, id: string | undefined, departmentCode: string): Decision => {
    const decision = authz.authorize(actor, CasesPermissions.taskDecide, {
      type: 'cases.rectification',
      ...(id ? { id } : {}),
      departmentCode,
    });
    if (decision.allowed && !rectifies(actor, departmentCode))
      return { allowed: false, reason: 'no-role', permission: CasesPermissions.taskDecide.name };
    return decision;
  };

  const service: RatingsService = {
    async rate(actor, caseId, input, client, locale: Locale = 'zh-CN') {
      const [row] = await db.select().from(cases).where(eq(cases.id, caseId));
      if (!row) throw new AppError(CasesErrors.caseNotFound);
      // The applicant (or their organisation's mandate holder) rates, as they alone apply, answer and withdraw.
      const decision = authz.authorize(actor, CasesPermissions.caseApply, {
        type: 'cases.case',
        id: row.id,
        ownerId: row.applicantId,
        ...(row.organisationId ? { organisationId: row.organisationId } : {}),
      });
      await enforce(db, audit, actor, decision, {
        action: 'cases.case.rated',
        object: { type: 'cases.case', id: row.id },
        request: client,
      });
      const accountId = actorIdOf(actor);
      if (!accountId) throw new AuthorizationError('not-owner', CasesPermissions.caseApply.name);
      if (row.state === 'withdrawn') throw new AppError(RatingsErrors.withdrawn);
      if (row.state !== 'approved' && row.state !== 'rejected') throw new AppError(RatingsErrors.notClosed);
      const [existing] = await db
        .select({ caseId: ratings.caseId })
        .from(ratings)
        .where(eq(ratings.caseId, row.id));
      if (existing) throw new AppError(RatingsErrors.alreadyRated);

      const parsed = ratingSchema.safeParse(input);
      if (!parsed.success) {
        const fields = ratingProblems(parsed.error, locale);
        throw new AppError(RatingsErrors.ratingInvalid, { count: String(fields.length) }, fields);
      }
      const { level, scores } = parsed.data;
      const comment = parsed.data.comment || null;
      const at = now();
      const ratedOn = civilDate(at, deps.timeZone);

      await db.transaction(async (tx) => {
        // The primary key settles a race between two tabs: the second insert finds the first and does nothing.
        const [inserted] = await tx
          .insert(ratings)
          .values({ caseId: row.id, accountId, level, scores, comment, createdAt: at })
          .onConflictDoNothing()
          .returning({ caseId: ratings.caseId });
        if (!inserted) throw new AppError(RatingsErrors.alreadyRated);
        const base = {
          actor: auditActorOf(actor, decision),
          subjectId: row.applicantId,
          request: client,
        };
        let rectification: { id: string; dueOn: string } | undefined;
        if (DISSATISFIED_LEVELS.includes(level)) {
          rectification = {
            id: newId('rect'),
            dueOn: deps.calendar().addWorkingDays(ratedOn, RECTIFICATION_DAYS),
          };
          await tx.insert(rectifications).values({
            ...rectification,
            caseId: row.id,
            departmentCode: row.departmentCode,
            state: 'open',
            createdAt: at,
          });
        }
        // The comment stays out of the append-only log: it is the applicant's free text and may name people.
        await audit.record(tx, {
          ...base,
          action: 'cases.case.rated',
          object: { type: 'cases.case', id: row.id },
          details: { level, scores, commented: comment !== null, rectificationId: rectification?.id ?? null },
        });
        if (rectification)
          await audit.record(tx, {
            ...base,
            action: 'cases.rectification.opened',
            object: { type: 'cases.rectification', id: rectification.id },
            details: { caseId: row.id, departmentCode: row.departmentCode, dueOn: rectification.dueOn },
          });
        await publishEvent(tx, 'cases.case.rated', {
          caseId: row.id,
          number: row.number,
          serviceCode: row.serviceCode,
          departmentCode: row.departmentCode,
          level,
          rectificationId: rectification?.id ?? null,
          rectificationDueOn: rectification?.dueOn ?? null,
        });
      });
      const rated = await service.ratingOf(row.id);
      if (!rated) throw new Error(`the rating of case ${row.id} was not written`);
      return rated;
    },

    async ratingOf(caseId) {
      const [row] = await db
        .select({ rating: ratings, rectification: rectifications })
        .from(ratings)
        .leftJoin(rectifications, eq(rectifications.caseId, ratings.caseId))
        .where(eq(ratings.caseId, caseId));
      if (!row) return undefined;
      return {
        ...row.rating,
        rectification: row.rectification ? toRectification(row.rectification) : null,
      };
    },

    async rectificationsFor(actor, options = {}) {
      if (actor.kind !== 'staff') return [];
      const departments = [...new Set(actor.roles.map((r) => r.departmentCode))].filter(
        (code) => decideRectification(actor, undefined, code).allowed,
      );
      if (departments.length === 0) return [];
      const state = options.state ?? 'open';
      const rows = await db
        .select({
          rectification: rectifications,
          caseNumber: cases.number,
          serviceCode: cases.serviceCode,
          rating: ratings,
        })
        .from(rectifications)
        .innerJoin(cases, eq(cases.id, rectifications.caseId))
        .innerJoin(ratings, eq(ratings.caseId, rectifications.caseId))
        .where(
          and(
            inArray(rectifications.departmentCode, departments),
            state === 'all' ? undefined : eq(rectifications.state, state),
          ),
        )
        // Open ones first, soonest due first; then the most recently completed.
        .orderBy(sql`${rectifications.completedAt} desc nulls first`, asc(rectifications.dueOn))
        .limit(Math.min(options.limit ?? 100, 500));
      const day = today();
      return rows.map((r) => ({
        ...toRectification(r.rectification, day),
        caseNumber: r.caseNumber,
        serviceCode: r.serviceCode,
        level: r.rating.level,
        scores: r.rating.scores,
        comment: r.rating.comment,
        ratedAt: r.rating.createdAt,
      }));
    },

    async completeRectification(actor, rectificationId, outcome, client) {
      const [found] = await db
        .select({ rectification: rectifications, applicantId: cases.applicantId, number: cases.number })
        .from(rectifications)
        .innerJoin(cases, eq(cases.id, rectifications.caseId))
        .where(eq(rectifications.id, rectificationId));
      if (!found) throw new AppError(RatingsErrors.rectificationNotFound);
      const { rectification: row } = found;
      const decision = decideRectification(actor, row.id, row.departmentCode);
      await enforce(db, audit, actor, decision, {
        action: 'cases.rectification.completed',
        object: { type: 'cases.rectification', id: row.id },
        request: client,
      });
      const parsed = outcomeSchema.safeParse(outcome);
      if (!parsed.success) throw new AppError(RatingsErrors.outcomeInvalid);
      const completedBy = actorIdOf(actor) ?? 'unknown';
      return db.transaction(async (tx) => {
        // Only an open one: a second clerk sending the same form is told it is done, not recorded twice.
        const [updated] = await tx
          .update(rectifications)
          .set({ state: 'done', outcome: parsed.data, completedBy, completedAt: now() })
          .where(and(eq(rectifications.id, row.id), eq(rectifications.state, 'open')))
          .returning();
        if (!updated) throw new AppError(RatingsErrors.rectificationDone);
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'cases.rectification.completed',
          object: { type: 'cases.rectification', id: row.id },
          subjectId: found.applicantId,
          request: client,
          details: { caseId: row.caseId, departmentCode: row.departmentCode, dueOn: row.dueOn },
        });
        await publishEvent(tx, 'cases.rectification.completed', {
          rectificationId: row.id,
          caseId: row.caseId,
          number: found.number,
          departmentCode: row.departmentCode,
          late: today() > row.dueOn,
        });
        return toRectification(updated);
      });
    },
  };
  return service;
}
