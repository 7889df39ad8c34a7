import { and, desc, eq, gte, like, lt, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { auditRecords } from './audit.tables.ts';

/** The outcomes an audit record can have. */
export type AuditOutcome = 'success' | 'denied' | 'failure';

/** What an auditor searches by. Every filter is optional; given filters must all match. */
export interface AuditSearchFilters {
  actorId?: string;
  /** Matches actions that start with this text, e.g. `identity.` or `identity.profile.read`. */
  action?: string;
  objectType?: string;
  objectId?: string;
  subjectId?: string;
  /** Records at or after this instant. */
  from?: Date;
  /** Records before this instant (exclusive, so a day's end is the next day's start). */
  to?: Date;
  outcome?: AuditOutcome;
  /** Page size, 1 to 200; 50 when not given. */
  limit?: number;
  /** Keyset paging: only records older than this `seq` (the `nextBefore` of the previous page). */
  before?: number;
}

/** One audit record as an auditor's search returns it: the chain's hashes stay out of it. */
export interface AuditRecordView {
  seq: number;
  occurredAt: Date;
  actorKind: string;
  actorId: string | null;
  mandateId: string | null;
  role: string | null;
  department: string | null;
  action: string;
  objectType: string | null;
  objectId: string | null;
  subjectId: string | null;
  outcome: AuditOutcome;
  purpose: string | null;
  requestId: string | null;
}

/** One page of search results, newest first. */
export interface AuditSearchPage {
  records: AuditRecordView[];
  /** Pass as `before` to get the next (older) page; absent on the last page. */
  nextBefore?: number;
}

/** The largest page a search returns: enough for a screen, small enough to keep each query short. */
export const AUDIT_SEARCH_MAX_LIMIT = 200;
const DEFAULT_LIMIT = 50;

/** LIKE treats `%`, `_` and the escape character as patterns; a prefix typed by a person must match literally. */
function escapeLike(text: string): string {
  return text.replace(/[\\%_]/g, (c) => `\\${c}`);
}

/**
 * Searches the audit log, newest first, one page at a time. Paging is by `seq` (keyset), never OFFSET, so a deep
 * page costs what the first one does and records appended meanwhile do not shift the pages. Equality filters line
 * up with the table's indexes (actor + time, subject + time, object type + id, time).
 */
export async function searchAuditRecords(db: Db, filters: AuditSearchFilters): Promise<AuditSearchPage> {
  const limit = Math.min(
    AUDIT_SEARCH_MAX_LIMIT,
    Math.max(1, Math.floor(Number.isFinite(filters.limit) ? (filters.limit as number) : DEFAULT_LIMIT)),
  );
  const conditions: SQL[] = [];
  if (filters.actorId !== undefined) conditions.push(eq(auditRecords.actorId, filters.actorId));
  if (filters.action !== undefined)
    conditions.push(like(auditRecords.action, `${escapeLike(filters.action)}%`));
  if (filters.objectType !== undefined) conditions.push(eq(auditRecords.objectType, filters.objectType));
  if (filters.objectId !== undefined) conditions.push(eq(auditRecords.objectId, filters.objectId));
  if (filters.subjectId !== undefined) conditions.push(eq(auditRecords.subjectId, filters.subjectId));
  if (filters.from !== undefined) conditions.push(gte(auditRecords.occurredAt, filters.from));
  if (filters.to !== undefined) conditions.push(lt(auditRecords.occurredAt, filters.to));
  if (filters.outcome !== undefined) conditions.push(eq(auditRecords.outcome, filters.outcome));
  if (filters.before !== undefined) conditions.push(lt(auditRecords.seq, filters.before));

  // One row more than asked tells whether an older page exists without a second query.
  const rows = await db
    .select({
      seq: auditRecords.seq,
      occurredAt: auditRecords.occurredAt,
      actorKind: auditRecords.actorKind,
      actorId: auditRecords.actorId,
      mandateId: auditRecords.mandateId,
      role: auditRecords.role,
      department: auditRecords.department,
      action: auditRecords.action,
      objectType: auditRecords.objectType,
      objectId: auditRecords.objectId,
      subjectId: auditRecords.subjectId,
      outcome: auditRecords.outcome,
      purpose: auditRecords.purpose,
      requestId: auditRecords.requestId,
    })
    .from(auditRecords)
    .where(conditions.length > 0 ? and(...conditions) : undefined)
    // seq follows commit order (ADR 8), so it is the newest-first order and a unique key for paging.
    .orderBy(desc(auditRecords.seq))
    .limit(limit + 1);

  const records = rows.slice(0, limit);
  const last = records.at(-1);
  return rows.length > limit && last ? { records, nextBefore: last.seq } : { records };
}
