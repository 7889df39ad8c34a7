import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, count, eq, like, ne, sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { uploadSample } from '../../../test/support/materials.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import type { StaffActor } from '../../kernel/authz/authz.ts';
import { civilDate } from '../../kernel/calendar/working-days.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import { type FormsService, sampleAnswers } from '../forms/index.ts';
import { cases, caseTasks } from './db/cases.tables.ts';
import { parseCaseNumber } from './domain/case-number.ts';
import type { ProcessDefinition } from './domain/process-definition.ts';
import { type GeneratedCases, generateCases } from './generate.ts';
import type { CasesModule } from './index.ts';

const staff = (accountId: string, departmentCode: string, role: string): StaffActor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
const SJ_CLERK = staff('acct_gen_sj_clerk', 'SJ', 'clerk');
const HB_CLERK = staff('acct_gen_hb_clerk', 'HB', 'clerk');
const COUNT = 500;
const OPEN_SHARE = 0.03;
// The demo city has cases of its own (张伟's supplement loop): generated ones are told apart by their applicants.
const generatedCase = like(cases.applicantId, 'acct_GEN%');

for (const engine of ENGINES) {
  describe(`generated cases (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let service: CasesModule;
    let report: GeneratedCases;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      service = platform.contracts.cases as CasesModule;
      report = await generateCases(platform.kernel.db, COUNT, {
        catalogue: platform.contracts.catalogue as CatalogueContract,
        forms: platform.contracts.forms as FormsService,
        staff: [SJ_CLERK, HB_CLERK],
        openShare: OPEN_SHARE,
        seed: 7,
        // Several batches, so their numbering and steps join up across statements.
        batchSize: 120,
      });
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    const needsEngine = (t: { skip(message: string): void }) => {
      if (!opened) t.skip('PostgreSQL not reachable');
      return opened !== undefined;
    };

    it('makes that many cases, each with the steps its service’s process gives the departments', async (t) => {
      if (!needsEngine(t)) return;
      const { db } = platform.kernel;
      assert.equal(report.cases, COUNT);
      assert.equal((await db.select({ n: count() }).from(cases).where(generatedCase))[0]?.n, COUNT);
      const rows = await db
        .select({
          serviceCode: cases.serviceCode,
          number: cases.number,
          departmentCode: cases.departmentCode,
          nodeId: caseTasks.nodeId,
          kind: caseTasks.kind,
          taskDepartment: caseTasks.departmentCode,
          role: caseTasks.role,
          limitDays: caseTasks.limitDays,
        })
        .from(caseTasks)
        .innerJoin(cases, eq(cases.id, caseTasks.caseId))
        .where(generatedCase);
      assert.equal(rows.length, report.tasks);
      const definitions = new Map<string, ProcessDefinition>();
      const catalogue = platform.contracts.catalogue as CatalogueContract;
      for (const code of Object.keys(report.services)) {
        const active = await service.definitions.active(code);
        assert.ok(active, `${code} has an active process`);
        definitions.set(code, active.definition);
        assert.equal(
          rows.find((r) => r.serviceCode === code)?.departmentCode,
          (await catalogue.findService(code))?.department,
          'a case belongs to its service’s department',
        );
      }
      assert.ok(Object.keys(report.services).length >= 5, 'cases of the demo services');
      for (const row of rows) {
        const node = definitions.get(row.serviceCode)?.nodes.find((n) => n.id === row.nodeId);
        assert.ok(node?.type === 'task', `${row.serviceCode} has a step ${row.nodeId}`);
        assert.deepEqual(
          [row.taskDepartment, row.role, row.kind, row.limitDays],
          [node.department, node.role, node.kind, node.limitDays],
        );
        assert.equal(parseCaseNumber(row.number), row.number, 'a valid case number');
      }
      // The restaurant case reaches four departments in parallel after acceptance.
      const restaurant = new Set(
        rows.filter((r) => r.serviceCode === 'ZWFW-0101').map((r) => r.taskDepartment),
      );
      assert.deepEqual([...restaurant].sort(), ['CG', 'HB', 'SJ', 'XF', 'ZWFW']);
    });

    it('leaves the open share open, with open steps, and closes the rest with none', async (t) => {
      if (!needsEngine(t)) return;
      const { db } = platform.kernel;
      const all = await db
        .select({ id: cases.id, state: cases.state, closedAt: cases.closedAt, startedOn: cases.startedOn })
        .from(cases)
        .where(generatedCase);
      const open = all.filter((c) => c.state === 'in_progress' || c.state === 'supplement');
      assert.equal(open.length, Math.floor(COUNT * OPEN_SHARE));
      assert.equal(report.openCases, open.length);
      const openTasks = await db
        .select({ caseId: caseTasks.caseId })
        .from(caseTasks)
        .innerJoin(cases, eq(cases.id, caseTasks.caseId))
        .where(and(eq(caseTasks.state, 'open'), generatedCase));
      assert.equal(openTasks.length, report.openTasks);
      const withOpenSteps = new Set(openTasks.map((task) => task.caseId));
      for (const c of open) {
        assert.ok(withOpenSteps.has(c.id), 'an open case is waiting on a step');
        assert.equal(c.closedAt, null);
      }
      for (const c of all.filter((x) => !open.includes(x))) {
        assert.ok(!withOpenSteps.has(c.id), 'a closed case has no open step');
        assert.ok(c.closedAt, 'a closed case has its closing time');
      }
      const today = civilDate(new Date(), 'Asia/Shanghai');
      assert.ok(
        all.every((c) => c.startedOn <= today && (c.closedAt === null || c.closedAt.getTime() <= Date.now())),
        'nothing starts or closes in the future',
      );
    });

    it('gives answers that pass the service’s form', async (t) => {
      if (!needsEngine(t)) return;
      const forms = platform.contracts.forms as FormsService;
      const sample = await platform.kernel.db
        .select({ serviceCode: cases.serviceCode, answers: cases.answers, startedOn: cases.startedOn })
        .from(cases)
        .where(generatedCase)
        .limit(40);
      for (const c of sample) {
        const form = await forms.activeForm(c.serviceCode);
        if (!form) continue;
        assert.deepEqual(forms.problems(form.definition, c.answers, c.startedOn, 'en'), []);
      }
    });

    it('lists only its department’s open steps for its role in a clerk’s inbox', async (t) => {
      if (!needsEngine(t)) return;
      const { db } = platform.kernel;
      const items = await service.inbox(SJ_CLERK, { limit: 500 });
      assert.ok(items.length > 0, 'market regulation has open steps');
      for (const item of items) {
        assert.equal(item.departmentCode, 'SJ');
        assert.equal(item.role, 'clerk');
        assert.equal(item.state, 'open');
        assert.ok(item.caseState === 'in_progress' || item.caseState === 'supplement');
      }
      const expected = await db
        .select({ id: caseTasks.id, departmentCode: caseTasks.departmentCode, role: caseTasks.role })
        .from(caseTasks)
        .where(eq(caseTasks.state, 'open'));
      assert.deepEqual(
        items.map((i) => i.id).sort(),
        expected
          .filter((task) => task.departmentCode === 'SJ' && task.role === 'clerk')
          .map((task) => task.id)
          .sort(),
      );
      const mine = await service.inbox(SJ_CLERK, { view: 'mine', limit: 500 });
      assert.ok(mine.every((item) => item.claimedBy === SJ_CLERK.accountId));
      const environment = await service.inbox(HB_CLERK, { limit: 500 });
      assert.ok(environment.every((item) => item.departmentCode === 'HB'));
      assert.ok(!environment.some((item) => items.some((mineItem) => mineItem.id === item.id)));
    });

    it('marks what the deadline watch would already have announced, so its next run announces no generated step', async (t) => {
      if (!needsEngine(t)) return;
      const { db } = platform.kernel;
      const marks = async () => {
        const [caseMarks] = await db
          .select({
            warned: sql<number>`count(${cases.warnedOn})::int`,
            overdue: sql<number>`count(${cases.overdueOn})::int`,
          })
          .from(cases)
          .where(generatedCase);
        const [taskMarks] = await db
          .select({
            warned: sql<number>`count(${caseTasks.warnedOn})::int`,
            overdue: sql<number>`count(${caseTasks.overdueOn})::int`,
          })
          .from(caseTasks)
          .innerJoin(cases, eq(cases.id, caseTasks.caseId))
          .where(generatedCase);
        return { caseMarks, taskMarks };
      };
      const before = await marks();
      assert.ok((before.taskMarks?.overdue ?? 0) > 0, 'some open steps are overdue, as in a real city');
      await service.checkDeadlines();
      assert.deepEqual(await marks(), before);
    });

    it('takes case numbers from the platform’s sequence, so a new application gets a fresh one', async (t) => {
      if (!needsEngine(t)) return;
      const form = await (platform.contracts.forms as FormsService).activeForm('SJ-0201');
      assert.ok(form);
      const { case: submitted } = await service.submit(
        { kind: 'person', accountId: 'acct_gen_citizen', assuranceLevel: 2, mandates: [] },
        {
          serviceCode: 'SJ-0201',
          answers: sampleAnswers(
            form.definition,
            3,
            undefined,
            await uploadSample(platform, 'acct_gen_citizen'),
          ),
          idempotencyKey: 'after-generate',
        },
        { clientAddress: '192.0.2.10', userAgent: 'test', requestId: 'req_generate' },
      );
      const sequence = (number: string) => Number(number.split('-')[2]);
      const generated = await platform.kernel.db
        .select({ number: cases.number })
        .from(cases)
        .where(and(generatedCase, ne(cases.id, submitted.id)));
      assert.equal(generated.length, COUNT);
      assert.ok(generated.every((c) => sequence(c.number) < sequence(submitted.number)));
    });
  });
}
