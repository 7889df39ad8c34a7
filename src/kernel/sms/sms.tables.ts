import { sql } from 'drizzle-orm';
import { index, integer, pgTable, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every text message the platform sends, written in the transaction that decides to send it. The row is the truth;
 * the `sms.send` job carries only its id. Delivery is at most once: an attempt claims the row (a lease committed
 * before the gateway is called), and a claim that ended without a recorded outcome is never sent again.
 */
export const smsRecords = pgTable(
  'kernel_sms_messages',
  {
    /** `sms_…`; also the `id` the gateway receives, so a gateway can drop a request it has already accepted. */
    id: text('id').primaryKey(),
    /** One number per row: digits with an optional leading `+`. */
    recipient: text('recipient').notNull(),
    text: text('text').notNull(),
    /** The language the message is written in; the values of i18n's LOCALES. */
    locale: text('locale', { enum: ['zh-CN', 'en'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Not sent after this (a one-time code that has expired is only noise); null: no limit. */
    expiresAt: timestamp('expires_at', { withTimezone: true }),
    /** An attempt is under way until then; null when no attempt is. See `deliverSms`. */
    claimedUntil: timestamp('claimed_until', { withTimezone: true }),
    /** When the gateway accepted it (or, without a gateway, when it was kept here only); see `deliveredVia`. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** `http` (the gateway said 2xx), or `log` when no gateway was configured and the message was only stored. */
    deliveredVia: text('delivered_via', { enum: ['http', 'log'] }),
    /** When delivery was given up for good: the gateway refused it (4xx), it expired, or an attempt's outcome is unknown. */
    failedAt: timestamp('failed_at', { withTimezone: true }),
    /** Delivery attempts so far (claims), failed or not. */
    attempts: integer('attempts').notNull().default(0),
    /** The HTTP status of the gateway's last answer, if it answered. */
    gatewayStatus: smallint('gateway_status'),
    /** The last failure (the gateway's answer, a timeout…); cleared when a later attempt succeeds. */
    lastError: text('last_error'),
  },
  (t) => [
    // Messages still waiting or failing: what an operator (or a future resend sweep) looks for.
    index('kernel_sms_messages_unsent_idx').on(t.createdAt).where(sql`sent_at is null and failed_at is null`),
  ],
);

/** A stored text message, as Drizzle reads it. */
export type SmsRecord = typeof smsRecords.$inferSelect;
