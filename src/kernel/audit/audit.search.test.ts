import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { setTimeout as sleep } from 'node:timers/promises';
import { sql } from 'drizzle-orm';
import { type Database, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { lookupKeys } from './audit.chain.ts';
import { AUDIT_SEARCH_MAX_LIMIT, accessesToSubject, searchAuditRecords } from './audit.search.ts';
import { type AuditEntry, createAuditLog } from './audit.ts';

const SECRET = 'audit-search-test-secret-of-32-characters';

describe('searchAuditRecords', () => {
  let database: Database;
  let between: Date;
  const audit = createAuditLog(SECRET);
  const append = (entries: AuditEntry[]) =>
    database.db.transaction(async (tx) => {
      for (const entry of entries) await audit.record(tx, entry);
    });

  before(async () => {
    database = await openDatabase({ mode: 'memory' });
    await migrate(database.db);
    await append([
      {
        actor: { kind: 'system' },
        action: 'identity.account.created',
        object: { type: 'account', id: 'acct_1' },
      },
      {
        actor: { kind: 'system' },
        action: 'identity.account.created',
        object: { type: 'account', id: 'acct_2' },
      },
      {
        actor: { id: 'acct_clerk', kind: 'staff', role: 'clerk', department: 'SJ' },
        action: 'identity.profile.read',
        object: { type: 'account', id: 'acct_1' },
        subjectId: 'acct_1',
        purpose: '受理开办餐饮店申请',
      },
    ]);
    // Records 1 to 3 are sealed (found through their search keys); 4 and 5 are not yet (found by their numbers).
    await audit.seal(database.db);
    // Timestamps have millisecond precision: leave a clear gap on each side of the boundary.
    await sleep(15);
    between = new Date();
    await sleep(15);
    await append([
      {
        actor: { id: 'acct_clerk', kind: 'staff', role: 'clerk', department: 'SJ' },
        action: 'identity.profile.read',
        object: { type: 'account', id: 'acct_2' },
        subjectId: 'acct_2',
        outcome: 'denied',
      },
      { actor: { kind: 'system' }, action: 'organisations.department.created' },
    ]);
  });
  after(() => database.close());

  it('returns records newest first and pages by seq until the last page', async () => {
    const first = await searchAuditRecords(database.db, { limit: 2 });
    assert.deepEqual(
      first.records.map((r) => r.seq),
      [5, 4],
    );
    assert.equal(first.nextBefore, 4);
    const second = await searchAuditRecords(database.db, { limit: 2, before: first.nextBefore });
    assert.deepEqual(
      second.records.map((r) => r.seq),
      [3, 2],
    );
    const last = await searchAuditRecords(database.db, { limit: 2, before: second.nextBefore });
    assert.deepEqual(
      last.records.map((r) => r.seq),
      [1],
    );
    assert.equal(last.nextBefore, undefined);
    assert.equal('hash' in (first.records[0] ?? {}), false, 'the chain’s hashes are not part of a result');
  });

  // A function: `between` is known only once the records are appended.
  const expectations = (): [Parameters<typeof searchAuditRecords>[1], number[]][] => [
    [{ actorId: 'acct_clerk' }, [4, 3]],
    [{ action: 'identity.' }, [4, 3, 2, 1]],
    [{ action: 'identity.account.created' }, [2, 1]],
    [{ objectType: 'account', objectId: 'acct_1' }, [3, 1]],
    [{ objectType: 'account' }, [4, 3, 2, 1]],
    [{ objectId: 'acct_2' }, [4, 2]],
    [{ subjectId: 'acct_2' }, [4]],
    [{ outcome: 'denied' }, [4]],
    [{ from: between }, [5, 4]],
    [{ to: between }, [3, 2, 1]],
    [{ actorId: 'acct_clerk', from: between, outcome: 'success' }, []],
    [{ action: 'identity.', subjectId: 'acct_1' }, [3]],
  ];
  const seqs = async (filters: Parameters<typeof searchAuditRecords>[1]) =>
    (await searchAuditRecords(database.db, filters)).records.map((r) => r.seq);

  it('filters by actor, action prefix, object, subject, outcome and time, all together', async () => {
    for (const [filters, expected] of expectations())
      assert.deepEqual(await seqs(filters), expected, JSON.stringify(filters));
  });

  it('finds the same records once all of them are sealed, and each of them once', async () => {
    const { sealed } = await audit.seal(database.db);
    assert.equal(sealed, 2);
    for (const [filters, expected] of expectations())
      assert.deepEqual(await seqs(filters), expected, JSON.stringify(filters));
  });

  it('takes the action prefix literally: % and _ are not wildcards', async () => {
    assert.equal((await searchAuditRecords(database.db, { action: '%' })).records.length, 0);
    assert.equal((await searchAuditRecords(database.db, { action: 'identity_' })).records.length, 0);
    assert.equal((await searchAuditRecords(database.db, { action: 'identity\\' })).records.length, 0);
  });

  it("keys a record by its subject apart from its actor, so a busy clerk's access log reads only what is about them", async () => {
    assert.deepEqual(
      lookupKeys({
        action: 'cases.task.decided',
        actorId: 'acct_busy',
        subjectId: 'acct_applicant',
        objectId: 'case_1',
        mandateId: null,
      }),
      ['x:cases.task.decided', 'p:acct_busy', 'p:case_1', 's:acct_applicant'],
    );
    const busy = { id: 'acct_busy', kind: 'staff' as const, role: 'clerk', department: 'SJ' };
    await append(
      Array.from({ length: 40 }, (_, i) => ({
        actor: busy,
        action: 'cases.task.decided',
        object: { type: 'cases.case', id: `case_${i}` },
        subjectId: `acct_applicant_${i}`,
      })),
    );
    await append([
      {
        actor: { id: 'acct_admin', kind: 'staff', role: 'platform_admin', department: 'DSJ' },
        action: 'identity.staff.read',
        object: { type: 'account', id: 'acct_busy' },
        subjectId: 'acct_busy',
        purpose: '核对岗位权限',
      },
    ]);
    await audit.seal(database.db);
    const accesses = await accessesToSubject(database.db, 'acct_busy');
    assert.deepEqual(
      accesses.map((a) => [a.action, a.purpose]),
      [['identity.staff.read', '核对岗位权限']],
    );
    const keys = await queryRows<{ key: string; n: number }>(
      database.db,
      sql`select key, count(*)::int as n from kernel_audit_lookup where key in ('s:acct_busy', 'p:acct_busy') group by key order by key`,
    );
    assert.deepEqual(keys, [
      { key: 'p:acct_busy', n: 41 },
      { key: 's:acct_busy', n: 1 },
    ]);
    const bySubject = await searchAuditRecords(database.db, { subjectId: 'acct_applicant_7', limit: 10 });
    assert.deepEqual(
      bySubject.records.map((r) => r.objectId),
      ['case_7'],
    );
  });

  it('keeps the page size between 1 and the maximum', async () => {
    await append(
      Array.from({ length: AUDIT_SEARCH_MAX_LIMIT + 1 }, (_, i) => ({
        actor: { kind: 'system' as const },
        action: 'kernel.test.appended',
        details: { i },
      })),
    );
    const big = await searchAuditRecords(database.db, { limit: 10_000 });
    assert.equal(big.records.length, AUDIT_SEARCH_MAX_LIMIT);
    assert.equal(typeof big.nextBefore, 'number');
    assert.equal((await searchAuditRecords(database.db, { limit: 0 })).records.length, 1);
    assert.equal((await audit.verify(database.db)).ok, true);
  });
});
