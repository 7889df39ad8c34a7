import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import pg from 'pg';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import {
  type Database,
  DatabaseBusyError,
  driverQuery,
  isDatabaseUnavailable,
  openDatabase,
  queryRows,
} from './database.ts';

// Text a person might type, and text an attacker would: each must arrive exactly as it was sent.
const NASTY = [
  "O'Brien",
  "'); drop table t; --",
  'back\\slash \\x41 \\',
  '$1 $2 $$ dollar',
  '换行\n制表\t引号"单引号\'',
  '😀 emoji and \u00e9',
  '',
];

async function checkDriverQuery(database: Database) {
  await database.db.execute(sql`create table t (n int, v text, j jsonb)`);
  // Inside a transaction the driver query runs on the transaction's own connection: it rolls back with it.
  await assert.rejects(
    database.db.transaction(async (tx) => {
      const query = driverQuery(tx);
      assert.ok(query, 'a driver query is found inside a transaction');
      await query({ name: 'test_insert', text: 'insert into t (n, v) values ($1, $2)', values: [1, 'x'] });
      const [seen] = await queryRows<{ n: number }>(tx, sql`select count(*)::int as n from t`);
      assert.equal(seen?.n, 1, 'the transaction sees its own insert');
      throw new Error('roll back');
    }),
    /roll back/,
  );
  const [after] = await queryRows<{ n: number }>(database.db, sql`select count(*)::int as n from t`);
  assert.equal(after?.n, 0, 'the insert rolled back with its transaction');

  const query = driverQuery(database.db);
  assert.ok(query);
  for (const [i, text] of NASTY.entries()) {
    await query({
      name: 'test_values',
      text: 'insert into t (n, v, j) values ($1, $2, $3::jsonb)',
      values: [i, text, JSON.stringify({ text })],
    });
  }
  await query({
    name: 'test_values',
    text: 'insert into t (n, v, j) values ($1, $2, $3::jsonb)',
    values: [99, null, null],
  });
  const rows = await queryRows<{ n: number; v: string | null; j: { text: string } | null }>(
    database.db,
    sql`select n, v, j from t order by n`,
  );
  assert.deepEqual(
    rows.map((r) => r.v),
    [...NASTY, null],
  );
  assert.deepEqual(
    rows.map((r) => r.j?.text ?? null),
    [...NASTY, null],
  );
  const [tables] = await queryRows<{ n: number }>(
    database.db,
    sql`select count(*)::int as n from pg_tables where tablename = 't'`,
  );
  assert.equal(tables?.n, 1, 'nothing sent as a value ran as SQL');
}

describe('driverQuery', () => {
  it('runs on the transaction’s connection and passes any text as a value, on PGlite', async () => {
    const database = await openDatabase({ mode: 'memory' });
    try {
      await checkDriverQuery(database);
    } finally {
      await database.close();
    }
  });

  it('runs on the transaction’s connection and passes any text as a value, on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pg.url });
    try {
      await checkDriverQuery(database);
    } finally {
      await database.close();
      await pg.drop();
    }
  });
});

describe('isDatabaseUnavailable', () => {
  it('tells the database going away (retry later) from a fault in the request or another service', async () => {
    // A real refusal through the pool, as the platform meets it when PostgreSQL is down.
    const pool = new pg.Pool({ host: '127.0.0.1', port: 1, connectionTimeoutMillis: 2000 });
    const refused = await pool.query('select 1').then(
      () => undefined,
      (error: unknown) => error,
    );
    await pool.end();
    const shutdown = Object.assign(new pg.DatabaseError('terminating connection', 0, 'error'), {
      code: '57P01',
    });
    const wrapped = new Error('Failed query: begin', {
      cause: new Error('Connection terminated unexpectedly'),
    });
    const broken = new Error('Client has encountered a connection error and is not queryable');
    // A write that waited too long for a batch (groupCommit's maxWait) is told to retry the same way.
    const busy = new DatabaseBusyError();
    for (const error of [refused, shutdown, wrapped, broken, busy])
      assert.equal(isDatabaseUnavailable(error), true);

    // The same codes from elsewhere are not the database: another service refusing, a client hanging up.
    const fetchFailed = await fetch('http://127.0.0.1:1/').then(
      () => undefined,
      (error: unknown) => error,
    );
    const aborted = Object.assign(new Error('aborted'), { code: 'ECONNRESET' });
    const violation = Object.assign(new pg.DatabaseError('duplicate key value', 0, 'error'), {
      code: '23505',
    });
    const lookalike = Object.assign(new Error('made up'), { code: '57P01' });
    for (const error of [fetchFailed, aborted, violation, lookalike, new Error('boom'), 'text', undefined]) {
      assert.equal(isDatabaseUnavailable(error), false, String(error));
    }
  });
});
