import type { TestContext } from 'node:test';
import pg from 'pg';
import { type Database, openDatabase } from '../../src/kernel/db/database.ts';

/** True in CI, where the PostgreSQL and browser suites are mandatory instead of skipped. */
export const IN_CI = process.env.CI === 'true';

/** Where the PostgreSQL suites connect to create their throw-away databases. */
export const POSTGRES_ADMIN_URL =
  process.env.YIWANG_TEST_DATABASE_URL ?? 'postgres://postgres@127.0.0.1:5432/postgres';

let postgresReachable: Promise<boolean> | undefined;

/** Whether the test PostgreSQL server answers (asked once per test process). */
export function isPostgresReachable(): Promise<boolean> {
  postgresReachable ??= (async () => {
    const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
    try {
      await client.connect();
      await client.query('select 1');
      return true;
    } catch {
      return false;
    } finally {
      await client.end().catch(() => {});
    }
  })();
  return postgresReachable;
}

/**
 * Skips the current test when PostgreSQL is not reachable — except in CI, where that is a failure.
 * Returns false when the test was skipped.
 */
export async function needPostgres(t: TestContext): Promise<boolean> {
  if (await isPostgresReachable()) return true;
  if (IN_CI) throw new Error(`PostgreSQL is required in CI but does not answer at ${POSTGRES_ADMIN_URL}.`);
  t.skip(
    `PostgreSQL not reachable at ${POSTGRES_ADMIN_URL}: start one or set YIWANG_TEST_DATABASE_URL to run this test`,
  );
  return false;
}

/** A fresh, empty PostgreSQL database for one test; `drop` removes it (and ends every connection to it). */
export async function createTestPostgresDatabase(): Promise<{ url: string; drop(): Promise<void> }> {
  const name = `yiwang_test_${process.pid}_${Math.random().toString(36).slice(2, 10)}`;
  const admin = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
  await admin.connect();
  try {
    // UTF-8 collation so pg_trgm and sorting behave as in production.
    await admin.query(
      `create database ${name} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`,
    );
  } finally {
    await admin.end();
  }
  const url = new URL(POSTGRES_ADMIN_URL);
  url.pathname = `/${name}`;
  return {
    url: url.toString(),
    async drop() {
      const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL });
      await client.connect();
      try {
        await client.query(`drop database if exists ${name} with (force)`);
      } finally {
        await client.end();
      }
    },
  };
}

/** A database a suite opened, and how to throw it away. */
export interface OpenedDatabase {
  database: Database;
  drop(): Promise<void>;
}

/**
 * The two engines a suite runs on, each opened fresh per call: in-memory PGlite, and a throw-away PostgreSQL
 * database — `undefined` when no PostgreSQL answers outside CI (the caller skips), an error in CI.
 */
export const ENGINES: readonly { name: string; open(): Promise<OpenedDatabase | undefined> }[] = [
  {
    name: 'PGlite',
    async open() {
      const database = await openDatabase({ mode: 'memory' });
      return { database, drop: () => database.close() };
    },
  },
  {
    name: 'PostgreSQL',
    async open() {
      if (!(await isPostgresReachable())) {
        if (IN_CI)
          throw new Error(`PostgreSQL is required in CI but does not answer at ${POSTGRES_ADMIN_URL}.`);
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
    },
  },
];
