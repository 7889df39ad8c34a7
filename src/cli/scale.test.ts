import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../test/support/environment.ts';
import { startTestPlatform } from '../../test/support/platform.ts';
import type { Platform } from '../app.ts';
import { queryRows } from '../kernel/db/database.ts';
import { isValidResidentId } from '../modules/identity/domain/identifiers.ts';
import { type ScaleReport, type ScaleSize, seedAtScale } from './scale.ts';

const quiet = () => ({ tick() {}, setTotal() {}, stop() {} });
// More items than the demo city's catalogue, so the import runs; several case batches, so they join up.
const SIZE: ScaleSize = { people: 240, items: 260, cases: 300 };

for (const engine of ENGINES) {
  describe(`seed --scale (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let first: ScaleReport;
    let second: ScaleReport;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      first = await seedAtScale(platform, SIZE, { progress: quiet, batchSize: 90 });
      second = await seedAtScale(platform, SIZE, { progress: quiet, batchSize: 90 });
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });
    const needsEngine = (t: { skip(message: string): void }) => {
      if (!opened) t.skip('PostgreSQL not reachable');
      return !opened;
    };
    const rows = <T>(query: ReturnType<typeof sql>) => queryRows<T>(platform.kernel.db, query);

    it('makes people with valid, distinct ID numbers, phones and e-mail addresses', async (t) => {
      if (needsEngine(t)) return;
      assert.equal(first.people.added, SIZE.people);
      const people = await rows<{ id_number: string; phone: string; email: string }>(
        sql`select id_number, phone, email from identity_accounts where id like 'acct_GEN%'`,
      );
      assert.equal(people.length, SIZE.people);
      for (const person of people) assert.ok(isValidResidentId(person.id_number), person.id_number);
      for (const column of ['id_number', 'phone', 'email'] as const)
        assert.equal(new Set(people.map((p) => p[column])).size, SIZE.people, `${column} repeats`);
    });

    it('publishes the catalogue items through the import', async (t) => {
      if (needsEngine(t)) return;
      assert.ok(first.items.imported > 0);
      assert.ok(first.items.total >= SIZE.items, `${first.items.total} published`);
    });

    it('makes cases whose applicants are the generated people', async (t) => {
      if (needsEngine(t)) return;
      assert.equal(first.cases.added, SIZE.cases);
      assert.equal(first.cases.total, SIZE.cases);
      const [orphans] = await rows<{ n: number }>(
        sql`select count(*)::int as n from cases_cases c
            where c.applicant_id like 'acct_GEN%'
              and not exists (select 1 from identity_accounts a where a.id = c.applicant_id)`,
      );
      assert.equal(orphans?.n, 0);
    });

    it('writes each case its audit records at its own times, and seals them into a chain that verifies', async (t) => {
      if (needsEngine(t)) return;
      const [submitted] = await rows<{ n: number; mismatched: number }>(
        sql`select count(*)::int as n,
              count(*) filter (where r.occurred_at <> c.submitted_at)::int as mismatched
            from kernel_audit_records r join cases_cases c on c.id = r.object_id
            where r.action = 'cases.case.submitted' and c.applicant_id like 'acct_GEN%'`,
      );
      assert.equal(submitted?.n, SIZE.cases);
      assert.equal(submitted?.mismatched, 0);
      const [closings] = await rows<{ cases: number; records: number }>(
        sql`select (select count(*)::int from cases_cases
                    where applicant_id like 'acct_GEN%' and state in ('approved', 'rejected', 'withdrawn')) as cases,
                   (select count(*)::int from kernel_audit_records
                    where action in ('cases.case.approved', 'cases.case.rejected', 'cases.case.withdrawn')
                      and object_id in (select id from cases_cases where applicant_id like 'acct_GEN%')) as records`,
      );
      assert.equal(closings?.records, closings?.cases);
      const [decided] = await rows<{ tasks: number; records: number }>(
        sql`select (select count(*)::int from cases_tasks t join cases_cases c on c.id = t.case_id
                    where c.applicant_id like 'acct_GEN%' and t.state = 'done') as tasks,
                   (select count(*)::int from kernel_audit_records where action = 'cases.task.decided'
                      and object_id in (select id from cases_cases where applicant_id like 'acct_GEN%')) as records`,
      );
      assert.equal(decided?.records, decided?.tasks);
      assert.ok(first.cases.auditRecords >= SIZE.cases + (closings?.cases ?? 0) + (decided?.tasks ?? 0));
      assert.ok(first.seal.records >= first.cases.auditRecords);
      const verified = await platform.kernel.audit.verify(platform.kernel.db);
      assert.equal(verified.ok, true, JSON.stringify(verified));
      const [unsealed] = await rows<{ n: number }>(
        sql`select count(*)::int as n from kernel_audit_records
            where seq > (select sealed_through from kernel_audit_head where id = 1)`,
      );
      assert.equal(unsealed?.n, 0);
    });

    it('adds nothing when run again at the same size', async (t) => {
      if (needsEngine(t)) return;
      assert.equal(second.people.added, 0);
      assert.equal(second.items.imported, 0);
      assert.equal(second.cases.added, 0);
      assert.equal(second.cases.total, SIZE.cases);
      assert.equal(second.people.total, first.people.total);
    });
  });
}
