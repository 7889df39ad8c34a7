/*
 * Reading a catalogue file into numbered rows, and checking them (pure: no I/O). Every problem names its line, the
 * field and the reason in the reader's language, so a city's data steward can correct a file of thousands of
 * items in one pass.
 */
import { parse as parseCsv } from 'csv-parse/sync';
import { stringify as stringifyCsv } from 'csv-stringify/sync';
import { findNodeAtLocation, type ParseError, parseTree, printParseErrorCode } from 'jsonc-parser';
import { z } from 'zod';

type $ZodIssue = z.core.$ZodIssue;

import type { Locale } from '../../../kernel/i18n/index.ts';
import { catalogueMessages } from '../catalogue.messages.ts';
import {
  CatalogueFile,
  LifeEventInput,
  ServiceItemInput,
  SynonymInput,
  TopicInput,
} from './catalogue-file.ts';

export type CatalogueFormat = 'json' | 'csv';

/** One problem of a file: where, which field, and why. */
export interface RowProblem {
  /** 1-based line of the file where the row (or the bad cell's row) starts; 0 for the file as a whole. */
  line: number;
  /** The service code, topic or life event the problem belongs to, when known. */
  code?: string;
  /** The field, as a dotted path (`materials.0.name.en`); '' for the whole row. */
  field: string;
  message: string;
}

/** A file read into rows, before checking. */
export interface ReadFile {
  topics: { line: number; value: unknown }[];
  lifeEvents: { line: number; value: unknown }[];
  synonyms: { line: number; value: unknown }[];
  items: { line: number; value: unknown }[];
  problems: RowProblem[];
  /** Rows left out already while reading (a CSV cell that is not a number or not JSON). */
  rejectedRows?: number;
}

/** Line numbers of offsets, counting newlines once for the whole file (a file of 100,000 items is 30 MB). */
function lineCounter(text: string): (offset: number) => number {
  const starts = [0];
  for (let i = text.indexOf('\n'); i !== -1; i = text.indexOf('\n', i + 1)) starts.push(i + 1);
  return (offset) => {
    let low = 0;
    let high = starts.length - 1;
    while (low < high) {
      const mid = (low + high + 1) >> 1;
      if ((starts[mid] ?? 0) <= offset) low = mid;
      else high = mid - 1;
    }
    return low + 1;
  };
}

/** Reads a JSON catalogue file, keeping the line each element starts on. */
export function readJsonCatalogue(text: string, locale: Locale): ReadFile {
  const m = catalogueMessages.translator(locale);
  const empty: ReadFile = { topics: [], lifeEvents: [], synonyms: [], items: [], problems: [] };
  const errors: ParseError[] = [];
  const lineAt = lineCounter(text);
  const tree = parseTree(text, errors, { allowTrailingComma: false, disallowComments: true });
  if (!tree || errors.length > 0) {
    const first = errors[0];
    return {
      ...empty,
      problems: [
        {
          line: first ? lineAt(first.offset) : 1,
          field: '',
          message: m('problem.notJson', { reason: first ? printParseErrorCode(first.error) : 'empty' }),
        },
      ],
    };
  }
  const whole = JSON.parse(text) as unknown;
  const header = CatalogueFile.safeParse(whole);
  if (!header.success) {
    return { ...empty, problems: [{ line: 1, field: '', message: m('problem.notCatalogue') }] };
  }
  const elements = (key: string) =>
    (findNodeAtLocation(tree, [key])?.children ?? []).map((node, index) => ({
      line: lineAt(node.offset),
      value: (whole as Record<string, unknown[]>)[key]?.[index],
    }));
  return {
    topics: elements('topics'),
    lifeEvents: elements('lifeEvents'),
    synonyms: elements('synonyms'),
    items: elements('items'),
    problems: [],
  };
}

type ColumnKind = 'text' | 'list' | 'json' | 'number';
/** The CSV columns: one row per service item; lists separated by `|`; nested parts as JSON. */
export const CSV_COLUMNS: readonly { column: string; path: string; kind: ColumnKind; optional?: boolean }[] =
  [
    { column: 'code', path: 'code', kind: 'text' },
    { column: 'name_zh', path: 'name.zh', kind: 'text' },
    { column: 'name_en', path: 'name.en', kind: 'text' },
    { column: 'summary_zh', path: 'summary.zh', kind: 'text' },
    { column: 'summary_en', path: 'summary.en', kind: 'text' },
    { column: 'description_zh', path: 'description.zh', kind: 'text' },
    { column: 'description_en', path: 'description.en', kind: 'text' },
    { column: 'kind', path: 'kind', kind: 'text' },
    { column: 'audiences', path: 'audiences', kind: 'list' },
    { column: 'topics', path: 'topics', kind: 'list' },
    { column: 'life_events', path: 'lifeEvents', kind: 'list' },
    { column: 'department', path: 'department', kind: 'text' },
    { column: 'co_departments', path: 'coDepartments', kind: 'list' },
    { column: 'legal_basis', path: 'legalBasis', kind: 'json' },
    { column: 'conditions', path: 'conditions', kind: 'json' },
    { column: 'materials', path: 'materials', kind: 'json' },
    { column: 'fees', path: 'fees', kind: 'json' },
    { column: 'statutory_days', path: 'statutoryDays', kind: 'number' },
    { column: 'promised_days', path: 'promisedDays', kind: 'number' },
    { column: 'channels', path: 'channels', kind: 'list' },
    { column: 'counters', path: 'counters', kind: 'json' },
    { column: 'identity_level', path: 'identityLevel', kind: 'number' },
    { column: 'online_depth', path: 'onlineDepth', kind: 'text' },
    { column: 'related', path: 'related', kind: 'list' },
    { column: 'faq', path: 'faq', kind: 'json' },
    { column: 'keywords_zh', path: 'keywords.zh', kind: 'list' },
    { column: 'keywords_en', path: 'keywords.en', kind: 'list' },
    { column: 'effective_from', path: 'effectiveFrom', kind: 'text' },
    { column: 'effective_until', path: 'effectiveUntil', kind: 'text', optional: true },
  ];

const setPath = (target: Record<string, unknown>, path: string, value: unknown) => {
  const keys = path.split('.');
  let node = target;
  for (const key of keys.slice(0, -1)) {
    node[key] ??= {};
    node = node[key] as Record<string, unknown>;
  }
  node[keys.at(-1) as string] = value;
};
const getPath = (source: unknown, path: string): unknown =>
  path
    .split('.')
    .reduce<unknown>((node, key) => (node as Record<string, unknown> | undefined)?.[key], source);

/** Reads a CSV of service items (the first line names the columns). */
export function readCsvCatalogue(text: string, locale: Locale): ReadFile {
  const m = catalogueMessages.translator(locale);
  const result: ReadFile = { topics: [], lifeEvents: [], synonyms: [], items: [], problems: [] };
  let records: { record: Record<string, string>; info: { lines: number } }[];
  try {
    records = parseCsv(text.replace(/^\uFEFF/, ''), {
      columns: true,
      info: true,
      skip_empty_lines: true,
      relax_column_count: false,
    }) as typeof records;
  } catch (error) {
    const reason = error instanceof Error ? error.message : String(error);
    const line = Number((error as { lines?: number }).lines ?? 1);
    result.problems.push({ line, field: '', message: m('problem.csv', { reason }) });
    return result;
  }
  const header = Object.keys(records[0]?.record ?? {});
  const missing = CSV_COLUMNS.filter((c) => !c.optional && !header.includes(c.column)).map((c) => c.column);
  if (records.length > 0 && missing.length > 0) {
    result.problems.push({
      line: 1,
      field: '',
      message: m('problem.csvHeader', { columns: missing.join(', ') }),
    });
    return result;
  }
  for (const { record, info } of records) {
    // csv-parse counts the lines read so far, so a record ending on line n started on n minus its own newlines.
    const ownLines = Object.values(record).reduce((n, cell) => n + (cell.match(/\n/g)?.length ?? 0), 0);
    const line = info.lines - ownLines;
    const item: Record<string, unknown> = {};
    const problemsBefore = result.problems.length;
    for (const column of CSV_COLUMNS) {
      const cell = (record[column.column] ?? '').trim();
      if (cell === '' && (column.optional || column.kind === 'list')) {
        if (column.kind === 'list') setPath(item, column.path, []);
        continue;
      }
      if (column.kind === 'text') setPath(item, column.path, cell);
      else if (column.kind === 'list')
        setPath(
          item,
          column.path,
          cell
            .split('|')
            .map((s) => s.trim())
            .filter(Boolean),
        );
      else if (column.kind === 'number') {
        if (!/^-?\d+$/.test(cell)) {
          result.problems.push({ line, code: record.code, field: column.path, message: m('problem.number') });
          continue;
        }
        setPath(item, column.path, Number(cell));
      } else {
        try {
          setPath(item, column.path, cell === '' ? [] : JSON.parse(cell));
        } catch (error) {
          const reason = error instanceof Error ? error.message : String(error);
          result.problems.push({
            line,
            code: record.code,
            field: column.path,
            message: m('problem.jsonCell', { reason }),
          });
        }
      }
    }
    // A row with an unreadable cell is reported once, for that cell, not again by the schema.
    if (result.problems.length === problemsBefore) result.items.push({ line, value: item });
    else result.rejectedRows = (result.rejectedRows ?? 0) + 1;
  }
  return result;
}

/** Writes service items as CSV with the columns `readCsvCatalogue` reads. */
export function writeCsvCatalogue(items: readonly ServiceItemInput[]): string {
  const rows = items.map((item) =>
    CSV_COLUMNS.map(({ path, kind }) => {
      const value = getPath(item, path);
      if (value === undefined) return '';
      if (kind === 'list') return (value as string[]).join('|');
      if (kind === 'json') return JSON.stringify(value);
      return String(value);
    }),
  );
  return stringifyCsv([CSV_COLUMNS.map((c) => c.column), ...rows]);
}

/** Zod's messages in the reader's language; the schema's own (`error.…`) come from the catalogue's messages. */
function issueMessage(issue: $ZodIssue, locale: Locale): string {
  const m = catalogueMessages.translator(locale);
  return catalogueMessages.has(issue.message) ? m(issue.message) : issue.message;
}

export function zodProblems(
  issues: readonly $ZodIssue[],
  line: number,
  code: string | undefined,
  locale: Locale,
): RowProblem[] {
  return issues.map((issue) => ({
    line,
    ...(code ? { code } : {}),
    field: issue.path.join('.'),
    message: issueMessage(issue, locale),
  }));
}

/** Parses with Zod's messages in the reader's language. */
export function parseIn<T extends z.ZodType>(schema: T, value: unknown, locale: Locale) {
  const localeError = locale === 'zh-CN' ? z.locales.zhCN().localeError : z.locales.en().localeError;
  return schema.safeParse(value, { error: localeError });
}

/** What the platform already holds, for checks across the file. */
export interface KnownCatalogue {
  departments: ReadonlySet<string>;
  itemCodes: ReadonlySet<string>;
  topics: ReadonlySet<string>;
  lifeEvents: ReadonlySet<string>;
}

/** A checked file: what can be imported, and every problem. */
export interface CheckedFile {
  topics: { line: number; value: z.infer<typeof TopicInput> }[];
  lifeEvents: { line: number; value: z.infer<typeof LifeEventInput> }[];
  synonyms: string[][];
  items: { line: number; value: ServiceItemInput }[];
  problems: RowProblem[];
}

/**
 * Checks every row: the schema, then what rows say about each other and about the platform (departments exist,
 * codes unique and prefixed by their department, related services, topics and life events exist). A row that
 * names a rejected row is rejected too, so a partial import never leaves a dangling reference.
 */
export function checkCatalogue(file: ReadFile, known: KnownCatalogue, locale: Locale): CheckedFile {
  const m = catalogueMessages.translator(locale);
  const problems: RowProblem[] = [...file.problems];
  const topics: CheckedFile['topics'] = [];
  for (const row of file.topics) {
    const parsed = parseIn(TopicInput, row.value, locale);
    if (parsed.success) topics.push({ line: row.line, value: parsed.data });
    else problems.push(...zodProblems(parsed.error.issues, row.line, undefined, locale));
  }
  const synonyms: string[][] = [];
  for (const row of file.synonyms) {
    const parsed = parseIn(SynonymInput, row.value, locale);
    if (parsed.success) synonyms.push(parsed.data);
    else problems.push(...zodProblems(parsed.error.issues, row.line, undefined, locale));
  }
  const topicCodes = new Set([...known.topics, ...topics.map((t) => t.value.code)]);
  const lifeEventCodes = new Set([
    ...known.lifeEvents,
    ...file.lifeEvents.map((e) => (e.value as { code?: unknown })?.code).filter((c) => typeof c === 'string'),
  ]);

  const candidates: { line: number; value: ServiceItemInput; problems: RowProblem[] }[] = [];
  const firstLine = new Map<string, number>();
  for (const row of file.items) {
    const rawCode = (row.value as { code?: unknown })?.code;
    const code = typeof rawCode === 'string' ? rawCode : undefined;
    const parsed = parseIn(ServiceItemInput, row.value, locale);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error.issues, row.line, code, locale));
      continue;
    }
    const item = parsed.data;
    const own: RowProblem[] = [];
    const add = (field: string, message: string) =>
      own.push({ line: row.line, code: item.code, field, message });
    const seen = firstLine.get(item.code);
    if (seen !== undefined) add('code', m('problem.duplicateCode', { value: item.code, line: seen }));
    else firstLine.set(item.code, row.line);
    for (const [field, code] of [
      ['department', item.department],
      ...item.coDepartments.map((c) => ['coDepartments', c]),
    ] as [string, string][])
      if (!known.departments.has(code)) add(field, m('problem.unknownDepartment', { value: code }));
    if (known.departments.has(item.department) && !item.code.startsWith(`${item.department}-`))
      add('code', m('problem.codePrefix', { department: item.department }));
    for (const topic of item.topics)
      if (!topicCodes.has(topic)) add('topics', m('problem.unknownTopic', { value: topic }));
    for (const event of item.lifeEvents)
      if (!lifeEventCodes.has(event)) add('lifeEvents', m('problem.unknownLifeEvent', { value: event }));
    if (own.length > 0) problems.push(...own);
    candidates.push({ line: row.line, value: item, problems: own });
  }

  // Related services: in the file (and good) or already held. Repeat until no more rows fall out.
  let good = candidates.filter((c) => c.problems.length === 0);
  const fileCodes = new Set(
    file.items.map((r) => (r.value as { code?: unknown })?.code).filter((c) => typeof c === 'string'),
  );
  for (;;) {
    const goodCodes = new Set(good.map((c) => c.value.code));
    const kept = good.filter((c) => {
      const bad = c.value.related.filter((r) => !goodCodes.has(r) && !known.itemCodes.has(r));
      for (const r of bad)
        problems.push({
          line: c.line,
          code: c.value.code,
          field: 'related',
          message: fileCodes.has(r)
            ? m('problem.relatedRejected', { value: r })
            : m('problem.unknownRelated', { value: r }),
        });
      return bad.length === 0;
    });
    if (kept.length === good.length) break;
    good = kept;
  }
  const serviceCodes = new Set([...known.itemCodes, ...good.map((c) => c.value.code)]);
  const lifeEvents: CheckedFile['lifeEvents'] = [];
  for (const row of file.lifeEvents) {
    const parsed = parseIn(LifeEventInput, row.value, locale);
    if (!parsed.success) {
      problems.push(...zodProblems(parsed.error.issues, row.line, undefined, locale));
      continue;
    }
    const missing = parsed.data.steps.flatMap((s) => s.services).filter((code) => !serviceCodes.has(code));
    for (const value of new Set(missing))
      problems.push({
        line: row.line,
        code: parsed.data.code,
        field: 'steps',
        message: m('problem.lifeEventService', { event: parsed.data.code, value }),
      });
    if (missing.length === 0) lifeEvents.push({ line: row.line, value: parsed.data });
  }
  problems.sort((a, b) => a.line - b.line);
  return { topics, lifeEvents, synonyms, items: good.map(({ line, value }) => ({ line, value })), problems };
}
