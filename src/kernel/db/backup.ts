import { once } from 'node:events';
import { createReadStream, createWriteStream, existsSync } from 'node:fs';
import { rm } from 'node:fs/promises';
import { createInterface } from 'node:readline';
import { createGunzip, createGzip } from 'node:zlib';
import { sql } from 'drizzle-orm';
import type { FileStore } from '../files/index.ts';
import { type Progress, startProgress } from '../progress.ts';
import { type Database, type Db, queryRows } from './database.ts';
import { appliedMigrations, migrate, readMigrations } from './migrations.ts';

/*
 * A logical backup: one gzip'd file of JSON lines, the same for the embedded and the server database, so a pilot
 * on PGlite can move to PostgreSQL by backup and restore. It holds the platform's own tables (schema `public`),
 * read in one repeatable-read snapshot, the list of migrations the data was written under, and (format 2) every
 * uploaded file of the file store — what people submitted is in the backup, not only the references to it. The
 * files are taken after the snapshot: a file is never removed while a row names it, so every file the snapshot's
 * rows name is there. pg-boss's queue (schema `pgboss`) is transport, not truth, and is not included: the outbox
 * and business tables are.
 */

const FORMAT = 'yiwang-backup';
const FORMAT_VERSION = 2;
const BATCH = 500;

interface Header {
  format: typeof FORMAT;
  formatVersion: number;
  createdAt: string;
  sourceMode: string;
  migrations: string[];
  tables: { name: string; rows: number }[];
  /** Current values of the platform's sequences, restored with setval so new rows do not collide. */
  sequences?: { name: string; value: number | null }[];
}

type Line =
  | Header
  | { table: string; rows: Record<string, unknown>[] }
  | { file: string; data: string }
  | { complete: true; tables: number; rows: number; files?: number };

/** What a backup or restore did. */
export interface BackupSummary {
  tables: number;
  rows: number;
  /** Uploaded files written or restored. */
  files: number;
}

/** A backup file that cannot be restored here; the message says why and what to do. */
export class BackupError extends Error {
  constructor(message: string) {
    super(message);
    this.name = 'BackupError';
  }
}

const ident = (name: string) => sql.raw(`"${name.replace(/"/g, '""')}"`);

/** The platform's tables, parents before children (foreign keys), without the migrations ledger. */
async function tablesInDependencyOrder(db: Db): Promise<string[]> {
  const tables = (
    await queryRows<{ name: string }>(
      db,
      sql`select c.relname as name from pg_class c join pg_namespace n on n.oid = c.relnamespace
          where n.nspname = 'public' and c.relkind in ('r', 'p') and c.relname <> 'kernel_schema_migrations'
          order by c.relname`,
    )
  ).map((r) => r.name);
  const edges = await queryRows<{ child: string; parent: string }>(
    db,
    sql`select c.relname as child, p.relname as parent from pg_constraint k
        join pg_class c on c.oid = k.conrelid join pg_class p on p.oid = k.confrelid
        join pg_namespace n on n.oid = c.relnamespace
        where k.contype = 'f' and n.nspname = 'public' and c.relname <> p.relname`,
  );
  const ordered: string[] = [];
  const visiting = new Set<string>();
  const visit = (table: string) => {
    if (ordered.includes(table) || visiting.has(table)) return;
    visiting.add(table);
    for (const e of edges) if (e.child === table) visit(e.parent);
    visiting.delete(table);
    ordered.push(table);
  };
  for (const t of tables) visit(t);
  return ordered;
}

/**
 * Writes a backup of the whole database to `file` (refusing to overwrite), from one consistent snapshot.
 * Rows are streamed through a cursor, so memory stays flat whatever the size of the city.
 */
export async function createBackup(
  database: Database,
  file: string,
  options: { progress?: boolean; files?: FileStore } = {},
): Promise<BackupSummary> {
  if (existsSync(file))
    throw new BackupError(`${file} already exists: choose a new file name, a backup never overwrites.`);
  const gzip = createGzip();
  const out = createWriteStream(file, { flags: 'wx' });
  gzip.pipe(out);
  const write = async (line: Line) => {
    if (!gzip.write(`${JSON.stringify(line)}\n`)) await once(gzip, 'drain');
  };
  let progress: Progress | undefined;
  try {
    const summary = await database.db.transaction(
      async (tx) => {
        const tables = await tablesInDependencyOrder(tx);
        const counted: Header['tables'] = [];
        for (const name of tables) {
          const [row] = await queryRows<{ n: number }>(
            tx,
            sql`select count(*)::int as n from ${ident(name)}`,
          );
          counted.push({ name, rows: row?.n ?? 0 });
        }
        const total = counted.reduce((sum, t) => sum + t.rows, 0);
        progress = options.progress ? startProgress('Backup', total) : undefined;
        const sequences = await queryRows<{ name: string; value: string | null }>(
          tx,
          sql`select sequencename as name, last_value::text as value from pg_sequences where schemaname = 'public' order by 1`,
        );
        await write({
          format: FORMAT,
          formatVersion: FORMAT_VERSION,
          createdAt: new Date().toISOString(),
          sourceMode: database.mode,
          migrations: await appliedMigrations(tx),
          tables: counted,
          sequences: sequences.map((q) => ({
            name: q.name,
            value: q.value === null ? null : Number(q.value),
          })),
        });
        let rows = 0;
        for (const { name } of counted) {
          await tx.execute(
            sql`declare yiwang_backup no scroll cursor for select row_to_json(t)::text as j from ${ident(name)} t`,
          );
          for (;;) {
            const batch = await queryRows<{ j: string }>(tx, sql.raw(`fetch ${BATCH} from yiwang_backup`));
            if (batch.length === 0) break;
            await write({ table: name, rows: batch.map((r) => JSON.parse(r.j)) });
            rows += batch.length;
            progress?.tick(batch.length, name);
          }
          await tx.execute(sql`close yiwang_backup`);
        }
        return { tables: counted.length, rows };
      },
      { isolationLevel: 'repeatable read', accessMode: 'read only' },
    );
    let files = 0;
    if (options.files) {
      const hashes: string[] = [];
      for await (const sha256 of options.files.list()) hashes.push(sha256);
      progress?.stop();
      progress =
        options.progress && hashes.length > 0 ? startProgress('Backup files', hashes.length) : undefined;
      for (const sha256 of hashes) {
        const bytes = await options.files.get(sha256);
        if (bytes) {
          await write({ file: sha256, data: Buffer.from(bytes).toString('base64') });
          files++;
        }
        progress?.tick(1);
      }
    }
    await write({ complete: true, tables: summary.tables, rows: summary.rows, files });
    gzip.end();
    await once(out, 'close');
    return { ...summary, files };
  } catch (error) {
    gzip.destroy();
    out.destroy();
    // A partial file is not a backup, and would block the retry ("already exists").
    await rm(file, { force: true });
    throw error;
  } finally {
    progress?.stop();
  }
}

async function* readLines(file: string): AsyncGenerator<Line> {
  const lines = createInterface({
    input: createReadStream(file).pipe(createGunzip()),
    crlfDelay: Number.POSITIVE_INFINITY,
  });
  for await (const text of lines) {
    if (text.trim() === '') continue;
    try {
      yield JSON.parse(text) as Line;
    } catch {
      throw new BackupError(`${file} is not a Yiwang backup (a line is not JSON).`);
    }
  }
}

/**
 * Restores a backup into an empty database: applies the migrations the backup was taken under, loads every row
 * in one transaction (all or nothing), checks the counts, then applies this build's newer migrations.
 */
export async function restoreBackup(
  database: Database,
  file: string,
  options: { progress?: boolean; files?: FileStore } = {},
): Promise<BackupSummary> {
  if (!existsSync(file)) throw new BackupError(`${file} does not exist.`);
  const { db } = database;
  const existing = await queryRows<{ n: number }>(
    db,
    sql`select count(*)::int as n from pg_class c join pg_namespace n on n.oid = c.relnamespace
        where n.nspname = 'public' and c.relkind in ('r', 'p')`,
  );
  if ((existing[0]?.n ?? 0) > 0) {
    throw new BackupError(
      'Restore needs an empty database: this one already has tables. Use a new data directory (YIWANG_DATA_DIR) or a new database (DATABASE_URL).',
    );
  }

  const lines = readLines(file);
  const first = (await lines.next()).value as Header | undefined;
  if (!first || first.format !== FORMAT) throw new BackupError(`${file} is not a Yiwang backup.`);
  if (first.formatVersion > FORMAT_VERSION) {
    throw new BackupError(
      `${file} uses backup format ${first.formatVersion}; this build reads up to ${FORMAT_VERSION}. Upgrade Yiwang first.`,
    );
  }
  const known = readMigrations().map((m) => m.tag);
  const isPrefix = first.migrations.every((tag, i) => known[i] === tag);
  if (!isPrefix) {
    throw new BackupError(
      `${file} was taken under a schema this build does not have (${first.migrations.at(-1)}): restore it with the same or a newer Yiwang.`,
    );
  }
  const lastTag = first.migrations.at(-1);

  const expected = new Map(first.tables.map((t) => [t.name, t.rows]));
  const total = first.tables.reduce((sum, t) => sum + t.rows, 0);
  const progress = options.progress ? startProgress('Restore', total) : undefined;
  let restoredFiles = 0;
  try {
    const loaded = new Map<string, number>();
    let complete = false;
    let completion: { files?: number } | undefined;
    // One transaction for schema and data: a failed restore leaves the database as empty as it found it.
    await db.transaction(async (tx) => {
      if (lastTag) await migrate(tx, { upTo: lastTag });
      for await (const line of lines) {
        if ('complete' in line) {
          complete = true;
          completion = line;
          break;
        }
        if ('file' in line) {
          // Into the store before the rows commit: a failed restore leaves content-addressed files nothing names.
          if (!options.files)
            throw new BackupError(
              `${file} holds uploaded files, but there is no file store to restore them into.`,
            );
          const stored = await options.files.put(Buffer.from(line.data, 'base64'));
          if (stored.sha256 !== line.file)
            throw new BackupError(
              `${file} is damaged: the uploaded file ${line.file} does not match its hash.`,
            );
          restoredFiles++;
          continue;
        }
        if (!('table' in line)) throw new BackupError(`${file} is damaged: unexpected line.`);
        if (!expected.has(line.table))
          throw new BackupError(`${file} holds rows of an unknown table ${line.table}.`);
        if (!loaded.has(line.table)) {
          // Rows a migration put there (the audit chain's genesis head) give way to the backup's own.
          await tx.execute(sql`delete from ${ident(line.table)}`);
        }
        for (let i = 0; i < line.rows.length; i += BATCH) {
          const batch = line.rows.slice(i, i + BATCH);
          await tx.execute(
            sql`insert into ${ident(line.table)} select * from json_populate_recordset(null::${ident(line.table)}, ${JSON.stringify(batch)}::json)`,
          );
        }
        loaded.set(line.table, (loaded.get(line.table) ?? 0) + line.rows.length);
        progress?.tick(line.rows.length, line.table);
      }
      if (!complete)
        throw new BackupError(`${file} is incomplete (it ends before its last line): nothing was restored.`);
      if (completion?.files !== undefined && completion.files !== restoredFiles)
        throw new BackupError(
          `${file} is damaged: it should hold ${completion.files} uploaded files, found ${restoredFiles}. Nothing was restored.`,
        );
      for (const [table, rows] of expected) {
        if ((loaded.get(table) ?? 0) !== rows) {
          throw new BackupError(
            `${file} is damaged: ${table} should have ${rows} rows, found ${loaded.get(table) ?? 0}. Nothing was restored.`,
          );
        }
      }
      for (const sequence of first.sequences ?? []) {
        if (sequence.value !== null) {
          await tx.execute(sql`select setval(${`public.${sequence.name}`}::regclass, ${sequence.value})`);
        }
      }
      await migrate(tx);
    });
  } finally {
    progress?.stop();
  }
  return { tables: first.tables.length, rows: total, files: restoredFiles };
}
