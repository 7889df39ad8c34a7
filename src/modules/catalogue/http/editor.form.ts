/*
 * The service-item form of the editors' workbench, as plain HTML fields: a draft's content turned into named
 * fields and back, without JSON. A field's name is its dotted path in the content (`materials.0.name.zh`), its id
 * the same with hyphens (`materials-0-name-zh`), so a problem the catalogue reports at a path is shown at its
 * field. Repeating parts are numbered rows; empty rows are dropped and the rest renumbered from 0 when a form is
 * read, so the rows shown again after a problem have the numbers the problems name. Pure: no I/O.
 */
import type { z } from 'zod';
import type { FieldProblem } from '../../../kernel/errors.ts';
import type { Locale } from '../../../kernel/i18n/index.ts';
import { catalogueMessages } from '../catalogue.messages.ts';
import { ServiceItemInput } from '../domain/catalogue-file.ts';
import { parseIn } from '../domain/catalogue-rows.ts';
import { type EditorMessageKey, editorMessages } from '../editor.messages.ts';

/** The repeating parts of an item and the fields of one row ('' for a row that is a single field). */
export const SECTIONS = {
  legalBasis: ['zh', 'en'],
  conditions: ['zh', 'en'],
  materials: [
    'name.zh',
    'name.en',
    'form',
    'count',
    'required',
    'replaceableBy.certificateType',
    'replaceableBy.dataElement',
    'notes.zh',
    'notes.en',
  ],
  fees: ['item.zh', 'item.en', 'amountFen', 'basis.zh', 'basis.en'],
  counters: ['name.zh', 'name.en', 'address.zh', 'address.en', 'hours.zh', 'hours.en', 'phone'],
  faq: ['q.zh', 'q.en', 'a.zh', 'a.en'],
  related: [''],
} as const satisfies Record<string, readonly string[]>;
export type Section = keyof typeof SECTIONS;
export const SECTION_NAMES = Object.keys(SECTIONS) as Section[];

/** Row fields that always have a value (a select): they alone do not make a row filled in. */
const CHOICES: ReadonlySet<string> = new Set(['materials.form', 'materials.required']);

/** Fields of one value, in the order of the form. */
export const SINGLE_FIELDS = [
  'code',
  'department',
  'name.zh',
  'name.en',
  'summary.zh',
  'summary.en',
  'description.zh',
  'description.en',
  'kind',
  'statutoryDays',
  'promisedDays',
  'identityLevel',
  'onlineDepth',
  'effectiveFrom',
  'effectiveUntil',
  'keywords.zh',
  'keywords.en',
  'changeNote',
] as const;
/** Fields of several ticked values (checkboxes). */
export const LIST_FIELDS = ['audiences', 'topics', 'lifeEvents', 'coDepartments', 'channels'] as const;
export type ListField = (typeof LIST_FIELDS)[number];

/** Empty rows shown under each repeating part; "add rows" shows this many more. */
export const EMPTY_ROWS = 2;
const MAX_EMPTY_ROWS = 20;
/** More rows than any real item has; anything beyond is ignored rather than kept in memory. */
const MAX_ROWS = 200;

/** The form as shown or as posted: values by field name, ticked values, and rows per repeating part. */
export interface ItemForm {
  values: Record<string, string>;
  lists: Record<ListField, string[]>;
  /** Filled rows of each repeating part (numbered from 0). */
  rows: Record<Section, number>;
  /** Empty rows to show after the filled ones. */
  extra: Record<Section, number>;
}

/** What the editor asked for with the button they pressed. */
export type FormAction = { kind: 'save' } | { kind: 'submit' } | { kind: 'add'; section: Section };

/** The name of a field of a row: `materials.0.name.zh`, or `related.0`. */
export const rowField = (section: Section, index: number, part: string): string =>
  part ? `${section}.${index}.${part}` : `${section}.${index}`;

/** The id of the input of a field name (dots are awkward in ids, CSS and fragment links). */
export const idOf = (name: string): string => name.replace(/\./g, '-');

const emptyCounts = (n: number) =>
  Object.fromEntries(SECTION_NAMES.map((s) => [s, n])) as Record<Section, number>;

/** A form with nothing in it but the given values. */
export function blankForm(
  values: Record<string, string> = {},
  lists: Partial<ItemForm['lists']> = {},
): ItemForm {
  return {
    values: { ...values },
    lists: { audiences: [], topics: [], lifeEvents: [], coDepartments: [], channels: [], ...lists },
    rows: emptyCounts(0),
    extra: emptyCounts(EMPTY_ROWS),
  };
}

const yuanOf = (fen: number) =>
  fen % 100 === 0 ? String(fen / 100) : `${Math.floor(fen / 100)}.${String(fen % 100).padStart(2, '0')}`;

/** Flattens a value into `values` under dotted names. */
function flatten(prefix: string, value: unknown, into: Record<string, string>) {
  if (value === undefined || value === null) return;
  if (typeof value === 'object' && !Array.isArray(value)) {
    for (const [key, inner] of Object.entries(value)) flatten(prefix ? `${prefix}.${key}` : key, inner, into);
    return;
  }
  into[prefix] = typeof value === 'boolean' ? (value ? 'yes' : 'no') : String(value);
}

/** The form showing a version's content, ready to be changed. */
export function formFromContent(content: ServiceItemInput, changeNote = ''): ItemForm {
  const form = blankForm();
  const { values } = form;
  for (const name of SINGLE_FIELDS) {
    const value = name
      .split('.')
      .reduce<unknown>((node, key) => (node as Record<string, unknown>)?.[key], content);
    if (typeof value === 'string' || typeof value === 'number') values[name] = String(value);
  }
  values['keywords.zh'] = content.keywords.zh.join('、');
  values['keywords.en'] = content.keywords.en.join(', ');
  values.changeNote = changeNote;
  for (const list of LIST_FIELDS) form.lists[list] = [...content[list]];
  for (const section of SECTION_NAMES) {
    const rows = content[section] as unknown[];
    form.rows[section] = rows.length;
    rows.forEach((row, i) => {
      if (section === 'related') values[rowField(section, i, '')] = String(row);
      else if (section === 'fees') {
        const fee = row as ServiceItemInput['fees'][number];
        flatten(`fees.${i}`, { ...fee, amountFen: yuanOf(fee.amountFen) }, values);
      } else flatten(`${section}.${i}`, row, values);
    });
  }
  return form;
}

/** A posted field as one string: a repeated field (only forged forms repeat one) counts as empty. */
const textOf = (value: unknown, max = 20_000): string =>
  typeof value === 'string' ? value.slice(0, max) : '';
const listOf = (value: unknown): string[] =>
  (Array.isArray(value) ? value : [value]).filter((v): v is string => typeof v === 'string').slice(0, 200);

/** Reads a posted form: keeps every value, drops empty rows and numbers the rest from 0. */
export function formFromBody(body: unknown): { form: ItemForm; action: FormAction } {
  const posted = (body && typeof body === 'object' && !Array.isArray(body) ? body : {}) as Record<
    string,
    unknown
  >;
  const form = blankForm();
  for (const name of SINGLE_FIELDS) form.values[name] = textOf(posted[name]);
  for (const list of LIST_FIELDS) form.lists[list] = listOf(posted[list]);
  for (const section of SECTION_NAMES) {
    const pattern = new RegExp(`^${section}\\.(\\d{1,4})(?:\\.|$)`);
    const indices = new Set<number>();
    for (const key of Object.keys(posted)) {
      const match = pattern.exec(key);
      if (match && Number(match[1]) < MAX_ROWS) indices.add(Number(match[1]));
    }
    let kept = 0;
    for (const index of [...indices].sort((a, b) => a - b)) {
      const row = SECTIONS[section].map((part) => [
        part,
        textOf(posted[rowField(section, index, part)]).trim(),
      ]);
      const filled = row.some(([part, value]) => value !== '' && !CHOICES.has(`${section}.${part}`));
      if (!filled) continue;
      for (const [part, value] of row) form.values[rowField(section, kept, part as string)] = value as string;
      kept++;
    }
    form.rows[section] = kept;
    const extra = Number.parseInt(textOf(posted[`extra.${section}`]), 10);
    form.extra[section] = Number.isFinite(extra) ? Math.min(Math.max(extra, 0), MAX_EMPTY_ROWS) : EMPTY_ROWS;
  }
  const action = textOf(posted.action);
  const added = /^add:(\w+)$/.exec(action)?.[1];
  if (added && (SECTION_NAMES as string[]).includes(added)) {
    const section = added as Section;
    form.extra[section] = Math.min(form.extra[section] + EMPTY_ROWS, MAX_EMPTY_ROWS);
    return { form, action: { kind: 'add', section } };
  }
  return { form, action: { kind: action === 'submit' ? 'submit' : 'save' } };
}

/** A whole number as typed, or the text itself (which the schema then refuses, at its field). */
const integer = (text: string | undefined): number | string | undefined => {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  return /^\d{1,9}$/.test(t) ? Number(t) : t;
};

/** Yuan as typed (12, 12.5, 12.50) in fen; anything else is kept as text for the schema to refuse. */
const fenOf = (text: string | undefined): number | string | undefined => {
  const t = (text ?? '').trim();
  if (t === '') return undefined;
  const match = /^(\d{1,9})(?:\.(\d{1,2}))?$/.exec(t);
  if (!match) return t;
  return Number(match[1]) * 100 + Number((match[2] ?? '').padEnd(2, '0'));
};

const words = (text: string | undefined): string[] =>
  (text ?? '')
    .split(/[,，、;；\n]+/)
    .map((w) => w.trim())
    .filter(Boolean);

/** The content a form describes, for the catalogue's own check: what cannot be read is passed on as typed. */
export function contentFromForm(form: ItemForm): Record<string, unknown> {
  const v = (name: string) => (form.values[name] ?? '').trim();
  const bi = (prefix: string) => ({ zh: v(`${prefix}.zh`), en: v(`${prefix}.en`) });
  const optionalBi = (prefix: string) => (v(`${prefix}.zh`) || v(`${prefix}.en`) ? bi(prefix) : undefined);
  const rows = <T>(section: Section, row: (prefix: string) => T): T[] =>
    Array.from({ length: form.rows[section] }, (_, i) => row(rowField(section, i, '')));
  const level = v('identityLevel');
  const content: Record<string, unknown> = {
    code: v('code').toUpperCase(),
    name: bi('name'),
    summary: bi('summary'),
    description: bi('description'),
    kind: v('kind'),
    audiences: form.lists.audiences,
    topics: form.lists.topics,
    lifeEvents: form.lists.lifeEvents,
    department: v('department'),
    coDepartments: form.lists.coDepartments,
    legalBasis: rows('legalBasis', bi),
    conditions: rows('conditions', bi),
    materials: rows('materials', (p) => {
      const certificateType = v(`${p}.replaceableBy.certificateType`);
      const dataElement = v(`${p}.replaceableBy.dataElement`);
      return {
        name: bi(`${p}.name`),
        form: v(`${p}.form`),
        count: integer(v(`${p}.count`)) ?? 1,
        required: v(`${p}.required`) !== 'no',
        ...(certificateType || dataElement
          ? {
              replaceableBy: {
                ...(certificateType ? { certificateType } : {}),
                ...(dataElement ? { dataElement } : {}),
              },
            }
          : {}),
        ...(optionalBi(`${p}.notes`) ? { notes: optionalBi(`${p}.notes`) } : {}),
      };
    }),
    fees: rows('fees', (p) => ({
      item: bi(`${p}.item`),
      amountFen: fenOf(v(`${p}.amountFen`)),
      basis: bi(`${p}.basis`),
    })),
    statutoryDays: integer(v('statutoryDays')),
    promisedDays: integer(v('promisedDays')),
    channels: form.lists.channels,
    counters: rows('counters', (p) => ({
      name: bi(`${p}.name`),
      address: bi(`${p}.address`),
      hours: bi(`${p}.hours`),
      phone: v(`${p}.phone`),
    })),
    identityLevel: /^[123]$/.test(level) ? Number(level) : level,
    onlineDepth: v('onlineDepth'),
    related: rows('related', (p) => v(p).toUpperCase()),
    faq: rows('faq', (p) => ({ q: bi(`${p}.q`), a: bi(`${p}.a`) })),
    keywords: { zh: words(v('keywords.zh')), en: words(v('keywords.en')) },
    effectiveFrom: v('effectiveFrom'),
    ...(v('effectiveUntil') ? { effectiveUntil: v('effectiveUntil') } : {}),
  };
  return content;
}

type Issue = z.core.$ZodIssue;

/** A message written for a person editing a form, where Zod's generic one would talk about types and patterns. */
function editorMessageFor(issue: Issue): EditorMessageKey | undefined {
  const path = issue.path.join('.');
  const code = issue.code;
  if (/^(statutoryDays|promisedDays)$/.test(path)) return 'error.days';
  if (/^materials\.\d+\.count$/.test(path)) return 'error.count';
  if (/^fees\.\d+\.amountFen$/.test(path)) return code === 'too_big' ? 'error.amountMax' : 'error.yuan';
  if (path === 'audiences' && code === 'too_small') return 'error.audiences';
  if (path === 'topics' && code === 'too_small') return 'error.topics';
  if (path === 'channels' && code === 'too_small') return 'error.channels';
  if (path === 'legalBasis') return 'error.legalBasis';
  if (/\.phone$/.test(path)) return 'error.phone';
  if (/replaceableBy\.certificateType$/.test(path)) return 'error.certificateType';
  if (/replaceableBy\.dataElement$/.test(path)) return 'error.dataElement';
  if (/^related\.\d+$/.test(path)) return 'error.related';
  if (/^effective(From|Until)$/.test(path)) return 'error.date';
  if (/^keywords\.(zh|en)\.\d+$/.test(path)) return 'error.keyword';
  if (
    /^(kind|onlineDepth|identityLevel|department|materials\.\d+\.form|(audiences|topics|lifeEvents|coDepartments|channels)\.\d+)$/.test(
      path,
    )
  )
    return 'error.choose';
  if (code === 'too_big') return 'error.tooLong';
  return undefined;
}

/**
 * Every problem the catalogue's schema finds in the content, in words for the form: the schema's own messages
 * (translated as the catalogue translates them), else the form's. The catalogue checks again when it saves and
 * adds what only it knows (departments, topics and related services that exist): nothing is decided here.
 */
export function formProblems(content: unknown, locale: Locale): FieldProblem[] {
  const parsed = parseIn(ServiceItemInput, content, locale);
  if (parsed.success) return [];
  const catalogue = catalogueMessages.translator(locale);
  const editor = editorMessages.translator(locale);
  // The schema's rules across fields run even when other fields are wrong (their `when`): every problem at once.
  const problems = parsed.error.issues.map((issue) => {
    const own = editorMessageFor(issue);
    return {
      path: issue.path.join('.'),
      message: catalogueMessages.has(issue.message)
        ? catalogue(issue.message)
        : own
          ? editor(own)
          : issue.message,
    };
  });
  return problems;
}

/** The ids of every input (and group of inputs) the form shows, in page order. */
export function formFieldIds(form: ItemForm, options: { isNew: boolean }): string[] {
  const ids: string[] = [];
  for (const name of SINGLE_FIELDS) {
    if (!options.isNew && (name === 'code' || name === 'department')) continue;
    if (name === 'changeNote') continue;
    ids.push(idOf(name));
  }
  ids.push(...LIST_FIELDS);
  for (const section of SECTION_NAMES) {
    ids.push(section);
    for (let i = 0; i < form.rows[section] + form.extra[section]; i++)
      for (const part of SECTIONS[section]) ids.push(idOf(rowField(section, i, part)));
  }
  ids.push('changeNote');
  return ids;
}

/**
 * The input a problem at a content path belongs to: the field itself, else the first field inside it (a material's
 * "replaceable by" is two fields), else the nearest enclosing one (a keyword is one of a line of them).
 */
export function fieldIdFor(path: string, ids: readonly string[]): string {
  const known = new Set(ids);
  const segments = path.split('.').filter(Boolean);
  while (segments.length > 0) {
    const id = segments.join('-');
    if (known.has(id)) return id;
    const inside = ids.find((candidate) => candidate.startsWith(`${id}-`));
    if (inside) return inside;
    segments.pop();
  }
  return ids[0] ?? 'changeNote';
}
