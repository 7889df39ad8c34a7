/*
 * The keyed hashes of the audit log (ADR 8, ADR 10): a MAC per record, made when it is appended, and a hash per
 * sealed block that binds the block's records to each other and to the block before. Pure functions over rows.
 */
import { createHmac, hkdfSync } from 'node:crypto';
import type { auditBlocks, auditRecords } from './audit.tables.ts';

/** The hash that stands before the first block. */
export const GENESIS = '0'.repeat(64);
/** The MAC scheme of records appended now (1 was ADR 8's chain, whose records carry no MAC of their own). */
export const RECORD_VERSION = 2;
const BLOCK_VERSION = 1;

/** A stored audit record. */
export type RecordRow = typeof auditRecords.$inferSelect;
/** A stored block. */
export type BlockRow = typeof auditBlocks.$inferSelect;

/** JSON with object keys sorted at every level, so the same data always hashes the same (jsonb reorders keys). */
export function canonicalJson(value: unknown): string {
  if (value === null || value === undefined) return 'null';
  if (Array.isArray(value)) return `[${value.map(canonicalJson).join(',')}]`;
  if (value instanceof Date) return JSON.stringify(value.toISOString());
  if (typeof value === 'object') {
    const entries = Object.entries(value as Record<string, unknown>)
      .filter(([, v]) => v !== undefined)
      .sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));
    return `{${entries.map(([k, v]) => `${JSON.stringify(k)}:${canonicalJson(v)}`).join(',')}}`;
  }
  return JSON.stringify(value);
}

/** The keys of the audit log, derived from the platform secret: whoever lacks the secret cannot forge a hash. */
export interface AuditKeys {
  readonly record: Buffer;
  readonly block: Buffer;
}

/** Derives the audit keys (HKDF-SHA256) from the platform secret. */
export function auditKeys(secret: string): AuditKeys {
  const derive = (info: string) => Buffer.from(hkdfSync('sha256', secret, 'yiwang', info, 32));
  return { record: derive('audit-record-v2'), block: derive('audit-block-v1') };
}

/** The content a record's MAC covers: everything but its number (given by the database) and the MAC itself. */
export type RecordContent = Omit<RecordRow, 'seq' | 'mac'>;

/** The MAC of a record's content. For version-1 records the sealer computes it; nobody stored it at append time. */
export function recordMac(keys: AuditKeys, row: RecordContent): string {
  const payload = canonicalJson([
    row.hashVersion,
    row.id,
    row.occurredAt,
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
  ]);
  return createHmac('sha256', keys.record).update(payload).digest('hex');
}

/** A block's hash: its place, its range, each record's number and MAC, and the previous block's hash. */
export function blockHash(
  keys: AuditKeys,
  block: Omit<BlockRow, 'hash' | 'recordSeqs' | 'recordCount'>,
  records: readonly (readonly [seq: number, mac: string])[],
): string {
  const payload = canonicalJson([
    BLOCK_VERSION,
    block.seq,
    block.fromSeq,
    block.toSeq,
    records,
    block.lastOccurredAt,
    block.sealedAt,
    block.prevHash,
  ]);
  return createHmac('sha256', keys.block).update(payload).digest('hex');
}

/**
 * The search keys of a record in kernel_audit_lookup (ADR 10): `x:<action>` (searched by prefix), `p:<id>` for each
 * distinct id among its actor, object and mandate (a search says which column it wants, and the record is checked),
 * and `s:<id>` for its subject. The subject has a key of its own (ADR 20) because "who looked at my data" asks for
 * records about someone, and a busy clerk's id is the actor of hundreds of thousands of records about others: under
 * one shared key, their own access log walked them all. Few keys: each is a row the sealer writes.
 */
export function lookupKeys(
  row: Pick<RecordRow, 'actorId' | 'subjectId' | 'objectId' | 'mandateId' | 'action'>,
): string[] {
  const ids = new Set([row.actorId, row.objectId, row.mandateId].filter((id): id is string => id !== null));
  return [
    `x:${row.action}`,
    ...[...ids].map((id) => `p:${id}`),
    ...(row.subjectId !== null ? [`s:${row.subjectId}`] : []),
  ];
}
