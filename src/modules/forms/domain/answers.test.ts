import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { DEMO_FORMS } from '../demo-forms.ts';
import { prefilledAnswers } from '../forms.service.ts';
import { askedAnswers, checkAnswers, nextPageId, readPage, visiblePages } from './answers.ts';
import { type FormDefinition, formDefinitionSchema } from './form-definition.ts';
import { sampleAnswers } from './sample-answers.ts';

const restaurant = formDefinitionSchema.parse(DEMO_FORMS['ZWFW-0101']);
const page = (form: FormDefinition, id: string) => {
  const found = form.pages.find((p) => p.id === id);
  assert.ok(found, id);
  return found;
};
const TODAY = '2026-11-30';

describe('reading a page of answers', () => {
  it('turns a browser’s text into typed answers: numbers, fen, upper-case codes', () => {
    const { values, problems } = readPage(
      page(restaurant, 'premises'),
      {
        seats: ' 40 ',
        area: '85.5',
        floorPlan: {
          sha256: 'a'.repeat(64),
          name: 'plan.pdf',
          mime: 'application/pdf',
          size: 2048,
          scan: 'clean',
        },
      },
      {},
      TODAY,
    );
    assert.deepEqual(problems, []);
    assert.equal(values.seats, 40);
    assert.equal(values.area, 85.5);
    const gjj = formDefinitionSchema.parse(DEMO_FORMS['GJJ-0103']);
    const money = readPage(page(gjj, 'purchase'), { price: '¥1,200,000.5', signed: '2026-11-02' }, {}, TODAY);
    assert.equal(money.values.price, 120_000_050, '1,200,000.50 yuan in fen');
    assert.deepEqual(
      money.problems.map((p) => p.field),
      ['contract'],
      'only the missing upload',
    );
  });

  it('reports every problem of a page at once, each on its field', () => {
    const applicant = readPage(
      page(restaurant, 'applicant'),
      { name: '', idNumber: '340101199001010011', phone: '12345' },
      {},
      TODAY,
    );
    assert.deepEqual(
      applicant.problems.map((p) => [p.field, p.key]),
      [
        ['name', 'error.required'],
        ['idNumber', 'error.idNumber'],
        ['phone', 'error.phone'],
      ],
    );
    const fund = formDefinitionSchema.parse(DEMO_FORMS['GJJ-0103']);
    const future = readPage(page(fund, 'purchase'), { price: 'a lot', signed: '2099-01-01' }, {}, TODAY);
    assert.deepEqual(
      future.problems.map((p) => p.key),
      ['error.money', 'error.dateFuture', 'error.required'],
    );
  });

  it('asks conditional questions only when their condition holds, and drops answers to questions no longer asked', () => {
    const sign = page(restaurant, 'sign');
    const yes = readPage(sign, { hasSign: 'yes', wording: '湖畔小馆', width: '3' }, {}, TODAY);
    assert.deepEqual(yes.problems, []);
    assert.deepEqual(yes.values, { hasSign: 'yes', wording: '湖畔小馆', width: 3 });
    const no = readPage(sign, { hasSign: 'no', wording: 'left over', width: 'x' }, {}, TODAY);
    assert.deepEqual(no.problems, []);
    assert.deepEqual(no.values, { hasSign: 'no' });
    const forgotten = readPage(sign, { hasSign: 'yes' }, {}, TODAY);
    assert.deepEqual(
      forgotten.problems.map((p) => p.field),
      ['wording', 'width'],
    );
  });

  it('reads the items of a repeating group in order, leaving blank items out', () => {
    const staff = page(restaurant, 'staff');
    const read = readPage(
      staff,
      {
        'members.0.name': '李明',
        'members.0.certificate': 'JK-2026-001',
        'members.1.name': '',
        'members.1.certificate': '',
        'members.2.name': '王强',
      },
      {},
      TODAY,
    );
    assert.deepEqual(read.values.members, [{ name: '李明', certificate: 'JK-2026-001' }, { name: '王强' }]);
    assert.deepEqual(
      read.problems.map((p) => [p.field, p.key]),
      [['members.1.certificate', 'error.required']],
    );
    const none = readPage(staff, {}, {}, TODAY);
    assert.deepEqual(
      none.problems.map((p) => p.key),
      ['error.groupMin'],
    );
  });
});

describe('checking a whole application', () => {
  it('passes sample answers, and catches a choice that is not offered, as a tampered field would send', () => {
    const answers = sampleAnswers(restaurant, 3, TODAY);
    assert.deepEqual(checkAnswers(restaurant, answers, TODAY), []);
    const tampered = { ...answers, sign: { hasSign: 'perhaps' } };
    assert.deepEqual(
      checkAnswers(restaurant, tampered, TODAY).map((p) => [p.field, p.key]),
      [['sign.hasSign', 'error.choice']],
    );
    const missing = { ...answers, premises: undefined };
    assert.ok(checkAnswers(restaurant, missing, TODAY).some((p) => p.field === 'premises.seats'));
  });

  it('keeps only what is asked, and walks the pages in order', () => {
    const answers = sampleAnswers(restaurant, 2, TODAY);
    const noSign = { ...answers, sign: { hasSign: 'no', wording: 'stale', width: 2 } };
    assert.deepEqual(askedAnswers(restaurant, noSign).sign, { hasSign: 'no' });
    assert.deepEqual(
      visiblePages(restaurant, answers).map((p) => p.id),
      ['applicant', 'business', 'premises', 'staff', 'sign'],
    );
    assert.equal(nextPageId(restaurant, answers, 'premises'), 'staff');
    assert.equal(nextPageId(restaurant, answers, 'sign'), undefined);
  });

  it('fills in what the platform knows, for the applicant to confirm', () => {
    const filled = prefilledAnswers(restaurant, {
      name: { 'zh-CN': '张伟', en: 'Zhang Wei' },
      idType: 'resident_id',
      idNumber: '340101199001010013',
      phone: '13900000001',
      email: null,
      assuranceLevel: 2,
      preferredLocale: 'zh-CN',
    });
    assert.deepEqual(filled, {
      applicant: { name: '张伟', idNumber: '340101199001010013', phone: '13900000001' },
    });
  });

  it('refuses a form whose pages or questions repeat an id', () => {
    const twice = { pages: [DEMO_FORMS['CG-0101']?.pages[0], DEMO_FORMS['CG-0101']?.pages[0]] };
    const parsed = formDefinitionSchema.safeParse(twice);
    assert.equal(parsed.success, false);
    assert.ok(parsed.error?.issues.some((i) => i.message === 'error.duplicatePage'));
  });
});
