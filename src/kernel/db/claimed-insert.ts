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

/**
 * One write: its claim (one row, whose key a retry or a racing duplicate would take too) and the rows to insert
 * only when the claim is new.
 */
export interface ClaimedWrite {
  claim: TableRows;
  others: readonly TableRows[];
}

interface Part {
  /** 0 for the claim, n for the write's n-th other part. */
  index: number;
  table: PgTable;
  keys: string[];
  columns: PgColumn[];
}

interface Shape {
  name: string;
  text: string;
}

const shapes = new Map<string, Shape>();

function quoteIdent(name: string): string {
  return `"${name.replaceAll('"', '""')}"`;
}

function definedKeys(row: Record<string, unknown>): string[] {
  return Object.keys(row).filter((k) => row[k] !== undefined);
}

/** The tables and columns of a batch: the n-th part of every write is the same table with the same columns. */
function partsOf(writes: readonly ClaimedWrite[], tag: string): Part[] {
  const [first] = writes;
  if (!first) throw new RangeError('Nothing to insert');
  const tables = [first.claim.table, ...first.others.map((part) => part.table)];
  if (writes.some((write) => write.others.length !== first.others.length))
    throw new RangeError('Every write must list the same tables in the same order');
  return tables.flatMap((table, i) => {
    const rows = writes.flatMap((write) => {
      const part = i === 0 ? write.claim : write.others[i - 1];
      if (!part || part.table !== table)
        throw new RangeError(
          `Every write must list the same tables in the same order (${getTableName(table)})`,
        );
      if (i === 0 && part.rows.length !== 1) throw new RangeError('A claim is one row');
      return part.rows as Record<string, unknown>[];
    });
    const [sample] = rows;
    if (!sample) return [];
    const keys = definedKeys(sample);
    for (const row of rows) {
      const defined = definedKeys(row);
      if (defined.length !== keys.length || defined.some((k) => !keys.includes(k)))
        throw new RangeError(`Every row for ${getTableName(table)} must set the same columns`);
    }
    const all = getTableColumns(table) as Record<string, PgColumn>;
    const columns = keys.map((key) => {
      const column = all[key];
      if (!column) throw new RangeError(`${getTableName(table)} has no column ${key}`);
      // unnest would flatten an array column's arrays along with the batch's.
      if (column.getSQLType().endsWith(']'))
        throw new RangeError(`${getTableName(table)}.${key} is an array: not written by insertIfClaimed`);
      return column;
    });
    // The tag is compared as the text it was sent as: only a text column compares the same on both sides.
    if (i === 0 && (!keys.includes(tag) || all[tag]?.getSQLType() !== 'text'))
      throw new RangeError(`The claim must set its tag, ${tag}, a text column`);
    return [{ index: i, table, keys, columns }];
  });
}

/**
 * The statement for one combination of tables and columns, whatever the number of writes and rows: each column
 * goes as ONE array parameter, unnested into rows, so a batch of any size is the same prepared statement.
 */
function shapeOf(parts: readonly Part[], tag: string): Shape {
  const signature = `${tag}|${parts.map((part) => `${getTableName(part.table)}(${part.keys.join(',')})`).join(';')}`;
  const known = shapes.get(signature);
  if (known) return known;
  let parameter = 0;
  const arrays = (columns: PgColumn[]) =>
    columns.map((column) => `$${++parameter}::${column.getSQLType()}[]`);
  const [claim, ...rest] = parts;
  if (!claim) throw new RangeError('Nothing to insert');
  const into = (part: Part) =>
    `insert into ${quoteIdent(getTableName(part.table))} (${part.columns.map((c) => quoteIdent(c.name)).join(', ')})`;
  const tagColumn = claim.columns[claim.keys.indexOf(tag)] as PgColumn;
  const text = [
    `with claim as (${into(claim)} select * from unnest(${arrays(claim.columns).join(', ')})`,
    ` on conflict do nothing returning ${quoteIdent(tagColumn.name)} as tag)`,
    ...rest.map((part, i) => {
      const names = part.columns.map((c) => quoteIdent(c.name));
      // Each row carries its write's tag in one more array: it is inserted only if that write's claim was.
      return `, w${i} as (${into(part)} select ${names.join(', ')} from unnest(${[...arrays(part.columns), `$${++parameter}::text[]`].join(', ')}) as v (${[...names, 'claim_tag'].join(', ')}) where claim_tag in (select tag::text from claim))`;
    }),
    ' select tag::text as tag from claim',
  ].join('');
  const shape: Shape = {
    name: `yiwang_claimed_${createHash('sha256').update(text).digest('hex').slice(0, 20)}`,
    text,
  };
  shapes.set(signature, shape);
  return shape;
}

/**
 * Inserts each write's claim row unless one with the same key exists (in the table or earlier in the batch), and
 * that write's other rows only when its claim was new — all the writes in ONE statement (data-modifying CTEs, which
 * PostgreSQL runs atomically, foreign keys checked at its end). A submission that would take a transaction of ten
 * statements takes one round trip; a batch of submissions shares it, with its planning, locks and commit
 * (group commit, ADR 21; docs/benchmarks.md, Cases). A retry or a racing duplicate finds its claim taken, waits for
 * the first to commit, and inserts nothing. Returns, per write, whether its claim was new.
 *
 * `tag` names a column of the claim that is different for every write of the batch (the case a submission key
 * names, say): it is how each row is tied to its write. Only plain inserts with values known beforehand: anything
 * that needs a value the database gives (a sequence, a row read first) is fetched before. Works on a database or a
 * transaction, on both drivers (see driverQuery).
 */
export async function insertIfClaimed(
  db: Db,
  writes: readonly ClaimedWrite[],
  tag: string,
): Promise<boolean[]> {
  const query = driverQuery(db);
  if (!query) throw new Error('insertIfClaimed needs the pg or PGlite driver underneath Drizzle');
  const parts = partsOf(writes, tag);
  const shape = shapeOf(parts, tag);
  const tags = writes.map((write) => String((write.claim.rows[0] as Record<string, unknown>)[tag]));
  if (new Set(tags).size !== tags.length)
    throw new RangeError(`Two writes of one batch share the tag ${tag}`);
  const values: unknown[] = [];
  for (const part of parts) {
    const rows = writes.flatMap((write, w) =>
      (part.index === 0 ? write.claim : (write.others[part.index - 1] as TableRows)).rows.map((row) => ({
        row,
        w,
      })),
    );
    part.columns.forEach((column, k) => {
      const key = part.keys[k] as string;
      values.push(
        rows.map(({ row }) => {
          const value = (row as Record<string, unknown>)[key];
          return value === null ? null : column.mapToDriverValue(value);
        }),
      );
    });
    if (part.index > 0) values.push(rows.map(({ w }) => tags[w]));
  }
  const { rows } = await query({ name: shape.name, text: shape.text, values });
  const claimed = new Set(rows.map((row) => String(row.tag)));
  return tags.map((t) => claimed.has(t));
}
