import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { type Database, openDatabase, queryRows } from './database.ts';
import { migrate, migrationStatus, readMigrations } from './migrations.ts';

async function assertMigratesCleanly(database: Database) {
  const before = await migrationStatus(database.db);
  assert.equal(before.applied.length, 0);
  assert.equal(before.current, false);
  const applied = await migrate(database.db);
  assert.deepEqual(
    applied,
    readMigrations().map((m) => m.tag),
  );
  assert.deepEqual(await migrate(database.db), [], 'a second run applies nothing');
  const after = await migrationStatus(database.db);
  assert.equal(after.current, true);
  const tables = await queryRows<{ name: string }>(
    database.db,
    sql`select table_name as name from information_schema.tables where table_schema = 'public' order by 1`,
  );
  assert.ok(tables.some((t) => t.name === 'kernel_outbox_events'));
  assert.ok(tables.some((t) => t.name === 'organisations_departments'));
}

describe('migrations', () => {
  it('apply once, in order, on embedded PGlite', async () => {
    const database = await openDatabase({ mode: 'memory' });
    try {
      await assertMigratesCleanly(database);
    } finally {
      await database.close();
    }
  });

  it('apply once, in order, on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pgDb = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pgDb.url });
    try {
      await assertMigratesCleanly(database);
    } finally {
      await database.close();
      await pgDb.drop();
    }
  });

  it('are applied exactly once when several instances start together on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pgDb = await createTestPostgresDatabase();
    const instances = await Promise.all([1, 2, 3].map(() => openDatabase({ mode: 'server', url: pgDb.url })));
    try {
      const results = await Promise.all(instances.map((i) => migrate(i.db)));
      assert.equal(
        results.flat().length,
        readMigrations().length,
        'each migration applied by exactly one instance',
      );
      for (const instance of instances) assert.equal((await migrationStatus(instance.db)).current, true);
    } finally {
      await Promise.all(instances.map((i) => i.close()));
      await pgDb.drop();
    }
  });

  it('keep an instance ready when the database is newer (a rolling upgrade), and notice an edited migration', async () => {
    const database = await openDatabase({ mode: 'memory' });
    try {
      await migrate(database.db);
      await database.db.execute(
        sql`insert into kernel_schema_migrations (tag, hash) values ('9999_from_the_future', 'x')`,
      );
      const [first] = readMigrations();
      await database.db.execute(
        sql`update kernel_schema_migrations set hash = 'edited' where tag = ${first?.tag}`,
      );
      const status = await migrationStatus(database.db);
      assert.deepEqual(status.unknown, ['9999_from_the_future']);
      assert.deepEqual(status.changed, [first?.tag]);
      assert.equal(status.current, true, 'nothing pending: this build can serve');
    } finally {
      await database.close();
    }
  });
});
