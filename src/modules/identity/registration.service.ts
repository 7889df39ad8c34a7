import { createHmac, randomInt, timingSafeEqual } from 'node:crypto';
import { and, eq, gt, inArray, isNull, lt, or, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailOutbox } from '../../kernel/mail/mail.ts';
import { maskPhone } from '../../kernel/masking.ts';
import type { SmsOutbox } from '../../kernel/sms/sms.ts';
import { accounts, codeSendLimits, registrations } from './db/identity.tables.ts';
import {
  ADDRESS_SEND_RULE,
  decideSend,
  RECIPIENT_SEND_RULE,
  type SendLimitRule,
} from './domain/code-send-limit.ts';
import { isValidResidentId } from './domain/identifiers.ts';
import { normalizeMainlandMobile } from './domain/mobile-number.ts';
import { passwordProblem } from './domain/password-policy.ts';
import { hashPassword } from './domain/passwords.ts';
import { IdentityErrors } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';
import type { PopulationRegister } from './population-register.ts';

const CODE_LIFETIME_SECONDS = 10 * 60;
const MAX_CODE_ATTEMPTS = 5;

/** Where the one-time code goes: to the e-mail address, or by text message to the mainland mobile number. */
export type VerificationChannel = 'email' | 'phone';

/** What a person fills in to register. */
export interface RegistrationInput {
  displayName: string;
  username: string;
  idType: 'resident_id' | 'passport' | 'other';
  idNumber: string;
  /** Required by e-mail (the default channel); optional by phone (then '' or absent). */
  email?: string;
  /** Required by phone; optional by e-mail. */
  phone?: string;
  /** Default `email`. */
  channel?: VerificationChannel;
  password: string;
  locale: Locale;
}

const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;

/** Checks every field and lists every problem at once (一次性告知), in the person's language. */
export function registrationProblems(input: RegistrationInput): FieldProblem[] {
  const m = identityMessages.translator(input.locale);
  const problems: FieldProblem[] = [];
  if (!/^\p{L}[\p{L}\p{M} ·.'-]{0,49}$/u.test(input.displayName.trim())) {
    problems.push({ path: 'displayName', message: m('register.error.name') });
  }
  if (!/^[a-z][a-z0-9_-]{2,31}$/.test(input.username.trim().toLowerCase())) {
    problems.push({ path: 'username', message: m('register.error.username') });
  }
  if (input.idType === 'resident_id' && !isValidResidentId(input.idNumber)) {
    problems.push({ path: 'idNumber', message: m('register.error.residentId') });
  } else if (input.idType !== 'resident_id' && !/^[A-Z0-9]{5,20}$/i.test(input.idNumber.trim())) {
    problems.push({ path: 'idNumber', message: m('register.error.document') });
  }
  const channel = input.channel ?? 'email';
  const email = input.email?.trim() ?? '';
  if ((channel === 'email' || email !== '') && (!EMAIL.test(email) || email.length > 254)) {
    problems.push({
      path: 'email',
      message: m(channel === 'email' ? 'register.error.email' : 'register.error.emailOptional'),
    });
  }
  const phone = input.phone?.trim() ?? '';
  if (channel === 'phone' && phone === '') {
    problems.push({ path: 'phone', message: m('register.error.phoneRequired') });
  } else if (phone !== '' && !normalizeMainlandMobile(phone)) {
    problems.push({ path: 'phone', message: m('register.error.phone') });
  }
  const password = passwordProblem(input.password, input.username);
  if (password) problems.push({ path: 'password', message: m(`register.error.password.${password}`) });
  return problems;
}

/**
 * Whether an account already has this user name, ID number or e-mail address, or — when the code goes by text
 * message — this mobile number. The e-mail address counts whenever it is given (a password reset finds the account
 * by it); an optional mobile number given with the e-mail channel does not, as before, so that an unverified number
 * typed by someone else never blocks its owner from registering by it.
 */
async function alreadyRegistered(
  db: Db,
  person: {
    username: string;
    idNumber: string;
    email: string | null;
    phone: string | null;
    channel: VerificationChannel;
  },
): Promise<boolean> {
  const [taken] = await db
    .select({ id: accounts.id })
    .from(accounts)
    .where(
      or(
        eq(accounts.username, person.username),
        eq(accounts.idNumber, person.idNumber),
        ...(person.email ? [eq(accounts.email, person.email)] : []),
        ...(person.channel === 'phone' && person.phone ? [eq(accounts.phone, person.phone)] : []),
      ),
    )
    .limit(1);
  return taken !== undefined;
}

/** Where a request came from: the address counts towards the limit on sending codes, and goes into the audit log. */
export interface RegistrationClient {
  clientAddress?: string;
  requestId?: string;
}

/**
 * Registration by a code sent by e-mail or by text message: one form, one code, an account only once the code is
 * confirmed.
 */
export function createRegistrationService(deps: {
  db: Db;
  audit: AuditLog;
  mail: MailOutbox;
  sms: SmsOutbox;
  secret: string;
  register: PopulationRegister;
  now?: () => Date;
  /** Limits on sending codes; default 5 an hour per recipient, 20 an hour per client address. */
  sendLimits?: { recipient: SendLimitRule; address: SendLimitRule };
  /** Tests read the code here instead of from the mailbox; never set in production. */
  onCode?: (code: string) => void;
}) {
  const now = deps.now ?? (() => new Date());
  const limits = deps.sendLimits ?? { recipient: RECIPIENT_SEND_RULE, address: ADDRESS_SEND_RULE };
  const hashCode = (registrationId: string, code: string) =>
    createHmac('sha256', deps.secret).update(`registration:${registrationId}:${code}`).digest('hex');

  /** The keys a send counts against, sorted: locked in one order, concurrent sends never wait on each other in a cycle. */
  const sendKeys = (recipientKey: string, client: RegistrationClient): [string, SendLimitRule][] =>
    (
      [
        [recipientKey, limits.recipient],
        ...(client.clientAddress ? [[`address:${client.clientAddress}`, limits.address]] : []),
      ] as [string, SendLimitRule][]
    ).sort(([a], [b]) => (a < b ? -1 : a > b ? 1 : 0));

  /** The longest wait any of the keys asks for, or 0 when a code may go now. Reads only: an early, cheap refusal. */
  async function sendWait(keys: [string, SendLimitRule][]): Promise<number> {
    const rows = await deps.db
      .select()
      .from(codeSendLimits)
      .where(
        inArray(
          codeSendLimits.key,
          keys.map(([key]) => key),
        ),
      );
    let wait = 0;
    for (const [key, rule] of keys) {
      const decision = decideSend(rule, rows.find((r) => r.key === key)?.recent ?? [], now().getTime());
      if (!decision.allowed) wait = Math.max(wait, decision.retryAfterSeconds);
    }
    return wait;
  }

  /**
   * Counts one send against every key, in `tx`, with each key's row locked: the authoritative check, exact across
   * instances. Throws `codeSendLimited` (nothing recorded: the transaction rolls back) when any key is full.
   */
  async function countSend(tx: Db, keys: [string, SendLimitRule][]): Promise<void> {
    let wait = 0;
    const updates: [string, number[]][] = [];
    for (const [key, rule] of keys) {
      await tx.insert(codeSendLimits).values({ key, recent: [] }).onConflictDoNothing();
      const [row] = await tx.select().from(codeSendLimits).where(eq(codeSendLimits.key, key)).for('update');
      const decision = decideSend(rule, row?.recent ?? [], now().getTime());
      if (decision.allowed) updates.push([key, decision.recent]);
      else wait = Math.max(wait, decision.retryAfterSeconds);
    }
    if (wait > 0) throw limited(wait);
    for (const [key, recent] of updates) {
      await tx.update(codeSendLimits).set({ recent }).where(eq(codeSendLimits.key, key));
    }
  }

  const limited = (retryAfterSeconds: number) =>
    new AppError(IdentityErrors.codeSendLimited, {
      minutes: Math.ceil(retryAfterSeconds / 60),
      retryAfterSeconds,
    });

  return {
    /**
     * Validates, refuses duplicates and too many codes, stores the registration and sends a 6-digit code by e-mail
     * or text message; returns its id.
     */
    async start(input: RegistrationInput, client: RegistrationClient): Promise<string> {
      const problems = registrationProblems(input);
      if (problems.length > 0) throw new AppError(IdentityErrors.registrationInvalid, {}, problems);
      const channel = input.channel ?? 'email';
      const username = input.username.trim().toLowerCase();
      const idNumber = input.idNumber.trim().toUpperCase();
      const email = input.email?.trim().toLowerCase() || null;
      const phone = input.phone?.trim() ? (normalizeMainlandMobile(input.phone) ?? null) : null;
      const taken = await alreadyRegistered(deps.db, { username, idNumber, email, phone, channel });
      if (taken) throw new AppError(IdentityErrors.alreadyRegistered);

      const keys = sendKeys(channel === 'phone' ? `phone:${phone}` : `email:${email}`, client);
      // Refused before the password is hashed, so a flood of refused requests costs no argon2 time.
      const wait = await sendWait(keys);
      if (wait > 0) throw limited(wait);

      const id = newId('reg');
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const passwordHash = await hashPassword(input.password);
      const m = identityMessages.translator(input.locale);
      const expiresAt = new Date(now().getTime() + CODE_LIFETIME_SECONDS * 1000);
      await deps.db.transaction(async (tx) => {
        await countSend(tx, keys);
        await tx.insert(registrations).values({
          id,
          username,
          displayName: input.displayName.trim(),
          idType: input.idType,
          idNumber,
          phone,
          email,
          channel,
          preferredLocale: input.locale,
          passwordHash,
          codeHash: hashCode(id, code),
          codeExpiresAt: expiresAt,
        });
        // The code is queued in the same transaction: no registration without its message, no message without it.
        if (channel === 'phone' && phone) {
          await deps.sms.queue(tx, {
            to: phone,
            text: m('register.sms.text', { code, minutes: CODE_LIFETIME_SECONDS / 60 }),
            locale: input.locale,
            // A code that arrives after it has expired is only noise.
            expiresAt,
          });
        } else if (email) {
          await deps.mail.queue(tx, {
            to: email,
            subject: m('register.mail.subject'),
            text: m('register.mail.text', {
              name: input.displayName.trim(),
              code,
              minutes: CODE_LIFETIME_SECONDS / 60,
            }),
            locale: input.locale,
          });
        }
        await deps.audit.record(tx, {
          actor: { kind: 'anonymous' },
          action: 'identity.registration.started',
          object: { type: 'registration', id },
          request: client,
          details: { channel },
        });
      });
      deps.onCode?.(code);
      return id;
    },

    /**
     * Where a registration's code went: the channel and, for a text message, the number, masked (so the verify
     * page can say so, also after a refused code). Undefined for an unknown registration.
     */
    async codeDelivery(
      registrationId: string,
    ): Promise<{ channel: 'email' } | { channel: 'phone'; maskedPhone: string } | undefined> {
      const [registration] = await deps.db
        .select({ channel: registrations.channel, phone: registrations.phone })
        .from(registrations)
        .where(eq(registrations.id, registrationId));
      if (!registration) return undefined;
      return registration.channel === 'phone' && registration.phone
        ? { channel: 'phone', maskedPhone: maskPhone(registration.phone) }
        : { channel: 'email' };
    },

    /** Confirms the code and creates the account (L2 when the population register knows the person, else L1). */
    async confirm(registrationId: string, code: string, client: RegistrationClient) {
      const refuse = () => new AppError(IdentityErrors.verificationCodeInvalid);
      // Each guess first takes one of the attempts, atomically: parallel guesses cannot share one attempt.
      const [registration] = await deps.db
        .update(registrations)
        .set({ attempts: sql`${registrations.attempts} + 1` })
        .where(
          and(
            eq(registrations.id, registrationId),
            isNull(registrations.completedAt),
            gt(registrations.codeExpiresAt, now()),
            lt(registrations.attempts, MAX_CODE_ATTEMPTS),
          ),
        )
        .returning();
      if (!registration) throw refuse();
      const expected = Buffer.from(registration.codeHash, 'hex');
      const given = Buffer.from(hashCode(registration.id, code.trim()), 'hex');
      if (expected.length !== given.length || !timingSafeEqual(expected, given)) throw refuse();
      const verified =
        registration.idType === 'resident_id' &&
        (await deps.register.matches(registration.displayName, registration.idNumber));
      const accountId = newId('acct');
      await deps.db.transaction(async (tx) => {
        // Completing inside the transaction, conditioned on "not yet completed": a code works exactly once.
        const completed = await tx
          .update(registrations)
          .set({ completedAt: now(), accountId })
          .where(and(eq(registrations.id, registration.id), isNull(registrations.completedAt)))
          .returning({ id: registrations.id });
        if (completed.length === 0) throw refuse();
        // Someone may have registered the same name, document, address or number while this code was on its way.
        const taken = await alreadyRegistered(tx, registration);
        if (taken) throw new AppError(IdentityErrors.alreadyRegistered);
        await tx.insert(accounts).values({
          id: accountId,
          username: registration.username,
          displayNameZh: registration.displayName,
          displayNameEn: registration.displayName,
          kind: 'public',
          assuranceLevel: verified ? 2 : 1,
          idType: registration.idType,
          idNumber: registration.idNumber,
          phone: registration.phone,
          email: registration.email,
          preferredLocale: registration.preferredLocale,
          passwordHash: registration.passwordHash,
        });
        await deps.audit.record(tx, {
          actor: { id: accountId, kind: 'person' },
          action: 'identity.account.registered',
          object: { type: 'account', id: accountId },
          subjectId: accountId,
          request: client,
          details: { assuranceLevel: verified ? 2 : 1, verifiedBy: verified ? deps.register.name : null },
        });
      });
      return { accountId, username: registration.username, assuranceLevel: verified ? 2 : 1 };
    },
  };
}

/** The registration service's type, for routes and tests. */
export type RegistrationService = ReturnType<typeof createRegistrationService>;
