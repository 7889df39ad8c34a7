import { sql } from 'drizzle-orm';
import { index, jsonb, pgTable, primaryKey, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * The transactional outbox: an event is written in the same transaction as the change it reports, and handed to
 * subscribers later by the dispatcher. The table is the truth; pg-boss jobs are only transport (see ADR 3).
 */
export const outboxEvents = pgTable(
  'kernel_outbox_events',
  {
    id: text('id').primaryKey(),
    name: text('name').notNull(),
    payload: jsonb('payload').notNull(),
    occurredAt: timestamp('occurred_at', { withTimezone: true }).notNull().defaultNow(),
    dispatchedAt: timestamp('dispatched_at', { withTimezone: true }),
  },
  (t) => [
    index('kernel_outbox_events_pending_idx').on(t.id).where(sql`dispatched_at is null`),
    // The redelivery sweep looks for one event name's dispatched events that still lack a receipt.
    index('kernel_outbox_events_name_dispatched_idx').on(t.name, t.dispatchedAt),
  ],
);

/** One row per (event, subscriber) that has been handled: makes at-least-once delivery take effect once. */
export const eventReceipts = pgTable(
  'kernel_event_receipts',
  {
    eventId: text('event_id').notNull(),
    subscriber: text('subscriber').notNull(),
    handledAt: timestamp('handled_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [primaryKey({ columns: [t.eventId, t.subscriber] })],
);
