import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, count, eq, inArray, sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { AppError } from '../../kernel/errors.ts';
import { outboxEvents } from '../../kernel/events/events.tables.ts';
import type { EventBatchHandler, EventBus } from '../../kernel/events/events.ts';
import { mailRecords } from '../../kernel/mail/mail.tables.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import { type FormsService, sampleAnswers } from '../forms/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import { createCasesService, filesIn } from './cases.service.ts';
import { cases, caseTasks } from './db/cases.tables.ts';
import { caseNotifications } from './db/notifications.tables.ts';
import { parseCaseNumber } from './domain/case-number.ts';
import type { CasesModule } from './index.ts';
import { createNotificationsService } from './notifications.service.ts';

const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
const client = { clientAddress: '192.0.2.9', userAgent: 'test', requestId: 'req_cases' };
const person = (accountId: string, assuranceLevel: 1 | 2 | 3 = 2): Actor => ({
  kind: 'person',
  accountId,
  assuranceLevel,
  mandates: [],
});
const staff = (accountId: string, departmentCode: string, role: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
const ADMIN = staff('acct_admin', 'DSJ', 'platform_admin');
const CITIZEN = person('acct_wang_fang');
// The four departments' clerks of the restaurant case (刘洋, 赵磊, 孙丽, 周强 in the demo city).
const CLERKS: Record<string, Actor> = {
  SJ: staff('acct_sj_clerk', 'SJ', 'clerk'),
  XF: staff('acct_xf_clerk', 'XF', 'clerk'),
  HB: staff('acct_hb_clerk', 'HB', 'clerk'),
  CG: staff('acct_cg_clerk', 'CG', 'clerk'),
};

const rejects = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);

for (const engine of ENGINES) {
  describe(`cases: applying, parallel approval and supplements (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let service: CasesModule;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      service = platform.contracts.cases as CasesModule;
    });

    /** Answers that pass the service's demo form, different per seed, with a material `uploader` uploaded. */
    const answersFor = async (serviceCode: string, seed = 1, uploader = 'acct_wang_fang') => {
      const forms = platform.contracts.forms as FormsService;
      const form = await forms.activeForm(serviceCode);
      assert.ok(form, `${serviceCode} has a form`);
      const file = await forms.upload(uploader, { filename: 'material.pdf', bytes: PDF }, 'en');
      return sampleAnswers(form.definition, seed, undefined, file);
    };
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    const needsEngine = (t: { skip(message: string): void }) => {
      if (!opened) t.skip('PostgreSQL not reachable');
      return opened !== undefined;
    };

    it('opens the restaurant case to four departments after acceptance, and approves it only after the last', async (t) => {
      if (!needsEngine(t)) return;
      const { case: submitted } = await service.submit(
        CITIZEN,
        { serviceCode: 'ZWFW-0101', answers: await answersFor('ZWFW-0101'), idempotencyKey: 'restaurant-1' },
        client,
      );
      assert.equal(
        parseCaseNumber(submitted.number),
        submitted.number,
        'the number carries a valid check character',
      );
      assert.match(submitted.number, /^ZWFW-\d{4}-\d{7}-[0-9A-Z]$/);
      assert.equal(submitted.state, 'in_progress');
      assert.ok(submitted.dueOn, 'the promised date is on the receipt');
      const [accept] = submitted.tasks;
      assert.equal(submitted.tasks.length, 1);
      assert.equal(accept?.departmentCode, 'ZWFW');

      let view = await service.decide(
        staff('acct_zwfw_clerk', 'ZWFW', 'clerk'),
        accept?.id ?? '',
        { outcome: 'approve', revision: accept?.revision ?? 0 },
        client,
      );
      const branches = view.tasks.filter((task) => task.state === 'open');
      assert.deepEqual(branches.map((task) => task.departmentCode).sort(), ['CG', 'HB', 'SJ', 'XF']);

      // Another department's reviewer cannot decide market regulation's step; nothing changes.
      const food = branches.find((task) => task.departmentCode === 'SJ');
      assert.ok(food);
      await rejects(
        service.decide(CLERKS.XF as Actor, food.id, { outcome: 'approve', revision: food.revision }, client),
        'AUTHZ_ERR_FORBIDDEN',
      );

      // Random order; the case stays in progress until the last department approves.
      const order = [...branches].sort(() => Math.random() - 0.5);
      for (const [i, task] of order.entries()) {
        view = await service.decide(
          CLERKS[task.departmentCode] as Actor,
          task.id,
          { outcome: 'approve', revision: task.revision },
          client,
        );
        assert.equal(
          view.state,
          i === order.length - 1 ? 'approved' : 'in_progress',
          `after ${task.departmentCode}`,
        );
      }
      assert.ok(view.closedAt);
      assert.deepEqual(
        view.timeline.map((entry) => entry.kind).filter((kind) => kind !== 'step_opened'),
        [
          'submitted',
          'step_approved',
          'step_approved',
          'step_approved',
          'step_approved',
          'step_approved',
          'approved',
        ],
      );
      // Deciding a step twice: the second person is told it changed, and nothing else happens.
      await rejects(
        service.decide(CLERKS.SJ as Actor, food.id, { outcome: 'approve', revision: food.revision }, client),
        'CASES_ERR_TASK_CHANGED',
      );
      const { db } = platform.kernel;
      const events = await db
        .select({ name: outboxEvents.name })
        .from(outboxEvents)
        .where(eq(outboxEvents.name, 'cases.case.approved'));
      assert.equal(events.length, 1);
      const audited = await db
        .select({ n: count() })
        .from(auditRecords)
        .where(eq(auditRecords.objectId, view.id));
      assert.ok((audited[0]?.n ?? 0) >= 7, 'submission, five decisions and the approval are audited');
    });

    it('takes only files the submitter uploaded, described as they were uploaded', async (t) => {
      if (!needsEngine(t)) return;
      const forms = platform.contracts.forms as FormsService;
      const form = await forms.activeForm('SJ-0201');
      assert.ok(form);
      // 王芳 names a file another person uploaded (a hash seen elsewhere): refused, naming each such field.
      const theirs = await forms.upload(
        'acct_someone_else',
        { filename: 'theirs.pdf', bytes: Buffer.from('%PDF-1.7\nsomeone else’s certificate\n%%EOF\n') },
        'en',
      );
      const { db } = platform.kernel;
      const [before] = await db.select({ n: count() }).from(cases);
      await assert.rejects(
        service.submit(
          CITIZEN,
          {
            serviceCode: 'SJ-0201',
            answers: sampleAnswers(form.definition, 41, undefined, theirs),
            idempotencyKey: 'not-mine-1',
          },
          client,
          'en',
        ),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'FORMS_ERR_ANSWERS_INVALID' &&
          (error.fields ?? []).length > 0 &&
          (error.fields ?? []).every((f) => /not a file you uploaded/.test(f.message)),
      );
      // A file answer without the parts an upload has (no type) would slip past the upload check: refused too.
      const { mime: _mime, ...withoutType } = theirs;
      await rejects(
        service.submit(
          CITIZEN,
          {
            serviceCode: 'SJ-0201',
            answers: sampleAnswers(form.definition, 43, undefined, withoutType as typeof theirs),
            idempotencyKey: 'not-mine-2',
          },
          client,
        ),
        'FORMS_ERR_ANSWERS_INVALID',
      );
      const [after] = await db.select({ n: count() }).from(cases);
      assert.equal(after?.n, before?.n, 'nothing was written');

      // Her own upload, sent back with a made-up type and size: the case keeps what the upload really was.
      const mine = await forms.upload('acct_wang_fang', { filename: 'mine.pdf', bytes: PDF }, 'en');
      const { case: submitted } = await service.submit(
        CITIZEN,
        {
          serviceCode: 'SJ-0201',
          answers: sampleAnswers(form.definition, 42, undefined, {
            ...mine,
            mime: 'text/html',
            size: 1,
            scan: 'clean',
          }),
          idempotencyKey: 'mine-1',
        },
        client,
      );
      const files = filesIn(submitted.answers);
      assert.ok(files.length > 0);
      for (const file of files) {
        assert.equal(file.sha256, mine.sha256);
        assert.equal(file.mime, 'application/pdf');
        assert.equal(file.size, PDF.length);
        assert.equal(file.scan, mine.scan);
      }
    });

    it('gives one case for a repeated or concurrent submission with the same key, and refuses a reused key', async (t) => {
      if (!needsEngine(t)) return;
      const submission = {
        serviceCode: 'SJ-0201',
        answers: await answersFor('SJ-0201'),
        idempotencyKey: 'food-licence-1',
      };
      const results = await Promise.all(
        Array.from({ length: 6 }, () => service.submit(CITIZEN, submission, client)),
      );
      assert.equal(new Set(results.map((r) => r.case.id)).size, 1);
      assert.equal(results.filter((r) => !r.replayed).length, 1);
      const { db } = platform.kernel;
      const [rows] = await db
        .select({ n: count() })
        .from(cases)
        .where(eq(cases.applicantId, 'acct_wang_fang'));
      const before = rows?.n;
      await rejects(
        service.submit(CITIZEN, { ...submission, answers: { other: true } }, client),
        'CASES_ERR_IDEMPOTENCY_KEY_REUSED',
      );
      const [after] = await db
        .select({ n: count() })
        .from(cases)
        .where(eq(cases.applicantId, 'acct_wang_fang'));
      assert.equal(after?.n, before);
    });

    it('writes submissions arriving together in shared statements, each case whole and each key once', async (t) => {
      if (!needsEngine(t)) return;
      const answers = await answersFor('SJ-0201', 7);
      const { db } = platform.kernel;
      const casesOfCitizen = async () =>
        (await db.select({ n: count() }).from(cases).where(eq(cases.applicantId, 'acct_wang_fang')))[0]?.n;
      const before = await casesOfCitizen();
      // 24 submissions at once, twelve keys each sent twice: the group commit batches them, duplicates included.
      const results = await Promise.all(
        Array.from({ length: 24 }, (_, i) =>
          service.submit(
            CITIZEN,
            { serviceCode: 'SJ-0201', answers, idempotencyKey: `together-${i % 12}` },
            client,
          ),
        ),
      );
      const ids = new Set(results.map((r) => r.case.id));
      assert.equal(ids.size, 12, 'one case per key');
      assert.equal(results.filter((r) => !r.replayed).length, 12);
      for (let i = 0; i < 12; i++)
        assert.equal(
          results[i]?.case.id,
          results[i + 12]?.case.id,
          'a key sent twice gives its one case twice',
        );
      assert.equal(await casesOfCitizen(), (before ?? 0) + 12, 'no case written for a duplicate that lost');
      for (const id of ids) {
        const [tasks] = await db.select({ n: count() }).from(caseTasks).where(eq(caseTasks.caseId, id));
        const [records] = await db
          .select({ n: count() })
          .from(auditRecords)
          .where(and(eq(auditRecords.objectId, id), eq(auditRecords.action, 'cases.case.submitted')));
        const [events] = await db
          .select({ n: count() })
          .from(outboxEvents)
          .where(sql`${outboxEvents.payload}->>'caseId' = ${id}`);
        assert.deepEqual(
          [tasks?.n, records?.n, events?.n],
          [1, 1, 1],
          `case ${id}: its step, record and event`,
        );
      }
    });

    it('refuses a service without a process, one not offered online, and a too low identity level', async (t) => {
      if (!needsEngine(t)) return;
      await rejects(
        service.submit(CITIZEN, { serviceCode: 'GA-0101', answers: {}, idempotencyKey: 'x1' }, client),
        'CASES_ERR_SERVICE_NOT_OPEN',
      );
      await rejects(
        service.submit(CITIZEN, { serviceCode: 'NO-9999', answers: {}, idempotencyKey: 'x2' }, client),
        'CASES_ERR_SERVICE_NOT_OPEN',
      );
      await rejects(
        service.submit(
          person('acct_low', 1),
          { serviceCode: 'SJ-0201', answers: {}, idempotencyKey: 'x3' },
          client,
        ),
        'CASES_ERR_IDENTITY_LEVEL',
      );
      // Applying for an organisation needs a mandate for it: having an account is not enough.
      await rejects(
        service.submit(
          CITIZEN,
          {
            serviceCode: 'SJ-0201',
            answers: await answersFor('SJ-0201'),
            idempotencyKey: 'x4',
            organisationId: 'org_someone_else',
          },
          client,
        ),
        'AUTHZ_ERR_FORBIDDEN',
      );
    });

    it('stops the clock for a supplement asked all at once, and runs it on when the applicant answers', async (t) => {
      if (!needsEngine(t)) return;
      const { case: submitted } = await service.submit(
        CITIZEN,
        { serviceCode: 'GJJ-0103', answers: await answersFor('GJJ-0103'), idempotencyKey: 'fund-1' },
        client,
      );
      const clerk = staff('acct_gjj_clerk', 'GJJ', 'clerk');
      const [accept] = submitted.tasks;
      assert.ok(accept);
      await rejects(
        service.decide(
          clerk,
          accept.id,
          { outcome: 'supplement', revision: accept.revision, missing: [] },
          client,
        ),
        'CASES_ERR_DECISION_INVALID',
      );
      const paused = await service.decide(
        clerk,
        accept.id,
        { outcome: 'supplement', revision: accept.revision, missing: ['购房合同第 3 页', '首付款发票'] },
        client,
      );
      assert.equal(paused.state, 'supplement');
      assert.deepEqual(paused.missing, ['购房合同第 3 页', '首付款发票']);
      assert.equal(paused.dueOn, null, 'no due date while the applicant has the case');
      const stillOpen = paused.tasks.find((task) => task.id === accept.id);
      assert.ok(stillOpen);
      await rejects(
        service.decide(clerk, accept.id, { outcome: 'approve', revision: stillOpen.revision }, client),
        'CASES_ERR_CASE_PAUSED',
      );
      // Only the applicant answers.
      await rejects(
        service.answerSupplement(person('acct_other'), paused.id, 'mine', client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      const resumed = await service.answerSupplement(CITIZEN, paused.id, '已上传', client);
      assert.equal(resumed.state, 'in_progress');
      assert.equal(resumed.dueOn, submitted.dueOn, 'answered the same day: no working day was lost');
      const task = resumed.tasks.find((x) => x.id === accept.id);
      assert.ok(task);
      const approved = await service.decide(
        clerk,
        task.id,
        { outcome: 'approve', revision: task.revision },
        client,
      );
      assert.equal(approved.tasks.filter((x) => x.state === 'open').length, 1, 'the review opens');
    });

    it('lets the applicant withdraw and the step be rejected only with a reason', async (t) => {
      if (!needsEngine(t)) return;
      const { case: first } = await service.submit(
        CITIZEN,
        { serviceCode: 'XF-0101', answers: await answersFor('XF-0101'), idempotencyKey: 'fire-1' },
        client,
      );
      const withdrawn = await service.withdraw(CITIZEN, first.id, '改期开业', client);
      assert.equal(withdrawn.state, 'withdrawn');
      assert.ok(withdrawn.tasks.every((task) => task.state === 'cancelled'));
      await rejects(service.withdraw(CITIZEN, first.id, 'again', client), 'CASES_ERR_CASE_CLOSED');

      const { case: second } = await service.submit(
        CITIZEN,
        { serviceCode: 'XF-0101', answers: await answersFor('XF-0101'), idempotencyKey: 'fire-2' },
        client,
      );
      const clerk = staff('acct_xf_clerk', 'XF', 'clerk');
      const [accept] = second.tasks;
      assert.ok(accept);
      await rejects(
        service.decide(
          clerk,
          accept.id,
          { outcome: 'reject', revision: accept.revision, reason: ' ' },
          client,
        ),
        'CASES_ERR_DECISION_INVALID',
      );
      const rejected = await service.decide(
        clerk,
        accept.id,
        { outcome: 'reject', revision: accept.revision, reason: '场所不在本市' },
        client,
      );
      assert.equal(rejected.state, 'rejected');
      assert.equal(rejected.timeline.at(-1)?.details.reason, '场所不在本市');
    });

    it('shows each department its own open steps, and claims are optimistic', async (t) => {
      if (!needsEngine(t)) return;
      const { case: submitted } = await service.submit(
        CITIZEN,
        { serviceCode: 'SJ-0201', answers: await answersFor('SJ-0201'), idempotencyKey: 'food-licence-2' },
        client,
      );
      const clerk = staff('acct_sj_clerk', 'SJ', 'clerk');
      const inbox = await service.inbox(clerk);
      const mine = inbox.find((item) => item.caseId === submitted.id);
      assert.ok(mine);
      assert.equal(mine.caseNumber, submitted.number);
      assert.deepEqual(
        await service
          .inbox(staff('acct_hb_clerk', 'HB', 'clerk'))
          .then((items) => items.filter((i) => i.caseId === submitted.id)),
        [],
      );
      const claimed = await service.claim(clerk, mine.id, mine.revision, client);
      assert.equal(claimed.claimedBy, 'acct_sj_clerk');
      await rejects(
        service.claim(staff('acct_sj_clerk2', 'SJ', 'clerk'), mine.id, mine.revision, client),
        'CASES_ERR_TASK_CHANGED',
      );
      assert.ok((await service.inbox(clerk, { view: 'mine' })).some((item) => item.id === mine.id));
      await rejects(
        service.claim(staff('acct_sj_clerk2', 'SJ', 'clerk'), mine.id, claimed.revision, client),
        'CASES_ERR_TASK_CHANGED',
      );
      const released = await service.release(clerk, mine.id, claimed.revision, client);
      assert.equal(released.claimedBy, null);
    });

    it('numbers drafts of one service saved at the same moment one after the other', async (t) => {
      if (!needsEngine(t)) return;
      const active = await service.definitions.active('CG-0101');
      assert.ok(active);
      const saved = await Promise.all(
        [1, 2, 3].map((n) =>
          service.definitions.saveDraft(ADMIN, 'CG-0101', active.definition, `draft ${n}`, {
            locale: 'en',
            client,
          }),
        ),
      );
      const versions = saved.map((d) => d.version).sort((a, b) => a - b);
      assert.equal(new Set(versions).size, 3, `three numbers: ${versions.join(', ')}`);
      assert.equal((versions[2] ?? 0) - (versions[0] ?? 0), 2, 'consecutive');
    });

    it('keeps a running case on the process version it started with', async (t) => {
      if (!needsEngine(t)) return;
      const { case: running } = await service.submit(
        CITIZEN,
        { serviceCode: 'CG-0101', answers: await answersFor('CG-0101'), idempotencyKey: 'sign-1' },
        client,
      );
      const v2 = await service.definitions.saveDraft(
        ADMIN,
        'CG-0101',
        {
          start: 'accept',
          nodes: [
            {
              id: 'accept',
              type: 'task',
              kind: 'accept',
              name: { 'zh-CN': '受理', en: 'Acceptance' },
              department: 'CG',
              role: 'clerk',
              limitDays: 1,
              next: 'review',
            },
            {
              id: 'review',
              type: 'task',
              kind: 'review',
              name: { 'zh-CN': '审查', en: 'Review' },
              department: 'CG',
              role: 'reviewer',
              limitDays: 2,
              next: 'end',
            },
            { id: 'end', type: 'end' },
          ],
        },
        'add a review',
        { locale: 'en', client },
      );
      await service.definitions.activate(ADMIN, v2.id, client);
      const [accept] = running.tasks;
      assert.ok(accept);
      const done = await service.decide(
        staff('acct_cg_clerk', 'CG', 'clerk'),
        accept.id,
        { outcome: 'approve', revision: accept.revision },
        client,
      );
      assert.equal(done.state, 'approved', 'version 1 had one step');
      const { case: newer } = await service.submit(
        CITIZEN,
        { serviceCode: 'CG-0101', answers: await answersFor('CG-0101'), idempotencyKey: 'sign-2' },
        client,
      );
      const [newAccept] = newer.tasks;
      assert.ok(newAccept);
      const next = await service.decide(
        staff('acct_cg_clerk', 'CG', 'clerk'),
        newAccept.id,
        { outcome: 'approve', revision: newAccept.revision },
        client,
      );
      assert.equal(next.state, 'in_progress', 'version 2 has a review after acceptance');
    });

    it('refuses a definition with a cycle or an unassigned step, saying which, and saves nothing', async (t) => {
      if (!needsEngine(t)) return;
      const before = await service.definitions.list('SJ-0205');
      await assert.rejects(
        service.definitions.saveDraft(
          ADMIN,
          'SJ-0205',
          {
            start: 'a',
            nodes: [
              {
                id: 'a',
                type: 'task',
                kind: 'accept',
                name: { 'zh-CN': '受理', en: 'Acceptance' },
                department: 'SJ',
                role: 'clerk',
                limitDays: 1,
                next: 'b',
              },
              {
                id: 'b',
                type: 'task',
                kind: 'review',
                name: { 'zh-CN': '审查', en: 'Review' },
                department: '',
                role: '',
                limitDays: 1,
                next: 'a',
              },
              { id: 'end', type: 'end' },
            ],
          },
          '',
          { locale: 'en', client },
        ),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'CASES_ERR_DEFINITION_INVALID' &&
          error.fields.some((f) => f.message.includes('no department and role')) &&
          error.fields.some((f) => f.message.includes('a → b → a')),
      );
      assert.deepEqual(await service.definitions.list('SJ-0205'), before);
      await rejects(
        service.definitions.saveDraft(staff('acct_sj_head', 'SJ', 'head'), 'SJ-0205', {}, '', {
          locale: 'en',
          client,
        }),
        'AUTHZ_ERR_FORBIDDEN',
      );
    });

    it('lets a counter clerk of the department apply for a walk-in person checked in person (L3), one case whatever the door', async (t) => {
      if (!needsEngine(t)) return;
      const identity = platform.contracts.identity as IdentityContract;
      const li = await identity.findAccount('lina');
      assert.ok(li);
      const answers = await answersFor('SJ-0201', 21, 'acct_sj_counter');
      const submission = { serviceCode: 'SJ-0201', answers, idempotencyKey: 'counter-1' };
      const clerk = staff('acct_sj_counter', 'SJ', 'clerk');
      await rejects(service.intake(clerk, li.id, submission, client), 'CASES_ERR_IDENTITY_LEVEL');
      await rejects(
        service.intake(staff('acct_xf_counter', 'XF', 'clerk'), li.id, submission, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      // The clerk checked her ID card at the counter (the identity module's in-person check raises her to L3).
      await platform.kernel.db.execute(
        sql`update identity_accounts set assurance_level = 3 where id = ${li.id}`,
      );
      const { case: intake } = await service.intake(clerk, li.id, submission, client);
      assert.equal(intake.channel, 'counter');
      assert.equal(intake.applicantId, li.id);
      const [row] = await platform.kernel.db.select().from(cases).where(eq(cases.id, intake.id));
      assert.equal(row?.submittedBy, 'acct_sj_counter');
      // She follows it online like any other case of hers.
      const hers = await service.listMine(await identity.actorOf(li.id));
      assert.ok(hers.some((c) => c.id === intake.id));
      const again = await service.intake(clerk, li.id, submission, client);
      assert.equal(again.case.id, intake.id, 'a retried intake gives the same case');
    });

    it('tells each applicant of a batch of events once, in the site and by mail, from one handler call', async (t) => {
      if (!needsEngine(t)) return;
      const { db } = platform.kernel;
      const identity = platform.contracts.identity as IdentityContract;
      // Real accounts of the demo city, whose details carry an e-mail address.
      const [wang, lina] = [await identity.findAccount('wangfang'), await identity.findAccount('lina')];
      assert.ok(wang && lina);
      const apply = async (accountId: string, seed: number) =>
        (
          await service.submit(
            person(accountId),
            {
              serviceCode: 'ZWFW-0101',
              answers: await answersFor('ZWFW-0101', seed, accountId),
              idempotencyKey: `notify-${seed}`,
            },
            client,
          )
        ).case;
      const submitted = [await apply(wang.id, 21), await apply(wang.id, 22), await apply(lina.id, 23)];
      const handlers = new Map<string, EventBatchHandler>();
      createNotificationsService({
        db,
        mail: platform.kernel.mail,
        details: (accountIds, tx) => identity.ownDetailsOf(accountIds, tx),
        baseUrl: 'https://yiwang.example.test',
      }).subscribe({
        subscribeBatch: (_subscriber: string, name: string, handler: EventBatchHandler) =>
          handlers.set(name, handler),
      } as unknown as EventBus);
      const ids = submitted.map((c) => c.id);
      const events = (
        await db
          .select()
          .from(outboxEvents)
          .where(
            and(
              eq(outboxEvents.name, 'cases.case.submitted'),
              inArray(sql`${outboxEvents.payload}->>'caseId'`, ids),
            ),
          )
      ).map((row) => ({ ...row, payload: row.payload as Record<string, unknown> }));
      assert.equal(events.length, 3);
      const handle = handlers.get('cases.case.submitted');
      assert.ok(handle);
      await db.transaction((tx) => handle(tx, events));

      const notices = await db
        .select({
          accountId: caseNotifications.accountId,
          caseNumber: caseNotifications.caseNumber,
          kind: caseNotifications.kind,
        })
        .from(caseNotifications)
        .where(inArray(caseNotifications.caseId, ids));
      assert.deepEqual(
        notices.sort((a, b) => a.caseNumber.localeCompare(b.caseNumber)),
        submitted
          .map((c) => ({ accountId: c.applicantId, caseNumber: c.number, kind: 'submitted' }))
          .sort((a, b) => a.caseNumber.localeCompare(b.caseNumber)),
      );
      const people = await identity.ownDetailsOf([wang.id, lina.id, 'acct_sj_clerk']);
      assert.deepEqual([...people.keys()].sort(), [wang.id, lina.id].sort(), 'staff are not people');
      const mailIds: string[] = [];
      for (const c of submitted) {
        const mails = await db
          .select({ id: mailRecords.id, recipient: mailRecords.recipient })
          .from(mailRecords)
          .where(sql`${mailRecords.text} like ${`%/cases/${c.number}%`}`);
        assert.equal(mails.length, 1, `one mail about ${c.number}`);
        assert.equal(mails[0]?.recipient, people.get(c.applicantId)?.email);
        mailIds.push(mails[0]?.id ?? '');
      }
      const [queued] = await db
        .select({ n: count() })
        .from(sql`pgboss.job`)
        .where(sql`name = 'mail.send' and data->>'mailId' in ${mailIds}`);
      assert.equal(queued?.n, 3, 'each mail has its delivery job');
    });

    it('escalates a step to the department head, who may give it to one of the department’s staff', async (t) => {
      if (!needsEngine(t)) return;
      const { case: submitted } = await service.submit(
        CITIZEN,
        { serviceCode: 'SJ-0201', answers: await answersFor('SJ-0201', 31), idempotencyKey: 'escalate-1' },
        client,
      );
      const [accept] = submitted.tasks;
      assert.ok(accept);
      const clerk = staff('acct_sj_clerk', 'SJ', 'clerk');
      await rejects(
        service.escalate(clerk, accept.id, accept.revision, ' ', client),
        'CASES_ERR_DECISION_INVALID',
      );
      const escalated = await service.escalate(
        clerk,
        accept.id,
        accept.revision,
        '申请人为本单位职工亲属，需回避',
        client,
      );
      assert.equal(escalated.role, 'head');
      await rejects(
        service.decide(clerk, accept.id, { outcome: 'approve', revision: escalated.revision }, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      const liu = await (platform.contracts.identity as IdentityContract).findAccount('liuyang');
      const zhao = await (platform.contracts.identity as IdentityContract).findAccount('zhaolei');
      assert.ok(liu && zhao);
      const head = staff('acct_sj_head', 'SJ', 'head');
      await rejects(
        service.reassign(head, accept.id, escalated.revision, zhao.id, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      await rejects(
        service.reassign(clerk, accept.id, escalated.revision, liu.id, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      const given = await service.reassign(head, accept.id, escalated.revision, liu.id, client);
      assert.equal(given.claimedBy, liu.id);
      await rejects(
        service.reassign(head, accept.id, escalated.revision, liu.id, client),
        'CASES_ERR_TASK_CHANGED',
      );
      const done = await service.decide(
        head,
        accept.id,
        { outcome: 'approve', revision: given.revision },
        client,
      );
      assert.equal(done.tasks.find((x) => x.id === accept.id)?.state, 'done');
    });

    it('seeds the demo city with 张伟’s provident fund case, paused once for a missing page and running again', async (t) => {
      if (!needsEngine(t)) return;
      const identity = platform.contracts.identity as IdentityContract;
      const zhang = await identity.findAccount('zhangwei');
      assert.ok(zhang);
      const mine = await service.listMine(await identity.actorOf(zhang.id));
      const loop = mine.find((c) => c.serviceCode === 'GJJ-0103');
      assert.ok(loop, 'the demo case exists');
      assert.equal(loop.state, 'in_progress');
      assert.equal(loop.pauses.length, 1);
      assert.ok(loop.pauses[0]?.to, 'answered');
      const view = await service.get(await identity.actorOf(zhang.id), loop.number, client);
      assert.deepEqual(
        view.timeline.map((e) => e.kind).filter((k) => k.startsWith('supplement')),
        ['supplement_requested', 'supplement_answered'],
      );
      const reviewer = staff('acct_gjj_reviewer', 'GJJ', 'reviewer');
      assert.ok((await service.inbox(reviewer)).some((item) => item.caseNumber === loop.number));
    });

    it('counts time limits in working days, across a holiday, with the clock stopped while the applicant has the case', async (t) => {
      if (!needsEngine(t)) return;
      let now = new Date('2026-09-30T02:00:00Z'); // Wednesday 30 September, 10:00 in the city
      const clocked = createCasesService({
        db: platform.kernel.db,
        audit: platform.kernel.audit,
        authz: platform.kernel.authz,
        calendar: () => platform.kernel.calendar,
        timeZone: 'Asia/Shanghai',
        catalogue: platform.contracts.catalogue as CatalogueContract,
        definitions: service.definitions,
        forms: platform.contracts.forms as FormsService,
        files: platform.kernel.files,
        applicantLevel: async () => 2,
        staffOf: async () => undefined,
        now: () => now,
      });
      const { case: submitted } = await clocked.submit(
        CITIZEN,
        { serviceCode: 'SJ-0201', answers: await answersFor('SJ-0201'), idempotencyKey: 'holiday-1' },
        client,
      );
      // Promised 5 working days from 30 Sep: 8, 9, 10 (a make-up Saturday), 12, 13 October.
      assert.equal(submitted.dueOn, '2026-10-13');
      const [accept] = submitted.tasks;
      assert.ok(accept);
      const clerk = staff('acct_sj_clerk', 'SJ', 'clerk');
      await clocked.decide(
        clerk,
        accept.id,
        { outcome: 'supplement', revision: accept.revision, missing: ['营业场所平面图'] },
        client,
      );
      now = new Date('2026-10-09T02:00:00Z'); // answered Friday 9 October, after the National Day week
      const resumed = await clocked.answerSupplement(CITIZEN, submitted.id, '已补充平面图', client);
      // The applicant had it for the working days in (30 Sep, 9 Oct]: 8 and 9 October — two days later.
      assert.deepEqual(resumed.pauses, [{ from: '2026-09-30', to: '2026-10-09' }]);
      assert.equal(resumed.dueOn, '2026-10-15');
      const [task] = await platform.kernel.db.select().from(caseTasks).where(eq(caseTasks.id, accept.id));
      assert.equal(
        task?.dueOn,
        '2026-10-10',
        'the step’s own day runs on too: 1 working day + 2 paused (10 Oct is a make-up Saturday)',
      );
    });
  });
}
