import { createHash } from 'node:crypto';
import { and, asc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import { type AuditEntry, type AuditLog, canonicalJson } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  AuthorizationError,
  actorIdOf,
  auditActorOf,
  type Decision,
  enforce,
  type Permission,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { civilDate, type WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import { type ClaimedWrite, insertIfClaimed, rowsFor } from '../../kernel/db/claimed-insert.ts';
import { DatabaseBusyError, type Db, isDatabaseUnavailable, queryRows } from '../../kernel/db/database.ts';
import { groupCommit } from '../../kernel/db/group-commit.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import { eventRows, publishEvent } from '../../kernel/events/events.ts';
import type { FileStore } from '../../kernel/files/index.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import {
  askedAnswers,
  type CertificateMaterial,
  certificateMaterials,
  type FormDefinition,
  FormsErrors,
  type FormsService,
  fileAnswers,
  type UploadedFile,
} from '../forms/index.ts';
import { CasesErrors } from './cases.errors.ts';
import { casesMessages } from './cases.messages.ts';
import { CasesPermissions } from './cases.policy.ts';
import {
  CASE_NUMBER_SEQUENCE,
  type CaseState,
  caseComments,
  cases,
  caseTasks,
  caseTimeline,
  submissionKeys,
  type TaskOutcome,
  type TaskState,
} from './db/cases.tables.ts';
import type { DefinitionsService } from './definitions.service.ts';
import { formatCaseNumber, parseCaseNumber } from './domain/case-number.ts';
import { type Pause, readClock } from './domain/clock.ts';
import { type Answers, type FlowAdvance, finishStep, startFlow } from './domain/flow.ts';
import type { StepKind, TaskNode } from './domain/process-definition.ts';

type ClientInfo = NonNullable<AuditEntry['request']>;

/** A step as staff and applicants see it. */
export interface CaseTask {
  id: string;
  caseId: string;
  nodeId: string;
  kind: StepKind;
  departmentCode: string;
  role: string;
  state: TaskState;
  outcome: TaskOutcome | null;
  reason: string | null;
  claimedBy: string | null;
  openedOn: string;
  dueOn: string | null;
  decidedAt: Date | null;
  revision: number;
}

/** A case with its steps and timeline. */
export interface CaseView {
  id: string;
  number: string;
  serviceCode: string;
  departmentCode: string;
  applicantId: string;
  organisationId: string | null;
  channel: 'online' | 'counter';
  state: CaseState;
  /** The form version the answers were given on; null for a service without a form. */
  formId: string | null;
  answers: Answers;
  startedOn: string;
  statutoryDays: number;
  promisedDays: number;
  /** The promised date with finished pauses counted in; null while paused. */
  dueOn: string | null;
  /** The statutory date, likewise. */
  statutoryDueOn: string | null;
  missing: string[];
  pauses: Pause[];
  submittedAt: Date;
  closedAt: Date | null;
  revision: number;
  tasks: CaseTask[];
  timeline: { at: Date; kind: string; departmentCode: string | null; details: Record<string, unknown> }[];
}

/** What an applicant submits. */
export interface Submission {
  serviceCode: string;
  answers: Answers;
  /** Chosen by the client once per application: a retry or a double click with the same key gives the same case. */
  idempotencyKey: string;
  /** Applying for an organisation under a mandate. */
  organisationId?: string;
  /**
   * The form version the answers were given on (a draft keeps the version it started with); the service's active
   * form when absent.
   */
  formId?: string;
}

/** A decision on a step: approve, reject with a reason, or ask for every missing item at once (一次性告知). */
export type TaskDecision =
  | { outcome: 'approve'; revision: number; note?: string }
  | { outcome: 'reject'; revision: number; reason: string }
  | { outcome: 'supplement'; revision: number; missing: string[] };

export interface CasesService {
  /**
   * Submits an application; the same idempotency key gives the same case (`replayed`). The answers are checked
   * against the service's form — the same checks as its pages — with problems in `locale`.
   */
  submit(
    actor: Actor,
    submission: Submission,
    client: ClientInfo,
    locale?: Locale,
  ): Promise<{ case: CaseView; replayed: boolean }>;
  /**
   * A counter clerk makes the case for a walk-in applicant whose identity they checked in person (L3), so one case
   * exists whatever the door; the same form checks apply.
   */
  intake(
    clerk: Actor,
    applicantId: string,
    submission: Submission,
    client: ClientInfo,
    locale?: Locale,
  ): Promise<{ case: CaseView; replayed: boolean }>;
  /** A case by id or number, for its applicant or the staff of a department with a step in it. */
  get(actor: Actor, idOrNumber: string, client: ClientInfo): Promise<CaseView>;
  /** A case with the applicant's identifiers shown in full to staff, with the reason recorded in the audit log. */
  reveal(actor: Actor, idOrNumber: string, purpose: string, client: ClientInfo): Promise<CaseView>;
  /** One step, for the pages that act on it (the case's own checks run when it is opened or decided). */
  task(actor: Actor, taskId: string, client: ClientInfo): Promise<CaseTask>;
  /** The applicant's cases, newest first. */
  listMine(actor: Actor): Promise<Omit<CaseView, 'tasks' | 'timeline' | 'answers' | 'formId'>[]>;
  /** Open steps for the actor's departments and roles. */
  inbox(actor: Actor, filter?: InboxFilter): Promise<InboxItem[]>;
  claim(actor: Actor, taskId: string, revision: number, client: ClientInfo): Promise<CaseTask>;
  release(actor: Actor, taskId: string, revision: number, client: ClientInfo): Promise<CaseTask>;
  decide(actor: Actor, taskId: string, decision: TaskDecision, client: ClientInfo): Promise<CaseView>;
  /** Hands a step to the department's head (who may decide any of its steps), with the reason recorded. */
  escalate(
    actor: Actor,
    taskId: string,
    revision: number,
    reason: string,
    client: ClientInfo,
  ): Promise<CaseTask>;
  /** The department's head gives a step to one of its staff: it shows as theirs (claimed). */
  reassign(
    actor: Actor,
    taskId: string,
    revision: number,
    toAccountId: string,
    client: ClientInfo,
  ): Promise<CaseTask>;
  /** The applicant answers a supplement request: the clock runs again. */
  answerSupplement(actor: Actor, caseId: string, note: string, client: ClientInfo): Promise<CaseView>;
  /** Staff's internal comments on a case, oldest first (for staff of a department with a step in it). */
  comments(actor: Actor, caseId: string): Promise<CaseComment[]>;
  /** Adds an internal comment, as a member of one of the departments with a step in the case. */
  comment(actor: Actor, caseId: string, body: string, client: ClientInfo): Promise<CaseComment>;
  /**
   * An uploaded file of the case, for whoever may see the case: only files its answers name, so a hash guessed or
   * copied from another case opens nothing.
   */
  file(
    actor: Actor,
    idOrNumber: string,
    sha256: string,
    client: ClientInfo,
  ): Promise<{ bytes: Uint8Array; name: string; mime: string }>;
  /** The applicant withdraws an open case. */
  withdraw(actor: Actor, caseId: string, reason: string, client: ClientInfo): Promise<CaseView>;
  /**
   * A case's answers, for a module acting on its outcome inside its own transaction (what an approval issues is
   * made of them): they stay out of the event's payload, which is kept and backed up as it is.
   */
  answersOf(caseId: string, tx: Db): Promise<Answers | undefined>;
  /** Plugs in what may stand in for materials (the certificates module's wallet). */
  useMaterialSource(source: MaterialSource): void;
  /** The certificate that stands in for a material replaceable by `certificateType`, if the holder has one. */
  materialFor(holder: MaterialHolder, certificateType: string): Promise<CertificateMaterial | undefined>;
  /** A certificate material's live status, for staff; undefined when nothing can tell (no source plugged in). */
  materialStatus(material: CertificateMaterial): Promise<string | undefined>;
}

/** Who applies: the person, and the organisation they apply for under a mandate. */
export interface MaterialHolder {
  accountId: string;
  organisationId?: string | null;
}

/**
 * What can stand in for a material so the applicant hands in nothing (材料免提交): the certificates module plugs
 * one in (it depends on cases, not the other way round). The catalogue names the certificate type a material may
 * be replaced by.
 */
export interface MaterialSource {
  /** The holder's valid certificate of the type, if any, as the answer that stands in for the material. */
  find(holder: MaterialHolder, certificateType: string): Promise<CertificateMaterial | undefined>;
  /**
   * The certificate named in the answers as the source knows it (its own name and type), if it is still valid and
   * the holder's; undefined otherwise. Checked when the case is submitted.
   */
  holds(holder: MaterialHolder, material: CertificateMaterial): Promise<CertificateMaterial | undefined>;
  /** Its live status, for the staff who see the case: valid, revoked, expired or unknown. */
  status(material: CertificateMaterial): Promise<'valid' | 'revoked' | 'expired' | 'unknown' | 'tampered'>;
}

export interface CaseComment {
  id: string;
  authorId: string;
  departmentCode: string;
  body: string;
  createdAt: Date;
}

export interface InboxFilter {
  /** `soon`: due within two working days; `overdue`; `paused`: waiting for the applicant; `mine`: claimed by me. */
  view?: 'all' | 'soon' | 'overdue' | 'paused' | 'mine';
  limit?: number;
}

export interface InboxItem extends CaseTask {
  caseNumber: string;
  serviceCode: string;
  caseState: CaseState;
}

/** Numbers reserved a block at a time, handed out one by one; one reservation in flight however many wait. */
class NumberBlocks {
  private reserved: number[] = [];
  private refill: Promise<void> | undefined;

  constructor(private readonly reserve: () => Promise<number[]>) {}

  async take(): Promise<number> {
    for (;;) {
      const next = this.reserved.shift();
      if (next !== undefined) return next;
      this.refill ??= this.reserve()
        .then((block) => {
          this.reserved.push(...block);
        })
        .finally(() => {
          this.refill = undefined;
        });
      await this.refill;
    }
  }
}

/** The uploaded files an application's answers name (groups included). */
export function filesIn(answers: Answers): UploadedFile[] {
  return fileAnswers(answers).map((named) => named.file);
}

/** Steps that may be decided: the department's staff holding the step's role, or the department's head. */
export function holdsStepRole(actor: Actor, task: { departmentCode: string; role: string }): boolean {
  if (actor.kind === 'client') return true; // a department's system: its scope and department were checked
  if (actor.kind !== 'staff') return false;
  return actor.roles.some(
    (r) => r.departmentCode === task.departmentCode && (r.role === task.role || r.role === 'head'),
  );
}

export function createCasesService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  calendar: () => WorkingDayCalendar;
  timeZone: string;
  catalogue: CatalogueContract;
  definitions: DefinitionsService;
  forms: FormsService;
  files: FileStore;
  /** The department roles of a member of staff, or undefined when the account is not staff. */
  staffOf: (accountId: string) => Promise<readonly { departmentCode: string; role: string }[] | undefined>;
  /** A person's identity assurance level (1–3), or undefined when there is no such person. */
  applicantLevel: (accountId: string) => Promise<number | undefined>;
  now?: () => Date;
}): CasesService {
  const { db, audit, authz, definitions } = deps;
  const now = deps.now ?? (() => new Date());
  const today = () => civilDate(now(), deps.timeZone);

  const toTask = (
    row: Omit<typeof caseTasks.$inferSelect, 'warnedOn' | 'overdueOn' | 'decidedBy' | 'limitDays'>,
  ): CaseTask => ({
    id: row.id,
    caseId: row.caseId,
    nodeId: row.nodeId,
    kind: row.kind,
    departmentCode: row.departmentCode,
    role: row.role,
    state: row.state,
    outcome: row.outcome,
    reason: row.reason,
    claimedBy: row.claimedBy,
    openedOn: row.openedOn,
    dueOn: row.dueOn,
    decidedAt: row.decidedAt,
    revision: row.revision,
  });

  async function load(tx: Db, caseId: string): Promise<CaseView> {
    const [row] = await tx.select().from(cases).where(eq(cases.id, caseId));
    if (!row) throw new AppError(CasesErrors.caseNotFound);
    const [tasks, timeline] = await Promise.all([
      tx
        .select()
        .from(caseTasks)
        .where(eq(caseTasks.caseId, caseId))
        .orderBy(asc(caseTasks.openedAt), asc(caseTasks.id)),
      tx
        .select()
        .from(caseTimeline)
        .where(eq(caseTimeline.caseId, caseId))
        .orderBy(asc(caseTimeline.at), asc(caseTimeline.id)),
    ]);
    return viewOf(row, tasks, timeline);
  }

  /** A case as its readers see it, from its rows (read back, or just written). */
  function viewOf(
    row: Omit<typeof cases.$inferSelect, 'warnedOn' | 'overdueOn' | 'flow' | 'definitionId' | 'submittedBy'>,
    tasks: readonly Omit<
      typeof caseTasks.$inferSelect,
      'warnedOn' | 'overdueOn' | 'decidedBy' | 'limitDays'
    >[],
    timeline: readonly Pick<typeof caseTimeline.$inferSelect, 'at' | 'kind' | 'departmentCode' | 'details'>[],
  ): CaseView {
    const statutory = readClock(deps.calendar(), row.startedOn, row.statutoryDays, row.pauses);
    return {
      id: row.id,
      number: row.number,
      serviceCode: row.serviceCode,
      departmentCode: row.departmentCode,
      applicantId: row.applicantId,
      organisationId: row.organisationId,
      channel: row.channel,
      state: row.state,
      formId: row.formId,
      answers: row.answers,
      startedOn: row.startedOn,
      statutoryDays: row.statutoryDays,
      promisedDays: row.promisedDays,
      dueOn: row.dueOn,
      statutoryDueOn: statutory.due ?? null,
      missing: row.missing,
      pauses: row.pauses,
      submittedAt: row.submittedAt,
      closedAt: row.closedAt,
      revision: row.revision,
      tasks: tasks.map(toTask),
      timeline: timeline.map((t) => ({
        at: t.at,
        kind: t.kind,
        departmentCode: t.departmentCode,
        details: t.details,
      })),
    };
  }

  /** The rows that open the steps an advance asks for, each with its own due date, and their timeline entries. */
  function stepRows(caseId: string, steps: readonly TaskNode[], pauses: readonly Pause[], at: Date) {
    const calendar = deps.calendar();
    const openedOn = civilDate(at, deps.timeZone);
    const tasks = steps.map((step) => ({
      id: newId('task'),
      caseId,
      nodeId: step.id,
      kind: step.kind,
      departmentCode: step.department,
      role: step.role,
      state: 'open' as const,
      outcome: null,
      reason: null,
      claimedBy: null,
      openedOn,
      limitDays: step.limitDays,
      dueOn:
        step.limitDays > 0
          ? (readClock(
              calendar,
              openedOn,
              step.limitDays,
              pauses.filter((p) => p.from >= openedOn),
            ).due ?? null)
          : null,
      decidedAt: null,
      openedAt: at,
      revision: 1,
    }));
    const timeline = tasks.map((task) => ({
      id: newId('tl'),
      caseId,
      at,
      kind: 'step_opened',
      departmentCode: task.departmentCode,
      taskId: task.id,
      details: { step: task.kind } as Record<string, unknown>,
    }));
    return { tasks, timeline };
  }

  /** Opens the steps an advance asks for. */
  async function openSteps(tx: Db, caseId: string, steps: readonly TaskNode[], pauses: readonly Pause[]) {
    if (steps.length === 0) return;
    const { tasks, timeline } = stepRows(caseId, steps, pauses, now());
    await tx.insert(caseTasks).values(tasks);
    await tx.insert(caseTimeline).values(timeline);
  }

  async function applyAdvance(tx: Db, caseId: string, advance: FlowAdvance, pauses: readonly Pause[]) {
    if (advance.cancel.length > 0) {
      await tx
        .update(caseTasks)
        .set({ state: 'cancelled', revision: sql`${caseTasks.revision} + 1` })
        .where(
          and(
            eq(caseTasks.caseId, caseId),
            eq(caseTasks.state, 'open'),
            inArray(caseTasks.nodeId, advance.cancel),
          ),
        );
    }
    await openSteps(tx, caseId, advance.open, pauses);
  }

  /**
   * Case numbers come from the platform's sequence in blocks of 20, one statement per block: a submission's own
   * statement cannot both take a number and write it with its check character. Numbers stay unique and, within one
   * process, rising; a restart or another instance leaves gaps, as a rolled-back transaction always could.
   */
  const caseNumbers = new NumberBlocks(async () => {
    const rows = await queryRows<{ n: string }>(
      db,
      sql`select nextval(${CASE_NUMBER_SEQUENCE})::text as n from generate_series(1, 20)`,
    );
    return rows.map((r) => Number(r.n)).sort((a, b) => a - b);
  });

  /**
   * Submissions arriving together are written in one statement (group commit, ADR 21): each still claims its own
   * key, and when a batch's statement fails its submissions are tried again one by one (not when the database is
   * away: they get the 503 at once). At most two statements at a time, so that the pool keeps connections for
   * everything else; a submission at a quiet moment is written at once, and one that waits five seconds behind
   * statements that do not end gets the 503 too.
   */
  const commitSubmission = groupCommit<ClaimedWrite, boolean>(
    (writes) => insertIfClaimed(db, writes, 'caseId'),
    {
      maxBatch: 32,
      maxInFlight: 2,
      retryAlone: (error) => !isDatabaseUnavailable(error),
      // As long as a request waits for a pool connection before it is told to retry (503).
      maxWait: { ms: 5_000, error: () => new DatabaseBusyError() },
    },
  );

  const requestHash = (s: Submission) =>
    createHash('sha256')
      .update(
        canonicalJson({
          serviceCode: s.serviceCode,
          answers: s.answers,
          organisationId: s.organisationId ?? null,
        }),
      )
      .digest('hex');

  async function replay(accountId: string, s: Submission) {
    const [key] = await db
      .select()
      .from(submissionKeys)
      .where(and(eq(submissionKeys.accountId, accountId), eq(submissionKeys.key, s.idempotencyKey)));
    if (!key) return undefined;
    if (key.requestHash !== requestHash(s)) throw new AppError(CasesErrors.idempotencyKeyReused);
    return { case: await load(db, key.caseId), replayed: true };
  }

  /** Makes the case of a submission, whatever the door; the caller has authorised it. */
  async function create(input: {
    actor: Actor;
    decision: Decision;
    applicantId: string;
    submittedBy: string;
    channel: 'online' | 'counter';
    assuranceLevel: number;
    submission: Submission;
    client: ClientInfo;
    locale: Locale;
  }): Promise<{ case: CaseView; replayed: boolean }> {
    const { submission } = input;
    try {
      return await write(input, await prepare(input));
    } catch (error) {
      // A retry finds its case even when the service closed or its form changed since the first attempt; the
      // key is looked up only here, so a first submission costs no read of it.
      if (error instanceof AppError) {
        const replayed = await replay(input.applicantId, submission);
        if (replayed) return replayed;
      }
      throw error;
    }
  }

  /**
   * A certificate standing in for a material must answer a file question whose catalogue material may be replaced
   * by that certificate type, and must still be valid and the applicant's (or their organisation's). The answer
   * kept is the certificate as the source knows it, whatever name the client sent.
   */
  async function checkCertificateMaterials(
    input: Parameters<typeof create>[0],
    item: NonNullable<Awaited<ReturnType<CatalogueContract['findService']>>>,
    form: { definition: FormDefinition } | undefined,
    answers: Answers,
    locale: Locale,
  ): Promise<Answers> {
    const named = certificateMaterials(answers);
    if (named.length === 0) return answers;
    const m = casesMessages.translator(locale);
    const holder = { accountId: input.applicantId, organisationId: input.submission.organisationId ?? null };
    const refused: FieldProblem[] = [];
    const kept: Answers = { ...answers };
    for (const { field, material } of named) {
      const [pageId, questionId, ...rest] = field.split('.');
      const question = form?.definition.pages
        .find((page) => page.id === pageId)
        ?.questions.find((q) => q.id === questionId);
      const replaceable =
        rest.length === 0 &&
        question?.type === 'file' &&
        item.materials.some(
          (m) => m.name.zh === question.material && m.replaceableBy?.certificateType === material.type,
        );
      if (!replaceable) {
        refused.push({ path: field, message: m('material.notReplaceable', { name: material.name }) });
        continue;
      }
      const held = materialSource ? await materialSource.holds(holder, material) : undefined;
      if (!held) {
        refused.push({ path: field, message: m('material.notHeld', { name: material.name }) });
        continue;
      }
      kept[pageId as string] = {
        ...(kept[pageId as string] as Record<string, unknown>),
        [questionId as string]: held,
      };
    }
    if (refused.length > 0)
      throw new AppError(FormsErrors.answersInvalid, { count: String(refused.length) }, refused);
    return kept;
  }

  /** Everything a submission is checked against, each read from a short-lived cache: no statement when warm. */
  async function prepare(input: Parameters<typeof create>[0]) {
    const { submission, locale } = input;
    const item = await deps.catalogue.findService(submission.serviceCode);
    const definition = item ? await definitions.active(item.code) : undefined;
    if (!item || !definition || !(item.onlineDepth === 'transact' || item.onlineDepth === 'integrate'))
      throw new AppError(CasesErrors.serviceNotOpen, { code: submission.serviceCode });
    if (input.assuranceLevel < item.identityLevel)
      throw new AppError(CasesErrors.identityLevelTooLow, {
        required: String(item.identityLevel),
        current: String(input.assuranceLevel),
      });

    // The same checks as the form's pages, whatever the door: an API client's answers too.
    const chosen = submission.formId ? await deps.forms.form(submission.formId) : undefined;
    const form = chosen?.serviceCode === item.code ? chosen : await deps.forms.activeForm(item.code);
    // Only what the form asks, and only files the submitter uploaded (the applicant, or the clerk at the counter),
    // described as they were uploaded — before the form's checks, so a file's size limit meets its real size.
    const asked = form ? askedAnswers(form.definition, submission.answers) : submission.answers;
    const answers = await deps.forms.ownUploads(input.submittedBy, asked, locale);
    if (form) {
      const problems = deps.forms.problems(form.definition, answers, today(), locale);
      if (problems.length > 0)
        throw new AppError(FormsErrors.answersInvalid, { count: String(problems.length) }, problems);
    }
    return {
      item,
      definition,
      form,
      answers: await checkCertificateMaterials(input, item, form, answers, locale),
    };
  }

  /**
   * Writes the case, its idempotency key, its first steps, their timeline, the audit record and the outbox event in
   * ONE statement (insertIfClaimed): the key is the claim, so a retry or a racing duplicate writes nothing and gets
   * the first one's case. The case returned is built from what was written, not read back.
   */
  async function write(
    input: Parameters<typeof create>[0],
    { item, definition, form, answers }: Awaited<ReturnType<typeof prepare>>,
  ): Promise<{ case: CaseView; replayed: boolean }> {
    const { actor, decision, submission, client } = input;
    const accountId = input.applicantId;
    const at = now();
    const startedOn = civilDate(at, deps.timeZone);
    const id = newId('case');
    const number = formatCaseNumber(item.department, Number(startedOn.slice(0, 4)), await caseNumbers.take());
    const advance = startFlow(definition.definition, answers);
    const row = {
      id,
      number,
      serviceCode: item.code,
      departmentCode: item.department,
      definitionId: definition.id,
      applicantId: accountId,
      organisationId: submission.organisationId ?? null,
      channel: input.channel,
      submittedBy: input.submittedBy,
      formId: form?.id ?? null,
      answers,
      state: 'in_progress' as const,
      flow: advance.state,
      startedOn,
      statutoryDays: item.statutoryDays,
      promisedDays: item.promisedDays,
      pauses: [] as Pause[],
      missing: [] as string[],
      dueOn: readClock(deps.calendar(), startedOn, item.promisedDays, []).due ?? null,
      submittedAt: at,
      revision: 1,
    };
    const submitted = {
      id: newId('tl'),
      caseId: id,
      at,
      kind: 'submitted',
      departmentCode: item.department,
      taskId: null,
      details: { number } as Record<string, unknown>,
    };
    const steps = stepRows(id, advance.open, [], at);
    const claimed = await commitSubmission({
      claim: rowsFor(submissionKeys, [
        {
          accountId,
          key: submission.idempotencyKey,
          requestHash: requestHash(submission),
          caseId: id,
          createdAt: at,
        },
      ]),
      others: [
        rowsFor(cases, [row]),
        rowsFor(caseTasks, steps.tasks),
        rowsFor(caseTimeline, [submitted, ...steps.timeline]),
        audit.recordRows({
          actor: auditActorOf(actor, decision),
          action: 'cases.case.submitted',
          object: { type: 'cases.case', id },
          subjectId: accountId,
          request: client,
          details: { number, serviceCode: item.code, definitionVersion: definition.version },
        }),
        eventRows('cases.case.submitted', {
          caseId: id,
          number,
          serviceCode: item.code,
          applicantId: accountId,
        }),
      ],
    });
    if (!claimed) {
      const winner = await replay(accountId, submission);
      if (winner) return winner;
      throw new Error('A submission key was taken, but no case is recorded under it');
    }
    return {
      case: viewOf({ ...row, closedAt: null }, steps.tasks, [submitted, ...steps.timeline]),
      replayed: false,
    };
  }

  let materialSource: MaterialSource | undefined;

  const service: CasesService = {
    async answersOf(caseId, tx) {
      const [row] = await tx.select({ answers: cases.answers }).from(cases).where(eq(cases.id, caseId));
      return row?.answers;
    },

    useMaterialSource(source) {
      materialSource = source;
    },

    async materialFor(holder, certificateType) {
      return materialSource?.find(holder, certificateType);
    },

    async materialStatus(material) {
      return materialSource?.status(material);
    },

    async submit(actor, submission, client, locale: Locale = 'zh-CN') {
      const accountId = actor.kind === 'person' ? actor.accountId : undefined;
      const decision = authz.authorize(actor, CasesPermissions.caseApply, {
        type: 'cases.case',
        // Applying for an organisation is granted only by a mandate for it: being the applicant is not enough.
        ...(accountId && !submission.organisationId ? { ownerId: accountId } : {}),
        ...(submission.organisationId ? { organisationId: submission.organisationId } : {}),
      });
      await enforce(db, audit, actor, decision, {
        action: 'cases.case.submitted',
        object: { type: 'cases.service', id: submission.serviceCode },
        request: client,
      });
      // Only people apply (online, or through a counter clerk's intake): a machine client has no applicant.
      if (!accountId) throw new AuthorizationError('not-owner', CasesPermissions.caseApply.name);
      return create({
        actor,
        decision,
        applicantId: accountId,
        submittedBy: accountId,
        channel: 'online',
        assuranceLevel: actor.kind === 'person' ? actor.assuranceLevel : 1,
        submission,
        client,
        locale,
      });
    },

    async intake(clerk, applicantId, submission, client, locale: Locale = 'zh-CN') {
      const item = await deps.catalogue.findService(submission.serviceCode);
      if (!item) throw new AppError(CasesErrors.serviceNotOpen, { code: submission.serviceCode });
      // A clerk of the service's responsible department takes the application at the counter (一窗受理).
      const decision = authz.authorize(clerk, CasesPermissions.counterIntake, {
        type: 'cases.case',
        departmentCode: item.department,
      });
      await enforce(db, audit, clerk, decision, {
        action: 'cases.case.submitted',
        object: { type: 'cases.service', id: item.code },
        request: client,
      });
      const applicant = await deps.applicantLevel(applicantId);
      // The clerk checked the person's identity document first (/workbench/identity-check), which makes them L3.
      if (applicant === undefined) throw new AppError(CasesErrors.caseNotFound);
      if (applicant < 3)
        throw new AppError(CasesErrors.identityLevelTooLow, { required: '3', current: String(applicant) });
      return create({
        actor: clerk,
        decision,
        applicantId,
        submittedBy: actorIdOf(clerk) ?? 'unknown',
        channel: 'counter',
        assuranceLevel: applicant,
        submission,
        client,
        locale,
      });
    },

    async get(actor, idOrNumber, client) {
      const number = parseCaseNumber(idOrNumber);
      const [row] = await db
        .select({ id: cases.id, applicantId: cases.applicantId, organisationId: cases.organisationId })
        .from(cases)
        .where(number ? eq(cases.number, number) : eq(cases.id, idOrNumber));
      if (!row) throw new AppError(CasesErrors.caseNotFound);
      const view = await load(db, row.id);
      // Staff see a case through a step of their department; the applicant sees their own.
      const departments = [...new Set(view.tasks.map((t) => t.departmentCode))];
      const decisions = (departments.length > 0 ? departments : [view.departmentCode]).map((departmentCode) =>
        authz.authorize(
          actor,
          CasesPermissions.caseRead,
          {
            type: 'cases.case',
            id: row.id,
            ownerId: row.applicantId,
            departmentCode,
            ...(row.organisationId ? { organisationId: row.organisationId } : {}),
          },
          { purpose: 'case handling' },
        ),
      );
      const allowed = decisions.find((d) => d.allowed);
      if (!allowed) {
        await enforce(db, audit, actor, decisions[0] as Decision, {
          action: 'cases.case.read',
          object: { type: 'cases.case', id: row.id },
          request: client,
        });
        throw new AppError(CasesErrors.caseNotFound);
      }
      if (actor.kind !== 'person' || actor.accountId !== row.applicantId) {
        await db.transaction((tx) =>
          audit.record(tx, {
            actor: auditActorOf(actor, allowed),
            action: 'cases.case.read',
            object: { type: 'cases.case', id: row.id },
            subjectId: row.applicantId,
            purpose: 'case handling',
            request: client,
          }),
        );
      }
      return view;
    },

    async reveal(actor, idOrNumber, purpose, client) {
      const view = await service.get(actor, idOrNumber, client);
      const reason = purpose.trim().slice(0, 200);
      if (!reason || actor.kind !== 'staff') throw new AppError(CasesErrors.caseNotFound);
      await db.transaction((tx) =>
        audit.record(tx, {
          actor: auditActorOf(actor),
          action: 'cases.case.revealed',
          object: { type: 'cases.case', id: view.id },
          subjectId: view.applicantId,
          purpose: reason,
          request: client,
        }),
      );
      return view;
    },

    async task(actor, taskId, client) {
      const { task } = await authoriseTask(
        actor,
        taskId,
        CasesPermissions.taskDecide,
        'cases.task.opened',
        client,
      );
      return toTask(task);
    },

    async listMine(actor) {
      if (actor.kind !== 'person') return [];
      const rows = await db
        .select()
        .from(cases)
        .where(eq(cases.applicantId, actor.accountId))
        .orderBy(sql`${cases.submittedAt} desc`)
        .limit(200);
      const calendar = deps.calendar();
      return rows.map((row) => ({
        id: row.id,
        number: row.number,
        serviceCode: row.serviceCode,
        departmentCode: row.departmentCode,
        applicantId: row.applicantId,
        organisationId: row.organisationId,
        channel: row.channel,
        state: row.state,
        startedOn: row.startedOn,
        statutoryDays: row.statutoryDays,
        promisedDays: row.promisedDays,
        dueOn: row.dueOn,
        statutoryDueOn: readClock(calendar, row.startedOn, row.statutoryDays, row.pauses).due ?? null,
        missing: row.missing,
        pauses: row.pauses,
        submittedAt: row.submittedAt,
        closedAt: row.closedAt,
        revision: row.revision,
      }));
    },

    async inbox(actor, filter = {}) {
      if (actor.kind !== 'staff') return [];
      const assignments = actor.roles.filter((r) => ['clerk', 'reviewer', 'head'].includes(r.role));
      if (assignments.length === 0) return [];
      const mine = assignments.map((r) =>
        r.role === 'head'
          ? eq(caseTasks.departmentCode, r.departmentCode)
          : and(eq(caseTasks.departmentCode, r.departmentCode), eq(caseTasks.role, r.role)),
      );
      const view = filter.view ?? 'all';
      const todayDate = today();
      const soon = deps.calendar().addWorkingDays(todayDate, 2);
      const rows = await db
        .select({
          task: caseTasks,
          caseNumber: cases.number,
          serviceCode: cases.serviceCode,
          caseState: cases.state,
        })
        .from(caseTasks)
        .innerJoin(cases, eq(cases.id, caseTasks.caseId))
        .where(
          and(
            eq(caseTasks.state, 'open'),
            sql`(${sql.join(mine, sql` or `)})`,
            view === 'soon' ? sql`${caseTasks.dueOn} between ${todayDate} and ${soon}` : undefined,
            view === 'overdue' ? sql`${caseTasks.dueOn} < ${todayDate}` : undefined,
            view === 'paused' ? eq(cases.state, 'supplement') : undefined,
            view === 'mine' ? eq(caseTasks.claimedBy, actor.accountId) : undefined,
          ),
        )
        .orderBy(sql`${caseTasks.dueOn} asc nulls last`, asc(caseTasks.openedAt))
        .limit(Math.min(filter.limit ?? 100, 500));
      return rows.map((r) => ({
        ...toTask(r.task),
        caseNumber: r.caseNumber,
        serviceCode: r.serviceCode,
        caseState: r.caseState,
      }));
    },

    async claim(actor, taskId, revision, client) {
      return changeClaim(actor, taskId, revision, client, 'claim');
    },

    async release(actor, taskId, revision, client) {
      return changeClaim(actor, taskId, revision, client, 'release');
    },

    async decide(actor, taskId, decision, client) {
      if (
        (decision.outcome === 'reject' && !decision.reason?.trim()) ||
        (decision.outcome === 'supplement' &&
          (!Array.isArray(decision.missing) || decision.missing.filter((m) => m.trim()).length === 0))
      )
        throw new AppError(CasesErrors.decisionInvalid);
      const { task: seen, allowed } = await authoriseTask(
        actor,
        taskId,
        CasesPermissions.taskDecide,
        'cases.task.decided',
        client,
      );
      const caseId = await db.transaction(async (tx) => {
        // The case first, then the step: every decision on a case takes its locks in this order.
        const [row] = await tx.select().from(cases).where(eq(cases.id, seen.caseId)).for('update');
        const [task] = await tx.select().from(caseTasks).where(eq(caseTasks.id, taskId)).for('update');
        if (!row || !task) throw new AppError(CasesErrors.taskNotFound);
        if (task.state !== 'open' || task.revision !== decision.revision)
          throw new AppError(CasesErrors.taskChanged, { state: task.state });
        if (row.state === 'supplement') throw new AppError(CasesErrors.casePaused);
        if (row.state !== 'in_progress') throw new AppError(CasesErrors.caseClosed, { state: row.state });
        const definition = await definitions.get(row.definitionId, tx);
        if (!definition) throw new Error(`definition ${row.definitionId} of case ${row.id} is missing`);
        const decidedBy = actorIdOf(actor) ?? 'unknown';
        const base = {
          actor: auditActorOf(actor, allowed),
          object: { type: 'cases.case', id: row.id },
          subjectId: row.applicantId,
          request: client,
        };
        if (decision.outcome === 'supplement') {
          const missing = decision.missing.map((m) => m.trim()).filter(Boolean);
          const pauses = [...row.pauses, { from: today() }];
          await tx
            .update(cases)
            .set({
              state: 'supplement',
              pauses,
              missing,
              dueOn: null,
              warnedOn: null,
              overdueOn: null,
              revision: sql`${cases.revision} + 1`,
            })
            .where(eq(cases.id, row.id));
          // Every open step's clock stops with the case's.
          await tx
            .update(caseTasks)
            .set({ dueOn: null, warnedOn: null, overdueOn: null, revision: sql`${caseTasks.revision} + 1` })
            .where(and(eq(caseTasks.caseId, row.id), eq(caseTasks.state, 'open')));
          await tx.insert(caseTimeline).values({
            id: newId('tl'),
            caseId: row.id,
            kind: 'supplement_requested',
            departmentCode: task.departmentCode,
            taskId,
            details: { missing },
          });
          await audit.record(tx, {
            ...base,
            action: 'cases.case.supplementRequested',
            details: { taskId, missing },
          });
          await publishEvent(tx, 'cases.case.supplementRequested', {
            caseId: row.id,
            number: row.number,
            missing,
          });
          return row.id;
        }
        const outcome: TaskOutcome = decision.outcome === 'approve' ? 'approved' : 'rejected';
        await tx
          .update(caseTasks)
          .set({
            state: 'done',
            outcome,
            reason: decision.outcome === 'reject' ? decision.reason.trim() : decision.note?.trim() || null,
            decidedBy,
            decidedAt: now(),
            revision: sql`${caseTasks.revision} + 1`,
          })
          .where(eq(caseTasks.id, taskId));
        await tx.insert(caseTimeline).values({
          id: newId('tl'),
          caseId: row.id,
          kind: decision.outcome === 'approve' ? 'step_approved' : 'step_rejected',
          departmentCode: task.departmentCode,
          taskId,
          details: decision.outcome === 'reject' ? { reason: decision.reason.trim() } : { step: task.kind },
        });
        await audit.record(tx, {
          ...base,
          action: 'cases.task.decided',
          details: { taskId, outcome, node: task.nodeId },
        });
        await publishEvent(tx, 'cases.case.stepCompleted', {
          caseId: row.id,
          taskId,
          department: task.departmentCode,
          outcome,
        });
        let closing: CaseState | undefined;
        if (decision.outcome === 'reject') {
          closing = 'rejected';
          await tx
            .update(caseTasks)
            .set({ state: 'cancelled', revision: sql`${caseTasks.revision} + 1` })
            .where(and(eq(caseTasks.caseId, row.id), eq(caseTasks.state, 'open')));
          await tx
            .update(cases)
            .set({ revision: sql`${cases.revision} + 1` })
            .where(eq(cases.id, row.id));
        } else {
          const advance = finishStep(definition.definition, row.flow, task.nodeId, row.answers);
          await applyAdvance(tx, row.id, advance, row.pauses);
          await tx
            .update(cases)
            .set({ flow: advance.state, revision: sql`${cases.revision} + 1` })
            .where(eq(cases.id, row.id));
          if (advance.ended) closing = 'approved';
        }
        if (closing) {
          await tx.update(cases).set({ state: closing, closedAt: now() }).where(eq(cases.id, row.id));
          await tx.insert(caseTimeline).values({
            id: newId('tl'),
            caseId: row.id,
            kind: closing,
            departmentCode: row.departmentCode,
            details: closing === 'rejected' ? { reason: (decision as { reason: string }).reason.trim() } : {},
          });
          await audit.record(tx, { ...base, action: `cases.case.${closing}` });
          await publishEvent(tx, `cases.case.${closing}`, {
            caseId: row.id,
            number: row.number,
            serviceCode: row.serviceCode,
            departmentCode: row.departmentCode,
            applicantId: row.applicantId,
            organisationId: row.organisationId,
          });
        }
        return row.id;
      });
      return load(db, caseId);
    },

    async escalate(actor, taskId, revision, reason, client) {
      const { allowed } = await authoriseTask(
        actor,
        taskId,
        CasesPermissions.taskDecide,
        'cases.task.escalated',
        client,
      );
      const why = reason.trim();
      if (!why) throw new AppError(CasesErrors.decisionInvalid);
      return changeTask(taskId, revision, { role: 'head', claimedBy: null }, async (tx, task) => {
        await audit.record(tx, {
          actor: auditActorOf(actor, allowed),
          action: 'cases.task.escalated',
          object: { type: 'cases.task', id: taskId },
          request: client,
          details: { reason: why.slice(0, 500), from: task.role },
        });
        await publishEvent(tx, 'cases.task.escalated', {
          taskId,
          caseId: task.caseId,
          department: task.departmentCode,
        });
      });
    },

    async reassign(actor, taskId, revision, toAccountId, client) {
      const { task, allowed } = await authoriseTask(
        actor,
        taskId,
        CasesPermissions.taskDecide,
        'cases.task.reassigned',
        client,
      );
      const isHead =
        actor.kind === 'staff' &&
        actor.roles.some((r) => r.departmentCode === task.departmentCode && r.role === 'head');
      const target = await deps.staffOf(toAccountId);
      // The step goes to the role the person holds in the department (its own if they hold it), so they can decide
      // it and find it in their inbox — also after an escalation made it the head's.
      const held = (target ?? []).filter(
        (r) => r.departmentCode === task.departmentCode && ['clerk', 'reviewer', 'head'].includes(r.role),
      );
      const role = held.find((r) => r.role === task.role)?.role ?? held[0]?.role;
      if (!isHead || !role) throw new AuthorizationError('no-role', CasesPermissions.taskDecide.name);
      return changeTask(taskId, revision, { claimedBy: toAccountId, role }, async (tx) => {
        await audit.record(tx, {
          actor: auditActorOf(actor, allowed),
          action: 'cases.task.reassigned',
          object: { type: 'cases.task', id: taskId },
          request: client,
          details: { to: toAccountId },
        });
      });
    },

    async answerSupplement(actor, caseId, note, client) {
      const row = await ownCase(actor, caseId, client);
      await db.transaction(async (tx) => {
        const [locked] = await tx.select().from(cases).where(eq(cases.id, row.id)).for('update');
        if (!locked) throw new AppError(CasesErrors.caseNotFound);
        if (locked.state !== 'supplement') throw new AppError(CasesErrors.notWaitingForSupplement);
        const day = today();
        const pauses = locked.pauses.map((p) => (p.to === undefined ? { ...p, to: day } : p));
        const calendar = deps.calendar();
        await tx
          .update(cases)
          .set({
            state: 'in_progress',
            pauses,
            missing: [],
            dueOn: readClock(calendar, locked.startedOn, locked.promisedDays, pauses).due ?? null,
            warnedOn: null,
            overdueOn: null,
            revision: sql`${cases.revision} + 1`,
          })
          .where(eq(cases.id, locked.id));
        // Each open step's clock runs on from where it stopped.
        const open = await tx
          .select()
          .from(caseTasks)
          .where(and(eq(caseTasks.caseId, locked.id), eq(caseTasks.state, 'open')));
        for (const task of open) {
          if (task.limitDays === 0) continue;
          const due = readClock(
            calendar,
            task.openedOn,
            task.limitDays,
            pauses.filter((p) => p.from >= task.openedOn),
          ).due;
          await tx
            .update(caseTasks)
            // A new due date: warned and overdue again when it comes.
            .set({
              dueOn: due ?? null,
              warnedOn: null,
              overdueOn: null,
              revision: sql`${caseTasks.revision} + 1`,
            })
            .where(eq(caseTasks.id, task.id));
        }
        await tx.insert(caseTimeline).values({
          id: newId('tl'),
          caseId: locked.id,
          kind: 'supplement_answered',
          details: { note: note.trim().slice(0, 2000) },
        });
        await audit.record(tx, {
          actor: auditActorOf(actor),
          action: 'cases.case.supplementAnswered',
          object: { type: 'cases.case', id: locked.id },
          subjectId: locked.applicantId,
          request: client,
        });
        await publishEvent(tx, 'cases.case.supplementAnswered', {
          caseId: locked.id,
          number: locked.number,
        });
      });
      return load(db, row.id);
    },

    async comments(actor, caseId) {
      const departments = await staffDepartmentsIn(actor, caseId);
      if (departments.length === 0) return [];
      const rows = await db
        .select()
        .from(caseComments)
        .where(eq(caseComments.caseId, caseId))
        .orderBy(asc(caseComments.createdAt), asc(caseComments.id));
      return rows.map(({ caseId: _case, ...comment }) => comment);
    },

    async comment(actor, caseId, body, client) {
      const departments = await staffDepartmentsIn(actor, caseId);
      const department = departments[0];
      const text = body.trim();
      if (!department || actor.kind !== 'staff') {
        await enforce(
          db,
          audit,
          actor,
          { allowed: false, reason: 'other-department', permission: CasesPermissions.taskDecide.name },
          { action: 'cases.case.commented', object: { type: 'cases.case', id: caseId }, request: client },
        );
        throw new AppError(CasesErrors.caseNotFound);
      }
      if (!text) throw new AppError(CasesErrors.decisionInvalid);
      return db.transaction(async (tx) => {
        const [row] = await tx
          .insert(caseComments)
          .values({
            id: newId('cmt'),
            caseId,
            authorId: actor.accountId,
            departmentCode: department,
            body: text.slice(0, 2000),
          })
          .returning();
        if (!row) throw new Error('comment not written');
        await audit.record(tx, {
          actor: { kind: 'staff', id: actor.accountId, department },
          action: 'cases.case.commented',
          object: { type: 'cases.case', id: caseId },
          request: client,
        });
        const { caseId: _case, ...comment } = row;
        return comment;
      });
    },

    async file(actor, idOrNumber, sha256, client) {
      const view = await service.get(actor, idOrNumber, client);
      const named = filesIn(view.answers).find((f) => f.sha256 === sha256);
      const bytes = named ? await deps.files.get(sha256) : undefined;
      if (!named || !bytes) throw new AppError(CasesErrors.fileNotFound);
      return { bytes, name: named.name, mime: named.mime };
    },

    async withdraw(actor, caseId, reason, client) {
      const row = await ownCase(actor, caseId, client);
      await db.transaction(async (tx) => {
        const [locked] = await tx.select().from(cases).where(eq(cases.id, row.id)).for('update');
        if (!locked) throw new AppError(CasesErrors.caseNotFound);
        if (locked.state !== 'in_progress' && locked.state !== 'supplement')
          throw new AppError(CasesErrors.caseClosed, { state: locked.state });
        await tx
          .update(cases)
          .set({ state: 'withdrawn', closedAt: now(), revision: sql`${cases.revision} + 1` })
          .where(eq(cases.id, locked.id));
        await tx
          .update(caseTasks)
          .set({ state: 'cancelled', revision: sql`${caseTasks.revision} + 1` })
          .where(and(eq(caseTasks.caseId, locked.id), eq(caseTasks.state, 'open')));
        await tx.insert(caseTimeline).values({
          id: newId('tl'),
          caseId: locked.id,
          kind: 'withdrawn',
          details: { reason: reason.trim().slice(0, 500) },
        });
        await audit.record(tx, {
          actor: auditActorOf(actor),
          action: 'cases.case.withdrawn',
          object: { type: 'cases.case', id: locked.id },
          subjectId: locked.applicantId,
          request: client,
        });
        await publishEvent(tx, 'cases.case.withdrawn', { caseId: locked.id, number: locked.number });
      });
      return load(db, row.id);
    },
  };
  return service;

  /** The departments (of the actor's staff roles) with a step in the case: who may comment and read comments. */
  async function staffDepartmentsIn(actor: Actor, caseId: string): Promise<string[]> {
    if (actor.kind !== 'staff') return [];
    const mine = new Set(actor.roles.map((r) => r.departmentCode));
    const rows = await db
      .selectDistinct({ departmentCode: caseTasks.departmentCode })
      .from(caseTasks)
      .where(eq(caseTasks.caseId, caseId));
    return rows.map((r) => r.departmentCode).filter((code) => mine.has(code));
  }

  /** The case, if the actor may act on it as its applicant (or under a mandate for its organisation). */
  async function ownCase(actor: Actor, caseId: string, client: ClientInfo) {
    const [row] = await db.select().from(cases).where(eq(cases.id, caseId));
    if (!row) throw new AppError(CasesErrors.caseNotFound);
    const decision = authz.authorize(actor, CasesPermissions.caseApply, {
      type: 'cases.case',
      id: row.id,
      ownerId: row.applicantId,
      ...(row.organisationId ? { organisationId: row.organisationId } : {}),
    });
    await enforce(db, audit, actor, decision, {
      action: 'cases.case.changed',
      object: { type: 'cases.case', id: row.id },
      request: client,
    });
    return row;
  }

  /** The step, if the actor may work on it: the permission for its department, and the step's role there. */
  async function authoriseTask(
    actor: Actor,
    taskId: string,
    permission: Permission,
    action: string,
    client: ClientInfo,
  ) {
    const [task] = await db.select().from(caseTasks).where(eq(caseTasks.id, taskId));
    if (!task) throw new AppError(CasesErrors.taskNotFound);
    const decision = authz.authorize(actor, permission, {
      type: 'cases.task',
      id: task.id,
      departmentCode: task.departmentCode,
    });
    const allowed =
      decision.allowed && !holdsStepRole(actor, task)
        ? ({ allowed: false, reason: 'no-role', permission: permission.name } satisfies Decision)
        : decision;
    await enforce(db, audit, actor, allowed, {
      action: action,
      object: { type: 'cases.task', id: task.id },
      request: client,
    });
    return { task, allowed };
  }

  /** Changes an open step that still has the revision the person saw (409 otherwise), with its record. */
  async function changeTask(
    taskId: string,
    revision: number,
    change: { role?: string; claimedBy?: string | null },
    record: (tx: Db, task: typeof caseTasks.$inferSelect) => Promise<void>,
  ): Promise<CaseTask> {
    return db.transaction(async (tx) => {
      const [updated] = await tx
        .update(caseTasks)
        .set({ ...change, revision: sql`${caseTasks.revision} + 1` })
        .where(and(eq(caseTasks.id, taskId), eq(caseTasks.state, 'open'), eq(caseTasks.revision, revision)))
        .returning();
      if (!updated) {
        const [current] = await tx
          .select({ state: caseTasks.state })
          .from(caseTasks)
          .where(eq(caseTasks.id, taskId));
        throw new AppError(CasesErrors.taskChanged, { state: current?.state ?? 'unknown' });
      }
      await record(tx, updated);
      return toTask(updated);
    });
  }

  async function changeClaim(
    actor: Actor,
    taskId: string,
    revision: number,
    client: ClientInfo,
    change: 'claim' | 'release',
  ): Promise<CaseTask> {
    const { allowed } = await authoriseTask(
      actor,
      taskId,
      CasesPermissions.taskDecide,
      `cases.task.${change}ed`,
      client,
    );
    const me = actorIdOf(actor) ?? 'unknown';
    return db.transaction(async (tx) => {
      const [updated] = await tx
        .update(caseTasks)
        .set({ claimedBy: change === 'claim' ? me : null, revision: sql`${caseTasks.revision} + 1` })
        .where(
          and(
            eq(caseTasks.id, taskId),
            eq(caseTasks.state, 'open'),
            eq(caseTasks.revision, revision),
            // Nobody takes over another person's claim: the head reassigns instead.
            change === 'release'
              ? eq(caseTasks.claimedBy, me)
              : or(isNull(caseTasks.claimedBy), eq(caseTasks.claimedBy, me)),
          ),
        )
        .returning();
      if (!updated) {
        const [current] = await tx
          .select({ state: caseTasks.state })
          .from(caseTasks)
          .where(eq(caseTasks.id, taskId));
        throw new AppError(CasesErrors.taskChanged, { state: current?.state ?? 'unknown' });
      }
      await audit.record(tx, {
        actor: auditActorOf(actor, allowed),
        action: `cases.task.${change}ed`,
        object: { type: 'cases.task', id: taskId },
        request: client,
      });
      return toTask(updated);
    });
  }
}
