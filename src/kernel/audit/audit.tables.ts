import { bigint, index, jsonb, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The audit record: append-only, one row per state change or read of personal data, each carrying the keyed hash
 * of the one before it. Rows are never updated or deleted (a trigger refuses it); see audit.ts and ADR 8.
 */
export const auditRecords = pgTable(
  'kernel_audit_records',
  {
    /** Position in the chain: 1, 2, 3… without gaps. */
    seq: bigint('seq', { mode: 'number' }).primaryKey(),
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
    /** Version of the hashing scheme, so it can change without breaking old records. */
    hashVersion: smallint('hash_version').notNull(),
    prevHash: text('prev_hash').notNull(),
    hash: text('hash').notNull(),
  },
  (t) => [
    index('kernel_audit_records_actor_idx').on(t.actorId, t.occurredAt),
    index('kernel_audit_records_subject_idx').on(t.subjectId, t.occurredAt),
    index('kernel_audit_records_object_idx').on(t.objectType, t.objectId),
    index('kernel_audit_records_time_idx').on(t.occurredAt),
  ],
);

/** The head of the chain: one row, locked by every append, so records get consecutive numbers in commit order. */
export const auditHead = pgTable('kernel_audit_head', {
  id: smallint('id').primaryKey(),
  seq: bigint('seq', { mode: 'number' }).notNull(),
  hash: text('hash').notNull(),
});
