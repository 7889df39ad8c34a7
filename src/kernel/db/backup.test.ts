import assert from 'node:assert/strict';
import { mkdtempSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { gzipSync } from 'node:zlib';
import { sql } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { publishEvent } from '../events/events.ts';
import { createDiskFileStore } from '../files/index.ts';
import { BackupError, createBackup, restoreBackup } from './backup.ts';
import { type Database, type Db, openDatabase, queryRows } from './database.ts';
import { migrate, migrationStatus } from './migrations.ts';

const tmp = () => mkdtempSync(path.join(tmpdir(), 'yiwang-backup-'));

/** Every row of every platform table, as JSON text sorted within each table: what a round trip must reproduce. */
async function snapshot(db: Db): Promise<Record<string, string[]>> {
  const tables = await queryRows<{ name: string }>(
    db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' and table_name <> 'kernel_schema_migrations' order by 1`,
  );
  const result: Record<string, string[]> = {};
  for (const { name } of tables) {
    const rows = await queryRows<{ j: string }>(
      db,
      sql.raw(`select row_to_json(t)::text as j from "${name}" t`),
    );
    result[name] = rows.map((r) => r.j).sort();
  }
  return result;
}

/** A platform with the demo city and an event with Chinese text and JSON inside, as the source of a backup. */
async function populatedSource(database: Database): Promise<Record<string, string[]>> {
  const platform = await startTestPlatform({ database });
  await publishEvent(platform.kernel.db, 'cases.case.approved', {
    caseId: 'case_1',
    note: '补正材料：平面图',
    n: [1, 2],
  });
  const before = await snapshot(platform.kernel.db);
  await platform.close();
  return before;
}

describe('backup and restore', () => {
  it('round-trips the embedded database into an empty data directory', async () => {
    const dir = tmp();
    const sourceDir = path.join(dir, 'source');
    const before = await populatedSource(await openDatabase({ mode: 'embedded', dataDir: sourceDir }));
    const file = path.join(dir, 'city.ndjson.gz');
    const source = await openDatabase({ mode: 'embedded', dataDir: sourceDir });
    const written = await createBackup(source, file);
    await source.close();
    assert.ok(written.rows > 30, 'departments, accounts, calendar and the event are in the backup');

    const target = await openDatabase({ mode: 'embedded', dataDir: path.join(dir, 'target') });
    try {
      const restored = await restoreBackup(target, file);
      assert.deepEqual(restored, written);
      assert.deepEqual(await snapshot(target.db), before);
      assert.equal((await migrationStatus(target.db)).current, true);
    } finally {
      await target.close();
    }
  });

  it('takes the uploaded files along, and restores them into an empty file store', async () => {
    const dir = tmp();
    const database = await openDatabase({ mode: 'memory' });
    await migrate(database.db);
    const files = createDiskFileStore(path.join(dir, 'files'));
    const plan = await files.put(Buffer.from('%PDF-1.7 场所平面图'));
    const contract = await files.put(Buffer.from('%PDF-1.7 购房合同'));
    const file = path.join(dir, 'with-files.ndjson.gz');
    const written = await createBackup(database, file, { files });
    await database.close();
    assert.equal(written.files, 2);

    const target = await openDatabase({ mode: 'memory' });
    const restoredFiles = createDiskFileStore(path.join(dir, 'restored-files'));
    try {
      await assert.rejects(restoreBackup(target, file), /no file store/, 'files are never dropped silently');
      const restored = await restoreBackup(target, file, { files: restoredFiles });
      assert.equal(restored.files, 2);
      assert.equal(
        Buffer.from((await restoredFiles.get(plan.sha256)) ?? []).toString(),
        '%PDF-1.7 场所平面图',
      );
      assert.equal(
        Buffer.from((await restoredFiles.get(contract.sha256)) ?? []).toString(),
        '%PDF-1.7 购房合同',
      );
    } finally {
      await target.close();
    }
  });

  it('round-trips PostgreSQL, and moves an embedded pilot onto PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const dir = tmp();
    const sourcePg = await createTestPostgresDatabase();
    const targetPg = await createTestPostgresDatabase();
    const pilotPg = await createTestPostgresDatabase();
    try {
      const before = await populatedSource(await openDatabase({ mode: 'server', url: sourcePg.url }));
      const file = path.join(dir, 'pg.ndjson.gz');
      const source = await openDatabase({ mode: 'server', url: sourcePg.url });
      await createBackup(source, file);
      await source.close();
      const target = await openDatabase({ mode: 'server', url: targetPg.url });
      try {
        await restoreBackup(target, file);
        assert.deepEqual(await snapshot(target.db), before);
      } finally {
        await target.close();
      }

      const embeddedDir = path.join(dir, 'pilot');
      const embeddedBefore = await populatedSource(
        await openDatabase({ mode: 'embedded', dataDir: embeddedDir }),
      );
      const pilotFile = path.join(dir, 'pilot.ndjson.gz');
      const embedded = await openDatabase({ mode: 'embedded', dataDir: embeddedDir });
      await createBackup(embedded, pilotFile);
      await embedded.close();
      const server = await openDatabase({ mode: 'server', url: pilotPg.url });
      try {
        await restoreBackup(server, pilotFile);
        assert.deepEqual(await snapshot(server.db), embeddedBefore);
      } finally {
        await server.close();
      }
    } finally {
      await Promise.all([sourcePg.drop(), targetPg.drop(), pilotPg.drop()]);
    }
  });

  it('carries sequence values, so numbers handed out before the backup are not handed out again', async () => {
    const dir = tmp();
    const source = await openDatabase({ mode: 'memory' });
    await migrate(source.db);
    await source.db.execute(sql`create sequence case_number_seq`);
    for (let i = 0; i < 5; i++) await source.db.execute(sql`select nextval('case_number_seq')`);
    const file = path.join(dir, 'seq.ndjson.gz');
    await createBackup(source, file);
    await source.close();
    const target = await openDatabase({ mode: 'memory' });
    try {
      // Sequences will come from migrations; here the test makes it as a migration would.
      await target.db.execute(sql`create sequence case_number_seq`);
      await restoreBackup(target, file);
      const [next] = await queryRows<{ n: string }>(
        target.db,
        sql`select nextval('case_number_seq')::text as n`,
      );
      assert.equal(next?.n, '6');
    } finally {
      await target.close();
    }
  });

  it('refuses a non-empty target, a damaged file and an existing output file, changing nothing', async () => {
    const dir = tmp();
    const full = await openDatabase({ mode: 'memory' });
    const platform = await startTestPlatform({ database: full, seedDemo: false });
    const file = path.join(dir, 'a.ndjson.gz');
    await createBackup(full, file);
    await assert.rejects(
      createBackup(full, file),
      (e: unknown) => e instanceof BackupError && /already exists/.test(e.message),
    );
    await assert.rejects(
      restoreBackup(full, file),
      (e: unknown) => e instanceof BackupError && /empty database/.test(e.message),
    );
    await platform.close();

    const truncated = path.join(dir, 'truncated.ndjson.gz');
    const header = {
      format: 'yiwang-backup',
      formatVersion: 1,
      createdAt: new Date().toISOString(),
      sourceMode: 'embedded',
      migrations: [],
      tables: [],
    };
    writeFileSync(truncated, gzipSync(`${JSON.stringify(header)}\n`));
    const empty = await openDatabase({ mode: 'memory' });
    try {
      await assert.rejects(
        restoreBackup(empty, truncated),
        (e: unknown) => e instanceof BackupError && /incomplete/.test(e.message),
      );
      const tables = await queryRows<{ n: number }>(
        empty.db,
        sql`select count(*)::int as n from information_schema.tables where table_schema = 'public'`,
      );
      assert.equal(tables[0]?.n, 0, 'a failed restore leaves the database empty');
      const notBackup = path.join(dir, 'x.gz');
      writeFileSync(notBackup, gzipSync('{"hello":"world"}\n'));
      await assert.rejects(restoreBackup(empty, notBackup), /not a Yiwang backup/);
    } finally {
      await empty.close();
    }
  });
});
