/*
 * The sealer (ADR 10): binds settled audit records into hash-chained blocks, shortly after they are appended.
 * Appending takes no lock, so records commit in any order; a number is "settled" once every transaction that could
 * still commit a record up to it has ended. Any process may seal; an advisory lock lets one do it at a time.
 */
import { setTimeout as sleep } from 'node:timers/promises';
import { and, asc, eq, gt, lte, sql } from 'drizzle-orm';
import { type Db, queryRows } from '../db/database.ts';
import { type AuditKeys, blockHash, lookupKeys, type RecordRow, recordMac } from './audit.chain.ts';
import { auditBlocks, auditHead, auditRecords } from './audit.tables.ts';

const SEALER_LOCK = 7310024;
/** Records per block: a second of heavy traffic, and small enough to verify in one read. */
export const BLOCK_SIZE = 2000;

/** What one call of `sealSettled` did. */
export interface SealResult {
  /** Records bound into new blocks. */
  sealed: number;
  /** Blocks written. */
  blocks: number;
}

/** Options of a sealing round. */
export interface SealOptions {
  now?: () => Date;
  /** How long to wait for transactions still open at the start of the round; default 2 s. */
  maxWaitMs?: number;
  /** Called for a record whose content no longer matches its MAC: forged or altered before it was sealed. */
  onForgedRecord?: (seq: number, id: string) => void;
  /** Told the number of records of each block written: progress for a long round (after a bulk load). */
  onBlock?: (records: number) => void;
}

/**
 * The highest record number that is settled now, or undefined if transactions open at the start did not end
 * within `maxWaitMs` (ADR 15). Reads the sequence first, then takes a fresh transaction id N: a record's
 * transaction takes its id before its number (the numbering function), so every number read belongs to a
 * transaction whose id is below N, and once the oldest open transaction is at least N, all of them have ended.
 * (A snapshot's xmax will not do: it is one past the last *completed* id, so a transaction still running can hold
 * an id above it — the race that let a block seal past record 197 in the PostgreSQL concurrency test.)
 */
async function settledThrough(db: Db, maxWaitMs: number): Promise<number | undefined> {
  // pg_sequence_last_value reads the sequence under its buffer lock; a plain `select last_value from` it may see
  // the value nextval logs ahead to the WAL.
  const [sequence] = await queryRows<{ last: string | null }>(
    db,
    sql`select pg_sequence_last_value('kernel_audit_record_seq'::regclass)::text as last`,
  );
  const last = sequence?.last ? Number(sequence.last) : 0;
  // Its own statement, so its own short transaction: it takes a new id and ends at once.
  const [mark] = await queryRows<{ xid: string }>(db, sql`select pg_current_xact_id()::text as xid`);
  const after = mark?.xid ?? '0';
  const started = Date.now();
  for (let pause = 5; ; pause = Math.min(pause * 2, 100)) {
    const [state] = await queryRows<{ settled: boolean }>(
      db,
      sql`select pg_snapshot_xmin(pg_current_snapshot()) > ${after}::xid8 as settled`,
    );
    if (state?.settled) return last;
    if (Date.now() - started >= maxWaitMs) return undefined;
    await sleep(pause);
  }
}

/** Seals one block of settled records after the head, if any; under the sealer lock, in one transaction. */
async function sealBlock(
  db: Db,
  keys: AuditKeys,
  through: number,
  options: SealOptions,
): Promise<{ sealed: number; more: boolean }> {
  const now = options.now ?? (() => new Date());
  return db.transaction(async (tx) => {
    const [lock] = await queryRows<{ locked: boolean }>(
      tx,
      sql`select pg_try_advisory_xact_lock(${SEALER_LOCK}) as locked`,
    );
    if (!lock?.locked) return { sealed: 0, more: false };
    const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
    if (!head) throw new Error('The audit chain has no head: migrations have not run.');
    if (head.sealedThrough >= through) return { sealed: 0, more: false };
    const rows: RecordRow[] = await tx
      .select()
      .from(auditRecords)
      .where(and(gt(auditRecords.seq, head.sealedThrough), lte(auditRecords.seq, through)))
      .orderBy(asc(auditRecords.seq))
      .limit(BLOCK_SIZE);
    // Numbers without records are appends that rolled back; the next block's range takes them in.
    if (rows.length === 0) return { sealed: 0, more: false };
    const full = rows.length === BLOCK_SIZE;
    const macs = rows.map((row) => {
      const computed = recordMac(keys, row);
      if (row.mac !== null && row.mac !== computed) options.onForgedRecord?.(row.seq, row.id);
      // The stored MAC is sealed as it is: a forged one stays detectable by `verify`.
      return [row.seq, row.mac ?? computed] as const;
    });
    const block = {
      seq: head.seq + 1,
      fromSeq: head.sealedThrough,
      toSeq: full ? (rows.at(-1) as RecordRow).seq : through,
      lastOccurredAt: new Date(Math.max(...rows.map((r) => r.occurredAt.getTime()))),
      sealedAt: now(),
      prevHash: head.hash,
    };
    const hash = blockHash(keys, block, macs);
    await tx.insert(auditBlocks).values({
      ...block,
      recordSeqs: rows.map((r) => r.seq),
      recordCount: rows.length,
      hash,
    });
    // The search keys of the sealed records, in one statement (an array parameter would be expanded by Drizzle).
    const lookup = rows.flatMap((row) => lookupKeys(row).map((key) => ({ key, seq: row.seq })));
    if (lookup.length > 0) {
      await tx.execute(
        sql`insert into kernel_audit_lookup (key, seq)
            select key, seq from jsonb_to_recordset(${JSON.stringify(lookup)}::jsonb) as k(key text, seq bigint)`,
      );
    }
    await tx
      .update(auditHead)
      .set({ seq: block.seq, hash, sealedThrough: block.toSeq })
      .where(eq(auditHead.id, 1));
    return { sealed: rows.length, more: full };
  });
}

/** Seals every record that is settled now, a block at a time. Safe to call from any process at any time. */
export async function sealSettled(db: Db, keys: AuditKeys, options: SealOptions = {}): Promise<SealResult> {
  const through = await settledThrough(db, options.maxWaitMs ?? 2000);
  if (through === undefined) return { sealed: 0, blocks: 0 };
  let sealed = 0;
  let blocks = 0;
  for (;;) {
    const round = await sealBlock(db, keys, through, options);
    if (round.sealed > 0) {
      sealed += round.sealed;
      blocks++;
      options.onBlock?.(round.sealed);
    }
    if (!round.more) return { sealed, blocks };
  }
}

/** A running sealer; `stop` waits for a round in progress. */
export interface Sealer {
  stop(): Promise<void>;
}

/** Seals every `intervalMs` until stopped. Errors (a database restart) are reported and the next round retries. */
export function startSealer(
  db: Db,
  keys: AuditKeys,
  options: SealOptions & { intervalMs?: number; onError?: (error: unknown) => void } = {},
): Sealer {
  const intervalMs = options.intervalMs ?? 1000;
  let stopped = false;
  let timer: NodeJS.Timeout | undefined;
  let round: Promise<void> = Promise.resolve();
  const tick = () => {
    round = sealSettled(db, keys, options)
      .then(
        () => {},
        (error: unknown) => options.onError?.(error),
      )
      .finally(() => {
        if (!stopped) timer = setTimeout(tick, intervalMs).unref();
      });
  };
  timer = setTimeout(tick, intervalMs).unref();
  return {
    async stop() {
      stopped = true;
      clearTimeout(timer);
      await round;
    },
  };
}
