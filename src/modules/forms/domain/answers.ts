import { isCivilDate } from '../../../kernel/calendar/working-days.ts';
import { isValidCreditCode, isValidResidentId } from '../../identity/index.ts';
import { type Answers, holds } from './conditions.ts';
import type { FormDefinition, FormPage, GroupQuestion, Question, SimpleQuestion } from './form-definition.ts';

/**
 * Reading and checking answers: what a page's fields (text from a browser without JavaScript) mean for each question
 * type, and whether stored answers still satisfy the form — checked again in full on submission, so a value changed
 * on its way (a tampered field, a choice that is not offered) never reaches a case.
 */

/** An uploaded file as an answer: the content's hash in the file store, and what the content turned out to be. */
export interface UploadedFile {
  sha256: string;
  name: string;
  mime: string;
  size: number;
  scan: 'clean' | 'not_scanned';
}

/**
 * A material answered by a certificate the applicant already holds (材料免提交) instead of an upload: the number and
 * type of the certificate, checked again when the application is submitted and shown to staff with its live status.
 */
export interface CertificateMaterial {
  certificate: string;
  type: string;
  /** The certificate's name as the applicant saw it (食品经营许可证). */
  name: string;
}

/** Whether an answer is a certificate standing in for a material. */
export function isCertificateMaterial(value: unknown): value is CertificateMaterial {
  const candidate = value as Partial<CertificateMaterial> | null;
  return (
    typeof candidate === 'object' &&
    candidate !== null &&
    typeof candidate.certificate === 'string' &&
    /^[A-Z]{2,6}-\d{4}-\d{7,}-[0-9A-Z]$/.test(candidate.certificate) &&
    typeof candidate.type === 'string' &&
    typeof candidate.name === 'string'
  );
}

/** One problem with one field; `key` is a message of formsMessages. */
export interface AnswerProblem {
  /** The field's name on the page (`seats`, `staff.0.name`): the error summary links to it. */
  field: string;
  key: AnswerProblemKey;
  params?: Record<string, string>;
}

export type AnswerProblemKey =
  | 'error.required'
  | 'error.tooLong'
  | 'error.number'
  | 'error.integer'
  | 'error.min'
  | 'error.max'
  | 'error.money'
  | 'error.date'
  | 'error.dateFuture'
  | 'error.datePast'
  | 'error.choice'
  | 'error.idNumber'
  | 'error.creditCode'
  | 'error.phone'
  | 'error.file'
  | 'error.fileTooLarge'
  | 'error.fileEmpty'
  | 'error.fileType'
  | 'error.fileInfected'
  | 'error.fileNotUploaded'
  | 'error.groupMin'
  | 'error.groupMax';

/** The pages the applicant is asked, given the answers so far. */
export function visiblePages(form: FormDefinition, answers: Answers): FormPage[] {
  return form.pages.filter((page) => !page.when || holds(page.when, answers));
}

/** The questions of a page the applicant is asked, given the answers so far (this page's included). */
export function visibleQuestions(page: FormPage, answers: Answers): Question[] {
  return page.questions.filter((q) => !q.when || holds(q.when, answers));
}

/** The page after `pageId` that is asked, or undefined when the next stop is checking the answers. */
export function nextPageId(form: FormDefinition, answers: Answers, pageId: string): string | undefined {
  const pages = visiblePages(form, answers);
  const index = pages.findIndex((p) => p.id === pageId);
  return pages[index + 1]?.id;
}

const MOBILE = /^1[3-9]\d{9}$/;
const LANDLINE = /^0\d{2,3}-?\d{7,8}$/;
const MONEY = /^\d{1,12}(?:\.\d{1,2})?$/;
const NUMBER = /^-?\d{1,15}(?:\.\d{1,6})?$/;

const blank = (value: unknown) =>
  value === undefined || value === null || value === '' || (Array.isArray(value) && value.length === 0);

/** A browser's text for one question, as the question's type: numbers, fen, upper-case codes, lists. */
function fromText(question: SimpleQuestion, raw: unknown): unknown {
  if (question.type === 'file') return raw; // the route stores the upload and passes its UploadedFile
  if (question.type === 'multiChoice') return [raw ?? []].flat().map(String);
  const text = typeof raw === 'string' ? raw.trim() : Array.isArray(raw) ? String(raw[0] ?? '').trim() : '';
  if (text === '') return undefined;
  switch (question.type) {
    case 'number':
      return NUMBER.test(text) ? Number(text) : text;
    case 'money': {
      const plain = text.replace(/[,，\s¥￥元]/g, '');
      // Kept in fen: 12.5 yuan is 1250. Text that is not an amount stays text, and the check says so.
      if (!MONEY.test(plain)) return text;
      const [yuan = '0', fen = ''] = plain.split('.');
      return Number(yuan) * 100 + Number(fen.padEnd(2, '0'));
    }
    case 'idNumber':
    case 'creditCode':
      return text.toUpperCase().replace(/\s+/g, '');
    case 'phone':
      return text.replace(/[\s()]/g, '');
    default:
      return text;
  }
}

/** The problems of one (typed) answer to one question. */
function checkSimple(
  question: SimpleQuestion,
  value: unknown,
  field: string,
  today: string,
): AnswerProblem[] {
  if (blank(value)) return question.required ? [{ field, key: 'error.required' }] : [];
  const problem = (key: AnswerProblemKey, params?: Record<string, string>): AnswerProblem[] => [
    { field, key, ...(params ? { params } : {}) },
  ];
  switch (question.type) {
    case 'text':
    case 'textarea':
    case 'address':
      if (typeof value !== 'string') return problem('error.required');
      return [...value].length > question.maxLength
        ? problem('error.tooLong', { max: String(question.maxLength) })
        : [];
    case 'number':
      if (typeof value !== 'number' || !Number.isFinite(value)) return problem('error.number');
      if (question.integer && !Number.isInteger(value)) return problem('error.integer');
      if (question.min !== undefined && value < question.min)
        return problem('error.min', { min: String(question.min) });
      if (question.max !== undefined && value > question.max)
        return problem('error.max', { max: String(question.max) });
      return [];
    case 'money':
      if (typeof value !== 'number' || !Number.isSafeInteger(value) || value < 0)
        return problem('error.money');
      if (question.minFen !== undefined && value < question.minFen)
        return problem('error.min', { min: (question.minFen / 100).toFixed(2) });
      if (question.maxFen !== undefined && value > question.maxFen)
        return problem('error.max', { max: (question.maxFen / 100).toFixed(2) });
      return [];
    case 'date':
      if (typeof value !== 'string' || !isCivilDate(value)) return problem('error.date');
      if (question.notAfter === 'today' && value > today) return problem('error.dateFuture');
      if (question.notBefore === 'today' && value < today) return problem('error.datePast');
      return [];
    case 'choice':
      return typeof value === 'string' && question.options.some((o) => o.value === value)
        ? []
        : problem('error.choice');
    case 'multiChoice':
      return Array.isArray(value) && value.every((v) => question.options.some((o) => o.value === v))
        ? []
        : problem('error.choice');
    case 'idNumber':
      return typeof value === 'string' && isValidResidentId(value) ? [] : problem('error.idNumber');
    case 'creditCode':
      return typeof value === 'string' && isValidCreditCode(value) ? [] : problem('error.creditCode');
    case 'phone':
      return typeof value === 'string' && (MOBILE.test(value) || LANDLINE.test(value))
        ? []
        : problem('error.phone');
    case 'file': {
      if (isCertificateMaterial(value)) return [];
      const file = value as Partial<UploadedFile>;
      // Every part an upload has: an answer shaped otherwise would escape the check that it was uploaded.
      const valid =
        typeof file === 'object' &&
        file !== null &&
        typeof file.sha256 === 'string' &&
        /^[0-9a-f]{64}$/.test(file.sha256) &&
        typeof file.mime === 'string' &&
        typeof file.name === 'string' &&
        typeof file.size === 'number' &&
        file.size <= question.maxBytes;
      return valid ? [] : problem('error.file');
    }
  }
}

function checkGroup(question: GroupQuestion, value: unknown, today: string): AnswerProblem[] {
  const items = Array.isArray(value) ? (value as Record<string, unknown>[]) : [];
  const problems: AnswerProblem[] = [];
  if (items.length < question.minItems && (question.required || items.length > 0))
    problems.push({
      field: `${question.id}.${items.length}.${question.questions[0]?.id}`,
      key: 'error.groupMin',
      params: { min: String(question.minItems) },
    });
  if (items.length > question.maxItems)
    problems.push({ field: question.id, key: 'error.groupMax', params: { max: String(question.maxItems) } });
  items.forEach((item, i) => {
    for (const sub of question.questions)
      problems.push(...checkSimple(sub, item?.[sub.id], `${question.id}.${i}.${sub.id}`, today));
  });
  return problems;
}

/**
 * Reads one page's fields into typed answers and checks them. Questions hidden by a condition are dropped, so an
 * answer to a question no longer asked does not linger. `answersSoFar` are the other pages' answers (conditions may
 * refer to them).
 */
export function readPage(
  page: FormPage,
  fields: Record<string, unknown>,
  answersSoFar: Answers,
  today: string,
): { values: Record<string, unknown>; problems: AnswerProblem[] } {
  const values: Record<string, unknown> = {};
  // Conditions on this page's own questions see what was just typed.
  const provisional: Answers = { ...answersSoFar, [page.id]: values };
  for (const question of page.questions) {
    if (question.type === 'group') {
      values[question.id] = groupItems(question, fields);
    } else {
      const value = fromText(question, fields[question.id]);
      if (value !== undefined) values[question.id] = value;
    }
  }
  const asked = visibleQuestions(page, provisional);
  for (const question of page.questions) if (!asked.includes(question)) delete values[question.id];
  return { values, problems: checkQuestions(asked, values, today) };
}

/** The items of a repeating group from fields named `group.0.name`, `group.1.name`…, in order, blank items left out. */
function groupItems(question: GroupQuestion, fields: Record<string, unknown>): Record<string, unknown>[] {
  const indexes = new Set<number>();
  const prefix = `${question.id}.`;
  for (const name of Object.keys(fields)) {
    if (!name.startsWith(prefix)) continue;
    const index = Number(name.slice(prefix.length).split('.')[0]);
    if (Number.isInteger(index) && index >= 0 && index < 100) indexes.add(index);
  }
  const items: Record<string, unknown>[] = [];
  for (const index of [...indexes].sort((a, b) => a - b)) {
    const item: Record<string, unknown> = {};
    for (const sub of question.questions) {
      const value = fromText(sub, fields[`${prefix}${index}.${sub.id}`]);
      if (value !== undefined) item[sub.id] = value;
    }
    if (Object.keys(item).length > 0) items.push(item);
  }
  return items;
}

function checkQuestions(questions: readonly Question[], values: Record<string, unknown>, today: string) {
  return questions.flatMap((question) =>
    question.type === 'group'
      ? checkGroup(question, values[question.id], today)
      : checkSimple(question, values[question.id], question.id, today),
  );
}

/**
 * Every problem of a whole set of answers against the form: a page not yet answered, an answer that no longer
 * satisfies its question. Run on submission; the field names are prefixed with the page (`business.seats`).
 */
export function checkAnswers(form: FormDefinition, answers: Answers, today: string): AnswerProblem[] {
  return visiblePages(form, answers).flatMap((page) => {
    const values = (answers[page.id] ?? {}) as Record<string, unknown>;
    return checkQuestions(visibleQuestions(page, answers), values, today).map((p) => ({
      ...p,
      field: `${page.id}.${p.field}`,
    }));
  });
}

/** Only the answers to pages and questions still asked: what a submission carries. */
export function askedAnswers(form: FormDefinition, answers: Answers): Answers {
  const result: Answers = {};
  for (const page of visiblePages(form, answers)) {
    const values = (answers[page.id] ?? {}) as Record<string, unknown>;
    const kept: Record<string, unknown> = {};
    for (const question of visibleQuestions(page, answers))
      if (values[question.id] !== undefined) kept[question.id] = values[question.id];
    result[page.id] = kept;
  }
  return result;
}

/**
 * Every uploaded file the answers name, with the field it answers (`business.licence`, `staff.0.certificate`): a
 * file is any object with a string `sha256` and `mime`, wherever it sits.
 */
export function fileAnswers(answers: Answers): { field: string; file: UploadedFile }[] {
  const found: { field: string; file: UploadedFile }[] = [];
  const visit = (value: unknown, field: string) => {
    if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${field}.${i}`);
    } else if (value && typeof value === 'object') {
      const candidate = value as Partial<UploadedFile>;
      if (typeof candidate.sha256 === 'string' && typeof candidate.mime === 'string')
        found.push({ field, file: candidate as UploadedFile });
      else for (const [key, inner] of Object.entries(value)) visit(inner, field ? `${field}.${key}` : key);
    }
  };
  visit(answers, '');
  return found;
}

/** The answers with each file replaced by `replace(file)` (the same shape otherwise). */
export function replaceFiles(answers: Answers, replace: (file: UploadedFile) => UploadedFile): Answers {
  const visit = (value: unknown): unknown => {
    if (Array.isArray(value)) return value.map(visit);
    if (value && typeof value === 'object') {
      const candidate = value as Partial<UploadedFile>;
      if (typeof candidate.sha256 === 'string' && typeof candidate.mime === 'string')
        return replace(candidate as UploadedFile);
      return Object.fromEntries(Object.entries(value).map(([key, inner]) => [key, visit(inner)]));
    }
    return value;
  };
  return visit(answers) as Answers;
}

/**
 * The certificates standing in for materials in the answers, wherever they are, with the field each answers
 * (`sign.foodLicence`; inside a group `staff.0.certificate`, which no page offers and a submission refuses).
 */
export function certificateMaterials(answers: Answers): { field: string; material: CertificateMaterial }[] {
  const found: { field: string; material: CertificateMaterial }[] = [];
  const visit = (value: unknown, field: string) => {
    if (isCertificateMaterial(value)) found.push({ field, material: value });
    else if (Array.isArray(value)) {
      for (const [i, item] of value.entries()) visit(item, `${field}.${i}`);
    } else if (value && typeof value === 'object') {
      for (const [key, inner] of Object.entries(value)) visit(inner, field ? `${field}.${key}` : key);
    }
  };
  visit(answers, '');
  return found;
}
