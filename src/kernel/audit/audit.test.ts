import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import {
  createTestPostgresDatabase,
  ENGINES,
  needPostgres,
  type OpenedDatabase,
} from '../../../test/support/environment.ts';
import { type Database, type Db, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { type AuditEntry, type AuditLog, auditLogSize, canonicalJson, createAuditLog } from './audit.ts';

const SECRET = 'audit-test-secret-of-at-least-32-characters';

const entry = (i: number): AuditEntry => ({
  actor: { id: 'acct_clerk', kind: 'staff', role: 'clerk', department: 'SJ' },
  action: 'identity.profile.read',
  object: { type: 'account', id: `acct_${i}` },
  subjectId: `acct_${i}`,
  purpose: '受理开办餐饮店申请',
  request: { clientAddress: '127.0.0.1', userAgent: 'test', requestId: `req_${i}` },
  details: { fields: ['name', 'idNumber'], n: i },
});

async function append(database: Database, audit: AuditLog, i: number): Promise<void> {
  await database.db.transaction((tx) => audit.record(tx, entry(i)));
}

/**
 * Records 1, 2, 3, then an append that rolls back (number 4 stays a gap), then 5 and 6, all sealed in block 1;
 * then 7 and 8, appended after the seal.
 */
async function withLog(database: Database): Promise<AuditLog> {
  await migrate(database.db);
  const audit = createAuditLog(SECRET);
  for (const i of [1, 2, 3]) await append(database, audit, i);
  await assert.rejects(
    database.db.transaction(async (tx) => {
      await audit.record(tx, entry(4));
      throw new Error('the change failed');
    }),
  );
  for (const i of [5, 6]) await append(database, audit, i);
  assert.deepEqual(await audit.seal(database.db), { sealed: 5, blocks: 1 });
  for (const i of [7, 8]) await append(database, audit, i);
  return audit;
}

/** Tampering as someone with the table owner's rights would: switch the guards off, change rows, switch them on. */
async function tamper(db: Db, statement: string): Promise<void> {
  for (const table of ['kernel_audit_records', 'kernel_audit_blocks'])
    await db.execute(sql.raw(`alter table ${table} disable trigger user`));
  await db.execute(sql.raw(statement));
  for (const table of ['kernel_audit_records', 'kernel_audit_blocks'])
    await db.execute(sql.raw(`alter table ${table} enable trigger user`));
}

class RolledBack extends Error {}

/** Runs `work` in a transaction that is then rolled back (DDL included): each tampering case starts from the same log. */
async function thenRollBack<T>(db: Db, work: (tx: Db) => Promise<T>): Promise<T> {
  let result: T | undefined;
  await assert.rejects(
    db.transaction(async (tx) => {
      result = await work(tx);
      throw new RolledBack();
    }),
    RolledBack,
  );
  return result as T;
}

// A record copied with a new number and id: what a forger without the secret can do.
const COLUMNS =
  'occurred_at, actor_id, actor_kind, mandate_id, role, department, action, object_type, object_id, subject_id, outcome, purpose, client_address, user_agent, request_id, details, hash_version, mac';
const copyOf = (from: number, to: number) =>
  `insert into kernel_audit_records (seq, id, ${COLUMNS}) select ${to}, id || 'X', ${COLUMNS} from kernel_audit_records where seq = ${from}`;

function engineSuite(name: string, open: () => Promise<OpenedDatabase | undefined>) {
  describe(`audit log on ${name}`, () => {
    it('verifies a clean log and names the first record altered, deleted or inserted, sealed or not', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        const { db } = opened.database;
        const audit = await withLog(opened.database);
        assert.deepEqual(await audit.verify(db), { ok: true, checked: 7, unsealed: 2 });
        for (const [statement, seq, kind] of [
          ["update kernel_audit_records set purpose = '随便看看' where seq = 3", 3, 'altered'],
          ['delete from kernel_audit_records where seq = 2', 2, 'deleted'],
          [copyOf(3, 4), 4, 'inserted'],
          ['delete from kernel_audit_records where seq = 6', 6, 'deleted'],
          ["update kernel_audit_records set outcome = 'denied' where seq = 8", 8, 'altered'],
          [copyOf(8, 9), 9, 'altered'],
          ['delete from kernel_audit_blocks where seq = 1', 1, 'deleted'],
          ["update kernel_audit_blocks set record_seqs = '{1,2,3,6}' where seq = 1", 5, 'inserted'],
          ["update kernel_audit_blocks set sealed_at = sealed_at - interval '1 day'", 1, 'altered'],
        ] as const) {
          const result = await thenRollBack(db, async (tx) => {
            await tamper(tx, statement);
            return audit.verify(tx);
          });
          assert.equal(result.ok, false, statement);
          assert.equal(result.problem?.seq, seq, `${statement}: ${result.problem?.message}`);
          assert.equal(result.problem?.kind, kind, `${statement}: ${result.problem?.message}`);
          assert.match(result.problem?.message ?? '', new RegExp(`(Record|Block)s? ${seq}`), statement);
        }
        assert.deepEqual(
          await audit.verify(db),
          { ok: true, checked: 7, unsealed: 2 },
          'every case rolled back',
        );
      } finally {
        await opened.drop();
      }
    });

    it('refuses UPDATE, DELETE and TRUNCATE of records and blocks, even to a transaction that says it prunes', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        await withLog(opened.database);
        for (const statement of [
          "update kernel_audit_records set purpose = 'x'",
          'delete from kernel_audit_records',
          'truncate kernel_audit_records',
          "update kernel_audit_blocks set hash = 'x'",
          'delete from kernel_audit_blocks',
          'truncate kernel_audit_blocks',
        ]) {
          await assert.rejects(
            opened.database.db.execute(sql.raw(statement)),
            // Drizzle wraps the database's error; the trigger's message is in its cause.
            (e: unknown) => /append-only/.test(String((e as Error).cause ?? e)),
            statement,
          );
        }
        // Archiving may delete only what it archived and what is past the retention period: neither holds here.
        await assert.rejects(
          opened.database.db.transaction(async (tx) => {
            await tx.execute(sql`select set_config('yiwang.audit_prune', 'on', true)`);
            await tx.execute(
              sql`update kernel_audit_head set archived_through = 100, archived_block_seq = 1`,
            );
            await tx.execute(sql`delete from kernel_audit_records where seq = 1`);
          }),
          (e: unknown) => /append-only/.test(String((e as Error).cause ?? e)),
        );
      } finally {
        await opened.drop();
      }
    });

    it('rolls a record back with the change it reports, and keys every MAC to the secret', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        const audit = await withLog(opened.database);
        const [count] = await queryRows<{ n: number }>(
          opened.database.db,
          sql`select count(*)::int as n from kernel_audit_records`,
        );
        assert.equal(count?.n, 7, 'the rolled-back append left no record');
        assert.equal((await audit.verify(opened.database.db)).ok, true);
        const forger = createAuditLog('another-secret-that-is-at-least-32-characters');
        assert.equal((await forger.verify(opened.database.db)).problem?.kind, 'altered');
        assert.deepEqual(await auditLogSize(opened.database.db), { records: 7, blocks: 1, sealedThrough: 6 });
        // Sealing again seals what was appended since, in a second block linked to the first.
        assert.deepEqual(await audit.seal(opened.database.db), { sealed: 2, blocks: 1 });
        assert.deepEqual(await audit.verify(opened.database.db), { ok: true, checked: 7, unsealed: 0 });
        assert.deepEqual(await audit.seal(opened.database.db), { sealed: 0, blocks: 0 });
      } finally {
        await opened.drop();
      }
    });

    it('seals the records the first chain format left, after the upgrade, and numbers new ones after them', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        const { db } = opened.database;
        await migrate(db, { upTo: '0007_api_tokens' });
        for (const seq of [1, 2, 3]) {
          await db.execute(sql`insert into kernel_audit_records (seq, occurred_at, actor_kind, action, outcome,
              hash_version, prev_hash, hash, details)
            values (${seq}, now(), 'system', 'identity.account.created', 'success', 1, 'p', 'h', ${JSON.stringify({ seq })}::jsonb)`);
        }
        await db.execute(sql`update kernel_audit_head set seq = 3, hash = 'h'`);
        await migrate(db);
        const audit = createAuditLog(SECRET);
        await append(opened.database, audit, 4);
        assert.deepEqual(await audit.seal(db), { sealed: 4, blocks: 1 });
        const rows = await queryRows<{ seq: string; id: string }>(
          db,
          sql`select seq::text, id from kernel_audit_records order by seq`,
        );
        assert.deepEqual(
          rows.map((r) => Number(r.seq)),
          [1, 2, 3, 4],
        );
        assert.deepEqual(
          rows.slice(0, 3).map((r) => r.id),
          ['aud_v1_1', 'aud_v1_2', 'aud_v1_3'],
        );
        assert.match(rows[3]?.id ?? '', /^aud_[0-9A-Z]{26}$/);
        assert.deepEqual(await audit.verify(db), { ok: true, checked: 4, unsealed: 0 });
        await tamper(db, "update kernel_audit_records set action = 'x.y.z' where seq = 2");
        assert.equal((await audit.verify(db)).problem?.kind, 'altered');
      } finally {
        await opened.drop();
      }
    });
  });
}

for (const engine of ENGINES) engineSuite(engine.name, engine.open);

describe('audit sealing under concurrency (PostgreSQL)', () => {
  it('never seals past a record whose transaction is still open, then seals both in number order', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pg.url, poolSize: 4 });
    try {
      await migrate(database.db);
      const audit = createAuditLog(SECRET);
      let release: () => void = () => {};
      const gate = new Promise<void>((resolve) => {
        release = resolve;
      });
      let appended: () => void = () => {};
      const firstAppended = new Promise<void>((resolve) => {
        appended = resolve;
      });
      // Record 1's transaction stays open while record 2 commits: commit order differs from number order.
      const slow = database.db.transaction(async (tx) => {
        await audit.record(tx, entry(1));
        appended();
        await gate;
      });
      await firstAppended;
      await append(database, audit, 2);
      const { sealSettled } = await import('./audit.sealer.ts');
      assert.deepEqual(await sealSettled(database.db, audit.keys, { maxWaitMs: 200 }), {
        sealed: 0,
        blocks: 0,
      });
      release();
      await slow;
      assert.deepEqual(await audit.seal(database.db), { sealed: 2, blocks: 1 });
      const [block] = await queryRows<{ seqs: string }>(
        database.db,
        sql`select record_seqs::text as seqs from kernel_audit_blocks`,
      );
      assert.equal(block?.seqs, '{1,2}');
      assert.deepEqual(await audit.verify(database.db), { ok: true, checked: 2, unsealed: 0 });
    } finally {
      await database.close();
      await pg.drop();
    }
  });

  it('loses and doubles nothing while many transactions append and two sealers seal at once', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pg.url, poolSize: 8 });
    try {
      await migrate(database.db);
      const audit = createAuditLog(SECRET);
      const sealers = [
        audit.startSealer(database.db, { intervalMs: 5 }),
        audit.startSealer(database.db, { intervalMs: 7 }),
      ];
      await Promise.all(
        Array.from({ length: 200 }, (_, i) =>
          database.db.transaction((tx) =>
            audit.record(tx, { actor: { kind: 'system' }, action: 'kernel.test.appended', details: { i } }),
          ),
        ),
      );
      for (const sealer of sealers) await sealer.stop();
      await audit.seal(database.db);
      assert.deepEqual(await audit.verify(database.db), { ok: true, checked: 200, unsealed: 0 });
      const [sealed] = await queryRows<{ n: number; distinct: number }>(
        database.db,
        sql`select count(*)::int as n, count(distinct s)::int as distinct from kernel_audit_blocks, unnest(record_seqs) s`,
      );
      assert.deepEqual(sealed, { n: 200, distinct: 200 });
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
