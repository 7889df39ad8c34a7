import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import { date, integer, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { type ClaimedWrite, insertIfClaimed, rowsFor } from './claimed-insert.ts';
import { type Database, openDatabase, queryRows } from './database.ts';

const parents = pgTable('t_parents', {
  id: text('id').primaryKey(),
  label: text('label').notNull(),
  details: jsonb('details').$type<{ text: string }>().notNull(),
  startedOn: date('started_on', { mode: 'string' }).notNull(),
  at: timestamp('at', { withTimezone: true }).notNull(),
  count: integer('count').notNull().default(1),
});
const children = pgTable('t_children', {
  id: text('id').primaryKey(),
  parentId: text('parent_id')
    .notNull()
    .references(() => parents.id),
  note: text('note'),
});
const claims = pgTable(
  't_claims',
  {
    owner: text('owner').notNull(),
    key: text('key').notNull(),
    parentId: text('parent_id')
      .notNull()
      .references(() => parents.id),
  },
  (t) => [primaryKey({ columns: [t.owner, t.key] })],
);

const NASTY = "O'Brien \\x41 $1 '); drop table t_parents; -- 换行\n😀";

async function check(database: Database) {
  const { db } = database;
  await db.execute(sql`create table t_parents (id text primary key, label text not null, details jsonb not null,
    started_on date not null, at timestamptz not null, count integer not null default 1)`);
  await db.execute(sql`create table t_children (id text primary key, parent_id text not null references t_parents (id),
    note text)`);
  await db.execute(sql`create table t_claims (owner text not null, key text not null,
    parent_id text not null references t_parents (id), primary key (owner, key))`);

  const at = new Date('2026-10-08T01:02:03.456Z');
  const writeOf = (id: string, key: string, notes: (string | null)[]): ClaimedWrite => ({
    claim: rowsFor(claims, [{ owner: 'a', key, parentId: id }]),
    others: [
      rowsFor(parents, [{ id, label: NASTY, details: { text: NASTY }, startedOn: '2026-10-08', at }]),
      rowsFor(
        children,
        notes.map((note, i) => ({ id: `${id}-${i}`, parentId: id, note })),
      ),
    ],
  });
  const write = async (id: string, key: string, notes: (string | null)[]) => {
    const [claimed] = await insertIfClaimed(db, [writeOf(id, key, notes)], 'parentId');
    return claimed;
  };

  // The claim names its parent before the parent's own insert: foreign keys are checked at the statement's end.
  assert.equal(await write('p1', 'k1', ['one', null, NASTY]), true, 'a new claim inserts everything');
  assert.equal(await write('p2', 'k1', ['again']), false, 'a taken claim inserts nothing');
  assert.equal(await write('p3', 'k2', ['x']), true, 'another key is another claim');

  const rows = await queryRows<{ id: string; label: string; details: { text: string }; started_on: string }>(
    db,
    sql`select id, label, details, started_on::text, at, count from t_parents order by id`,
  );
  assert.deepEqual(
    rows.map((r) => r.id),
    ['p1', 'p3'],
  );
  assert.equal(rows[0]?.label, NASTY, 'text arrives exactly as sent');
  assert.equal(rows[0]?.details.text, NASTY, 'JSON arrives exactly as sent');
  assert.equal(rows[0]?.started_on, '2026-10-08');
  const [{ n } = { n: 0 }] = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from t_parents where at = ${at.toISOString()}::timestamptz and count = 1`,
  );
  assert.equal(n, 2, 'timestamps and defaults are kept');
  const notes = await queryRows<{ id: string; note: string | null }>(
    db,
    sql`select id, note from t_children order by id`,
  );
  assert.deepEqual(notes, [
    { id: 'p1-0', note: 'one' },
    { id: 'p1-1', note: null },
    { id: 'p1-2', note: NASTY },
    { id: 'p3-0', note: 'x' },
  ]);

  // A failing part fails the whole statement: the claim is not left behind.
  await assert.rejects(write('p1', 'k10', []), /duplicate key|unique/);
  const [{ claimsLeft } = { claimsLeft: -1 }] = await queryRows<{ claimsLeft: number }>(
    db,
    sql`select count(*)::int as "claimsLeft" from t_claims where key = 'k10'`,
  );
  assert.equal(claimsLeft, 0);

  // A batch: one statement for several writes, each claimed or not on its own — a key taken before (k2), a key
  // taken earlier in the same batch (k20), a write with no rows of a part (p22) — and each row tied to its write.
  assert.deepEqual(
    await insertIfClaimed(
      db,
      [
        writeOf('p20', 'k20', ['a', null]),
        writeOf('p21', 'k2', ['b']),
        writeOf('p22', 'k22', []),
        writeOf('p23', 'k20', ['c']),
        writeOf('p24', 'k24', [NASTY, 'd', 'e']),
      ],
      'parentId',
    ),
    [true, false, true, false, true],
  );
  assert.deepEqual(
    await queryRows(db, sql`select id, note from t_children where parent_id >= 'p2' order by id`),
    [
      { id: 'p20-0', note: 'a' },
      { id: 'p20-1', note: null },
      { id: 'p24-0', note: NASTY },
      { id: 'p24-1', note: 'd' },
      { id: 'p24-2', note: 'e' },
      { id: 'p3-0', note: 'x' },
    ],
  );
  assert.deepEqual(
    (await queryRows<{ id: string }>(db, sql`select id from t_parents order by id`)).map((r) => r.id),
    ['p1', 'p20', 'p22', 'p24', 'p3'],
  );
  const [{ details } = { details: undefined }] = await queryRows<{ details: { text: string } }>(
    db,
    sql`select details from t_parents where id = 'p24'`,
  );
  assert.equal(details?.text, NASTY, 'JSON in a batch arrives exactly as sent');
  // A batch whose one write breaks a constraint writes nothing at all: the caller tries its writes alone.
  await assert.rejects(
    insertIfClaimed(db, [writeOf('p30', 'k30', ['f']), writeOf('p1', 'k31', [])], 'parentId'),
    /duplicate key|unique/,
  );
  const [{ left } = { left: -1 }] = await queryRows<{ left: number }>(
    db,
    sql`select count(*)::int as left from t_claims where key in ('k30', 'k31')`,
  );
  assert.equal(left, 0);
  await assert.rejects(
    insertIfClaimed(db, [writeOf('p40', 'k40', []), writeOf('p40', 'k41', [])], 'parentId'),
    /share the tag/,
  );
  // A write with a part more than the first would lose it: refused, as is a tag that is not text.
  const longer = writeOf('p42', 'k42', ['g']);
  await assert.rejects(
    insertIfClaimed(
      db,
      [
        writeOf('p41', 'k41', []),
        {
          ...longer,
          others: [...longer.others, rowsFor(children, [{ id: 'p42-x', parentId: 'p42', note: null }])],
        },
      ],
      'parentId',
    ),
    /same tables/,
  );
  await assert.rejects(
    insertIfClaimed(
      db,
      [
        {
          claim: rowsFor(parents, [
            { id: 'p44', label: 'x', details: { text: 'x' }, startedOn: '2026-10-08', at },
          ]),
          others: [],
        },
      ],
      'count',
    ),
    /a text column/,
  );
}

describe('insertIfClaimed', () => {
  it('inserts all or nothing in one statement, and nothing again for a taken claim, alone and in batches, on PGlite', async () => {
    const database = await openDatabase({ mode: 'memory' });
    try {
      await check(database);
    } finally {
      await database.close();
    }
  });

  it('does the same on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const database = await openDatabase({ mode: 'server', url: pg.url });
    try {
      await check(database);
    } finally {
      await database.close();
      await pg.drop();
    }
  });
});
