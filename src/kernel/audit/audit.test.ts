import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import {
  createTestPostgresDatabase,
  IN_CI,
  isPostgresReachable,
  needPostgres,
} from '../../../test/support/environment.ts';
import { type Database, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { type AuditLog, canonicalJson, createAuditLog } from './audit.ts';

const SECRET = 'audit-test-secret-of-at-least-32-characters';

async function withChain(database: Database, records = 5): Promise<AuditLog> {
  await migrate(database.db);
  const audit = createAuditLog(SECRET);
  for (let i = 1; i <= records; i++) {
    await database.db.transaction((tx) =>
      audit.record(tx, {
        actor: { id: 'acct_clerk', kind: 'staff', role: 'clerk', department: 'SJ' },
        action: 'identity.profile.read',
        object: { type: 'account', id: `acct_${i}` },
        subjectId: `acct_${i}`,
        purpose: '受理开办餐饮店申请',
        request: { clientAddress: '127.0.0.1', userAgent: 'test', requestId: `req_${i}` },
        details: { fields: ['name', 'idNumber'], n: i },
      }),
    );
  }
  return audit;
}

/** Tampering as someone with the table owner's rights would: switch the guard off, change rows, switch it on. */
async function tamper(database: Database, statement: string): Promise<void> {
  await database.db.execute(sql.raw('alter table kernel_audit_records disable trigger user'));
  await database.db.execute(sql.raw(statement));
  await database.db.execute(sql.raw('alter table kernel_audit_records enable trigger user'));
}

function engineSuite(
  name: string,
  open: () => Promise<{ database: Database; drop(): Promise<void> } | undefined>,
) {
  describe(`audit chain on ${name}`, () => {
    it('verifies a clean chain and names the first altered, deleted or inserted record', async (t) => {
      for (const [statement, seq, kind] of [
        ["update kernel_audit_records set purpose = '随便看看' where seq = 3", 3, 'altered'],
        ['delete from kernel_audit_records where seq = 2', 2, 'deleted'],
        [
          'insert into kernel_audit_records select seq + 1, occurred_at, actor_id, actor_kind, mandate_id, role, department, action, object_type, object_id, subject_id, outcome, purpose, client_address, user_agent, request_id, details, hash_version, hash, hash from kernel_audit_records where seq = 5',
          6,
          'inserted',
        ],
        ['delete from kernel_audit_records where seq = 5', 5, 'deleted'],
      ] as const) {
        const opened = await open();
        if (!opened) return t.skip('engine not available');
        try {
          const audit = await withChain(opened.database);
          const clean = await audit.verify(opened.database.db);
          assert.deepEqual(clean, { ok: true, checked: 5 });
          await tamper(opened.database, statement);
          const result = await audit.verify(opened.database.db);
          assert.equal(result.ok, false, statement);
          assert.equal(result.problem?.seq, seq, statement);
          assert.equal(result.problem?.kind, kind, statement);
          assert.match(result.problem?.message ?? '', new RegExp(`Record[s]? ${seq}`));
        } finally {
          await opened.drop();
        }
      }
    });

    it('refuses UPDATE, DELETE and TRUNCATE of audit records', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        await withChain(opened.database, 1);
        for (const statement of [
          "update kernel_audit_records set purpose = 'x'",
          'delete from kernel_audit_records',
          'truncate kernel_audit_records',
        ]) {
          await assert.rejects(
            opened.database.db.execute(sql.raw(statement)),
            // Drizzle wraps the database's error; the trigger's message is in its cause.
            (e: unknown) => /append-only/.test(String((e as Error).cause ?? e)),
            statement,
          );
        }
      } finally {
        await opened.drop();
      }
    });

    it('rolls a record back with the change it reports, and keys the chain to the secret', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        const audit = await withChain(opened.database, 2);
        await assert.rejects(
          opened.database.db.transaction(async (tx) => {
            await audit.record(tx, { actor: { kind: 'system' }, action: 'kernel.test.failed' });
            throw new Error('the change failed');
          }),
        );
        const [count] = await queryRows<{ n: number }>(
          opened.database.db,
          sql`select count(*)::int as n from kernel_audit_records`,
        );
        assert.equal(count?.n, 2);
        assert.equal((await audit.verify(opened.database.db)).ok, true);
        const forger = createAuditLog('another-secret-that-is-at-least-32-characters');
        assert.equal((await forger.verify(opened.database.db)).problem?.kind, 'altered');
      } finally {
        await opened.drop();
      }
    });
  });
}

engineSuite('PGlite', async () => {
  const database = await openDatabase({ mode: 'memory' });
  return { database, drop: () => database.close() };
});

engineSuite('PostgreSQL', async () => {
  if (!(await isPostgresReachable())) {
    if (IN_CI) throw new Error('PostgreSQL is required in CI.');
    return undefined;
  }
  const pg = await createTestPostgresDatabase();
  const database = await openDatabase({ mode: 'server', url: pg.url });
  return {
    database,
    drop: async () => {
      await database.close();
      await pg.drop();
    },
  };
});

describe('audit chain under concurrency', () => {
  it('numbers records without gaps in commit order when many transactions append at once (PostgreSQL)', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pg.url, poolSize: 8 });
    try {
      const audit = await withChain(database, 0);
      await Promise.all(
        Array.from({ length: 40 }, (_, i) =>
          database.db.transaction((tx) =>
            audit.record(tx, { actor: { kind: 'system' }, action: 'kernel.test.appended', details: { i } }),
          ),
        ),
      );
      assert.deepEqual(await audit.verify(database.db), { ok: true, checked: 40 });
    } finally {
      await database.close();
      await pg.drop();
    }
  });
});

describe('canonicalJson', () => {
  it('sorts keys at every level and drops undefined, so jsonb round trips hash the same', () => {
    assert.equal(
      canonicalJson({ b: 1, a: { d: [1, { z: 2, y: 1 }], c: undefined } }),
      '{"a":{"d":[1,{"y":1,"z":2}]},"b":1}',
    );
  });
});
