import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { uploadSample } from '../../../../test/support/materials.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson, signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { auditRecords } from '../../../kernel/audit/audit.tables.ts';
import { type FormsService, sampleAnswers } from '../../forms/index.ts';
import type { IdentityContract } from '../../identity/index.ts';
import type { CasesModule } from '../index.ts';

describe('the staff workbench', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let cases: CasesModule;
  let number: string;
  let applicantId: string;
  // A member of staff enrols the second factor at the first sign-in: later tests reuse that browser.
  const sessions = new Map<string, FormClient>();
  const staff = async (username: string, address: string) => {
    const known = sessions.get(username);
    if (known) return known;
    const signedIn = await signInStaff(app, username, address);
    sessions.set(username, signedIn);
    return signedIn;
  };

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    cases = platform.contracts.cases as CasesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const zhang = await identity.findAccount('zhangwei');
    assert.ok(zhang);
    applicantId = zhang.id;
    const form = await (platform.contracts.forms as FormsService).activeForm('ZWFW-0101');
    assert.ok(form);
    const { case: submitted } = await cases.submit(
      await identity.actorOf(zhang.id),
      {
        serviceCode: 'ZWFW-0101',
        answers: sampleAnswers(form.definition, 11, undefined, await uploadSample(platform, zhang.id)),
        idempotencyKey: 'workbench-1',
      },
      { clientAddress: '192.0.2.1' },
    );
    number = submitted.number;
  });
  after(() => platform.close());

  it('takes the restaurant case from the service centre through four departments, refusing what is not theirs to decide', async () => {
    const chen = await signInStaff(app, 'chenjing', '198.51.100.71');
    const inbox = await chen.get('/workbench/tasks');
    assert.equal(inbox.statusCode, 200);
    assert.match(inbox.body, new RegExp(`href="/workbench/cases/${number}"`));

    // The applicant's identifiers are masked until a reason is given, and the reason is recorded.
    const opened = await chen.get(`/workbench/cases/${number}`);
    assert.equal(opened.statusCode, 200);
    assert.match(opened.body, /340101\*{8}\d{3}[\dX]/);
    assert.doesNotMatch(opened.body, /34010119900101\d{3}[\dX]/);
    assert.match(opened.body, /138\*{4}\d{4}/);
    const token = chen.token(opened.body);
    const revealed = await chen.post(`/workbench/cases/${number}/reveal`, {
      _csrf: token,
      purpose: '核对申请人身份',
    });
    assert.equal(revealed.statusCode, 200);
    assert.match(revealed.body, /34010119900101\d{3}[\dX]/);
    const [record] = await platform.kernel.db
      .select()
      .from(auditRecords)
      .where(and(eq(auditRecords.action, 'cases.case.revealed'), eq(auditRecords.subjectId, applicantId)));
    assert.equal(record?.purpose, '核对申请人身份');

    // A decision without an outcome is reported on the form; then the acceptance goes through.
    const task = /action="\/workbench\/tasks\/(task_[0-9A-Z]+)\/decision"/.exec(opened.body)?.[1];
    const revision = /name="revision" value="(\d+)"/.exec(opened.body)?.[1];
    assert.ok(task && revision);
    const empty = await chen.post(`/workbench/tasks/${task}/decision`, { _csrf: token, revision });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#outcome">请选择办理意见/);
    const accepted = await chen.post(`/workbench/tasks/${task}/decision`, {
      _csrf: token,
      revision,
      outcome: 'approve',
      note: '内部备注：已电话核实',
    });
    assert.equal(accepted.statusCode, 303);
    // The approver's note is for colleagues: the applicant's page does not show it.
    const zhang = await signInPerson(app, 'zhangwei', '198.51.100.72');
    const own = await zhang.get(`/cases/${number}`);
    assert.equal(own.statusCode, 200);
    assert.ok(!own.body.includes('内部备注'));
    // The same form sent again (a second person, or the back button): refused with 409, nothing done twice.
    const again = await chen.post(`/workbench/tasks/${task}/decision`, {
      _csrf: token,
      revision,
      outcome: 'approve',
    });
    assert.equal(again.statusCode, 409);
    assert.match(again.body, /这个环节已被他人处理/);

    // Each department's clerk sees and decides only their own step.
    const clerks = { SJ: 'liuyang', XF: 'zhaolei', HB: 'sunli', CG: 'zhouqiang' } as const;
    const order = Object.entries(clerks).sort(() => Math.random() - 0.5);
    for (const [i, [department, username]] of order.entries()) {
      const clerk = await staff(username, `198.51.100.${80 + i}`);
      const page = await clerk.get(`/workbench/cases/${number}`);
      const forms = [...page.body.matchAll(/action="\/workbench\/tasks\/(task_[0-9A-Z]+)\/decision"/g)];
      assert.equal(forms.length, 1, `${department} sees one decision form, its own`);
      const own = forms[0]?.[1] ?? '';
      const ownRevision =
        /name="revision" value="(\d+)"/.exec(page.body.slice(page.body.indexOf(own)))?.[1] ?? '';
      if (i === 0) {
        // Not another department's: deciding the service centre's step is refused.
        const foreign = await clerk.post(`/workbench/tasks/${task}/decision`, {
          _csrf: clerk.token(page.body),
          revision: '2',
          outcome: 'approve',
        });
        assert.equal(foreign.statusCode, 403);
      }
      const decided = await clerk.post(`/workbench/tasks/${own}/decision`, {
        _csrf: clerk.token(page.body),
        revision: ownRevision,
        outcome: 'approve',
      });
      assert.equal(decided.statusCode, 303, `${department} approves`);
      const view = await cases.get(
        await (platform.contracts.identity as IdentityContract).actorOf(applicantId),
        number,
        {},
      );
      assert.equal(view.state, i === order.length - 1 ? 'approved' : 'in_progress');
    }
  });

  it('keeps internal comments from the applicant, and hands the materials only to those who see the case', async () => {
    const wu = await signInStaff(app, 'wumin', '198.51.100.90');
    const page = await wu.get(`/workbench/cases/${number}`);
    const added = await wu.post(`/workbench/cases/${number}/comments`, {
      _csrf: wu.token(page.body),
      body: '场所平面图与现场一致',
    });
    assert.equal(added.statusCode, 303);
    assert.match((await wu.get(`/workbench/cases/${number}?commented=1`)).body, /场所平面图与现场一致/);
    const hash = /href="\/workbench\/cases\/[^/]+\/files\/([0-9a-f]{64})"/.exec(page.body)?.[1];
    assert.ok(hash, 'the floor plan is listed');
    // The applicant's upload is handed to staff who see the case; a guessed hash opens nothing.
    const material = await wu.get(`/workbench/cases/${number}/files/${hash}`);
    assert.equal(material.statusCode, 200);
    assert.match(material.body, /^%PDF-/);
    assert.equal((await wu.get(`/workbench/cases/${number}/files/${'0'.repeat(64)}`)).statusCode, 404);
    const visitor = await app.inject({ url: `/workbench/cases/${number}` });
    assert.equal(visitor.statusCode, 303);
  });

  it('masks identifiers inside repeating groups, and lists and hands out a file given inside a group', async () => {
    const identity = platform.contracts.identity as IdentityContract;
    const forms = platform.contracts.forms as FormsService;
    const l = (zh: string, en: string) => ({ 'zh-CN': zh, en });
    const admin = await identity.actorOf((await identity.findAccount('machao'))?.id ?? '');
    await forms.publishForm(
      admin,
      'SJ-0201',
      {
        pages: [
          {
            id: 'partners',
            title: l('合伙人', 'Partners'),
            questions: [
              {
                id: 'members',
                type: 'group',
                label: l('合伙人', 'Partners'),
                questions: [
                  { id: 'name', type: 'text', label: l('姓名', 'Name') },
                  { id: 'idNumber', type: 'idNumber', label: l('身份证号码', 'ID number') },
                  { id: 'phone', type: 'phone', label: l('联系电话', 'Phone') },
                  { id: 'health', type: 'file', label: l('健康证明', 'Health certificate') },
                ],
              },
            ],
          },
        ],
      },
      { locale: 'zh-CN', client: { clientAddress: '192.0.2.1' } },
    );
    const bytes = Buffer.from('%PDF-1.4 health certificate of 李娜');
    const health = await (platform.contracts.forms as FormsService).upload(
      applicantId,
      { filename: '李娜健康证.pdf', bytes },
      'zh-CN',
    );
    const { case: grouped } = await cases.submit(
      await identity.actorOf(applicantId),
      {
        serviceCode: 'SJ-0201',
        answers: {
          partners: {
            members: [
              {
                name: '李娜',
                idNumber: '11010519491231002X',
                phone: '13912345678',
                health,
              },
            ],
          },
        },
        idempotencyKey: 'workbench-group',
      },
      { clientAddress: '192.0.2.1' },
    );
    const liu = await staff('liuyang', '198.51.100.91');
    const page = await liu.get(`/workbench/cases/${grouped.number}`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /110105\*{8}002X/);
    assert.match(page.body, /139\*{4}5678/);
    assert.ok(!page.body.includes('11010519491231002X') && !page.body.includes('13912345678'));
    assert.match(page.body, new RegExp(`href="/workbench/cases/${grouped.number}/files/${health.sha256}"`));
    const download = await liu.get(`/workbench/cases/${grouped.number}/files/${health.sha256}`);
    assert.equal(download.statusCode, 200);
    assert.equal(download.rawPayload.toString(), Buffer.from(bytes).toString());
  });

  it('takes an escalated step out of the clerk’s inbox', async () => {
    const identity = platform.contracts.identity as IdentityContract;
    const form = await (platform.contracts.forms as FormsService).activeForm('CG-0101');
    assert.ok(form);
    const { case: sign } = await cases.submit(
      await identity.actorOf(applicantId),
      {
        serviceCode: 'CG-0101',
        answers: sampleAnswers(form.definition, 12, undefined, await uploadSample(platform, applicantId)),
        idempotencyKey: 'workbench-escalate',
      },
      { clientAddress: '192.0.2.1' },
    );
    const task = sign.tasks[0];
    assert.ok(task);
    const clerkActor = await identity.actorOf((await identity.findAccount('zhouqiang'))?.id ?? '');
    const escalated = await cases.escalate(clerkActor, task.id, task.revision, '涉及历史违章招牌', {
      clientAddress: '192.0.2.1',
    });
    assert.equal(escalated.role, 'head');
    const inbox = await cases.inbox(clerkActor);
    assert.ok(!inbox.some((item) => item.id === task.id), 'the clerk’s inbox no longer lists it');
  });
});
