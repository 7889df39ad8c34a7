import assert from 'node:assert/strict';
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gunzipSync, gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { type Database, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import {
  AuditArchiveError,
  archiveAuditLog,
  archivePublicJwk,
  archiveSigningKey,
  verifyAuditArchive,
} from './audit.archive.ts';
import { type AuditLog, createAuditLog } from './audit.ts';

const SECRET = 'archive-test-secret-of-at-least-32-characters';
const DAY = 24 * 3600 * 1000;
const daysAgo = (days: number) => new Date(Date.now() - days * DAY);

/** Ten records from 400 days ago (two blocks), five from 10 days ago (one block), two not sealed yet; archiving seals them, and its own record is appended after. */
async function withHistory(database: Database): Promise<AuditLog> {
  await migrate(database.db);
  let clock = daysAgo(400);
  const audit = createAuditLog(SECRET, { now: () => clock });
  const append = (i: number) =>
    database.db.transaction((tx) =>
      audit.record(tx, {
        actor: { id: 'acct_hejing', kind: 'staff', role: 'hotline_operator', department: 'ZWFW' },
        action: 'identity.profile.read',
        subjectId: `acct_${i}`,
        purpose: '核对来电人身份',
        details: { i },
      }),
    );
  for (let i = 1; i <= 5; i++) await append(i);
  await audit.seal(database.db);
  for (let i = 6; i <= 10; i++) await append(i);
  await audit.seal(database.db);
  clock = daysAgo(10);
  for (let i = 11; i <= 15; i++) await append(i);
  await audit.seal(database.db);
  clock = new Date();
  for (let i = 16; i <= 17; i++) await append(i);
  return createAuditLog(SECRET);
}

function engineSuite(name: string, open: () => Promise<OpenedDatabase | undefined>) {
  describe(`audit archive on ${name}`, () => {
    it('exports old blocks to a signed file that verifies alone, prunes them, and the log still verifies', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-archive-'));
      try {
        const { db } = opened.database;
        const audit = await withHistory(opened.database);
        const file = path.join(dir, 'audit-2025.ndjson.gz');
        const result = await archiveAuditLog(db, audit, SECRET, { before: daysAgo(200), file, prune: true });
        assert.deepEqual(
          { ...result, sha256: result.sha256.length },
          { file, fromBlock: 1, toBlock: 2, records: 10, throughSeq: 10, sha256: 64, pruned: true },
        );

        // Anyone with the published key checks the signature; with the secret, the chain inside too.
        const jwk = archivePublicJwk(SECRET);
        const publicKey = archiveSigningKey(SECRET).publicKey;
        const alone = await verifyAuditArchive(file, { publicKey });
        assert.deepEqual(alone, {
          ok: true,
          kid: jwk.kid,
          fromBlock: 1,
          toBlock: 2,
          records: 10,
          chainChecked: false,
        });
        assert.equal((await verifyAuditArchive(file, { publicKey, keys: audit.keys })).ok, true);
        const otherKey = archiveSigningKey('somebody-else-entirely-with-32-characters').publicKey;
        assert.match(
          (await verifyAuditArchive(file, { publicKey: otherKey })).problem ?? '',
          /signature does not match/,
        );

        // The records are gone from the database; what stays verifies from the anchor, and says it was archived.
        const [left] = await queryRows<{ n: number; min: string }>(
          db,
          sql`select count(*)::int as n, min(seq)::text as min from kernel_audit_records`,
        );
        assert.deepEqual(left, { n: 8, min: '11' });
        assert.deepEqual(await audit.verify(db), { ok: true, checked: 8, unsealed: 1 });
        const [archived] = await queryRows<{ details: { toBlock: number; pruned: boolean } }>(
          db,
          sql`select details from kernel_audit_records where action = 'kernel.audit.archived'`,
        );
        assert.equal(archived?.details.toBlock, 2);

        // Nothing older is left to archive; a second run says so and writes nothing.
        await assert.rejects(
          archiveAuditLog(db, audit, SECRET, {
            before: daysAgo(200),
            file: path.join(dir, 'again.ndjson.gz'),
            prune: true,
          }),
          /nothing to archive/,
        );
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await opened.drop();
      }
    });

    it('refuses to archive within the retention period or over an existing file, and catches a changed archive', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-archive-'));
      try {
        const { db } = opened.database;
        const audit = await withHistory(opened.database);
        const file = path.join(dir, 'audit.ndjson.gz');
        await assert.rejects(
          archiveAuditLog(db, audit, SECRET, { before: daysAgo(100), file, prune: false }),
          (e: unknown) => e instanceof AuditArchiveError && /kept online for 180 days/.test(e.message),
        );
        await assert.rejects(
          archiveAuditLog(db, audit, SECRET, {
            before: daysAgo(300),
            file,
            prune: false,
            retentionDays: 365,
          }),
          /kept online for 365 days/,
        );
        await archiveAuditLog(db, audit, SECRET, { before: daysAgo(200), file, prune: false });
        await assert.rejects(
          archiveAuditLog(db, audit, SECRET, { before: daysAgo(200), file, prune: false }),
          /already exists/,
        );
        // Without pruning, the records stay and the anchor does not move.
        assert.deepEqual(await audit.verify(db), { ok: true, checked: 18, unsealed: 1 });

        const publicKey = archiveSigningKey(SECRET).publicKey;
        const text = gunzipSync(readFileSync(file)).toString('utf8');
        const changed = path.join(dir, 'changed.ndjson.gz');
        writeFileSync(changed, gzipSync(text.replace('核对来电人身份', '随便看看')));
        assert.match(
          (await verifyAuditArchive(changed, { publicKey })).problem ?? '',
          /changed after it was signed/,
        );
        const truncated = path.join(dir, 'truncated.ndjson.gz');
        writeFileSync(truncated, gzipSync(text.split('\n').slice(0, -2).join('\n')));
        assert.match((await verifyAuditArchive(truncated, { publicKey })).problem ?? '', /no signature/);
      } finally {
        rmSync(dir, { recursive: true, force: true });
        await opened.drop();
      }
    });

    it('catches records removed by moving the anchor without an archive', async (t) => {
      const opened = await open();
      if (!opened) return t.skip('engine not available');
      try {
        const { db } = opened.database;
        const audit = await withHistory(opened.database);
        const [block] = await queryRows<{ hash: string }>(
          db,
          sql`select hash from kernel_audit_blocks where seq = 2`,
        );
        // What the retention exception allows anyone who can write: old records, below the anchor they set.
        await db.transaction(async (tx) => {
          await tx.execute(sql`select set_config('yiwang.audit_prune', 'on', true)`);
          await tx.execute(
            sql`update kernel_audit_head set archived_block_seq = 2, archived_hash = ${block?.hash}, archived_through = 10`,
          );
          await tx.execute(sql`delete from kernel_audit_records where seq <= 10`);
          await tx.execute(sql`delete from kernel_audit_blocks where seq <= 2`);
        });
        const result = await audit.verify(db);
        assert.equal(result.problem?.kind, 'deleted');
        assert.match(result.problem?.message ?? '', /no archive of them was recorded/);
      } finally {
        await opened.drop();
      }
    });
  });
}

for (const engine of ENGINES) engineSuite(engine.name, engine.open);
