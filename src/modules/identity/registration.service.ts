import { createHmac, randomInt } from 'node:crypto';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailOutbox } from '../../kernel/mail/mail.ts';
import { accounts, registrations } from './db/identity.tables.ts';
import { isValidResidentId } from './domain/identifiers.ts';
import { passwordProblem } from './domain/password-policy.ts';
import { hashPassword } from './domain/passwords.ts';
import { IdentityErrors } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';
import type { PopulationRegister } from './population-register.ts';

const CODE_LIFETIME_SECONDS = 10 * 60;
const MAX_CODE_ATTEMPTS = 5;

/** What a person fills in to register. */
export interface RegistrationInput {
  displayName: string;
  username: string;
  idType: 'resident_id' | 'passport' | 'other';
  idNumber: string;
  email: string;
  phone?: string;
  password: string;
  locale: Locale;
}

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
  if (!/^[^\s@]+@[^\s@]+\.[^\s@]+$/.test(input.email.trim()) || input.email.length > 254) {
    problems.push({ path: 'email', message: m('register.error.email') });
  }
  if (input.phone && !/^1\d{10}$/.test(input.phone.trim())) {
    problems.push({ path: 'phone', message: m('register.error.phone') });
  }
  const password = passwordProblem(input.password, input.username);
  if (password) problems.push({ path: 'password', message: m(`register.error.password.${password}`) });
  return problems;
}

/** Registration by e-mail code: one form, one code, an account only once the code is confirmed. */
export function createRegistrationService(deps: {
  db: Db;
  audit: AuditLog;
  mail: MailOutbox;
  secret: string;
  register: PopulationRegister;
  now?: () => Date;
  /** Tests read the code here instead of from the mailbox; never set in production. */
  onCode?: (code: string) => void;
}) {
  const now = deps.now ?? (() => new Date());
  const hashCode = (registrationId: string, code: string) =>
    createHmac('sha256', deps.secret).update(`registration:${registrationId}:${code}`).digest('hex');

  return {
    /** Validates, refuses duplicates, stores the registration and mails a 6-digit code; returns its id. */
    async start(
      input: RegistrationInput,
      client: { clientAddress?: string; requestId?: string },
    ): Promise<string> {
      const problems = registrationProblems(input);
      if (problems.length > 0) throw new AppError(IdentityErrors.registrationInvalid, {}, problems);
      const username = input.username.trim().toLowerCase();
      const idNumber = input.idNumber.trim().toUpperCase();
      const email = input.email.trim().toLowerCase();
      const [taken] = await deps.db
        .select({ id: accounts.id })
        .from(accounts)
        .where(
          or(eq(accounts.username, username), eq(accounts.idNumber, idNumber), eq(accounts.email, email)),
        );
      if (taken) throw new AppError(IdentityErrors.alreadyRegistered);

      const id = newId('reg');
      const code = String(randomInt(0, 1_000_000)).padStart(6, '0');
      const passwordHash = await hashPassword(input.password);
      const m = identityMessages.translator(input.locale);
      await deps.db.transaction(async (tx) => {
        await tx.insert(registrations).values({
          id,
          username,
          displayName: input.displayName.trim(),
          idType: input.idType,
          idNumber,
          phone: input.phone?.trim() || null,
          email,
          preferredLocale: input.locale,
          passwordHash,
          codeHash: hashCode(id, code),
          codeExpiresAt: new Date(now().getTime() + CODE_LIFETIME_SECONDS * 1000),
        });
        // The mail is queued in the same transaction: no registration without its mail, no mail without it.
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
        await deps.audit.record(tx, {
          actor: { kind: 'anonymous' },
          action: 'identity.registration.started',
          object: { type: 'registration', id },
          request: client,
        });
      });
      deps.onCode?.(code);
      return id;
    },

    /** Confirms the code and creates the account (L2 when the population register knows the person, else L1). */
    async confirm(
      registrationId: string,
      code: string,
      client: { clientAddress?: string; requestId?: string },
    ) {
      const refuse = () => new AppError(IdentityErrors.verificationCodeInvalid);
      const [registration] = await deps.db
        .select()
        .from(registrations)
        .where(
          and(
            eq(registrations.id, registrationId),
            isNull(registrations.completedAt),
            gt(registrations.codeExpiresAt, now()),
          ),
        );
      if (!registration || registration.attempts >= MAX_CODE_ATTEMPTS) throw refuse();
      if (hashCode(registration.id, code.trim()) !== registration.codeHash) {
        await deps.db
          .update(registrations)
          .set({ attempts: registration.attempts + 1 })
          .where(eq(registrations.id, registration.id));
        throw refuse();
      }
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
