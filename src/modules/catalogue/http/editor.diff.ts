/*
 * What changed between two versions of a service item, in lines a reviewer reads: every top-level field that
 * differs, each value as short lines in the page's language (codes named, fen as yuan, both languages of a text),
 * with the lines that went and the lines that came marked. Pure: no I/O.
 */
import type { ServiceItemInput } from '../domain/catalogue-file.ts';
import type { EditorMessageKey, EditorTranslate } from '../editor.messages.ts';

/** How codes are named on the page: departments, topics and life events in the page's language. */
export interface Names {
  departments: ReadonlyMap<string, string>;
  topics: ReadonlyMap<string, string>;
  lifeEvents: ReadonlyMap<string, string>;
}

/** One line of a value, marked when it is not on the other side. */
export interface DiffLine {
  text: string;
  changed: boolean;
}

/** One changed field: its label and its lines before and after. */
export interface FieldDiff {
  field: keyof ServiceItemInput;
  label: string;
  before: DiffLine[];
  after: DiffLine[];
}

/** The item's fields in the order people read a guide. */
export const FIELD_ORDER: readonly (keyof ServiceItemInput)[] = [
  'code',
  'name',
  'summary',
  'description',
  'kind',
  'department',
  'coDepartments',
  'audiences',
  'topics',
  'lifeEvents',
  'keywords',
  'statutoryDays',
  'promisedDays',
  'effectiveFrom',
  'effectiveUntil',
  'channels',
  'onlineDepth',
  'identityLevel',
  'counters',
  'legalBasis',
  'conditions',
  'materials',
  'fees',
  'faq',
  'related',
];

/** The label of a field, e.g. 承诺时限. */
export const fieldLabel = (m: EditorTranslate, field: string): string =>
  m(`label.${field}` as EditorMessageKey);

const both = (text: { zh: string; en: string } | undefined) =>
  text ? (text.zh === text.en ? text.zh : `${text.zh} / ${text.en}`) : '';

const yuan = (fen: number) => (fen / 100).toFixed(2).replace(/\.00$/, '');

/** A field's value as lines. */
export function linesOf(
  field: keyof ServiceItemInput,
  item: ServiceItemInput | undefined,
  m: EditorTranslate,
  names: Names,
): string[] {
  if (!item) return [];
  const label = (key: string) => m(key as EditorMessageKey);
  switch (field) {
    case 'name':
    case 'summary':
    case 'description':
      return [item[field].zh, item[field].en];
    case 'kind':
      return [label(`kind.${item.kind}`)];
    case 'department':
      return [names.departments.get(item.department) ?? item.department];
    case 'coDepartments':
      return item.coDepartments.map((c) => names.departments.get(c) ?? c);
    case 'audiences':
      return item.audiences.map((a) => label(`audience.${a}`));
    case 'channels':
      return item.channels.map((c) => label(`channel.${c}`));
    case 'topics':
      return item.topics.map((t) => names.topics.get(t) ?? t);
    case 'lifeEvents':
      return item.lifeEvents.map((e) => names.lifeEvents.get(e) ?? e);
    case 'keywords':
      return [item.keywords.zh.join('、'), item.keywords.en.join(', ')].filter(Boolean);
    case 'statutoryDays':
    case 'promisedDays':
      return [m('value.days', { n: item[field] })];
    case 'onlineDepth':
      return [label(`depth.${item.onlineDepth}`)];
    case 'identityLevel':
      return [label(`level.${item.identityLevel}`)];
    case 'legalBasis':
    case 'conditions':
      return item[field].map(both);
    case 'materials':
      return item.materials.map((material) => {
        const replaceable = [material.replaceableBy?.certificateType, material.replaceableBy?.dataElement]
          .filter(Boolean)
          .join(', ');
        return [
          m('value.material', {
            name: both(material.name),
            form: label(`materialForm.${material.form}`),
            count: material.count,
            required: label(material.required ? 'required.yes' : 'required.no'),
          }),
          replaceable ? m('value.replaceable', { what: replaceable }) : '',
          both(material.notes),
        ]
          .filter(Boolean)
          .join(' ');
      });
    case 'fees':
      return item.fees.map((fee) =>
        m('value.fee', { item: both(fee.item), amount: yuan(fee.amountFen), basis: both(fee.basis) }),
      );
    case 'counters':
      return item.counters.map((c) =>
        m('value.counter', {
          name: both(c.name),
          address: both(c.address),
          hours: both(c.hours),
          phone: c.phone,
        }),
      );
    case 'faq':
      return item.faq.map((f) => m('value.faq', { q: both(f.q), a: both(f.a) }));
    case 'related':
      return [...item.related];
    case 'code':
    case 'effectiveFrom':
    case 'effectiveUntil':
      return item[field] ? [String(item[field])] : [];
  }
}

/**
 * The fields that differ between `before` (undefined for a new item: everything is new) and `after`, in reading
 * order, each with its lines marked.
 */
export function diffItems(
  before: ServiceItemInput | undefined,
  after: ServiceItemInput,
  m: EditorTranslate,
  names: Names,
): FieldDiff[] {
  const result: FieldDiff[] = [];
  for (const field of FIELD_ORDER) {
    if (before && JSON.stringify(before[field] ?? null) === JSON.stringify(after[field] ?? null)) continue;
    const old = linesOf(field, before, m, names);
    const now = linesOf(field, after, m, names);
    if (before && old.length === 0 && now.length === 0) continue;
    result.push({
      field,
      label: fieldLabel(m, field),
      before: old.map((text) => ({ text, changed: !now.includes(text) })),
      after: now.map((text) => ({ text, changed: before !== undefined && !old.includes(text) })),
    });
  }
  return result;
}
