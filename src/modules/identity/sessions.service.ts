import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, gt, isNull, lt, ne, or } from 'drizzle-orm';
import { generate, generateSecret, generateURI, verify } from 'otplib';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import { openValue, sealValue } from '../../kernel/secret.ts';
import { accounts, sessions, signInThrottle } from './db/identity.tables.ts';
import {
  ACCOUNT_RULE,
  ADDRESS_RULE,
  failuresAfter,
  type LockoutRule,
  lockedUntil,
  secondFactorThrottleKeys,
} from './domain/lockout.ts';
import { isPasswordExpired } from './domain/password-expiry.ts';
import { hashPassword, verifyPassword } from './domain/passwords.ts';
import { issueRecoveryCodes } from './second-factor.service.ts';

/** Idle and absolute limits: staff sessions are shorter, because what is behind them is more sensitive. */
export const SESSION_LIMITS = {
  public: { idleSeconds: 30 * 60, absoluteSeconds: 12 * 3600 },
  staff: { idleSeconds: 15 * 60, absoluteSeconds: 8 * 3600 },
} as const;

/** Where a request came from, for the audit log and the sessions list. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

/** What a sign-in attempt led to. */
export type SignInOutcome =
  | { kind: 'signed-in'; token: string; sessionId: string; needsSecondFactor: boolean }
  | { kind: 'refused' }
  | { kind: 'locked'; retryAfterSeconds: number };

/** A live session and whose it is. */
export interface ActiveSession {
  id: string;
  accountId: string;
  username: string;
  displayName: { 'zh-CN': string; en: string };
  kind: 'public' | 'staff';
  /** 'password': owes the second factor; 'new-password': owes a new password (expired); 'complete': signed in. */
  stage: 'password' | 'new-password' | 'complete';
  createdAt: Date;
  lastSeenAt: Date;
}

/** What checking a second factor led to. `stage` says where the session stands now. */
export type SecondFactorOutcome =
  | {
      kind: 'passed';
      stage: 'complete' | 'new-password';
      /** Set once, when the authenticator was enrolled just now: the codes to show (never stored in clear). */
      recoveryCodes?: string[];
    }
  | { kind: 'refused' }
  | { kind: 'locked'; retryAfterSeconds: number };

const TOTP_PURPOSE = 'identity.totp';
/** How long a resolved session is trusted without asking the database again (ADR 9). */
export const SESSION_CACHE_MS = 5_000;
const SESSION_CACHE_ENTRIES = 10_000;
const TOTP_STEP_SECONDS = 30;
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

// Verifying against this when the account does not exist takes as long as a real check: timing tells nothing.
let dummyHash: Promise<string> | undefined;

/** Sign-in, second factor and sessions. Every outcome is audited; refusals never reveal whether an account exists. */
export function createSessionsService(
  db: Db,
  audit: AuditLog,
  secret: string,
  now: () => Date = () => new Date(),
  policy: {
    /** Staff passwords older than this must be replaced after the second factor; 0 (the default) never. */
    staffPasswordMaxAgeDays?: number;
  } = {},
) {
  // Resolved sessions, by token hash, for a few seconds: a signed-in page then costs no database read. A session
  // ended here is forgotten at once; one ended by another instance stops working within SESSION_CACHE_MS.
  const resolved = new Map<
    string,
    { fetchedAt: number; expiresAt: number; idleSeconds: number; session: ActiveSession }
  >();
  const forgetSession = (sessionId: string) => {
    for (const [key, entry] of resolved) if (entry.session.id === sessionId) resolved.delete(key);
  };

  async function lockedFor(keys: [string, LockoutRule][]): Promise<number> {
    let seconds = 0;
    for (const [key] of keys) {
      const [row] = await db.select().from(signInThrottle).where(eq(signInThrottle.key, key));
      if (row?.lockedUntil && row.lockedUntil > now()) {
        seconds = Math.max(seconds, Math.ceil((row.lockedUntil.getTime() - now().getTime()) / 1000));
      }
    }
    return seconds;
  }

  async function recordFailure(tx: Db, keys: [string, LockoutRule][]): Promise<void> {
    for (const [key, rule] of keys) {
      const [row] = await tx.select().from(signInThrottle).where(eq(signInThrottle.key, key)).for('update');
      const failures = failuresAfter(rule, row?.failures ?? 0, row?.lastFailureAt, now());
      const values = {
        failures,
        lastFailureAt: now(),
        lockedUntil: lockedUntil(rule, failures, now()) ?? null,
      };
      await tx
        .insert(signInThrottle)
        .values({ key, ...values })
        .onConflictDoUpdate({ target: signInThrottle.key, set: values });
    }
  }

  /**
   * Checks a TOTP code and, in the caller's transaction, records its time step so that it is never accepted again
   * (compare-and-set: of two requests racing with one code, one wins).
   */
  async function consumeTotpCode(
    tx: Db,
    account: { id: string; totpSecretEncrypted: string | null; totpLastStep: number | null },
    code: string,
  ): Promise<boolean> {
    if (!account.totpSecretEncrypted || !/^\d{6}$/.test(code.trim())) return false;
    const totpSecret = openValue(secret, TOTP_PURPOSE, account.totpSecretEncrypted);
    const result = await verify({
      secret: totpSecret,
      token: code.trim(),
      epochTolerance: TOTP_STEP_SECONDS,
      // A code already used is refused: a shoulder-surfed code cannot be replayed.
      ...(account.totpLastStep ? { afterTimeStep: account.totpLastStep } : {}),
      epoch: Math.floor(now().getTime() / 1000),
    });
    if (result.valid !== true) return false;
    const step =
      'timeStep' in result ? Number(result.timeStep) : Math.floor(now().getTime() / 1000 / TOTP_STEP_SECONDS);
    const moved = await tx
      .update(accounts)
      .set({ totpLastStep: step })
      .where(
        and(eq(accounts.id, account.id), or(isNull(accounts.totpLastStep), lt(accounts.totpLastStep, step))),
      )
      .returning({ id: accounts.id });
    return moved.length > 0;
  }

  /**
   * In the transaction of a passed second factor: moves the session on — to 'complete', or first to 'new-password'
   * when the staff password expiry is on and the password is older — and forgets earlier failures.
   */
  async function passSecondFactor(tx: Db, session: ActiveSession): Promise<'complete' | 'new-password'> {
    const [account] = await tx
      .select({ kind: accounts.kind, passwordChangedAt: accounts.passwordChangedAt })
      .from(accounts)
      .where(eq(accounts.id, session.accountId));
    const expired =
      account?.kind === 'staff' &&
      isPasswordExpired(account.passwordChangedAt, now(), policy.staffPasswordMaxAgeDays ?? 0);
    const stage = expired ? 'new-password' : 'complete';
    await tx.update(sessions).set({ stage }).where(eq(sessions.id, session.id));
    for (const [key] of secondFactorThrottleKeys(session.accountId)) {
      await tx.delete(signInThrottle).where(eq(signInThrottle.key, key));
    }
    forgetSession(session.id);
    return stage;
  }

  return {
    lockedFor,
    /** Counts one failure against each key, in the caller's transaction (progressive lockout). */
    recordFailure,
    consumeTotpCode,
    passSecondFactor,

    /** Moves a session to another stage (a renewed password completes it), in the caller's transaction. */
    async setStage(tx: Db, sessionId: string, stage: ActiveSession['stage']): Promise<void> {
      await tx.update(sessions).set({ stage }).where(eq(sessions.id, sessionId));
      forgetSession(sessionId);
    },

    /** Ends every session of the account but one (after a password change), in the caller's transaction. */
    async endOtherSessions(tx: Db, accountId: string, keepSessionId: string): Promise<number> {
      const ended = await tx
        .update(sessions)
        .set({ endedAt: now() })
        .where(
          and(eq(sessions.accountId, accountId), ne(sessions.id, keepSessionId), isNull(sessions.endedAt)),
        )
        .returning({ id: sessions.id });
      for (const { id } of ended) forgetSession(id);
      return ended.length;
    },

    /** Checks a user name and password; on success starts a session (staff still owe their second factor). */
    async signIn(input: { username: string; password: string } & ClientInfo): Promise<SignInOutcome> {
      const username = input.username.trim().toLowerCase();
      const keys: [string, LockoutRule][] = [
        [`account:${username}`, ACCOUNT_RULE],
        [`address:${input.clientAddress ?? 'unknown'}`, ADDRESS_RULE],
      ];
      const retryAfterSeconds = await lockedFor(keys);
      if (retryAfterSeconds > 0) return { kind: 'locked', retryAfterSeconds };

      const [account] = await db.select().from(accounts).where(eq(accounts.username, username));
      dummyHash ??= hashPassword(randomBytes(16).toString('hex'));
      const valid = await verifyPassword(account?.passwordHash ?? (await dummyHash), input.password);
      const request = {
        clientAddress: input.clientAddress,
        userAgent: input.userAgent,
        requestId: input.requestId,
      };

      // A disabled account is refused exactly as a wrong password is (and counts towards lockout the same way):
      // the answer never tells whether an account exists or is disabled.
      const disabled = account?.disabledAt != null;
      if (!account || !valid || disabled) {
        await db.transaction(async (tx) => {
          await recordFailure(tx, keys);
          await audit.record(tx, {
            actor: { kind: 'anonymous' },
            action: 'identity.session.refused',
            outcome: 'failure',
            request,
            details: valid && disabled ? { username, reason: 'disabled' } : { username },
          });
        });
        return { kind: 'refused' };
      }

      const token = randomBytes(32).toString('base64url');
      const sessionId = newId('ses');
      const limits = SESSION_LIMITS[account.kind];
      const needsSecondFactor = account.kind === 'staff';
      await db.transaction(async (tx) => {
        await tx.delete(signInThrottle).where(eq(signInThrottle.key, `account:${username}`));
        await tx.insert(sessions).values({
          id: sessionId,
          tokenHash: hashToken(token),
          accountId: account.id,
          stage: needsSecondFactor ? 'password' : 'complete',
          createdAt: now(),
          lastSeenAt: now(),
          idleSeconds: limits.idleSeconds,
          expiresAt: new Date(now().getTime() + limits.absoluteSeconds * 1000),
          clientAddress: input.clientAddress ?? null,
          userAgent: input.userAgent?.slice(0, 512) ?? null,
        });
        await audit.record(tx, {
          actor: { id: account.id, kind: account.kind === 'staff' ? 'staff' : 'person' },
          action: 'identity.session.started',
          object: { type: 'session', id: sessionId },
          request,
          details: { secondFactorPending: needsSecondFactor },
        });
      });
      return { kind: 'signed-in', token, sessionId, needsSecondFactor };
    },

    /** The live session a cookie token names, or undefined when it is unknown, ended, idle too long or expired. */
    async resolve(token: string): Promise<ActiveSession | undefined> {
      const key = hashToken(token);
      const at = now().getTime();
      let entry = resolved.get(key);
      if (!entry || at - entry.fetchedAt > SESSION_CACHE_MS) {
        const [row] = await db
          .select({ session: sessions, account: accounts })
          .from(sessions)
          .innerJoin(accounts, eq(accounts.id, sessions.accountId))
          .where(and(eq(sessions.tokenHash, key), isNull(sessions.endedAt), isNull(accounts.disabledAt)));
        if (!row) {
          resolved.delete(key);
          return undefined;
        }
        entry = {
          fetchedAt: at,
          expiresAt: row.session.expiresAt.getTime(),
          idleSeconds: row.session.idleSeconds,
          session: {
            id: row.session.id,
            accountId: row.account.id,
            username: row.account.username,
            displayName: { 'zh-CN': row.account.displayNameZh, en: row.account.displayNameEn },
            kind: row.account.kind,
            stage: row.session.stage,
            createdAt: row.session.createdAt,
            lastSeenAt: row.session.lastSeenAt,
          },
        };
        if (resolved.size >= SESSION_CACHE_ENTRIES) resolved.delete(resolved.keys().next().value as string);
        resolved.set(key, entry);
      }
      if (entry.expiresAt <= at || entry.session.lastSeenAt.getTime() + entry.idleSeconds * 1000 <= at) {
        resolved.delete(key);
        return undefined;
      }
      // Refresh "last seen" at most once a minute: a write per request would cost more than it tells.
      if (at - entry.session.lastSeenAt.getTime() > 60_000) {
        await db.update(sessions).set({ lastSeenAt: now() }).where(eq(sessions.id, entry.session.id));
        entry.session = { ...entry.session, lastSeenAt: now() };
      }
      return entry.session;
    },

    /** For a staff member without an authenticator yet: a new secret to enter in the app (kept until confirmed). */
    async beginTotpEnrollment(session: ActiveSession): Promise<{ secret: string; uri: string } | undefined> {
      const [account] = await db.select().from(accounts).where(eq(accounts.id, session.accountId));
      if (!account || account.totpEnabledAt) return undefined;
      const totpSecret = account.totpSecretEncrypted
        ? openValue(secret, TOTP_PURPOSE, account.totpSecretEncrypted)
        : generateSecret();
      if (!account.totpSecretEncrypted) {
        await db
          .update(accounts)
          .set({ totpSecretEncrypted: sealValue(secret, TOTP_PURPOSE, totpSecret) })
          .where(eq(accounts.id, account.id));
      }
      return {
        secret: totpSecret,
        uri: generateURI({ issuer: '示范市政务服务网', label: account.username, secret: totpSecret }),
      };
    },

    /**
     * Checks the TOTP second factor, enrolling the authenticator on first use — and then issuing the recovery codes,
     * in the same transaction. Guesses are throttled per account like passwords; every attempt is audited.
     */
    async completeSecondFactor(
      session: ActiveSession,
      code: string,
      client: ClientInfo,
    ): Promise<SecondFactorOutcome> {
      const keys = secondFactorThrottleKeys(session.accountId);
      const retryAfterSeconds = await lockedFor(keys);
      if (retryAfterSeconds > 0) return { kind: 'locked', retryAfterSeconds };
      const [account] = await db.select().from(accounts).where(eq(accounts.id, session.accountId));
      if (!account) return { kind: 'refused' };
      const enrolling = !account.totpEnabledAt;
      return db.transaction(async (tx) => {
        const ok = await consumeTotpCode(tx, account, code);
        let outcome: SecondFactorOutcome = { kind: 'refused' };
        if (ok) {
          if (enrolling)
            await tx.update(accounts).set({ totpEnabledAt: now() }).where(eq(accounts.id, account.id));
          const recoveryCodes = enrolling
            ? await issueRecoveryCodes(tx, { audit, secret, now }, account.id, 'enrolment', client)
            : undefined;
          outcome = { kind: 'passed', stage: await passSecondFactor(tx, session), recoveryCodes };
        } else {
          await recordFailure(tx, keys);
        }
        await audit.record(tx, {
          actor: { id: account.id, kind: 'staff' },
          action: 'identity.session.secondFactorChecked',
          object: { type: 'session', id: session.id },
          outcome: ok ? 'success' : 'failure',
          request: client,
          details: { method: 'totp', enrolled: enrolling && ok },
        });
        return outcome;
      });
    },

    /** Ends one of the account's sessions (sign-out, or "end this session" in the sessions list). */
    async end(accountId: string, sessionId: string, client: ClientInfo): Promise<boolean> {
      return db.transaction(async (tx) => {
        const ended = await tx
          .update(sessions)
          .set({ endedAt: now() })
          .where(and(eq(sessions.id, sessionId), eq(sessions.accountId, accountId), isNull(sessions.endedAt)))
          .returning({ id: sessions.id });
        if (ended.length > 0) {
          forgetSession(sessionId);
          await audit.record(tx, {
            actor: { id: accountId, kind: 'person' },
            action: 'identity.session.ended',
            object: { type: 'session', id: sessionId },
            request: client,
          });
        }
        return ended.length > 0;
      });
    },

    /**
     * Forgets this process's cached sessions of an account, after its sessions were ended in the database (an
     * administrator disabled it): here they stop at once, on other instances within SESSION_CACHE_MS (ADR 9).
     */
    forgetAccount(accountId: string): void {
      for (const [key, entry] of resolved) if (entry.session.accountId === accountId) resolved.delete(key);
    },

    /** The account's sessions that are still open, newest first. */
    async list(accountId: string) {
      return db
        .select({
          id: sessions.id,
          createdAt: sessions.createdAt,
          lastSeenAt: sessions.lastSeenAt,
          clientAddress: sessions.clientAddress,
          userAgent: sessions.userAgent,
        })
        .from(sessions)
        .where(
          and(eq(sessions.accountId, accountId), isNull(sessions.endedAt), gt(sessions.expiresAt, now())),
        )
        .orderBy(desc(sessions.createdAt));
    },

    /** The current TOTP code for a secret (tests and the demo's printed instructions only). */
    currentCode: (totpSecret: string) =>
      generate({ secret: totpSecret, epoch: Math.floor(now().getTime() / 1000) }),
  };
}

/** The sessions service's type, for routes and tests. */
export type SessionsService = ReturnType<typeof createSessionsService>;
