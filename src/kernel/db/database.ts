import { existsSync, mkdirSync, renameSync, rmSync } from 'node:fs';
import path from 'node:path';
import type { PGlite } from '@electric-sql/pglite';
import { type SQL, sql } from 'drizzle-orm';
import { drizzle as drizzlePg } from 'drizzle-orm/node-postgres';
import type { PgDatabase, PgQueryResultHKT } from 'drizzle-orm/pg-core';
import pg from 'pg';
import type { DatabaseMode } from '../config.ts';
import { acquireDataDirLock } from './lock-file.ts';

/** The one database type every module uses, whichever engine is underneath. A transaction is also a `Db`. */
export type Db = PgDatabase<PgQueryResultHKT, Record<string, never>>;

/** Runs raw SQL with positional parameters (`$1`) — the contract pg-boss needs for a shared connection. */
export type ExecuteSql = (text: string, values?: unknown[]) => Promise<{ rows: Record<string, unknown>[] }>;

/** An open database: Drizzle on top, the raw executor for libraries, and a clean close. */
export interface Database {
  readonly db: Db;
  readonly mode: DatabaseMode;
  readonly executeSql: ExecuteSql;
  /** For server mode: the pool, so a listener or a backup can take a dedicated client. */
  readonly pool?: pg.Pool;
  /** For embedded mode: the PGlite instance (single connection). */
  readonly pglite?: PGlite;
  close(): Promise<void>;
}

export type DatabaseTarget =
  | { mode: 'embedded'; dataDir: string }
  | { mode: 'memory' }
  | { mode: 'server'; url: string; poolSize?: number; applicationName?: string };

/** Runs a query and returns its rows, whichever driver answered. */
export async function queryRows<T = Record<string, unknown>>(db: Db, query: SQL): Promise<T[]> {
  const result = (await db.execute(query)) as unknown as { rows: T[] } | T[];
  return Array.isArray(result) ? result : result.rows;
}

/** Runs one statement with positional parameters on the driver underneath, without Drizzle's query building. */
export type DriverQuery = (statement: {
  name: string;
  text: string;
  values: unknown[];
}) => Promise<{ rows: Record<string, unknown>[] }>;

/**
 * A statement built once per database (or transaction) and kept: for Drizzle prepared queries
 * (`….prepare('name')` with `sql.placeholder`), whose SQL is then written once instead of on every call and which
 * PostgreSQL parses once per connection (a named statement, whose generic plan it may keep). For the few reads on
 * every request's path (docs/benchmarks.md, Cases).
 */
export function preparedPerDatabase<Q>(build: (db: Db) => Q): (db: Db) => Q {
  const built = new WeakMap<Db, Q>();
  return (db) => {
    let query = built.get(db);
    if (!query) {
      query = build(db);
      built.set(db, query);
    }
    return query;
  };
}

/**
 * A parameter as an SQL literal: text through pg's escapeLiteral (E'…' when it holds a backslash), numbers as is, an
 * array as ARRAY[…] of its elements' literals (the statement casts it, `$1::text[]`, which types an empty one too).
 */
function literal(value: unknown): string {
  if (value === null || value === undefined) return 'NULL';
  if (Array.isArray(value)) return `ARRAY[${value.map(literal).join(', ')}]`;
  if (typeof value === 'number' && Number.isFinite(value)) return String(value);
  return pg.escapeLiteral(String(value));
}

/**
 * The driver's own query function behind a Drizzle database or transaction (the transaction's own connection), for
 * the few statements hot enough that the per-query cost shows. On PostgreSQL the statement is prepared once per
 * connection under its name. On PGlite a query with parameters costs six calls into the WebAssembly engine (parse,
 * describe, bind, describe, execute, sync) and Drizzle's wrapping nearly doubles that, so the statement goes as
 * one simple-protocol call with its values escaped as literals. Reaches into Drizzle's session (its `client`),
 * which `database.test.ts` checks for both drivers, so a Drizzle upgrade that moves it fails there.
 */
export function driverQuery(db: Db): DriverQuery | undefined {
  const client = (db as unknown as { session?: { client?: unknown } }).session?.client;
  if (client instanceof pg.Client || client instanceof pg.Pool) {
    return async ({ name, text, values }) => {
      const result = await client.query({ name, text, values });
      return { rows: result.rows };
    };
  }
  const pglite = client as
    | { exec?: (text: string) => Promise<{ rows: Record<string, unknown>[] }[]> }
    | undefined;
  if (typeof pglite?.exec === 'function') {
    const exec = pglite.exec.bind(pglite);
    return async ({ text, values }) => {
      // "$12" → the 12th value; the statements are the platform's own, whose only $ signs are parameters.
      const results = await exec(text.replace(/\$(\d+)/g, (_, n: string) => literal(values[Number(n) - 1])));
      return { rows: results.at(-1)?.rows ?? [] };
    };
  }
  return undefined;
}

// PGlite keeps PostgreSQL's defaults (128 MB of shared buffers), all of it inside the process's WASM memory.
// One process serving a demo or a district needs far less; the operating system caches the data files anyway.
// pg_trgm is the one extension the schema uses (fuzzy titles in catalogue search); PostgreSQL servers ship it in contrib.
async function pgliteSettings() {
  const { pg_trgm } = await import('@electric-sql/pglite/contrib/pg_trgm');
  return { postgresqlconf: ['shared_buffers = 16MB'], extensions: { pg_trgm } };
}

function pgliteDirectory(dataDir: string): string {
  return path.join(dataDir, 'pg');
}

/** True when the data directory already holds an initialised embedded database. */
export function embeddedDatabaseExists(dataDir: string): boolean {
  return existsSync(path.join(pgliteDirectory(dataDir), 'PG_VERSION'));
}

/**
 * PGlite (a WASM PostgreSQL, ~50 MB of code) is loaded only in embedded mode: a server-mode process never pays for it.
 */
async function loadPglite() {
  const [{ PGlite }, { drizzle }] = await Promise.all([
    import('@electric-sql/pglite'),
    import('drizzle-orm/pglite'),
  ]);
  return { PGlite, drizzlePglite: drizzle };
}

/**
 * Creates the PGlite cluster in a scratch directory and renames it into place only once initdb has finished,
 * because a PGlite directory whose initdb was interrupted never opens again.
 */
async function initialiseEmbedded(dataDir: string): Promise<void> {
  const target = pgliteDirectory(dataDir);
  if (existsSync(path.join(target, 'PG_VERSION'))) return;
  const scratch = `${target}.initialising`;
  rmSync(scratch, { recursive: true, force: true });
  rmSync(target, { recursive: true, force: true });
  mkdirSync(dataDir, { recursive: true });
  const { PGlite } = await loadPglite();
  const fresh = new PGlite(scratch, await pgliteSettings());
  await fresh.waitReady;
  await fresh.close();
  renameSync(scratch, target);
}

function pgliteExecutor(pglite: PGlite): ExecuteSql {
  return async (text, values) => {
    if (values && values.length > 0) {
      const result = await pglite.query<Record<string, unknown>>(text, values);
      return { rows: result.rows };
    }
    // Without parameters the text may hold several statements (pg-boss's schema scripts do): use the simple protocol.
    const results = await pglite.exec(text);
    return { rows: (results.at(-1)?.rows ?? []) as Record<string, unknown>[] };
  };
}

/**
 * Opens the database the configuration names: embedded PGlite in the data directory (locked to this process),
 * in-memory PGlite (tests), or a pool on a PostgreSQL server. Does not run migrations.
 */
export async function openDatabase(target: DatabaseTarget): Promise<Database> {
  if (target.mode === 'server') {
    const pool = new pg.Pool({
      connectionString: target.url,
      max: target.poolSize ?? 10,
      application_name: target.applicationName ?? 'yiwang',
      connectionTimeoutMillis: 5000,
    });
    // An idle client losing its server (a PostgreSQL restart) must not crash the process; the pool replaces it.
    pool.on('error', () => {});
    // Nor may a checked-out one between two queries (inside a transaction): pg emits 'error' on the client, and an
    // event without a listener kills the process (test/crash/postgres-restart.test.ts). The transaction's next
    // query fails, the request gets 503, and the broken client is dropped when it is released.
    pool.on('connect', (client) => {
      client.on('error', () => {});
    });
    const db = drizzlePg({ client: pool }) as unknown as Db;
    return {
      db,
      mode: 'server',
      pool,
      executeSql: async (text, values) => {
        const result = await pool.query(text, values as unknown[] | undefined);
        return { rows: result.rows };
      },
      // Closing twice is harmless (a platform closes the database it was given; so may the test that gave it).
      close: (() => {
        let ending: Promise<void> | undefined;
        return () => {
          ending ??= pool.end();
          return ending;
        };
      })(),
    };
  }

  const { PGlite, drizzlePglite } = await loadPglite();
  if (target.mode === 'memory') {
    const pglite = new PGlite(await pgliteSettings());
    await pglite.waitReady;
    return {
      db: drizzlePglite({ client: pglite }) as unknown as Db,
      mode: 'embedded',
      pglite,
      executeSql: pgliteExecutor(pglite),
      close: async () => {
        if (!pglite.closed) await pglite.close();
      },
    };
  }

  const lock = acquireDataDirLock(target.dataDir);
  try {
    await initialiseEmbedded(target.dataDir);
    const pglite = new PGlite(pgliteDirectory(target.dataDir), await pgliteSettings());
    await pglite.waitReady;
    let closed = false;
    return {
      db: drizzlePglite({ client: pglite }) as unknown as Db,
      mode: 'embedded',
      pglite,
      executeSql: pgliteExecutor(pglite),
      async close() {
        if (closed) return;
        closed = true;
        try {
          await pglite.close();
        } finally {
          lock.release();
        }
      },
    };
  } catch (error) {
    lock.release();
    throw error;
  }
}

// PostgreSQL's codes for a server going down, not yet accepting connections or out of them, and the
// connection-exception class (08…). Socket codes count only on errors raised by the pg driver or its pool: a failed
// fetch to an SMS gateway or a client hanging up mid-upload carries the same codes and is not the database.
const UNAVAILABLE_SQLSTATES = new Set(['57P01', '57P02', '57P03', '53300']);
const SOCKET_CODES = new Set(['ECONNREFUSED', 'ECONNRESET', 'EPIPE', 'ETIMEDOUT']);
const UNAVAILABLE_MESSAGES =
  /^(?:Connection terminated|timeout exceeded when trying to connect|Client has encountered a connection error and is not queryable|Client was closed and is not queryable)/;
const FROM_PG_DRIVER = /node_modules\/(?:pg|pg-pool)\//;

/** A write that waited too long for the database to take it (groupCommit's maxWait): answered like the database away. */
export class DatabaseBusyError extends Error {
  constructor(message = 'The database did not take this write in time') {
    super(message);
    this.name = 'DatabaseBusyError';
  }
}

/**
 * Whether an error means the database server cannot be reached right now (restarting, failing over), rather than a
 * fault in the request: the caller is told to retry (503), not that something broke. Drizzle wraps driver errors,
 * so the causes are followed.
 */
export function isDatabaseUnavailable(error: unknown): boolean {
  for (let e = error, depth = 0; e instanceof Error && depth < 5; e = e.cause, depth++) {
    if (e instanceof DatabaseBusyError) return true;
    const code = (e as { code?: unknown }).code;
    if (e instanceof pg.DatabaseError && typeof code === 'string') {
      if (UNAVAILABLE_SQLSTATES.has(code) || code.startsWith('08')) return true;
    }
    if (typeof code === 'string' && SOCKET_CODES.has(code) && FROM_PG_DRIVER.test(e.stack ?? '')) return true;
    if (UNAVAILABLE_MESSAGES.test(e.message)) return true;
  }
  return false;
}

/**
 * Answers whether the database responds at all (for /readyz and `yiwang doctor`), within `timeoutMs`: a server
 * that is down leaves requests queued for a connection, and a proxy asking for readiness needs an answer, not a
 * wait behind them.
 */
export async function ping(db: Db, timeoutMs = 2000): Promise<boolean> {
  let timer: NodeJS.Timeout | undefined;
  const timeout = new Promise<boolean>((resolve) => {
    timer = setTimeout(() => resolve(false), timeoutMs);
  });
  try {
    return await Promise.race([db.execute(sql`select 1`).then(() => true), timeout]);
  } catch {
    return false;
  } finally {
    clearTimeout(timer);
  }
}
