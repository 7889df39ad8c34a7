import type { Actor } from '../../kernel/authz/authz.ts';
import { maskIdNumber, maskPhone } from '../../kernel/masking.ts';
import type { Answers, FormDefinition, Question, SimpleQuestion } from '../forms/index.ts';
import type { CaseTask, CaseView } from './cases.service.ts';

/**
 * What each reader of a case is shown, decided in one place for every door (the JSON API, the workbench, the
 * applicant's pages):
 *
 * - staff and machine clients get the **staff view**: everything, but the applicant's identifiers (ID numbers, phone
 *   numbers — also inside repeating groups) masked; the whole values only through the audited `reveal`, with a
 *   purpose;
 * - the applicant gets the **applicant view**: the steps, their states and outcomes, due dates, rejection reasons
 *   and what to supply — never which member of staff claimed a step, an approver's internal note, or any timeline
 *   detail that is not theirs to see. Someone acting for the applicant's organisation under a mandate gets the same,
 *   with the identifiers masked, for they are not the person the identifiers belong to.
 *
 * Pure functions: no I/O, the form definition is passed in.
 */

/** A step as the applicant sees it: no `claimedBy`, and a reason only when it is a rejection's. */
export type ApplicantTask = Omit<CaseTask, 'claimedBy'>;

export type TimelineEntry = CaseView['timeline'][number];

/** A case as its applicant sees it. */
export interface ApplicantCaseView extends Omit<CaseView, 'tasks'> {
  tasks: ApplicantTask[];
}

/** Who a case is being shown to. */
export type CaseAudience = 'applicant' | 'representative' | 'staff';

/** The applicant themselves; another person (acting under a mandate for the organisation); staff or a machine. */
export function audienceOf(actor: Actor, view: Pick<CaseView, 'applicantId'>): CaseAudience {
  if (actor.kind === 'person') return actor.accountId === view.applicantId ? 'applicant' : 'representative';
  return 'staff';
}

const ID_NUMBER = /^(?:\d{15}|\d{17}[\dXx])$/;
const PHONE = /^(?:\+?86)?1[3-9]\d{9}$|^0\d{2,3}-?\d{7,8}$/;

type Masker = (value: string) => string;

/** The masker a question's answers need, if any: by its type, or by the data element it is filled from. */
function maskerOf(question: SimpleQuestion): Masker | undefined {
  if (question.type === 'idNumber' || question.dataElement === 'person.idNumber') return maskIdNumber;
  if (question.type === 'phone' || question.dataElement === 'person.phone') return maskPhone;
  return undefined;
}

const applyMask = (mask: Masker, value: unknown): unknown =>
  typeof value === 'string' || typeof value === 'number' ? mask(String(value)) : value;

function maskQuestion(question: Question, value: unknown): unknown {
  if (question.type !== 'group') {
    const mask = maskerOf(question);
    return mask ? applyMask(mask, value) : value;
  }
  if (!Array.isArray(value)) return value;
  return value.map((item) => {
    if (!item || typeof item !== 'object' || Array.isArray(item)) return item;
    const copy: Record<string, unknown> = { ...(item as Record<string, unknown>) };
    for (const inner of question.questions)
      if (inner.id in copy) copy[inner.id] = maskQuestion(inner, copy[inner.id]);
    return copy;
  });
}

/** Without a form to say what each answer is, anything shaped like an ID or phone number is masked. */
function maskByShape(value: unknown): unknown {
  if (typeof value === 'string') {
    const v = value.trim();
    if (ID_NUMBER.test(v)) return maskIdNumber(v);
    if (PHONE.test(v)) return maskPhone(v);
    return value;
  }
  if (Array.isArray(value)) return value.map(maskByShape);
  if (value && typeof value === 'object')
    return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, maskByShape(inner)]));
  return value;
}

/**
 * The answers with the applicant's identifiers masked: every `idNumber` and `phone` question (and those filled from
 * `person.idNumber` / `person.phone`) of every page, inside repeating groups too. Without the form, by shape.
 * Uploaded files and every other answer are kept as they are.
 */
export function maskedAnswers(answers: Answers, form: FormDefinition | undefined): Answers {
  if (!form) return maskByShape(answers) as Answers;
  const masked: Answers = { ...answers };
  for (const page of form.pages) {
    const values = answers[page.id];
    if (!values || typeof values !== 'object' || Array.isArray(values)) continue;
    const copy: Record<string, unknown> = { ...(values as Record<string, unknown>) };
    for (const question of page.questions)
      if (question.id in copy) copy[question.id] = maskQuestion(question, copy[question.id]);
    masked[page.id] = copy;
  }
  return masked;
}

/** A case as staff (or a department's system) see it: the identifiers masked, the rest whole. */
export function staffCaseView(view: CaseView, form: FormDefinition | undefined): CaseView {
  return { ...view, answers: maskedAnswers(view.answers, form) };
}

/**
 * The details each timeline entry may show the applicant (anything else — who escalated or reassigned a step, an
 * approver's note — is internal). Entries of kinds not listed here are internal as a whole and left out.
 */
const APPLICANT_TIMELINE: Readonly<Record<string, readonly string[]>> = {
  submitted: ['number'],
  step_opened: ['step'],
  step_approved: ['step'],
  step_rejected: ['step', 'reason'],
  supplement_requested: ['missing'],
  supplement_answered: ['note'],
  approved: [],
  rejected: ['reason'],
  withdrawn: ['reason'],
};

/** The timeline as the applicant sees it: the kinds they may see, each with only its public details. */
export function applicantTimeline(timeline: readonly TimelineEntry[]): TimelineEntry[] {
  return timeline.flatMap((entry) => {
    const keys = Object.hasOwn(APPLICANT_TIMELINE, entry.kind) ? APPLICANT_TIMELINE[entry.kind] : undefined;
    if (!keys) return [];
    const details = Object.fromEntries(
      keys.filter((k) => k in entry.details).map((k) => [k, entry.details[k]]),
    );
    return [{ at: entry.at, kind: entry.kind, departmentCode: entry.departmentCode, details }];
  });
}

/** A step as the applicant sees it: who claimed it is left out, and an approval's internal note too. */
export function applicantTask(task: CaseTask): ApplicantTask {
  return {
    id: task.id,
    caseId: task.caseId,
    nodeId: task.nodeId,
    kind: task.kind,
    departmentCode: task.departmentCode,
    role: task.role,
    state: task.state,
    outcome: task.outcome,
    // A rejected step's reason is the applicant's to read; an approval's note is the approver's to their colleagues.
    reason: task.state === 'done' && task.outcome === 'rejected' ? task.reason : null,
    openedOn: task.openedOn,
    dueOn: task.dueOn,
    decidedAt: task.decidedAt,
    revision: task.revision,
  };
}

/**
 * A case as the applicant's side sees it: the steps and timeline without staff's internals. `maskIdentifiers` for a
 * representative, who is not the person the identifiers belong to (needs the form, like the staff view).
 */
export function applicantCaseView(
  view: CaseView,
  options: { maskIdentifiers?: boolean; form?: FormDefinition | undefined } = {},
): ApplicantCaseView {
  const { tasks, timeline, answers, ...rest } = view;
  return {
    ...rest,
    answers: options.maskIdentifiers ? maskedAnswers(answers, options.form) : answers,
    tasks: tasks.map(applicantTask),
    timeline: applicantTimeline(timeline),
  };
}

/** The case as `actor` may see it: the applicant's view for the applicant's side, the masked staff view otherwise. */
export function caseViewFor(
  actor: Actor,
  view: CaseView,
  form: FormDefinition | undefined,
): CaseView | ApplicantCaseView {
  const audience = audienceOf(actor, view);
  if (audience === 'staff') return staffCaseView(view, form);
  return applicantCaseView(view, { maskIdentifiers: audience === 'representative', form });
}
