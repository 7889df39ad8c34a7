import { and, desc, eq, gt, gte, isNull, like, lt, ne, or, type SQL } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import { auditHead, auditLookup, auditRecords } from './audit.tables.ts';

/** The outcomes an audit record can have. */
export type AuditOutcome = 'success' | 'denied' | 'failure';

/** What an auditor searches by. Every filter is optional; given filters must all match. */
export interface AuditSearchFilters {
  actorId?: string;
  /** Actions taken under this mandate (an actor acting for a legal entity). */
  mandateId?: string;
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

const VIEW = {
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
};

/** The search key that leads a query through kernel_audit_lookup: exact, or a prefix. */
type LeadingKey = { key: string; prefix: boolean };

/** The most selective filter given, as a lookup key (see lookupKeys in audit.chain.ts). */
function leadingKey(filters: AuditSearchFilters): LeadingKey | undefined {
  if (filters.subjectId !== undefined) return { key: `s:${filters.subjectId}`, prefix: false };
  const id = filters.objectId ?? filters.mandateId ?? filters.actorId;
  if (id !== undefined) return { key: `p:${id}`, prefix: false };
  if (filters.action !== undefined) return { key: `x:${filters.action}`, prefix: true };
  return undefined;
}

/**
 * The newest `limit` records matching `conditions` (on the records' own columns), with seq below `before`. Sealed
 * records are reached through the leading key's lookup rows; the records appended since the last seal, which have
 * none yet, by their numbers. A record sealed between the two reads is found twice and kept once.
 */
async function newestMatching<T extends { seq: number }>(
  db: Db,
  select: { [K in keyof T]: unknown },
  lead: LeadingKey | undefined,
  conditions: SQL[],
  before: number | undefined,
  limit: number,
): Promise<T[]> {
  const fields = select as Record<string, never>;
  const beforeCondition = before !== undefined ? [lt(auditRecords.seq, before)] : [];
  if (!lead) {
    return (await db
      .select(fields)
      .from(auditRecords)
      .where(and(...conditions, ...beforeCondition))
      .orderBy(desc(auditRecords.seq))
      .limit(limit)) as T[];
  }
  const [head] = await db
    .select({ sealedThrough: auditHead.sealedThrough })
    .from(auditHead)
    .where(eq(auditHead.id, 1));
  const sealedThrough = head?.sealedThrough ?? 0;
  const tail = (await db
    .select(fields)
    .from(auditRecords)
    .where(and(gt(auditRecords.seq, sealedThrough), ...conditions, ...beforeCondition))
    .orderBy(desc(auditRecords.seq))
    .limit(limit)) as T[];
  const keyCondition = lead.prefix
    ? like(auditLookup.key, `${escapeLike(lead.key)}%`)
    : eq(auditLookup.key, lead.key);
  const sealed = (await db
    .select(fields)
    .from(auditLookup)
    .innerJoin(auditRecords, eq(auditRecords.seq, auditLookup.seq))
    .where(and(keyCondition, ...(before !== undefined ? [lt(auditLookup.seq, before)] : []), ...conditions))
    .orderBy(desc(auditLookup.seq))
    .limit(limit)) as T[];
  const bySeq = new Map<number, T>();
  for (const row of [...tail, ...sealed]) bySeq.set(row.seq, row);
  return [...bySeq.values()].sort((a, b) => b.seq - a.seq).slice(0, limit);
}

/**
 * Searches the audit log, newest first, one page at a time. Paging is by `seq` (keyset), never OFFSET, so a deep
 * page costs what the first one does and records appended meanwhile do not shift the pages. The most selective
 * filter (subject, object, mandate, actor, then action) leads through the search keys the sealer writes; every filter is
 * checked on the records it finds. Without one, records are read newest first (time through the BRIN index).
 */
export async function searchAuditRecords(db: Db, filters: AuditSearchFilters): Promise<AuditSearchPage> {
  const limit = Math.min(
    AUDIT_SEARCH_MAX_LIMIT,
    Math.max(1, Math.floor(Number.isFinite(filters.limit) ? (filters.limit as number) : DEFAULT_LIMIT)),
  );
  const conditions: SQL[] = [];
  if (filters.actorId !== undefined) conditions.push(eq(auditRecords.actorId, filters.actorId));
  if (filters.mandateId !== undefined) conditions.push(eq(auditRecords.mandateId, filters.mandateId));
  if (filters.action !== undefined)
    conditions.push(like(auditRecords.action, `${escapeLike(filters.action)}%`));
  if (filters.objectType !== undefined) conditions.push(eq(auditRecords.objectType, filters.objectType));
  if (filters.objectId !== undefined) conditions.push(eq(auditRecords.objectId, filters.objectId));
  if (filters.subjectId !== undefined) conditions.push(eq(auditRecords.subjectId, filters.subjectId));
  if (filters.from !== undefined) conditions.push(gte(auditRecords.occurredAt, filters.from));
  if (filters.to !== undefined) conditions.push(lt(auditRecords.occurredAt, filters.to));
  if (filters.outcome !== undefined) conditions.push(eq(auditRecords.outcome, filters.outcome));

  // One row more than asked tells whether an older page exists without a second query.
  const rows = await newestMatching<AuditRecordView>(
    db,
    VIEW,
    leadingKey(filters),
    conditions,
    filters.before,
    limit + 1,
  );
  const records = rows.slice(0, limit);
  const last = records.at(-1);
  return rows.length > limit && last ? { records, nextBefore: last.seq } : { records };
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
  const rows = await newestMatching<SubjectAccess & { seq: number }>(
    db,
    {
      seq: auditRecords.seq,
      occurredAt: auditRecords.occurredAt,
      action: auditRecords.action,
      actorKind: auditRecords.actorKind,
      role: auditRecords.role,
      department: auditRecords.department,
      purpose: auditRecords.purpose,
    },
    { key: `s:${subjectId}`, prefix: false },
    [
      eq(auditRecords.subjectId, subjectId),
      or(isNull(auditRecords.actorId), ne(auditRecords.actorId, subjectId)) as SQL,
      ne(auditRecords.actorKind, 'system'),
    ],
    undefined,
    limit,
  );
  return rows.map(({ seq: _seq, ...access }) => access);
}
