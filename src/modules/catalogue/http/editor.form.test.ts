import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { describe, it } from 'node:test';
import { ServiceItemInput } from '../domain/catalogue-file.ts';
import { parseIn } from '../domain/catalogue-rows.ts';
import { editorMessages } from '../editor.messages.ts';
import { DEMO_CATALOGUE_FILE } from '../index.ts';
import { diffItems, type Names } from './editor.diff.ts';
import {
  contentFromForm,
  fieldIdFor,
  formFieldIds,
  formFromBody,
  formFromContent,
  formProblems,
  type ItemForm,
  LIST_FIELDS,
  SECTION_NAMES,
} from './editor.form.ts';
import { parseLocalDateTime } from './editor.routes.tsx';

const demo = JSON.parse(readFileSync(DEMO_CATALOGUE_FILE, 'utf8')) as { items: unknown[] };
const items = demo.items.map((raw) => {
  const parsed = parseIn(ServiceItemInput, raw, 'en');
  assert.ok(parsed.success);
  return parsed.data;
});
const sj0102 = items.find((i) => i.code === 'SJ-0102');

/** What a browser posts for a form: every value, ticked boxes repeated, the empty rows as empty fields. */
function bodyOf(
  form: ItemForm,
  extra: Record<string, string | string[]> = {},
): Record<string, string | string[]> {
  const body: Record<string, string | string[]> = { ...form.values };
  for (const list of LIST_FIELDS) body[list] = form.lists[list];
  for (const section of SECTION_NAMES) body[`extra.${section}`] = String(form.extra[section]);
  return { ...body, ...extra };
}
const m = editorMessages.translator('en');
const names: Names = { departments: new Map(), topics: new Map(), lifeEvents: new Map() };

describe('the service-item form', () => {
  it('gives back exactly the content it showed, for every item of the demo catalogue', () => {
    assert.ok(items.length > 100);
    for (const item of items) {
      const { form } = formFromBody(bodyOf(formFromContent(item)));
      const again = parseIn(ServiceItemInput, contentFromForm(form), 'en');
      assert.ok(again.success, `${item.code}: ${JSON.stringify(!again.success && again.error.issues)}`);
      assert.deepEqual(again.data, item, item.code);
      assert.deepEqual(diffItems(item, again.data, m, names), [], `${item.code} shows no change`);
    }
  });

  it('drops empty rows and numbers the rest from 0, so problems name the rows shown again', () => {
    assert.ok(sj0102);
    const body = bodyOf(formFromContent(sj0102), {
      'materials.0.name.zh': '',
      'materials.0.name.en': '',
      'materials.0.notes.zh': '',
      'materials.0.notes.en': '',
      'materials.0.replaceableBy.certificateType': '',
      'materials.0.count': '',
      'materials.0.form': 'original',
      'materials.7.name.zh': '委托书',
      'materials.7.name.en': '',
      'materials.7.count': 'two',
      'materials.7.form': 'copy',
      'materials.7.required': 'yes',
      'fees.3.item.zh': '工本费',
      'fees.3.item.en': 'Card fee',
      'fees.3.amountFen': '12.5',
      'fees.3.basis.zh': '物价部门批准',
      'fees.3.basis.en': 'Approved price',
      'faq.99999.q.zh': 'ignored: beyond any real row',
    });
    const { form, action } = formFromBody(body);
    assert.deepEqual(action, { kind: 'save' });
    assert.equal(form.rows.materials, 4, 'the emptied first material is gone, the new one kept');
    assert.equal(form.values['materials.0.name.zh'], '股东会决议或股东决定');
    assert.equal(form.values['materials.3.name.zh'], '委托书');
    assert.equal(form.rows.faq, 1);
    const content = contentFromForm(form) as { fees: { amountFen: unknown }[] };
    assert.deepEqual(content.fees[0]?.amountFen, 1250, '12.5 yuan is 1250 fen');
    const problems = formProblems(content, 'en');
    assert.deepEqual(
      problems.map((p) => [p.path, p.message]),
      [
        ['materials.3.name.en', 'Give the text in English.'],
        ['materials.3.count', 'Enter a number of copies from 1 to 20.'],
      ],
    );
  });

  it('reads the button pressed, and adds empty rows only to its part', () => {
    assert.ok(sj0102);
    const { form, action } = formFromBody(bodyOf(formFromContent(sj0102), { action: 'add:fees' }));
    assert.deepEqual(action, { kind: 'add', section: 'fees' });
    assert.equal(form.extra.fees, 4);
    assert.equal(form.extra.materials, 2);
    assert.deepEqual(formFromBody({ action: 'submit' }).action, { kind: 'submit' });
    assert.deepEqual(formFromBody({ action: 'add:__proto__' }).action, { kind: 'save' });
  });

  it('says in words what is wrong with numbers, money, choices and codes', () => {
    assert.ok(sj0102);
    const body = bodyOf(formFromContent(sj0102), {
      statutoryDays: '三',
      promisedDays: '',
      audiences: [],
      'fees.0.item.zh': '费',
      'fees.0.item.en': 'Fee',
      'fees.0.amountFen': '1,000',
      'fees.0.basis.zh': '依据',
      'fees.0.basis.en': 'Basis',
      'counters.0.phone': 'call us',
      'related.0': 'nothing',
      effectiveFrom: '1/1/2026',
      'legalBasis.0.zh': '',
      'legalBasis.0.en': '',
      'legalBasis.1.zh': '',
      'legalBasis.1.en': '',
      'legalBasis.2.zh': '',
      'legalBasis.2.en': '',
    });
    const problems = formProblems(contentFromForm(formFromBody(body).form), 'zh-CN');
    const byPath = Object.fromEntries(problems.map((p) => [p.path, p.message]));
    assert.equal(byPath.statutoryDays, '请填写 0 到 365 之间的工作日数。');
    assert.equal(byPath.promisedDays, '请填写 0 到 365 之间的工作日数。');
    assert.equal(byPath.audiences, '请至少选择一类服务对象。');
    assert.equal(byPath['fees.0.amountFen'], '请填写以元为单位的金额，例如 12 或 12.50。');
    assert.equal(byPath['counters.0.phone'], '电话只能包含数字和连字符，5 到 20 位。');
    assert.equal(byPath['related.0'], '相关事项编码形如 SJ-0101。');
    assert.equal(byPath.effectiveFrom, '请填写日期，格式为 年-月-日，例如 2026-01-01。');
    assert.equal(byPath.legalBasis, '请至少填写一条设立依据。');
  });

  it('links a problem to its input, the first input inside it, or the one around it', () => {
    assert.ok(sj0102);
    const form = formFromContent(sj0102);
    const ids = formFieldIds(form, { isNew: false });
    assert.equal(fieldIdFor('materials.0.name.en', ids), 'materials-0-name-en');
    assert.equal(fieldIdFor('materials.3.replaceableBy', ids), 'materials-3-replaceableBy-certificateType');
    assert.equal(fieldIdFor('keywords.zh.4', ids), 'keywords-zh');
    assert.equal(fieldIdFor('counters', ids), 'counters');
    assert.equal(fieldIdFor('audiences', ids), 'audiences');
    assert.equal(fieldIdFor('related.1', ids), 'related-1');
    assert.ok(!ids.includes('code'), 'the code of an existing item is not a field');
    assert.ok(formFieldIds(form, { isNew: true }).includes('code'));
  });

  it('reads a publication time as the wall clock of the city', () => {
    assert.equal(
      parseLocalDateTime('2026-07-01T09:30', 'Asia/Shanghai')?.toISOString(),
      '2026-07-01T01:30:00.000Z',
    );
    assert.equal(parseLocalDateTime('2026-01-01T00:00', 'UTC')?.toISOString(), '2026-01-01T00:00:00.000Z');
    for (const bad of ['', 'tomorrow', '2026-02-30T09:00', '2026-07-01T24:00', '2026-07-01'])
      assert.equal(parseLocalDateTime(bad, 'Asia/Shanghai'), undefined, bad);
  });
});
