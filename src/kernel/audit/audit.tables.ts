import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgSequence,
  pgTable,
  smallint,
  text,
  timestamp,
} from 'drizzle-orm/pg-core';

/**
 * Numbers audit records in the order they were appended. `kernel_audit_next_seq()` draws from it after giving the
 * transaction its id, so the sealer can tell when every record up to a number is settled; see ADR 10. Never
 * cached: `last_value` must be the last number handed out.
 */
export const auditRecordSeq = pgSequence('kernel_audit_record_seq', { startWith: 1, cache: 1 });

/**
 * The audit record: append-only, one row per state change or read of personal data. Each carries a keyed MAC of
 * its content, made when it is appended; the sealer later binds records into hash-chained blocks. Rows are never
 * updated, and deleted only past the retention period once archived (triggers enforce both); see ADR 8 and 10.
 */
export const auditRecords = pgTable(
  'kernel_audit_records',
  {
    /**
     * Position in the log: 1, 2, 3… in append order; a rolled-back append leaves a gap. The default gives the
     * transaction its id before the number (migration 0008, ADR 10); a restore inserts the numbers it has.
     */
    seq: bigint('seq', { mode: 'number' }).primaryKey().default(sql`kernel_audit_next_seq()`),
    /** `aud_…`, made by the appender and covered by the MAC, so a copied record cannot pass as another. */
    id: text('id').notNull().unique(),
    occurredAt: timestamp('occurred_at', { withTimezone: true, precision: 3 }).notNull(),
    actorId: text('actor_id'),
    /** `person`, `staff`, `system`, `client` (a machine client) or `anonymous`. */
    actorKind: text('actor_kind').notNull(),
    /** The mandate the actor acted under, when acting for someone else. */
    mandateId: text('mandate_id'),
    role: text('role'),
    department: text('department'),
    /** What was done: `<module>.<entity>.<verb>`, e.g. `identity.profile.read`. */
    action: text('action').notNull(),
    objectType: text('object_type'),
    objectId: text('object_id'),
    /** Whose personal data this touched, so a person can see who looked at their data. */
    subjectId: text('subject_id'),
    outcome: text('outcome', { enum: ['success', 'denied', 'failure'] }).notNull(),
    purpose: text('purpose'),
    clientAddress: text('client_address'),
    userAgent: text('user_agent'),
    requestId: text('request_id'),
    details: jsonb('details'),
    /** Version of the MAC scheme: 2 since ADR 10; 1 for records appended under ADR 8, which carry no MAC of their own. */
    hashVersion: smallint('hash_version').notNull(),
    /** HMAC-SHA256 of the record's canonical content, keyed from the platform secret; null only for version 1. */
    mac: text('mac'),
  },
  (t) => [
    // Only what an append must maintain: the number, the id, and a BRIN on time (a few pages for millions of rows,
    // as time follows the number). Searches by actor, subject, object and action go through kernel_audit_lookup,
    // which the sealer fills in batches (ADR 10): a B-tree per column on every append cost a third of a write.
    index('kernel_audit_records_time_idx').using('brin', t.occurredAt),
  ],
);

/**
 * The search keys of sealed records, written by the sealer with the block (ADR 10): `a:<actor>`, `s:<subject>`,
 * `o:<object type>:<object id>` and `x:<action>`, each with the record's number. Derived data, append-only like the
 * records; the records appended since the last seal are searched directly.
 */
export const auditLookup = pgTable(
  'kernel_audit_lookup',
  {
    key: text('key').notNull(),
    seq: bigint('seq', { mode: 'number' }).notNull(),
  },
  // text_pattern_ops: a prefix (`x:identity.%`, `o:account:%`) uses the index whatever the database's collation.
  (t) => [index('kernel_audit_lookup_key_idx').using('btree', sql`${t.key} text_pattern_ops`, t.seq)],
);

/**
 * A sealed block: the records numbered after `fromSeq` up to and including `toSeq` that exist, bound by a keyed
 * hash to each other and to the previous block. Blocks are append-only like the records.
 */
export const auditBlocks = pgTable('kernel_audit_blocks', {
  /** 1, 2, 3… without gaps. */
  seq: bigint('seq', { mode: 'number' }).primaryKey(),
  /** The block covers record numbers in (fromSeq, toSeq]: the previous block's toSeq, and its own last. */
  fromSeq: bigint('from_seq', { mode: 'number' }).notNull(),
  toSeq: bigint('to_seq', { mode: 'number' }).notNull(),
  /** The record numbers in the range that exist (the gaps are appends that rolled back). */
  recordSeqs: bigint('record_seqs', { mode: 'number' }).array().notNull(),
  recordCount: integer('record_count').notNull(),
  /** The newest record's time: retention and archiving go by it. Null for a block of no records. */
  lastOccurredAt: timestamp('last_occurred_at', { withTimezone: true, precision: 3 }),
  sealedAt: timestamp('sealed_at', { withTimezone: true }).notNull(),
  prevHash: text('prev_hash').notNull(),
  hash: text('hash').notNull(),
});

/**
 * The head of the chain (one row): the last block and its hash, how far records are sealed, and the anchor left by
 * archiving (the last archived block, from which verification starts). Only the sealer and the archiver move it.
 */
export const auditHead = pgTable('kernel_audit_head', {
  id: smallint('id').primaryKey(),
  /** The last block's seq (0 before the first). */
  seq: bigint('seq', { mode: 'number' }).notNull(),
  /** The last block's hash (the genesis hash before the first). */
  hash: text('hash').notNull(),
  /** Every record numbered up to here is sealed in a block (or never committed). */
  sealedThrough: bigint('sealed_through', { mode: 'number' }).notNull().default(0),
  /** Blocks up to here were exported to a signed archive and may have been removed. */
  archivedBlockSeq: bigint('archived_block_seq', { mode: 'number' }).notNull().default(0),
  archivedHash: text('archived_hash')
    .notNull()
    .default('0000000000000000000000000000000000000000000000000000000000000000'),
  archivedThrough: bigint('archived_through', { mode: 'number' }).notNull().default(0),
});
