import { sql } from 'drizzle-orm';
import { index, integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';

/**
 * Every mail the platform sends, written in the transaction that decides to send it. The row is the truth; the
 * `mail.send` job carries only its id, so a retried or repeated job always sends what was committed.
 */
export const mailRecords = pgTable(
  'kernel_mail_messages',
  {
    /** `mail_…`; also the local part of the Message-ID, so a receiver can drop a duplicate delivery. */
    id: text('id').primaryKey(),
    /** One address per row: a mail to several people is several rows, each delivered and retried on its own. */
    recipient: text('recipient').notNull(),
    subject: text('subject').notNull(),
    text: text('text').notNull(),
    html: text('html'),
    /** The language the mail is written in (its Content-Language header); the values of i18n's LOCALES. */
    locale: text('locale', { enum: ['zh-CN', 'en'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** When delivery ended: handed to the SMTP server, or (without one) kept here only; see `deliveredVia`. */
    sentAt: timestamp('sent_at', { withTimezone: true }),
    /** `smtp`, or `log` when no SMTP server was configured and the mail was only stored (and logged). */
    deliveredVia: text('delivered_via', { enum: ['smtp', 'log'] }),
    /** Delivery attempts so far, failed or not. */
    attempts: integer('attempts').notNull().default(0),
    /** The last failure's message (the SMTP server's answer, a timeout…); cleared when a later attempt succeeds. */
    lastError: text('last_error'),
    messageId: text('message_id'),
  },
  (t) => [
    // Mail still waiting or failing: what an operator (or a future resend sweep) looks for.
    index('kernel_mail_messages_unsent_idx').on(t.createdAt).where(sql`sent_at is null`),
  ],
);

/** A stored mail, as Drizzle reads it. */
export type MailRecord = typeof mailRecords.$inferSelect;
