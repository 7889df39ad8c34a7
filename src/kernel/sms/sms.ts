import http from 'node:http';
import https from 'node:https';
import { and, eq, gt, isNull, lte, or, sql } from 'drizzle-orm';
import type { Db } from '../db/database.ts';
import type { Locale } from '../i18n/index.ts';
import { newId } from '../ids.ts';
import type { Jobs } from '../jobs/jobs.ts';
import type { Logger } from '../logger.ts';
import { maskPhone } from '../masking.ts';
import { smsRecords } from './sms.tables.ts';

/** The pg-boss queue that delivers stored text messages; its job data is `{ smsId }` and nothing else. */
export const SMS_SEND_JOB = 'sms.send';

/** What a service asks to send: one number, plain text, in the reader's language. */
export interface SmsMessage {
  /** Digits with an optional leading `+` (`13900000099`, `+8613900000099`). */
  to: string;
  text: string;
  locale: Locale;
  /** Not worth sending after this (a one-time code's expiry); the message is then given up. */
  expiresAt?: Date;
}

/** A stored message on its way out: what the gateway receives. */
export interface OutgoingSms {
  id: string;
  to: string;
  text: string;
  locale: Locale;
}

/** How one delivery ended: accepted by the gateway, or only stored and logged (no gateway configured). */
export interface SmsDelivery {
  via: 'http' | 'log';
  /** The gateway's HTTP status (2xx). */
  status?: number;
}

/** A failed attempt: `permanent` when the gateway refused the message (4xx), so retrying cannot help. */
export class SmsGatewayError extends Error {
  constructor(
    message: string,
    readonly permanent: boolean,
    readonly status?: number,
  ) {
    super(message);
    this.name = 'SmsGatewayError';
  }
}

/** Another attempt holds the message's claim: this one must not send; the job tries again later. */
export class SmsInFlightError extends Error {
  constructor(id: string) {
    super(`Text message ${id} is being sent by another attempt.`);
    this.name = 'SmsInFlightError';
  }
}

/** Sends one text message now. Network I/O: never call it inside a database transaction. */
export interface SmsSender {
  readonly transport: 'http' | 'log';
  /** How long one attempt may take before it is abandoned (the claim lasts longer than this). */
  readonly timeoutMs: number;
  send(sms: OutgoingSms): Promise<SmsDelivery>;
}

/** The HTTP gateway: where to POST, and the bearer token it expects. */
export interface SmsGatewaySettings {
  url: URL;
  token: string;
}

/** How to build the sender; `gateway` is required with the HTTP transport. */
export interface SmsSenderOptions {
  transport: 'http' | 'log';
  gateway?: SmsGatewaySettings;
  log: Logger;
  /** Without a gateway: messages are readable at /dev/mailbox (embedded demo), so keeping them is normal. */
  devMailbox?: boolean;
  /** Milliseconds to wait for the gateway's whole answer; default 10 s. */
  timeoutMs?: number;
}

// Enough of a gateway's answer to diagnose; the column is not a log.
const MAX_ANSWER_LENGTH = 500;

/** POSTs a body and reads (the start of) the answer; rejects on network errors and after `timeoutMs`. */
function post(
  url: URL,
  headers: Record<string, string>,
  body: string,
  timeoutMs: number,
): Promise<{ status: number; body: string }> {
  const request = url.protocol === 'https:' ? https.request : http.request;
  return new Promise((resolve, reject) => {
    // A fresh connection per message (`agent: false`): messages are few, and no socket outlives its request.
    const req = request(url, { method: 'POST', headers, agent: false }, (res) => {
      const chunks: Buffer[] = [];
      let size = 0;
      res.on('data', (chunk: Buffer) => {
        if (size < MAX_ANSWER_LENGTH * 4) chunks.push(chunk);
        size += chunk.length;
      });
      res.on('end', () => {
        clearTimeout(timer);
        resolve({ status: res.statusCode ?? 0, body: Buffer.concat(chunks).toString('utf8') });
      });
      res.on('error', (error) => {
        clearTimeout(timer);
        reject(error);
      });
    });
    const timer = setTimeout(
      () => req.destroy(new Error(`no answer from the SMS gateway within ${timeoutMs} ms`)),
      timeoutMs,
    );
    req.on('error', (error) => {
      clearTimeout(timer);
      reject(error);
    });
    req.end(body);
  });
}

/** A gateway's answer, cut to a line that fits the record. */
function answerOf(status: number, body: string): string {
  const text = body.replace(/\s+/g, ' ').trim();
  const cut = text.length > MAX_ANSWER_LENGTH ? `${text.slice(0, MAX_ANSWER_LENGTH)}…` : text;
  return `the SMS gateway answered ${status}${cut ? `: ${cut}` : ''}`;
}

/**
 * Creates the sender: the HTTP gateway (POST `{ id, to, text }` as JSON with `Authorization: Bearer <token>`;
 * 2xx accepted; 408, 429 and 5xx retried; any other answer refused for good), or the log transport that only
 * records that a message was not sent. Phone numbers are masked in every log line.
 */
export function createSmsSender(options: SmsSenderOptions): SmsSender {
  const timeoutMs = options.timeoutMs ?? 10_000;
  const { log } = options;

  if (options.transport === 'log') {
    return {
      transport: 'log',
      timeoutMs,
      async send(sms) {
        // Never the text: it may hold a one-time code.
        if (options.devMailbox) {
          log.info({ smsId: sms.id }, 'text message kept for the development mailbox (/dev/mailbox)');
        } else {
          log.warn(
            { smsId: sms.id, to: maskPhone(sms.to) },
            'text message not sent: no SMS gateway is configured (YIWANG_SMS_URL); it is kept in kernel_sms_messages',
          );
        }
        return { via: 'log' };
      },
    };
  }

  const gateway = options.gateway;
  if (!gateway) throw new Error('The HTTP SMS transport needs the gateway settings.');
  return {
    transport: 'http',
    timeoutMs,
    async send(sms) {
      const body = JSON.stringify({ id: sms.id, to: sms.to, text: sms.text });
      let answer: { status: number; body: string };
      try {
        answer = await post(
          gateway.url,
          {
            authorization: `Bearer ${gateway.token}`,
            'content-type': 'application/json; charset=utf-8',
            'content-length': String(Buffer.byteLength(body)),
            accept: 'application/json',
            // The same key on every attempt: a gateway that honours it drops a request it has already accepted.
            'idempotency-key': sms.id,
            'content-language': sms.locale,
          },
          body,
          timeoutMs,
        );
      } catch (error) {
        // Nothing was accepted that we know of (refused connection, reset, timeout): worth another attempt.
        const message = error instanceof Error ? error.message : String(error);
        log.warn(
          { smsId: sms.id, to: maskPhone(sms.to), err: message },
          'SMS gateway unreachable: will retry',
        );
        throw new SmsGatewayError(`the SMS gateway could not be reached: ${message}`, false);
      }
      const { status } = answer;
      if (status >= 200 && status < 300) {
        log.info(
          { smsId: sms.id, to: maskPhone(sms.to), status },
          'text message accepted by the SMS gateway',
        );
        return { via: 'http', status };
      }
      // 408 and 429 say "not now", like a 5xx; every other answer (4xx, a redirect) will not change by retrying.
      const permanent = !(status >= 500 || status === 408 || status === 429);
      log.warn(
        { smsId: sms.id, to: maskPhone(sms.to), status },
        permanent ? 'SMS gateway refused the text message: not retried' : 'SMS gateway failed: will retry',
      );
      throw new SmsGatewayError(answerOf(status, answer.body), permanent, status);
    },
  };
}

// One number, no list: digits with an optional leading +, as E.164 allows (at most 15 digits).
const PHONE_NUMBER = /^\+?[1-9]\d{5,14}$/;
// Long messages are split by the carrier; a platform notice or code never needs more than a few parts.
const MAX_TEXT_LENGTH = 500;

/**
 * Stores a text message and enqueues its delivery, both in `tx`: the message exists, and goes out, only if the
 * transaction commits. Returns the message's id (`sms_…`).
 */
export async function queueSms(tx: Db, jobs: Jobs, message: SmsMessage): Promise<string> {
  if (!PHONE_NUMBER.test(message.to))
    throw new RangeError('A text message goes to exactly one phone number.');
  if (message.text.trim() === '' || message.text.length > MAX_TEXT_LENGTH) {
    throw new RangeError(`A text message has 1 to ${MAX_TEXT_LENGTH} characters.`);
  }
  const id = newId('sms');
  await tx.insert(smsRecords).values({
    id,
    recipient: message.to,
    text: message.text,
    locale: message.locale,
    expiresAt: message.expiresAt ?? null,
  });
  await jobs.send(SMS_SEND_JOB, { smsId: id }, { tx });
  return id;
}

const MAX_ERROR_LENGTH = 2000;

function describeError(error: unknown): string {
  const message = error instanceof Error ? error.message : String(error);
  return message.length > MAX_ERROR_LENGTH ? `${message.slice(0, MAX_ERROR_LENGTH)}…` : message;
}

/** How one run of the `sms.send` job ended, when it did not throw. */
export type SmsOutcome =
  /** The gateway accepted it now (or, without a gateway, it was kept). */
  | 'sent'
  /** An earlier attempt already sent it: nothing done. */
  | 'already-sent'
  /** The gateway refused it (4xx): recorded as failed, never retried. */
  | 'refused'
  /** Given up earlier: nothing done. */
  | 'failed'
  /** Its time ran out before it could be sent: recorded as failed. */
  | 'expired'
  /** An earlier attempt claimed it and never recorded how it ended (a crash): it may have gone out, so never again. */
  | 'outcome-unknown'
  | 'missing';

// A claim outlives its attempt's own timeout by this much, so it never lapses while the attempt may still send.
const LEASE_MARGIN_SECONDS = 30;

/**
 * The `sms.send` job: sends one stored message at most once.
 *
 * 1. Claim: one committed UPDATE sets a lease (`claimed_until`) on a message neither sent nor given up nor claimed.
 * 2. Send, outside any transaction, with the message's id (which the gateway may use to drop a repeat).
 * 3. Record the outcome and release the claim: sent; refused for good (4xx: not retried); or failed for now (5xx,
 *    network: the claim is released and the error rethrown, so pg-boss retries with backoff).
 *
 * A later run that finds a live claim throws `SmsInFlightError` (retried later); one that finds an expired claim
 * with no outcome (the attempt's process died) cannot know whether the gateway took the message, and gives it up
 * rather than risk sending it twice.
 */
export async function deliverSms(
  db: Db,
  sender: SmsSender,
  id: string,
  options: { log?: Logger } = {},
): Promise<SmsOutcome> {
  const leaseSeconds = Math.ceil(sender.timeoutMs / 1000) + LEASE_MARGIN_SECONDS;
  const open = and(eq(smsRecords.id, id), isNull(smsRecords.sentAt), isNull(smsRecords.failedAt));
  const [claimed] = await db
    .update(smsRecords)
    .set({
      claimedUntil: sql`now() + make_interval(secs => ${leaseSeconds})`,
      attempts: sql`${smsRecords.attempts} + 1`,
    })
    .where(
      and(
        open,
        isNull(smsRecords.claimedUntil),
        or(isNull(smsRecords.expiresAt), gt(smsRecords.expiresAt, sql`now()`)),
      ),
    )
    .returning();

  if (!claimed) {
    const [row] = await db.select().from(smsRecords).where(eq(smsRecords.id, id));
    if (!row) return 'missing';
    if (row.sentAt) return 'already-sent';
    if (row.failedAt) return 'failed';
    if (row.claimedUntil) {
      const abandoned = await db
        .update(smsRecords)
        .set({
          failedAt: sql`now()`,
          claimedUntil: null,
          lastError:
            'an attempt stopped before recording whether the gateway accepted the message; not sent again',
        })
        .where(and(open, lte(smsRecords.claimedUntil, sql`now()`)))
        .returning({ id: smsRecords.id });
      if (abandoned.length === 0) throw new SmsInFlightError(id);
      options.log?.warn(
        { smsId: id, to: maskPhone(row.recipient) },
        'text message given up: an earlier attempt ended without an outcome (at most once)',
      );
      return 'outcome-unknown';
    }
    const expired = await db
      .update(smsRecords)
      .set({ failedAt: sql`now()`, lastError: 'expired before it could be sent' })
      .where(and(open, isNull(smsRecords.claimedUntil), lte(smsRecords.expiresAt, sql`now()`)))
      .returning({ id: smsRecords.id });
    if (expired.length > 0) return 'expired';
    // Claimed and finished by another run between our two statements: let the retry see how it ended.
    throw new SmsInFlightError(id);
  }

  let delivery: SmsDelivery;
  try {
    delivery = await sender.send({
      id: claimed.id,
      to: claimed.recipient,
      text: claimed.text,
      locale: claimed.locale,
    });
  } catch (error) {
    const permanent = error instanceof SmsGatewayError && error.permanent;
    await db
      .update(smsRecords)
      .set({
        claimedUntil: null,
        lastError: describeError(error),
        gatewayStatus: error instanceof SmsGatewayError ? (error.status ?? null) : null,
        ...(permanent ? { failedAt: sql`now()` } : {}),
      })
      .where(and(eq(smsRecords.id, id), isNull(smsRecords.sentAt)));
    if (permanent) return 'refused';
    throw error;
  }
  // Accepted is the truth even if a slow record lets another run give the message up meanwhile.
  await db
    .update(smsRecords)
    .set({
      sentAt: sql`now()`,
      deliveredVia: delivery.via,
      gatewayStatus: delivery.status ?? null,
      claimedUntil: null,
      failedAt: null,
      lastError: null,
    })
    .where(and(eq(smsRecords.id, id), isNull(smsRecords.sentAt)));
  return 'sent';
}

/**
 * Declares the `sms.send` queue and its handler. Call it in every process before `jobs.start()` (a process that
 * only enqueues still needs the queue to exist); only processes that work on jobs run the handler.
 */
export function registerSmsJob(
  jobs: Jobs,
  db: Db,
  sender: SmsSender,
  options: { retryLimit?: number; retryDelaySeconds?: number; log?: Logger } = {},
): void {
  jobs.define(
    SMS_SEND_JOB,
    async (data) => {
      await deliverSms(db, sender, String(data.smsId), { log: options.log });
    },
    // pg-boss's backoff doubles a jittered delay: 10–20 s, 20–40 s… about 10 minutes over five retries, the
    // lifetime of a one-time code.
    { retryLimit: options.retryLimit ?? 5, retryDelaySeconds: options.retryDelaySeconds ?? 10 },
  );
}

/** What modules get in the kernel context: queue a text message in the transaction of the change that causes it. */
export interface SmsOutbox {
  /** Stores the message and enqueues its delivery in `tx` (see `queueSms`); returns its id. */
  queue(tx: Db, message: SmsMessage): Promise<string>;
}

/** Binds `queueSms` to the platform's jobs, for the kernel context. */
export function createSmsOutbox(jobs: Jobs): SmsOutbox {
  return { queue: (tx, message) => queueSms(tx, jobs, message) };
}
