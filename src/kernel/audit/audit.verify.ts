/*
 * Verification of the whole audit log (ADR 10): every sealed block in order from the archive anchor, every record
 * of each block against the block's list and its own MAC, the head, then the records not sealed yet.
 */
import { and, asc, eq, gt, gte, lte, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import {
  type AuditKeys,
  type BlockRow,
  blockHash,
  RECORD_VERSION,
  type RecordRow,
  recordMac,
} from './audit.chain.ts';
import { auditBlocks, auditHead, auditRecords } from './audit.tables.ts';

/** Where the log is broken, and how. `seq` is the number of the first record concerned. */
export interface ChainProblem {
  seq: number;
  kind: 'altered' | 'deleted' | 'inserted';
  message: string;
}

/** The result of checking the whole log. */
export interface VerifyResult {
  ok: boolean;
  /** Records checked (sealed and not yet sealed), up to the first problem. */
  checked: number;
  /** Of those, records not sealed yet: their MACs were checked, their place in the chain not yet. */
  unsealed?: number;
  problem?: ChainProblem;
}

const READ_BATCH = 1000;

async function recordsIn(db: Db, after: number, through: number | undefined, limit: number) {
  return db
    .select()
    .from(auditRecords)
    .where(
      through === undefined
        ? gt(auditRecords.seq, after)
        : and(gt(auditRecords.seq, after), lte(auditRecords.seq, through)),
    )
    .orderBy(asc(auditRecords.seq))
    .limit(limit);
}

/** The problem with one record's MAC, if any: altered (sealed or not), or a record that cannot exist unsealed. */
function macProblem(keys: AuditKeys, row: RecordRow, sealed: boolean): ChainProblem | undefined {
  if (row.mac === null) {
    // Only records of ADR 8's chain lack a MAC, and the first sealing round binds them all.
    if (row.hashVersion === 1 && sealed) return undefined;
    return {
      seq: row.seq,
      kind: 'inserted',
      message: `Record ${row.seq} (${row.id}) was inserted: it has no MAC, as no record appended by the platform lacks.`,
    };
  }
  if (row.hashVersion !== RECORD_VERSION || row.mac !== recordMac(keys, row)) {
    return {
      seq: row.seq,
      kind: 'altered',
      message: `Record ${row.seq} (${row.id}) was altered: its content no longer matches its MAC.`,
    };
  }
  return undefined;
}

/** Checks one block against its records; returns the MACs it binds, or the problem. */
async function checkBlock(
  db: Db,
  keys: AuditKeys,
  block: BlockRow,
): Promise<{ problem: ChainProblem } | { records: number }> {
  const listed = block.recordSeqs;
  const macs: (readonly [number, string])[] = [];
  let i = 0;
  let after = block.fromSeq;
  for (;;) {
    const rows = await recordsIn(db, after, block.toSeq, READ_BATCH);
    for (const row of rows) {
      const expected = listed[i];
      if (expected === undefined || row.seq < expected) {
        return {
          problem: {
            seq: row.seq,
            kind: 'inserted',
            message: `Record ${row.seq} (${row.id}) was inserted: block ${block.seq} sealed the numbers around it without it.`,
          },
        };
      }
      if (row.seq > expected) {
        return {
          problem: {
            seq: expected,
            kind: 'deleted',
            message: `Record ${expected} is missing: deleted after block ${block.seq} sealed it.`,
          },
        };
      }
      const problem = macProblem(keys, row, true);
      if (problem) return { problem };
      macs.push([row.seq, row.mac ?? recordMac(keys, row)]);
      i++;
    }
    if (rows.length < READ_BATCH) break;
    after = (rows.at(-1) as RecordRow).seq;
  }
  const missing = listed[i];
  if (missing !== undefined) {
    return {
      problem: {
        seq: missing,
        kind: 'deleted',
        message: `Record ${missing} is missing: deleted after block ${block.seq} sealed it.`,
      },
    };
  }
  const { hash, recordSeqs: _seqs, recordCount, ...content } = block;
  if (recordCount !== listed.length || blockHash(keys, content, macs) !== hash) {
    return {
      problem: {
        seq: block.fromSeq + 1,
        kind: 'altered',
        message: `Block ${block.seq} (records ${block.fromSeq + 1} to ${block.toSeq}) was altered: it no longer matches its hash.`,
      },
    };
  }
  return { records: listed.length };
}

/**
 * Checks the log from the archive anchor: blocks without gaps, each linked to the one before; each block's records
 * exactly those it lists, each matching its MAC; the head at the last block; then every record not sealed yet
 * against its own MAC. Names the first problem.
 */
export async function verifyAuditLog(
  db: Db,
  keys: AuditKeys,
  onProgress?: (checked: number) => void,
): Promise<VerifyResult> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  if (!head)
    return {
      ok: false,
      checked: 0,
      problem: { seq: 0, kind: 'deleted', message: 'The chain head is missing.' },
    };
  if (head.archivedBlockSeq > 0) {
    // Archiving moves the anchor and records that it did, in one transaction: an anchor moved by anyone else has
    // no such record, and the records it skipped were removed without an archive.
    const [archived] = await db
      .select({ seq: auditRecords.seq })
      .from(auditRecords)
      .where(
        and(
          eq(auditRecords.action, 'kernel.audit.archived'),
          sql`${auditRecords.details}->>'toBlock' = ${String(head.archivedBlockSeq)}`,
          sql`${auditRecords.details}->>'lastHash' = ${head.archivedHash}`,
          sql`(${auditRecords.details}->>'pruned')::boolean`,
        ),
      )
      .limit(1);
    if (!archived) {
      return {
        ok: false,
        checked: 0,
        problem: {
          seq: 1,
          kind: 'deleted',
          message: `Records 1 to ${head.archivedThrough} are gone, but no archive of them was recorded: they were deleted.`,
        },
      };
    }
  }
  let checked = 0;
  let expectedBlock = head.archivedBlockSeq + 1;
  let prevHash = head.archivedHash;
  let prevTo = head.archivedThrough;
  for (;;) {
    const blocks = await db
      .select()
      .from(auditBlocks)
      .where(gte(auditBlocks.seq, expectedBlock))
      .orderBy(asc(auditBlocks.seq))
      .limit(20);
    for (const block of blocks) {
      if (block.seq > head.seq) {
        return {
          ok: false,
          checked,
          problem: {
            seq: block.fromSeq + 1,
            kind: 'inserted',
            message: `Block ${block.seq} was inserted: it is beyond the chain head (block ${head.seq}).`,
          },
        };
      }
      if (block.seq !== expectedBlock) {
        return {
          ok: false,
          checked,
          problem: {
            seq: prevTo + 1,
            kind: 'deleted',
            message: `Block ${expectedBlock} is missing: deleted, with the seal of records from ${prevTo + 1}.`,
          },
        };
      }
      if (block.fromSeq !== prevTo || block.prevHash !== prevHash) {
        return {
          ok: false,
          checked,
          problem: {
            seq: prevTo + 1,
            kind: 'altered',
            message: `Block ${block.seq} does not follow block ${block.seq - 1}: the chain was altered.`,
          },
        };
      }
      const result = await checkBlock(db, keys, block);
      if ('problem' in result) return { ok: false, checked, problem: result.problem };
      checked += result.records;
      prevHash = block.hash;
      prevTo = block.toSeq;
      expectedBlock++;
      onProgress?.(checked);
    }
    if (blocks.length < 20) break;
  }
  if (expectedBlock - 1 !== head.seq || prevHash !== head.hash || prevTo !== head.sealedThrough) {
    return {
      ok: false,
      checked,
      problem: {
        seq: prevTo + 1,
        kind: 'deleted',
        message:
          expectedBlock - 1 < head.seq
            ? `Blocks ${expectedBlock} to ${head.seq} are missing: deleted from the end of the chain, records from ${prevTo + 1} with them.`
            : `The chain head does not match block ${expectedBlock - 1}: the chain was altered.`,
      },
    };
  }
  // The records appended since the last seal: each must still match the MAC it was appended with.
  let unsealed = 0;
  let after = prevTo;
  for (;;) {
    const rows = await recordsIn(db, after, undefined, READ_BATCH);
    for (const row of rows) {
      const problem = macProblem(keys, row, false);
      if (problem) return { ok: false, checked, unsealed, problem };
      checked++;
      unsealed++;
    }
    onProgress?.(checked);
    if (rows.length < READ_BATCH) break;
    after = (rows.at(-1) as RecordRow).seq;
  }
  return { ok: true, checked, unsealed };
}
