import { createHmac, hkdfSync } from 'node:crypto';
import { and, asc, desc, eq, gt, isNull, ne, or } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { auditHead, auditRecords } from './audit.tables.ts';

/** Who acted: a person, a staff member, the platform itself, a machine client, or nobody signed in. */
export type ActorKind = 'person' | 'staff' | 'system' | 'client' | 'anonymous';

/** One thing to record. Services call `record` in the transaction of the change (or of the read) they report. */
export interface AuditEntry {
  actor: { id?: string; kind: ActorKind; mandateId?: string; role?: string; department?: string };
  /** `<module>.<entity>.<verb>`, e.g. `identity.profile.read`. */
  action: string;
  object?: { type: string; id: string };
  /** The person whose data was touched (for "who looked at my data"). */
  subjectId?: string;
  outcome?: 'success' | 'denied' | 'failure';
  /** Why: required for reads of personal data by staff and for administrators' reads. */
  purpose?: string;
  request?: { clientAddress?: string; userAgent?: string; requestId?: string };
  details?: Record<string, unknown>;
}

/** Where the chain is broken, and how. */
export interface ChainProblem {
  seq: number;
  kind: 'altered' | 'deleted' | 'inserted';
  message: string;
}

/** The result of checking the whole chain. */
export interface VerifyResult {
  ok: boolean;
  checked: number;
  problem?: ChainProblem;
}

const GENESIS = '0'.repeat(64);
const HASH_VERSION = 1;
const ACTION = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;

/** JSON with object keys sorted at every level, so the same data always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

type RecordRow = typeof auditRecords.$inferSelect;

function payloadOf(row: Omit<RecordRow, 'hash'>): string {
  return canonicalJson([
    row.hashVersion,
    row.seq,
    row.occurredAt.toISOString(),
    row.actorId,
    row.actorKind,
    row.mandateId,
    row.role,
    row.department,
    row.action,
    row.objectType,
    row.objectId,
    row.subjectId,
    row.outcome,
    row.purpose,
    row.clientAddress,
    row.userAgent,
    row.requestId,
    row.details,
    row.prevHash,
  ]);
}

/** The audit log of the platform. Kernel only: it knows actors and actions, no domain words. */
export interface AuditLog {
  /** Appends a record in the caller's transaction: if the change rolls back, so does its record. */
  record(tx: Db, entry: AuditEntry): Promise<{ seq: number; hash: string }>;
  /** Checks every record from the first: numbering, links and keyed hashes. Names the first problem. */
  verify(db: Db, onProgress?: (checked: number, total: number) => void): Promise<VerifyResult>;
}

/**
 * Creates the audit log. Each record's hash is an HMAC keyed from the platform secret over its content and the
 * previous hash: someone who can write to the database but does not hold the secret cannot alter, remove or add a
 * record and repair the chain behind it.
 */
export function createAuditLog(secret: string): AuditLog {
  const key = Buffer.from(hkdfSync('sha256', secret, 'yiwang', 'audit-chain-v1', 32));
  const hashOf = (row: Omit<RecordRow, 'hash'>) =>
    createHmac('sha256', key).update(payloadOf(row)).digest('hex');

  return {
    async record(tx, entry) {
      if (!ACTION.test(entry.action))
        throw new RangeError(`Audit actions are <module>.<entity>.<verb>: ${entry.action}`);
      // Locking the head serialises appends: numbers and links follow commit order. Callers record last in their
      // transaction, so the lock is held for as short a time as possible.
      const [head] = await tx.select().from(auditHead).where(eq(auditHead.id, 1)).for('update');
      if (!head) throw new Error('The audit chain has no head: migrations have not run.');
      const row: Omit<RecordRow, 'hash'> = {
        seq: head.seq + 1,
        occurredAt: new Date(),
        actorId: entry.actor.id ?? null,
        actorKind: entry.actor.kind,
        mandateId: entry.actor.mandateId ?? null,
        role: entry.actor.role ?? null,
        department: entry.actor.department ?? null,
        action: entry.action,
        objectType: entry.object?.type ?? null,
        objectId: entry.object?.id ?? null,
        subjectId: entry.subjectId ?? null,
        outcome: entry.outcome ?? 'success',
        purpose: entry.purpose ?? null,
        clientAddress: entry.request?.clientAddress ?? null,
        userAgent: entry.request?.userAgent?.slice(0, 512) ?? null,
        requestId: entry.request?.requestId ?? null,
        // Round-trip through JSON so what is hashed is what jsonb will give back.
        details: entry.details === undefined ? null : JSON.parse(JSON.stringify(entry.details)),
        hashVersion: HASH_VERSION,
        prevHash: head.hash,
      };
      const hash = hashOf(row);
      await tx.insert(auditRecords).values({ ...row, hash });
      await tx.update(auditHead).set({ seq: row.seq, hash }).where(eq(auditHead.id, 1));
      return { seq: row.seq, hash };
    },

    async verify(db, onProgress) {
      const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
      if (!head)
        return {
          ok: false,
          checked: 0,
          problem: { seq: 0, kind: 'deleted', message: 'The chain head is missing.' },
        };
      let expectedSeq = 1;
      let prevHash = GENESIS;
      let checked = 0;
      let after = 0;
      for (;;) {
        const batch = await db
          .select()
          .from(auditRecords)
          .where(gt(auditRecords.seq, after))
          .orderBy(asc(auditRecords.seq))
          .limit(1000);
        if (batch.length === 0) break;
        for (const row of batch) {
          const problem = checkRecord(row, expectedSeq, prevHash, head.seq, hashOf);
          if (problem) return { ok: false, checked, problem };
          checked++;
          expectedSeq = row.seq + 1;
          prevHash = row.hash;
          after = row.seq;
        }
        onProgress?.(checked, head.seq);
      }
      if (expectedSeq - 1 < head.seq) {
        return {
          ok: false,
          checked,
          problem: {
            seq: expectedSeq,
            kind: 'deleted',
            message: `Records ${expectedSeq} to ${head.seq} are missing: deleted from the end of the chain.`,
          },
        };
      }
      if (prevHash !== head.hash) {
        return {
          ok: false,
          checked,
          problem: {
            seq: head.seq,
            kind: 'altered',
            message: `Record ${head.seq} does not match the chain head.`,
          },
        };
      }
      return { ok: true, checked };
    },
  };
}

function checkRecord(
  row: RecordRow,
  expectedSeq: number,
  prevHash: string,
  headSeq: number,
  hashOf: (row: Omit<RecordRow, 'hash'>) => string,
): ChainProblem | undefined {
  if (row.seq > headSeq) {
    return {
      seq: row.seq,
      kind: 'inserted',
      message: `Record ${row.seq} was inserted: it is beyond the chain head (${headSeq}).`,
    };
  }
  if (row.seq !== expectedSeq) {
    return {
      seq: expectedSeq,
      kind: 'deleted',
      message: `Record ${expectedSeq}${row.seq - 1 > expectedSeq ? ` to ${row.seq - 1}` : ''} is missing: deleted.`,
    };
  }
  const { hash, ...content } = row;
  const valid = hashOf(content) === hash;
  if (valid && row.prevHash === prevHash) return undefined;
  if (row.prevHash !== prevHash) {
    return {
      seq: row.seq,
      kind: 'inserted',
      message: `Record ${row.seq} does not follow record ${row.seq - 1}: inserted.`,
    };
  }
  return {
    seq: row.seq,
    kind: 'altered',
    message: `Record ${row.seq} was altered: its content no longer matches its hash.`,
  };
}

/** One access to a person's data by someone else, as "who looked at my data" shows it. */
export interface SubjectAccess {
  occurredAt: Date;
  action: string;
  actorKind: string;
  role: string | null;
  department: string | null;
  purpose: string | null;
}

/** Every record of someone else touching this person's data, newest first. */
export async function accessesToSubject(db: Db, subjectId: string, limit = 200): Promise<SubjectAccess[]> {
  return db
    .select({
      occurredAt: auditRecords.occurredAt,
      action: auditRecords.action,
      actorKind: auditRecords.actorKind,
      role: auditRecords.role,
      department: auditRecords.department,
      purpose: auditRecords.purpose,
    })
    .from(auditRecords)
    .where(
      and(
        eq(auditRecords.subjectId, subjectId),
        or(isNull(auditRecords.actorId), ne(auditRecords.actorId, subjectId)),
        ne(auditRecords.actorKind, 'system'),
      ),
    )
    .orderBy(desc(auditRecords.seq))
    .limit(limit);
}

/** For `yiwang doctor` and reports: how many records the chain holds. */
export async function auditChainLength(db: Db): Promise<number> {
  const [row] = await db.select({ seq: auditHead.seq }).from(auditHead).where(eq(auditHead.id, 1));
  return row?.seq ?? 0;
}
