import { and, eq, inArray, isNull, sql } from 'drizzle-orm';
import nodemailer from 'nodemailer';
import type { Db } from '../db/database.ts';
import type { Locale } from '../i18n/index.ts';
import { newId } from '../ids.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Logger } from '../logger.ts';
import { mailRecords } from './mail.tables.ts';
import type { SmtpSettings } from './smtp-url.ts';

/** The pg-boss queue that delivers stored mail; its job data is `{ mailId }` and nothing else. */
export const MAIL_SEND_JOB = 'mail.send';

/** What a service asks to send: one recipient, plain text always (HTML optional), in the reader's language. */
export interface MailMessage {
  to: string;
  subject: string;
  text: string;
  html?: string;
  locale: Locale;
}

/** A stored mail on its way out. */
export interface OutgoingMail extends MailMessage {
  id: string;
}

/** How one delivery ended: handed to the SMTP server, or only stored and logged (no server configured). */
export interface MailDelivery {
  via: 'smtp' | 'log';
  messageId: string;
  /** The SMTP server's final answer (`250 OK: queued as …`), for the record. */
  response?: string;
}

/** Sends one mail now. Network I/O: never call it inside a database transaction. */
export interface Mailer {
  readonly transport: 'smtp' | 'log';
  send(mail: OutgoingMail): Promise<MailDelivery>;
  /** Connects and authenticates without sending (for `yiwang doctor`); resolves at once for the log transport. */
  verify(): Promise<void>;
  close(): void;
}

/** How to build the mailer; `smtp` is required with the SMTP transport. */
export interface MailerOptions {
  transport: 'smtp' | 'log';
  smtp?: SmtpSettings;
  /** The From address (`noreply@…`, or `示范市政务服务 <noreply@…>`). */
  from: string;
  log: Logger;
  /** Without SMTP: mails are readable at /dev/mailbox (embedded demo), so keeping them there is normal, not a fault. */
  devMailbox?: boolean;
  /** Milliseconds to wait for the connection, the greeting, and each reply; default 10 s, 10 s, 30 s. */
  timeouts?: { connection?: number; greeting?: number; socket?: number };
}

/** The domain of the From address, for Message-IDs (`<mail_…@shifan.gov.example>`). */
function domainOf(from: string): string {
  const match = /@([^@\s>]+)>?\s*$/.exec(from);
  return match?.[1] ?? 'localhost';
}

/** Creates the mailer: nodemailer over SMTP, or the log transport that only records that a mail was not sent. */
export function createMailer(options: MailerOptions): Mailer {
  const domain = domainOf(options.from);
  const messageIdOf = (id: string) => `<${id}@${domain}>`;

  if (options.transport === 'log') {
    return {
      transport: 'log',
      async send(mail) {
        // Only the id: the text may hold a one-time code, and the address is personal data.
        if (options.devMailbox) {
          options.log.info({ mailId: mail.id }, 'mail kept for the development mailbox (/dev/mailbox)');
        } else {
          options.log.warn(
            { mailId: mail.id },
            'mail not sent: no SMTP server is configured (YIWANG_SMTP_URL); it is kept in kernel_mail_messages',
          );
        }
        return { via: 'log', messageId: messageIdOf(mail.id) };
      },
      async verify() {},
      close() {},
    };
  }

  const smtp = options.smtp;
  if (!smtp) throw new Error('The SMTP mail transport needs SMTP settings.');
  const transporter = nodemailer.createTransport({
    host: smtp.host,
    port: smtp.port,
    secure: smtp.secure,
    requireTLS: smtp.starttls === 'required',
    ignoreTLS: smtp.starttls === 'none',
    ...(smtp.user ? { auth: { user: smtp.user, pass: smtp.password ?? '' } } : {}),
    // nodemailer waits minutes by default; a job should fail fast and let pg-boss retry.
    connectionTimeout: options.timeouts?.connection ?? 10_000,
    greetingTimeout: options.timeouts?.greeting ?? 10_000,
    socketTimeout: options.timeouts?.socket ?? 30_000,
    // Mail content never names files or URLs to fetch; refuse them should it ever try.
    disableFileAccess: true,
    disableUrlAccess: true,
  });
  return {
    transport: 'smtp',
    async send(mail) {
      const info = await transporter.sendMail({
        from: options.from,
        to: mail.to,
        subject: mail.subject,
        text: mail.text,
        ...(mail.html ? { html: mail.html } : {}),
        // A stable Message-ID: if a crash makes the job send twice, receivers can tell it is one mail.
        messageId: messageIdOf(mail.id),
        headers: {
          'Content-Language': mail.locale,
          // RFC 3834: an automatic mail; out-of-office replies should not answer it.
          'Auto-Submitted': 'auto-generated',
        },
      });
      return { via: 'smtp', messageId: info.messageId ?? messageIdOf(mail.id), response: info.response };
    },
    async verify() {
      await transporter.verify();
    },
    close() {
      transporter.close();
    },
  };
}

// One address, no list and no display name: a mail to several people is several rows, each retried on its own.
const SINGLE_ADDRESS = /^[^\s@<>(),;:"\\[\]]+@[^\s@<>(),;:"\\[\]]+\.[^\s@<>(),;:"\\[\]]+$/;

/**
 * Stores a mail and enqueues its delivery, both in `tx`: the mail exists, and goes out, only if the transaction
 * commits. Returns the mail's id (`mail_…`).
 */
export async function queueMail(tx: Db, jobs: Jobs, message: MailMessage): Promise<string> {
  const [id] = await queueMails(tx, jobs, [message]);
  return id as string;
}

/**
 * `queueMail` for several mails at once: every mail is checked before anything is written, then the mails are
 * stored in one statement and their deliveries enqueued in one more (each still delivered and retried on its own).
 */
export async function queueMails(tx: Db, jobs: Jobs, messages: readonly MailMessage[]): Promise<string[]> {
  for (const message of messages) {
    if (!SINGLE_ADDRESS.test(message.to)) throw new RangeError('A mail goes to exactly one e-mail address.');
    if (/[\r\n]/.test(message.subject)) throw new RangeError('A mail subject is one line.');
  }
  if (messages.length === 0) return [];
  const rows = messages.map((message) => ({
    id: newId('mail'),
    recipient: message.to,
    subject: message.subject,
    text: message.text,
    html: message.html ?? null,
    locale: message.locale,
  }));
  await tx.insert(mailRecords).values(rows);
  await jobs.sendMany(
    rows.map((row) => ({ name: MAIL_SEND_JOB, data: { mailId: row.id } })),
    { tx },
  );
  return rows.map((row) => row.id);
}

// Enough of an SMTP answer or a stack-less message to diagnose; the column is not a log.
const MAX_ERROR_LENGTH = 2000;

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
}

/**
 * Sends one stored mail, outside any transaction, then records it as sent (what the `mail.send` job does for each mail
 * of its batch). Does nothing for a mail already sent (a repeated job) or unknown (`missing`). A failure is recorded
 * (attempts, last error) and rethrown, so pg-boss retries with backoff. Delivery is at least once: a crash between the
 * SMTP server's answer and the update sends again, with the same Message-ID.
 */
export async function deliverMail(
  db: Db,
  mailer: Mailer,
  id: string,
): Promise<'sent' | 'already-sent' | 'missing'> {
  const [row] = await db.select().from(mailRecords).where(eq(mailRecords.id, id));
  return row ? sendStored(db, mailer, row) : 'missing';
}

/** Sends one mail as read from its row, and records the outcome (see `deliverMail`). */
async function sendStored(
  db: Db,
  mailer: Mailer,
  row: typeof mailRecords.$inferSelect,
): Promise<'sent' | 'already-sent'> {
  if (row.sentAt) return 'already-sent';
  const unsent = and(eq(mailRecords.id, row.id), isNull(mailRecords.sentAt));
  let delivery: MailDelivery;
  try {
    delivery = await mailer.send({
      id: row.id,
      to: row.recipient,
      subject: row.subject,
      text: row.text,
      ...(row.html ? { html: row.html } : {}),
      locale: row.locale,
    });
  } catch (error) {
    await db
      .update(mailRecords)
      .set({ attempts: sql`${mailRecords.attempts} + 1`, lastError: describeError(error) })
      .where(unsent);
    throw error;
  }
  await db
    .update(mailRecords)
    .set({
      sentAt: sql`now()`,
      deliveredVia: delivery.via,
      messageId: delivery.messageId,
      attempts: sql`${mailRecords.attempts} + 1`,
      lastError: null,
    })
    .where(unsent);
  return 'sent';
}

/**
 * Declares the `mail.send` queue and its handler. Call it in every process before `jobs.start()` (a process that
 * only enqueues still needs the queue to exist); only processes that work on jobs run the handler.
 */
export function registerMailJob(
  jobs: Jobs,
  db: Db,
  mailer: Mailer,
  options: { retryLimit?: number; retryDelaySeconds?: number } = {},
): void {
  jobs.defineBatch(
    MAIL_SEND_JOB,
    // The batch's mails are read in one statement, then sent and recorded one by one as `deliverMail` does: each is
    // marked sent as soon as the server took it, and one that fails is retried alone. A mail another worker sends
    // after this batch read it (its job sent again meanwhile) may go out twice, with the same Message-ID: delivery
    // was always at least once.
    async (batch) => {
      const ids = batch.map((job) => String(job.data.mailId));
      const rows = await db.select().from(mailRecords).where(inArray(mailRecords.id, ids));
      const byId = new Map(rows.map((row) => [row.id, row]));
      const failed: { id: string; error: unknown }[] = [];
      // Two jobs of one mail (one sent again) in the same batch: the row read is the same, the mail goes out once.
      const tried = new Set<string>();
      for (const job of batch) {
        const row = byId.get(String(job.data.mailId));
        if (!row || tried.has(row.id)) continue;
        tried.add(row.id);
        try {
          await sendStored(db, mailer, row);
        } catch (error) {
          failed.push({ id: job.id, error });
        }
      }
      return failed;
    },
    // pg-boss's backoff doubles a jittered delay: 10–20 s, 20–40 s… 10 to 20 minutes over six retries in all.
    { retryLimit: options.retryLimit ?? 6, retryDelaySeconds: options.retryDelaySeconds ?? 10 },
  );
}

/** What modules get in the kernel context: queue a mail in the transaction of the change that causes it. */
export interface MailOutbox {
  /** Stores the mail and enqueues its delivery in `tx` (see `queueMail`); returns its id. */
  queue(tx: Db, message: MailMessage): Promise<string>;
  /** Several mails in two statements (see `queueMails`); returns their ids in order. */
  queueMany(tx: Db, messages: readonly MailMessage[]): Promise<string[]>;
}

/** Binds `queueMail` to the platform's jobs, for the kernel context. */
export function createMailOutbox(jobs: Jobs): MailOutbox {
  return {
    queue: (tx, message) => queueMail(tx, jobs, message),
    queueMany: (tx, messages) => queueMails(tx, jobs, messages),
  };
}
