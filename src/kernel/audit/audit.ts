import { count, eq, gt } from 'drizzle-orm';
import { rowsFor, type TableRows } from '../db/claimed-insert.ts';
import { type Db, driverQuery } from '../db/database.ts';
import { newId } from '../ids.ts';
import { type AuditKeys, auditKeys, RECORD_VERSION, type RecordContent, recordMac } from './audit.chain.ts';
import { type Sealer, type SealResult, sealSettled, startSealer } from './audit.sealer.ts';
import { auditHead, auditRecords } from './audit.tables.ts';
import { type VerifyResult, verifyAuditLog } from './audit.verify.ts';

export { canonicalJson } from './audit.chain.ts';
export type { Sealer, SealResult } from './audit.sealer.ts';
export { accessesToSubject, type SubjectAccess } from './audit.search.ts';
export type { ChainProblem, VerifyResult } from './audit.verify.ts';

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

// The columns of a record in the order of `appendValues`; the number comes from the trigger.
const APPEND = `insert into kernel_audit_records (id, occurred_at, actor_id, actor_kind, mandate_id, role, department,
  action, object_type, object_id, subject_id, outcome, purpose, client_address, user_agent, request_id, details,
  hash_version, mac) values ($1, $2, $3, $4, $5, $6, $7, $8, $9, $10, $11, $12, $13, $14, $15, $16, $17::jsonb, $18, $19)`;

function appendValues(c: RecordContent, mac: string): unknown[] {
  return [
    c.id,
    c.occurredAt.toISOString(),
    c.actorId,
    c.actorKind,
    c.mandateId,
    c.role,
    c.department,
    c.action,
    c.objectType,
    c.objectId,
    c.subjectId,
    c.outcome,
    c.purpose,
    c.clientAddress,
    c.userAgent,
    c.requestId,
    c.details === null ? null : JSON.stringify(c.details),
    c.hashVersion,
    mac,
  ];
}

const ACTION = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;

/**
 * The audit log of the platform. Kernel only: it knows actors and actions, no domain words. Appending takes no lock
 * (ADR 10): each record carries its own keyed MAC, and a sealer binds settled records into hash-chained blocks.
 */
export interface AuditLog {
  /** Appends a record in the caller's transaction: if the change rolls back, so does its record. */
  record(tx: Db, entry: AuditEntry): Promise<{ id: string }>;
  /**
   * The row `record` would append, MAC included, for a caller that writes it in one statement with its change
   * (insertIfClaimed): it must be inserted in that change's statement or transaction, never on its own.
   */
  recordRows(entry: AuditEntry): TableRows<typeof auditRecords>;
  /**
   * The row of a record of something that happened at `occurredAt`, MAC'd like any other: only for generated scale
   * data (`yiwang seed --scale`), history written in bulk after the fact and sealed in the order it is inserted.
   * Whoever holds the platform secret can write such a row anyway; this only saves them doing it by hand.
   */
  historicalRecord(entry: AuditEntry, occurredAt: Date): AuditRecordRow;
  /**
   * Seals the records that are settled now into blocks (a working process's sealer does it every second);
   * `onBlock` is told each block's record count.
   */
  seal(db: Db, onBlock?: (records: number) => void): Promise<SealResult>;
  /** Checks every block and record from the archive anchor on. Names the first problem. */
  verify(db: Db, onProgress?: (checked: number) => void): Promise<VerifyResult>;
  /** Starts sealing in the background; `stop()` it before the database closes. */
  startSealer(db: Db, options?: { intervalMs?: number; onError?: (error: unknown) => void }): Sealer;
  /** The keys derived from the platform secret, for the archive. */
  readonly keys: AuditKeys;
  /** The clock records are stamped with. */
  readonly now: () => Date;
}

/** A record as stored, but for its number: what `historicalRecord` gives for a bulk INSERT. */
export type AuditRecordRow = RecordContent & { mac: string };

/** Options of the audit log. */
export interface AuditLogOptions {
  /** The clock records are stamped with (tests make old records with it). */
  now?: () => Date;
  /** Told about a record found forged or altered while sealing: an alarm for the operators. */
  onForgedRecord?: (seq: number, id: string) => void;
}

/** What a record says, stamped now: the MAC covers exactly this. */
function recordContent(entry: AuditEntry, now: () => Date): RecordContent {
  if (!ACTION.test(entry.action))
    throw new RangeError(`Audit actions are <module>.<entity>.<verb>: ${entry.action}`);
  return {
    id: newId('aud'),
    occurredAt: now(),
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
    // Round-trip through JSON so what the MAC covers is what jsonb will give back.
    details: entry.details === undefined ? null : JSON.parse(JSON.stringify(entry.details)),
    hashVersion: RECORD_VERSION,
  };
}

/**
 * Creates the audit log. Each record's MAC is keyed from the platform secret over its content: someone who can
 * write to the database but does not hold the secret can neither alter a record nor forge one that verifies.
 */
export function createAuditLog(secret: string, options: AuditLogOptions = {}): AuditLog {
  const keys = auditKeys(secret);
  const now = options.now ?? (() => new Date());
  const sealOptions = { now, onForgedRecord: options.onForgedRecord };
  const contentOf = (entry: AuditEntry) => recordContent(entry, now);

  return {
    keys,
    now,
    async record(tx, entry) {
      const content = contentOf(entry);
      const mac = recordMac(keys, content);
      // One INSERT and no lock: the numbering trigger gives the record its place (ADR 10). It is the platform's
      // hottest write, so it goes to the driver directly when it can (see driverQuery).
      const query = driverQuery(tx);
      if (query) {
        await query({ name: 'yiwang_audit_append', text: APPEND, values: appendValues(content, mac) });
      } else {
        await tx.insert(auditRecords).values({ ...content, mac });
      }
      return { id: content.id };
    },

    recordRows(entry) {
      const content = contentOf(entry);
      return rowsFor(auditRecords, [{ ...content, mac: recordMac(keys, content) }]);
    },

    historicalRecord(entry, occurredAt) {
      const content = recordContent(entry, () => occurredAt);
      return { ...content, mac: recordMac(keys, content) };
    },

    seal: (db, onBlock) => sealSettled(db, keys, { ...sealOptions, onBlock }),

    verify: (db, onProgress) => verifyAuditLog(db, keys, onProgress),

    startSealer: (db, sealerOptions = {}) => startSealer(db, keys, { ...sealOptions, ...sealerOptions }),
  };
}

/** For `yiwang doctor`, progress bars and reports: records in the log (archived ones excepted), and blocks. */
export async function auditLogSize(
  db: Db,
): Promise<{ records: number; blocks: number; sealedThrough: number }> {
  const [head] = await db.select().from(auditHead).where(eq(auditHead.id, 1));
  const [row] = await db
    .select({ n: count() })
    .from(auditRecords)
    .where(gt(auditRecords.seq, head?.archivedThrough ?? 0));
  return {
    records: row?.n ?? 0,
    blocks: (head?.seq ?? 0) - (head?.archivedBlockSeq ?? 0),
    sealedThrough: head?.sealedThrough ?? 0,
  };
}
