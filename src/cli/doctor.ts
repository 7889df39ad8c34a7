import { existsSync, readFileSync } from 'node:fs';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { databaseTarget } from '../app.ts';
import { loadCalendar } from '../kernel/calendar/calendar.store.ts';
import { civilDate } from '../kernel/calendar/working-days.ts';
import type { Config } from '../kernel/config.ts';
import { embeddedDatabaseExists, openDatabase, ping, queryRows } from '../kernel/db/database.ts';
import { DataDirectoryLockedError } from '../kernel/db/lock-file.ts';
import { migrationStatus } from '../kernel/db/migrations.ts';

/**
 * Checks what an operator would check by hand before and after an upgrade. Prints one line per check
 * (`ok`, `warn` or `FAIL`) and returns false when any check fails. Never changes anything.
 */
export async function runDoctor(config: Config, print: (line: string) => void): Promise<boolean> {
  let ok = true;
  const report = (level: 'ok' | 'warn' | 'FAIL', text: string) => {
    if (level === 'FAIL') ok = false;
    print(`${level.padEnd(4)}  ${text}`);
  };

  const [major, minor] = process.versions.node.split('.').map(Number) as [number, number];
  if (major > 20 || (major === 20 && minor >= 19)) report('ok', `Node.js ${process.versions.node}`);
  else report('FAIL', `Node.js ${process.versions.node}: Yiwang needs 20.19 or later (22 LTS recommended)`);
  if (major === 20)
    report('warn', 'Node.js 20 reached its end of life in April 2026: plan the move to Node.js 22 LTS');

  report('ok', `configuration valid: ${config.mode} mode, time zone ${config.timeZone}`);
  if (config.mode === 'embedded') {
    report(
      'warn',
      'the embedded database does not fsync: it survives a killed process, not a power cut; use PostgreSQL in production',
    );
    const lockFile = path.join(config.dataDir, 'yiwang.lock');
    if (existsSync(lockFile)) {
      report(
        'ok',
        `data directory ${config.dataDir} is in use by pid ${readFileSync(lockFile, 'utf8').trim()}: database checks need it stopped`,
      );
      return ok;
    }
    if (!embeddedDatabaseExists(config.dataDir)) {
      report('ok', `no embedded database in ${config.dataDir} yet: \`yiwang serve\` creates it`);
      return ok;
    }
  }

  let database: Awaited<ReturnType<typeof openDatabase>> | undefined;
  try {
    database = await openDatabase(databaseTarget(config));
  } catch (error) {
    if (error instanceof DataDirectoryLockedError) report('ok', error.message);
    else report('FAIL', `cannot open the database: ${(error as Error).message}`);
    return ok;
  }
  try {
    if (!(await ping(database.db))) {
      report('FAIL', 'the database does not answer');
      return ok;
    }
    report('ok', 'the database answers');
    const [encoding] = await queryRows<{ ctype: string }>(
      database.db,
      sql`select datctype as ctype from pg_database where datname = current_database()`,
    );
    if (encoding && !/utf-?8/i.test(encoding.ctype)) {
      report(
        'warn',
        `the database's LC_CTYPE is ${encoding.ctype}: Chinese fuzzy search (pg_trgm) needs a UTF-8 one`,
      );
    }
    const status = await migrationStatus(database.db);
    if (status.current) report('ok', `schema current (${status.applied.length} migrations)`);
    else
      report(
        'warn',
        `${status.pending.length} pending migration(s): ${status.pending.join(', ')}; \`yiwang migrate\` or a start applies them`,
      );
    if (status.unknown.length > 0)
      report(
        'warn',
        `the database has migrations this build does not know (${status.unknown.join(', ')}): expected during a rolling upgrade, otherwise the code is older than the data`,
      );
    if (status.changed.length > 0)
      report(
        'FAIL',
        `applied migrations were edited afterwards (${status.changed.join(', ')}): never edit an applied migration, add a new one`,
      );
    if (status.applied.length > 0) {
      const calendar = await loadCalendar(database.db);
      const year = Number(civilDate(new Date(), config.timeZone).slice(0, 4));
      for (const y of [year, year + 1]) {
        if (calendar.coversYear(y)) report('ok', `holiday calendar covers ${y}`);
        else
          report(
            y === year ? 'FAIL' : 'warn',
            `holiday calendar has no official schedule for ${y}: deadlines would count weekends only; add the State Council's schedule`,
          );
      }
    }
  } finally {
    await database.close();
  }
  return ok;
}
