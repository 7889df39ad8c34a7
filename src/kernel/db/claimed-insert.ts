import { createHash } from 'node:crypto';
import { getTableColumns, getTableName } from 'drizzle-orm';
import type { PgColumn, PgTable } from 'drizzle-orm/pg-core';
import { type Db, driverQuery } from './database.ts';

/** Rows for one table, by the table's property names (as Drizzle's `insert().values()` takes them). */
export interface TableRows<T extends PgTable = PgTable> {
  table: T;
  rows: readonly T['$inferInsert'][];
}

/** Pairs a table with its rows, keeping the rows' type checked against the table. */
export function rowsFor<T extends PgTable>(table: T, rows: readonly T['$inferInsert'][]): TableRows<T> {
  return { table, rows };
}

interface Shape {
  name: string;
  text: string;
  /** Per table, its columns in the statement's order. */
  columns: PgColumn[][];
  keys: string[][];
}

const shapes = new Map<string, Shape>();

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

/** The statement for one combination of tables, columns and row counts (built once, then reused). */
function shapeOf(parts: readonly TableRows[]): Shape {
  const keys = parts.map((part) => {
    const first = part.rows[0] as Record<string, unknown> | undefined;
    if (!first) throw new RangeError(`No rows for ${getTableName(part.table)}`);
    const names = Object.keys(first).filter((k) => first[k] !== undefined);
    for (const row of part.rows as Record<string, unknown>[]) {
      const defined = Object.keys(row).filter((k) => row[k] !== undefined);
      if (defined.length !== names.length || defined.some((k) => !names.includes(k)))
        throw new RangeError(`Every row for ${getTableName(part.table)} must set the same columns`);
    }
    return names;
  });
  const signature = parts
    .map((part, i) => `${getTableName(part.table)}(${keys[i]?.join(',')})×${part.rows.length}`)
    .join(';');
  const known = shapes.get(signature);
  if (known) return known;

  let parameter = 0;
  const columns: PgColumn[][] = [];
  const inserts = parts.map((part, i) => {
    const all = getTableColumns(part.table) as Record<string, PgColumn>;
    const names = keys[i] ?? [];
    const used = names.map((key) => {
      const column = all[key];
      if (!column) throw new RangeError(`${getTableName(part.table)} has no column ${key}`);
      return column;
    });
    columns.push(used);
    const tuples = part.rows.map(
      () => `(${used.map((column) => `$${++parameter}::${column.getSQLType()}`).join(', ')})`,
    );
    const into = `insert into ${quoteIdent(getTableName(part.table))} (${used.map((c) => quoteIdent(c.name)).join(', ')})`;
    return { into, tuples, names: used.map((c) => quoteIdent(c.name)) };
  });
  const [claim, ...rest] = inserts;
  if (!claim) throw new RangeError('Nothing to insert');
  const text = [
    `with claim as (${claim.into} values ${claim.tuples.join(', ')} on conflict do nothing returning 1)`,
    ...rest.map(
      (insert, i) =>
        `, w${i} as (${insert.into} select * from (values ${insert.tuples.join(', ')}) as v (${insert.names.join(', ')}) where exists (select 1 from claim))`,
    ),
    ' select count(*)::int as claimed from claim',
  ].join('');
  const shape: Shape = {
    name: `yiwang_claimed_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`,
    text,
    columns,
    keys,
  };
  shapes.set(signature, shape);
  return shape;
}

/**
 * Inserts the claim row unless one with the same key exists, and every other row only when the claim was new — in
 * ONE statement (data-modifying CTEs, which PostgreSQL runs atomically, foreign keys checked at its end). A write
 * that would take a transaction of ten statements takes one round trip, which is what a submission needs to keep up
 * with the load (docs/benchmarks.md, Cases); and a retry or a racing duplicate finds the claim taken, waits for the
 * first to commit, and inserts nothing. Returns whether the claim was new.
 *
 * Only plain inserts with values known beforehand: anything that needs a value the database gives (a sequence, a
 * row read first) is fetched before. Works on a database or a transaction, on both drivers (see driverQuery).
 */
export async function insertIfClaimed(
  db: Db,
  claim: TableRows,
  others: readonly TableRows[],
): Promise<boolean> {
  const query = driverQuery(db);
  if (!query) throw new Error('insertIfClaimed needs the pg or PGlite driver underneath Drizzle');
  if (claim.rows.length !== 1) throw new RangeError('A claim is one row');
  const parts = [claim, ...others.filter((part) => part.rows.length > 0)];
  const shape = shapeOf(parts);
  const values: unknown[] = [];
  parts.forEach((part, i) => {
    const columns = shape.columns[i] ?? [];
    const keys = shape.keys[i] ?? [];
    for (const row of part.rows as Record<string, unknown>[]) {
      keys.forEach((key, k) => {
        const value = row[key];
        values.push(value === null ? null : (columns[k] as PgColumn).mapToDriverValue(value));
      });
    }
  });
  const { rows } = await query({ name: shape.name, text: shape.text, values });
  return Number(rows[0]?.claimed ?? 0) === 1;
}
