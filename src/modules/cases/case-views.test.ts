import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Actor } from '../../kernel/authz/authz.ts';
import type { FormDefinition, UploadedFile } from '../forms/index.ts';
import { applicantCaseView, audienceOf, caseViewFor, maskedAnswers, staffCaseView } from './case-views.ts';
import { type CaseTask, type CaseView, filesIn } from './cases.service.ts';

const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });

/** A form with identifiers at the top level, filled from data elements, and inside a repeating group. */
const FORM: FormDefinition = {
  pages: [
    {
      id: 'applicant',
      title: l('申请人', 'About you'),
      questions: [
        { id: 'name', type: 'text', label: l('姓名', 'Name'), required: true, maxLength: 50 },
        { id: 'idNumber', type: 'idNumber', label: l('身份证号', 'ID number'), required: true },
        { id: 'phone', type: 'phone', label: l('电话', 'Phone'), required: true },
        {
          id: 'otherId',
          type: 'text',
          label: l('证件号码', 'Document number'),
          required: false,
          maxLength: 40,
          dataElement: 'person.idNumber',
        },
      ],
    },
    {
      id: 'partners',
      title: l('合伙人', 'Partners'),
      questions: [
        {
          id: 'members',
          type: 'group',
          label: l('合伙人', 'Partners'),
          required: true,
          minItems: 1,
          maxItems: 5,
          questions: [
            { id: 'name', type: 'text', label: l('姓名', 'Name'), required: true, maxLength: 50 },
            { id: 'idNumber', type: 'idNumber', label: l('身份证号', 'ID number'), required: true },
            { id: 'phone', type: 'phone', label: l('电话', 'Phone'), required: true },
            {
              id: 'licence',
              type: 'file',
              label: l('执业证', 'Licence'),
              required: true,
              maxBytes: 1024 * 1024,
            },
          ],
        },
      ],
    },
  ],
};

const licence: UploadedFile = {
  sha256: 'a'.repeat(64),
  name: '执业证.pdf',
  mime: 'application/pdf',
  size: 2048,
  scan: 'clean',
};

const ANSWERS = {
  applicant: {
    name: '张伟',
    idNumber: '340101199001010012',
    phone: '13800000007',
    otherId: '110101198001010034',
  },
  partners: {
    members: [
      { name: '李娜', idNumber: '34010119920202002X', phone: '13911112222', licence },
      { name: '王芳', idNumber: '340101199303030036', phone: '0551-62345678' },
    ],
  },
};

const task = (overrides: Partial<CaseTask>): CaseTask => ({
  id: 'task_1',
  caseId: 'case_1',
  nodeId: 'accept',
  kind: 'accept',
  departmentCode: 'ZWFW',
  role: 'clerk',
  state: 'open',
  outcome: null,
  reason: null,
  claimedBy: null,
  openedOn: '2026-03-02',
  dueOn: '2026-03-03',
  decidedAt: null,
  revision: 1,
  ...overrides,
});

const at = new Date('2026-03-02T01:00:00Z');

const VIEW: CaseView = {
  id: 'case_1',
  number: 'ZWFW-2026-0000001-K',
  serviceCode: 'ZWFW-0101',
  departmentCode: 'ZWFW',
  applicantId: 'acct_applicant',
  organisationId: null,
  channel: 'online',
  state: 'in_progress',
  formId: 'form_1',
  answers: structuredClone(ANSWERS),
  startedOn: '2026-03-02',
  statutoryDays: 20,
  promisedDays: 10,
  dueOn: '2026-03-16',
  statutoryDueOn: '2026-03-30',
  missing: [],
  pauses: [],
  submittedAt: at,
  closedAt: null,
  revision: 3,
  tasks: [
    task({
      id: 'task_accept',
      state: 'done',
      outcome: 'approved',
      reason: '内部：已电话核实，材料齐全',
      claimedBy: 'acct_staff_chen',
      decidedAt: at,
    }),
    task({
      id: 'task_fire',
      nodeId: 'fire',
      kind: 'review',
      departmentCode: 'XF',
      claimedBy: 'acct_staff_zhao',
    }),
    task({
      id: 'task_env',
      nodeId: 'env',
      kind: 'review',
      departmentCode: 'HB',
      state: 'done',
      outcome: 'rejected',
      reason: '排污口位置不符合规划',
      claimedBy: 'acct_staff_sun',
      decidedAt: at,
    }),
  ],
  timeline: [
    { at, kind: 'submitted', departmentCode: 'ZWFW', details: { number: 'ZWFW-2026-0000001-K' } },
    { at, kind: 'step_opened', departmentCode: 'ZWFW', details: { step: 'accept' } },
    {
      at,
      kind: 'step_approved',
      departmentCode: 'ZWFW',
      details: { step: 'accept', note: '内部：已电话核实，材料齐全', decidedBy: 'acct_staff_chen' },
    },
    {
      at,
      kind: 'escalated',
      departmentCode: 'XF',
      details: { by: 'acct_staff_zhao', reason: '内部：需科长把关' },
    },
    { at, kind: 'reassigned', departmentCode: 'XF', details: { to: 'acct_staff_qian' } },
    { at, kind: 'supplement_requested', departmentCode: 'XF', details: { missing: ['消防平面图'] } },
    { at, kind: 'supplement_answered', departmentCode: null, details: { note: '已上传' } },
    { at, kind: 'step_rejected', departmentCode: 'HB', details: { reason: '排污口位置不符合规划' } },
    { at, kind: 'rejected', departmentCode: 'ZWFW', details: { reason: '排污口位置不符合规划' } },
  ],
};

const person = (accountId: string): Actor => ({ kind: 'person', accountId, assuranceLevel: 2, mandates: [] });
const staff: Actor = {
  kind: 'staff',
  accountId: 'acct_staff_chen',
  clearance: 'internal',
  roles: [{ departmentCode: 'ZWFW', role: 'clerk' }],
};
const machine: Actor = {
  kind: 'client',
  clientId: 'tok_1',
  scopes: ['cases.task.decide'],
  departmentCode: 'ZWFW',
};

describe('case views', () => {
  describe('the staff view', () => {
    it('masks ID and phone numbers at the top level, from data elements and inside repeating groups', () => {
      const masked = maskedAnswers(VIEW.answers, FORM) as typeof ANSWERS;
      assert.equal(masked.applicant.name, '张伟');
      assert.equal(masked.applicant.idNumber, '340101********0012');
      assert.equal(masked.applicant.phone, '138****0007');
      assert.equal(
        masked.applicant.otherId,
        '110101********0034',
        'a text question filled from person.idNumber',
      );
      const [first, second] = masked.partners.members;
      assert.equal(first?.idNumber, '340101********002X');
      assert.equal(first?.phone, '139****2222');
      assert.equal(first?.name, '李娜');
      assert.equal(second?.idNumber, '340101********0036');
      assert.equal(second?.phone, '055******5678');
      assert.doesNotMatch(
        JSON.stringify(masked),
        /199001010012|13800000007|19920202002X|13911112222|62345678/,
      );
    });

    it('keeps files inside groups, so they are listed among the materials and can be downloaded', () => {
      const view = staffCaseView(VIEW, FORM);
      assert.deepEqual(filesIn(view.answers), [licence]);
      assert.deepEqual((view.answers as typeof ANSWERS).partners.members[0]?.licence, licence);
    });

    it('leaves the case as loaded untouched, and the rest of the case whole', () => {
      const view = staffCaseView(VIEW, FORM);
      assert.deepEqual(VIEW.answers, ANSWERS, 'the loaded answers are not changed in place');
      assert.deepEqual(view.tasks, VIEW.tasks, 'staff see who claimed a step and the approver’s note');
      assert.deepEqual(view.timeline, VIEW.timeline);
    });

    it('masks by shape when the form is not known', () => {
      const masked = maskedAnswers(VIEW.answers, undefined) as typeof ANSWERS;
      assert.equal(masked.applicant.idNumber, '340101********0012');
      assert.equal(masked.applicant.phone, '138****0007');
      assert.equal(masked.partners.members[1]?.phone, '055******5678');
      assert.equal(masked.applicant.name, '张伟');
      assert.deepEqual(masked.partners.members[0]?.licence, licence);
    });
  });

  describe('the applicant view', () => {
    const view = applicantCaseView(VIEW);

    it('leaves out who claimed each step', () => {
      assert.equal(view.tasks.length, 3);
      for (const t of view.tasks) assert.ok(!('claimedBy' in t), `${t.id} has no claimedBy`);
      assert.doesNotMatch(JSON.stringify(view), /acct_staff/);
    });

    it('shows a rejection’s reason but not an approver’s note', () => {
      assert.equal(view.tasks.find((t) => t.id === 'task_accept')?.reason, null);
      assert.equal(view.tasks.find((t) => t.id === 'task_env')?.reason, '排污口位置不符合规划');
      assert.doesNotMatch(JSON.stringify(view), /内部/);
    });

    it('keeps the steps’ states, outcomes and due dates, and the public timeline', () => {
      assert.deepEqual(
        view.tasks.map((t) => [t.id, t.state, t.outcome, t.dueOn]),
        VIEW.tasks.map((t) => [t.id, t.state, t.outcome, t.dueOn]),
      );
      assert.deepEqual(
        view.timeline.map((e) => e.kind),
        [
          'submitted',
          'step_opened',
          'step_approved',
          'supplement_requested',
          'supplement_answered',
          'step_rejected',
          'rejected',
        ],
        'escalations and reassignments are internal',
      );
      assert.deepEqual(view.timeline.find((e) => e.kind === 'step_approved')?.details, { step: 'accept' });
      assert.deepEqual(view.timeline.find((e) => e.kind === 'supplement_requested')?.details, {
        missing: ['消防平面图'],
      });
      assert.deepEqual(view.timeline.find((e) => e.kind === 'rejected')?.details, {
        reason: '排污口位置不符合规划',
      });
    });

    it('shows the applicant their own answers whole', () => {
      assert.deepEqual(view.answers, ANSWERS);
    });
  });

  describe('who sees what', () => {
    it('gives the applicant their view, someone under a mandate the same with identifiers masked, staff the staff view', () => {
      assert.equal(audienceOf(person('acct_applicant'), VIEW), 'applicant');
      assert.equal(audienceOf(person('acct_colleague'), VIEW), 'representative');
      assert.equal(audienceOf(staff, VIEW), 'staff');
      assert.equal(audienceOf(machine, VIEW), 'staff');

      const own = caseViewFor(person('acct_applicant'), VIEW, FORM);
      assert.ok(own.tasks.every((t) => !('claimedBy' in t)));
      assert.equal((own.answers as typeof ANSWERS).applicant.idNumber, '340101199001010012');

      const colleague = caseViewFor(person('acct_colleague'), VIEW, FORM);
      assert.ok(colleague.tasks.every((t) => !('claimedBy' in t)));
      assert.equal((colleague.answers as typeof ANSWERS).applicant.idNumber, '340101********0012');

      for (const actor of [staff, machine]) {
        const seen = caseViewFor(actor, VIEW, FORM);
        assert.equal((seen.answers as typeof ANSWERS).partners.members[0]?.idNumber, '340101********002X');
        assert.equal(
          seen.tasks[0] && 'claimedBy' in seen.tasks[0] ? seen.tasks[0].claimedBy : undefined,
          'acct_staff_chen',
        );
      }
    });
  });
});
