import { randomBytes } from 'node:crypto';
import { and, eq, isNull } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { assertAllowed, type PermissionRegistry } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { accounts, passwordResets } from './db/identity.tables.ts';
import { passwordThrottleKeys } from './domain/lockout.ts';
import { passwordExpiresAt } from './domain/password-expiry.ts';
import { passwordProblem } from './domain/password-policy.ts';
import { hashPassword, verifyPassword } from './domain/passwords.ts';
import { IdentityErrors, TooManyAttemptsError } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';
import { IdentityPermissions } from './identity.policy.ts';
import { actorOf } from './identity.service.ts';
import type { ActiveSession, ClientInfo, SessionsService } from './sessions.service.ts';

/** What re-entering the password led to; a lock carries the wait. */
export type PasswordConfirmation = 'confirmed' | 'missing' | 'wrong' | { retryAfterSeconds: number };

// Checked against when the account has vanished, so the answer takes as long as a real check.
let dummyHash: Promise<string> | undefined;

/**
 * The signed-in person's password: re-entering it before sensitive changes, changing it on the security page, and
 * replacing an expired staff password right after the second factor. A new password ends every other session.
 */
export function createPasswordsService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  sessions: SessionsService;
  /** Staff passwords older than this must be replaced; 0 means never. */
  staffPasswordMaxAgeDays: number;
  now?: () => Date;
}) {
  const { db, audit, sessions } = deps;
  const now = deps.now ?? (() => new Date());

  /**
   * Checks the password of the session's account. A wrong one counts against the same lockout as sign-in (the
   * form must not become a way round it) and is audited; the answer reveals nothing else.
   */
  async function confirm(
    session: ActiveSession,
    password: string,
    purpose: 'password-change' | 'security-key',
    client: ClientInfo,
  ): Promise<PasswordConfirmation> {
    if (password === '') return 'missing';
    const keys = passwordThrottleKeys(session.username);
    const retryAfterSeconds = await sessions.lockedFor(keys);
    if (retryAfterSeconds > 0) return { retryAfterSeconds };
    const [account] = await db
      .select({ passwordHash: accounts.passwordHash })
      .from(accounts)
      .where(eq(accounts.id, session.accountId));
    dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
    if (await verifyPassword(account?.passwordHash ?? (await dummyHash), password)) {
      return account ? 'confirmed' : 'wrong';
    }
    await db.transaction(async (tx) => {
      await sessions.recordFailure(tx, keys);
      await audit.record(tx, {
        actor: { id: session.accountId, kind: session.kind === 'staff' ? 'staff' : 'person' },
        action: 'identity.password.confirmed',
        object: { type: 'account', id: session.accountId },
        outcome: 'failure',
        request: client,
        details: { purpose },
      });
    });
    return 'wrong';
  }

  /** Stores a new password, ends every other session and every unused reset link, and audits it: one transaction. */
  async function store(
    tx: Db,
    session: ActiveSession,
    passwordHash: string,
    reason: 'changed' | 'expired',
    client: ClientInfo,
  ): Promise<number> {
    await tx
      .update(accounts)
      .set({ passwordHash, passwordChangedAt: now() })
      .where(eq(accounts.id, session.accountId));
    // Whoever knew the old password must not stay signed in, nor use a reset link asked for with it.
    const endedSessions = await sessions.endOtherSessions(tx, session.accountId, session.id);
    await tx
      .update(passwordResets)
      .set({ usedAt: now() })
      .where(and(eq(passwordResets.accountId, session.accountId), isNull(passwordResets.usedAt)));
    await audit.record(tx, {
      actor: { id: session.accountId, kind: session.kind === 'staff' ? 'staff' : 'person' },
      action: 'identity.password.changed',
      object: { type: 'account', id: session.accountId },
      subjectId: session.accountId,
      request: client,
      details: { reason, endedSessions },
    });
    return endedSessions;
  }

  return {
    confirm,

    /** When the password was set, and (for staff, when expiry is on) when it must be replaced. */
    async status(session: ActiveSession): Promise<{ changedAt: Date; expiresAt: Date | undefined }> {
      const [account] = await db
        .select({ passwordChangedAt: accounts.passwordChangedAt })
        .from(accounts)
        .where(eq(accounts.id, session.accountId));
      const changedAt = account?.passwordChangedAt ?? now();
      return {
        changedAt,
        expiresAt:
          session.kind === 'staff' ? passwordExpiresAt(changedAt, deps.staffPasswordMaxAgeDays) : undefined,
      };
    },

    /**
     * Changes the password on the security page: the current one, then a new one by the password rules, different
     * from the current one. Every problem is reported at once; a wrong current password changes nothing.
     */
    async change(
      session: ActiveSession,
      input: { currentPassword: string; newPassword: string },
      locale: Locale,
      client: ClientInfo,
    ): Promise<{ endedSessions: number }> {
      if (session.stage !== 'complete') throw new AppError(IdentityErrors.sessionExpired);
      assertAllowed(
        deps.authz.authorize(await actorOf(db, session.accountId), IdentityPermissions.credentialsManage, {
          type: 'account',
          id: session.accountId,
          ownerId: session.accountId,
        }),
      );
      const m = identityMessages.translator(locale);
      const problems: FieldProblem[] = [];
      const confirmed = await confirm(session, input.currentPassword, 'password-change', client);
      if (typeof confirmed === 'object') throw new TooManyAttemptsError(confirmed.retryAfterSeconds);
      if (confirmed !== 'confirmed') {
        problems.push({
          path: 'currentPassword',
          message: m(
            confirmed === 'missing' ? 'security.error.passwordMissing' : 'security.error.passwordWrong',
          ),
        });
      }
      const problem = passwordProblem(input.newPassword, session.username);
      if (problem) {
        problems.push({ path: 'newPassword', message: m(`register.error.password.${problem}`) });
      } else if (confirmed === 'confirmed' && input.newPassword === input.currentPassword) {
        problems.push({ path: 'newPassword', message: m('security.error.passwordSame') });
      }
      if (problems.length > 0) {
        throw new AppError(
          confirmed === 'wrong' ? IdentityErrors.currentPasswordWrong : IdentityErrors.changeInvalid,
          {},
          problems,
        );
      }
      const passwordHash = await hashPassword(input.newPassword);
      const endedSessions = await db.transaction((tx) => store(tx, session, passwordHash, 'changed', client));
      return { endedSessions };
    },

    /**
     * Replaces an expired staff password right after the second factor (the session owes it before anything else);
     * the new one must differ from the old. Completes the session.
     */
    async renewExpired(
      session: ActiveSession,
      newPassword: string,
      locale: Locale,
      client: ClientInfo,
    ): Promise<void> {
      if (session.stage !== 'new-password') throw new AppError(IdentityErrors.sessionExpired);
      const m = identityMessages.translator(locale);
      const [account] = await db
        .select({ passwordHash: accounts.passwordHash })
        .from(accounts)
        .where(eq(accounts.id, session.accountId));
      if (!account) throw new AppError(IdentityErrors.sessionExpired);
      const problem = passwordProblem(newPassword, session.username);
      const message = problem
        ? m(`register.error.password.${problem}`)
        : (await verifyPassword(account.passwordHash, newPassword))
          ? m('security.error.passwordSame')
          : undefined;
      if (message) throw new AppError(IdentityErrors.changeInvalid, {}, [{ path: 'newPassword', message }]);
      const passwordHash = await hashPassword(newPassword);
      await db.transaction(async (tx) => {
        await store(tx, session, passwordHash, 'expired', client);
        await sessions.setStage(tx, session.id, 'complete');
      });
    },
  };
}

/** The passwords service's type, for routes and other services. */
export type PasswordsService = ReturnType<typeof createPasswordsService>;
