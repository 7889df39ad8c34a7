import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull, or } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailOutbox } from '../../kernel/mail/mail.ts';
import { accounts, passwordResets, sessions } from './db/identity.tables.ts';
import { passwordProblem } from './domain/password-policy.ts';
import { hashPassword } from './domain/passwords.ts';
import { IdentityErrors } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';

const LINK_LIFETIME_MINUTES = 30;
/** A new member of staff may read the welcome mail only after a weekend: their first link lasts three days. */
const WELCOME_LINK_LIFETIME_DAYS = 3;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** The account a password link is for, as the mail greets it. */
export interface PasswordLinkAccount {
  id: string;
  username: string;
  email: string;
  displayNameZh: string;
  preferredLocale: Locale;
}

/**
 * Stores a single-use, time-limited link for choosing the account's password and queues its mail, in the caller's
 * transaction: `reset` for a forgotten password (30 minutes), `welcome` for a staff account an administrator has
 * just created (three days). Both are completed by `PasswordResetService.complete`; only the token's hash is kept.
 */
export async function queuePasswordLink(
  tx: Db,
  deps: { mail: MailOutbox; baseUrl: string; now: () => Date },
  account: PasswordLinkAccount,
  purpose: 'reset' | 'welcome',
): Promise<void> {
  const token = randomBytes(32).toString('base64url');
  const link = `${deps.baseUrl.replace(/\/$/, '')}/password-reset/confirm?token=${token}`;
  const minutes = purpose === 'reset' ? LINK_LIFETIME_MINUTES : WELCOME_LINK_LIFETIME_DAYS * 24 * 60;
  const m = identityMessages.translator(account.preferredLocale);
  await tx.insert(passwordResets).values({
    id: newId('pwr'),
    accountId: account.id,
    tokenHash: hashToken(token),
    expiresAt: new Date(deps.now().getTime() + minutes * 60_000),
  });
  await deps.mail.queue(tx, {
    to: account.email,
    ...(purpose === 'reset'
      ? {
          subject: m('reset.mail.subject'),
          text: m('reset.mail.text', { name: account.displayNameZh, link, minutes }),
        }
      : {
          subject: m('staffAdmin.mail.subject'),
          text: m('staffAdmin.mail.text', {
            name: account.displayNameZh,
            username: account.username,
            link,
            days: WELCOME_LINK_LIFETIME_DAYS,
          }),
        }),
    locale: account.preferredLocale,
  });
}

/** Forgotten passwords: a single-use, time-limited link by e-mail; using it ends every session of the account. */
export function createPasswordResetService(deps: {
  db: Db;
  audit: AuditLog;
  mail: MailOutbox;
  /** Where links point: the public URL, never the Host header of the request (which an attacker chooses). */
  baseUrl: string;
  now?: () => Date;
}) {
  const now = deps.now ?? (() => new Date());
  return {
    /**
     * Mails a reset link when the user name or address belongs to an account with an e-mail address. Answers the
     * same whether or not it does, so the page reveals nothing about who has an account.
     */
    async request(
      identifier: string,
      locale: Locale,
      client: { clientAddress?: string; requestId?: string },
    ) {
      const key = identifier.trim().toLowerCase();
      if (!key || key.length > 254) return;
      const [account] = await deps.db
        .select()
        .from(accounts)
        .where(or(eq(accounts.username, key), eq(accounts.email, key)));
      // A disabled account gets no link, and the answer is the same as for any other.
      if (!account?.email || account.disabledAt) return;
      const email = account.email;
      await deps.db.transaction(async (tx) => {
        await queuePasswordLink(
          tx,
          { mail: deps.mail, baseUrl: deps.baseUrl, now },
          { ...account, email, preferredLocale: account.preferredLocale ?? locale },
          'reset',
        );
        await deps.audit.record(tx, {
          actor: { kind: 'anonymous' },
          action: 'identity.passwordReset.requested',
          object: { type: 'account', id: account.id },
          subjectId: account.id,
          request: client,
        });
      });
    },

    /** Sets a new password with a link's token: once only, before it expires; every session of the account ends. */
    async complete(
      token: string,
      password: string,
      locale: Locale,
      client: { clientAddress?: string; requestId?: string },
    ) {
      const [reset] = await deps.db
        .select({ reset: passwordResets, username: accounts.username })
        .from(passwordResets)
        .innerJoin(accounts, eq(accounts.id, passwordResets.accountId))
        .where(
          and(
            eq(passwordResets.tokenHash, hashToken(token)),
            isNull(passwordResets.usedAt),
            gt(passwordResets.expiresAt, now()),
            isNull(accounts.disabledAt),
          ),
        );
      if (!reset) throw new AppError(IdentityErrors.resetLinkInvalid);
      const problem = passwordProblem(password, reset.username);
      if (problem) {
        const m = identityMessages.translator(locale);
        const fields: FieldProblem[] = [
          { path: 'password', message: m(`register.error.password.${problem}`) },
        ];
        throw new AppError(IdentityErrors.registrationInvalid, {}, fields);
      }
      const passwordHash = await hashPassword(password);
      await deps.db.transaction(async (tx) => {
        const used = await tx
          .update(passwordResets)
          .set({ usedAt: now() })
          .where(and(eq(passwordResets.id, reset.reset.id), isNull(passwordResets.usedAt)))
          .returning({ id: passwordResets.id });
        if (used.length === 0) throw new AppError(IdentityErrors.resetLinkInvalid);
        await tx
          .update(accounts)
          .set({ passwordHash, passwordChangedAt: now() })
          .where(eq(accounts.id, reset.reset.accountId));
        // Whoever knew the old password must not stay signed in.
        await tx
          .update(sessions)
          .set({ endedAt: now() })
          .where(and(eq(sessions.accountId, reset.reset.accountId), isNull(sessions.endedAt)));
        await deps.audit.record(tx, {
          actor: { id: reset.reset.accountId, kind: 'person' },
          action: 'identity.password.reset',
          object: { type: 'account', id: reset.reset.accountId },
          subjectId: reset.reset.accountId,
          request: client,
        });
      });
    },
  };
}

/** The password reset service's type, for routes and tests. */
export type PasswordResetService = ReturnType<typeof createPasswordResetService>;
