import type {
  AuthenticationResponseJSON,
  PublicKeyCredentialCreationOptionsJSON,
  PublicKeyCredentialRequestOptionsJSON,
  RegistrationResponseJSON,
} from '@simplewebauthn/server';
import { and, asc, count, eq, gt, isNull, lt, or } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { AuthorizationError, assertAllowed, type PermissionRegistry } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import { accounts, recoveryCodes, webauthnChallenges, webauthnCredentials } from './db/identity.tables.ts';
import { secondFactorThrottleKeys } from './domain/lockout.ts';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
  recoveryCodeKey,
} from './domain/recovery-codes.ts';
import { IdentityErrors, TooManyAttemptsError } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';
import { IdentityPermissions } from './identity.policy.ts';
import { actorOf } from './identity.service.ts';
import type { PasswordsService } from './passwords.service.ts';
import type { ActiveSession, ClientInfo, SecondFactorOutcome, SessionsService } from './sessions.service.ts';

/** Who the platform is to authenticators: its host name (the RP ID), its origin, and the name people see. */
export interface RelyingParty {
  id: string;
  origin: string;
  name: string;
}

/** A registered security key as its owner sees it. */
export interface SecurityKeyView {
  id: string;
  name: string;
  createdAt: Date;
  lastUsedAt: Date | null;
}

/** Long enough to find the key and touch it; a challenge older than this is refused. */
const CHALLENGE_LIFETIME_MS = 5 * 60_000;
/** What the browser is told to wait for; shorter than the challenge's life, so a timely answer always finds it. */
const CEREMONY_TIMEOUT_MS = 2 * 60_000;
const KEY_NAME_MAX = 50;

/**
 * Issues a fresh set of recovery codes in the caller's transaction: the old set stops working, only keyed hashes
 * are stored, the issue is audited. Returns the codes, to be shown once.
 */
export async function issueRecoveryCodes(
  tx: Db,
  deps: { audit: AuditLog; secret: string; now: () => Date },
  accountId: string,
  reason: 'enrolment' | 'regenerated',
  client: ClientInfo,
): Promise<string[]> {
  const codes = generateRecoveryCodes();
  const key = recoveryCodeKey(deps.secret);
  await tx.delete(recoveryCodes).where(eq(recoveryCodes.accountId, accountId));
  await tx.insert(recoveryCodes).values(
    codes.map((code) => ({
      id: newId('rcv'),
      accountId,
      codeHash: hashRecoveryCode(key, accountId, normaliseRecoveryCode(code) ?? code),
      createdAt: deps.now(),
    })),
  );
  await deps.audit.record(tx, {
    actor: { id: accountId, kind: 'staff' },
    action: 'identity.recoveryCodes.issued',
    object: { type: 'account', id: accountId },
    subjectId: accountId,
    request: client,
    details: { count: codes.length, reason },
  });
  return codes;
}

/**
 * @simplewebauthn/server, loaded when a security key is first used: with its CBOR and ASN.1 libraries it adds about
 * 15 MB to a process, most of which never sees one (docs/benchmarks.md, idle memory).
 */
const webauthn = () => import('@simplewebauthn/server');

/**
 * The challenge an authenticator signed, read from its client data (base64url of JSON, WebAuthn §5.8.1, as
 * @simplewebauthn/server's decodeClientDataJSON reads it); undefined when the data is not readable.
 */
function challengeOf(clientDataJSON: string): string | undefined {
  try {
    const challenge: unknown = JSON.parse(
      Buffer.from(clientDataJSON, 'base64url').toString('utf8'),
    ).challenge;
    return typeof challenge === 'string' && challenge.length > 0 ? challenge : undefined;
  } catch {
    return undefined;
  }
}

/**
 * The staff second factor beyond the authenticator app: single-use recovery codes, and security keys or platform
 * authenticators (WebAuthn) — registering them on the security page and using them at sign-in. Checks at sign-in
 * are throttled with the TOTP code's budget and audited; changes are audited in their transaction.
 */
export function createSecondFactorService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  secret: string;
  sessions: SessionsService;
  passwords: PasswordsService;
  relyingParty: RelyingParty;
  now?: () => Date;
}) {
  const { db, audit, sessions, relyingParty } = deps;
  const now = deps.now ?? (() => new Date());
  const codeKey = recoveryCodeKey(deps.secret);

  /** Only the owner, fully signed in, and only staff: the public has no second factor to manage. */
  async function authorizeOwnStaff(session: ActiveSession): Promise<void> {
    if (session.stage !== 'complete') throw new AppError(IdentityErrors.sessionExpired);
    const decision = deps.authz.authorize(
      await actorOf(db, session.accountId),
      IdentityPermissions.credentialsManage,
      { type: 'account', id: session.accountId, ownerId: session.accountId },
    );
    assertAllowed(decision);
    if (session.kind !== 'staff') throw new AuthorizationError('not-granted', decision.permission);
  }

  async function unusedCodes(tx: Db, accountId: string): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(recoveryCodes)
      .where(and(eq(recoveryCodes.accountId, accountId), isNull(recoveryCodes.usedAt)));
    return row?.n ?? 0;
  }

  async function keysOf(accountId: string) {
    return db
      .select()
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.accountId, accountId))
      .orderBy(asc(webauthnCredentials.createdAt));
  }

  /** Keeps one open challenge per session and purpose, and clears every expired one on the way. */
  async function storeChallenge(
    sessionId: string,
    purpose: 'registration' | 'authentication',
    challenge: string,
  ): Promise<void> {
    await db.transaction(async (tx) => {
      await tx
        .delete(webauthnChallenges)
        .where(
          or(
            and(eq(webauthnChallenges.sessionId, sessionId), eq(webauthnChallenges.purpose, purpose)),
            lt(webauthnChallenges.expiresAt, now()),
          ),
        );
      await tx.insert(webauthnChallenges).values({
        challenge,
        sessionId,
        purpose,
        expiresAt: new Date(now().getTime() + CHALLENGE_LIFETIME_MS),
      });
    });
  }

  /** Takes a challenge out of the table: true once, for the session that asked for it, before it expires. */
  async function consumeChallenge(
    sessionId: string,
    purpose: 'registration' | 'authentication',
    challenge: string | undefined,
  ): Promise<boolean> {
    if (!challenge) return false;
    const taken = await db
      .delete(webauthnChallenges)
      .where(
        and(
          eq(webauthnChallenges.challenge, challenge),
          eq(webauthnChallenges.sessionId, sessionId),
          eq(webauthnChallenges.purpose, purpose),
          gt(webauthnChallenges.expiresAt, now()),
        ),
      )
      .returning({ challenge: webauthnChallenges.challenge });
    return taken.length > 0;
  }

  return {
    /** Whether the account has a security key, so the second-factor page offers it. */
    async hasSecurityKeys(accountId: string): Promise<boolean> {
      return (await keysOf(accountId)).length > 0;
    },

    /**
     * Signs in with a recovery code instead of the TOTP code. A code works once (compare-and-set on `used_at`);
     * every attempt is audited, with the number of codes left.
     */
    async signInWithRecoveryCode(
      session: ActiveSession,
      typed: string,
      client: ClientInfo,
    ): Promise<SecondFactorOutcome & { recoveryCodesLeft?: number }> {
      const keys = secondFactorThrottleKeys(session.accountId);
      const retryAfterSeconds = await sessions.lockedFor(keys);
      if (retryAfterSeconds > 0) return { kind: 'locked', retryAfterSeconds };
      const canonical = normaliseRecoveryCode(typed);
      return db.transaction(async (tx) => {
        const used = canonical
          ? await tx
              .update(recoveryCodes)
              .set({ usedAt: now() })
              .where(
                and(
                  eq(recoveryCodes.accountId, session.accountId),
                  eq(recoveryCodes.codeHash, hashRecoveryCode(codeKey, session.accountId, canonical)),
                  isNull(recoveryCodes.usedAt),
                ),
              )
              .returning({ id: recoveryCodes.id })
          : [];
        const ok = used.length > 0;
        let outcome: SecondFactorOutcome & { recoveryCodesLeft?: number } = { kind: 'refused' };
        if (ok) {
          const stage = await sessions.passSecondFactor(tx, session);
          outcome = { kind: 'passed', stage, recoveryCodesLeft: await unusedCodes(tx, session.accountId) };
        } else {
          await sessions.recordFailure(tx, keys);
        }
        await audit.record(tx, {
          actor: { id: session.accountId, kind: 'staff' },
          action: 'identity.session.secondFactorChecked',
          object: { type: 'session', id: session.id },
          outcome: ok ? 'success' : 'failure',
          request: client,
          details: {
            method: 'recovery-code',
            ...(ok ? { recoveryCode: used[0]?.id, remaining: outcome.recoveryCodesLeft } : {}),
          },
        });
        return outcome;
      });
    },

    /** The challenge for signing in with a security key; refused when the account has none. */
    async authenticationOptions(session: ActiveSession): Promise<PublicKeyCredentialRequestOptionsJSON> {
      if (session.stage !== 'password') throw new AppError(IdentityErrors.sessionExpired);
      const keys = await keysOf(session.accountId);
      if (keys.length === 0) throw new AppError(IdentityErrors.securityKeyNotFound);
      const options = await (await webauthn()).generateAuthenticationOptions({
        rpID: relyingParty.id,
        allowCredentials: keys.map((k) => ({ id: k.credentialId, transports: k.transports ?? undefined })),
        // A second factor after the password: presence is enough, a PIN prompt would only add friction.
        userVerification: 'discouraged',
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await storeChallenge(session.id, 'authentication', options.challenge);
      return options;
    },

    /**
     * Signs in with a security key: the challenge must be this session's, unused and fresh; the credential this
     * account's; the signature valid; the counter higher than last time (unless the key keeps none). Undefined
     * (the browser gave no answer: cancelled, timed out) is refused without counting as a guess.
     */
    async signInWithSecurityKey(
      session: ActiveSession,
      response: AuthenticationResponseJSON | undefined,
      client: ClientInfo,
    ): Promise<SecondFactorOutcome> {
      const keys = secondFactorThrottleKeys(session.accountId);
      const retryAfterSeconds = await sessions.lockedFor(keys);
      if (retryAfterSeconds > 0) return { kind: 'locked', retryAfterSeconds };
      if (!response) return { kind: 'refused' };
      const challenge = challengeOf(response.response.clientDataJSON);
      const fresh = await consumeChallenge(session.id, 'authentication', challenge);
      const [credential] = await db
        .select()
        .from(webauthnCredentials)
        .where(
          and(
            eq(webauthnCredentials.credentialId, response.id),
            eq(webauthnCredentials.accountId, session.accountId),
          ),
        );
      let failure: string | undefined;
      let newCounter = 0;
      if (!fresh || !challenge) failure = 'challenge';
      else if (!credential) failure = 'unknown-credential';
      else {
        try {
          const verification = await (await webauthn()).verifyAuthenticationResponse({
            response,
            expectedChallenge: challenge,
            expectedOrigin: relyingParty.origin,
            expectedRPID: relyingParty.id,
            credential: {
              id: credential.credentialId,
              publicKey: new Uint8Array(Buffer.from(credential.publicKey, 'base64url')),
              counter: credential.counter,
              transports: credential.transports ?? undefined,
            },
            requireUserVerification: false,
          });
          if (verification.verified) newCounter = verification.authenticationInfo.newCounter;
          else failure = 'signature';
        } catch (error) {
          // The library throws for every malformed or mismatching answer, a lowered counter included.
          failure = /counter/i.test((error as Error).message) ? 'counter' : 'verification';
        }
      }
      return db.transaction(async (tx) => {
        let outcome: SecondFactorOutcome = { kind: 'refused' };
        if (!failure && credential) {
          // Compare-and-set: of two answers racing with one key, only one moves the counter on.
          const moved = await tx
            .update(webauthnCredentials)
            .set({ counter: newCounter, lastUsedAt: now() })
            .where(
              and(
                eq(webauthnCredentials.id, credential.id),
                eq(webauthnCredentials.counter, credential.counter),
              ),
            )
            .returning({ id: webauthnCredentials.id });
          if (moved.length === 0) failure = 'counter';
          else outcome = { kind: 'passed', stage: await sessions.passSecondFactor(tx, session) };
        }
        if (failure) await sessions.recordFailure(tx, keys);
        await audit.record(tx, {
          actor: { id: session.accountId, kind: 'staff' },
          action: 'identity.session.secondFactorChecked',
          object: { type: 'session', id: session.id },
          outcome: failure ? 'failure' : 'success',
          request: client,
          details: {
            method: 'webauthn',
            securityKey: credential?.id,
            ...(failure ? { reason: failure } : {}),
          },
        });
        return outcome;
      });
    },

    /** What the security page shows: codes left, whether TOTP is enrolled, the registered keys. */
    async overview(
      session: ActiveSession,
    ): Promise<{ totpEnabled: boolean; recoveryCodesLeft: number; securityKeys: SecurityKeyView[] }> {
      await authorizeOwnStaff(session);
      const [account] = await db
        .select({ totpEnabledAt: accounts.totpEnabledAt })
        .from(accounts)
        .where(eq(accounts.id, session.accountId));
      return {
        totpEnabled: Boolean(account?.totpEnabledAt),
        recoveryCodesLeft: await unusedCodes(db, session.accountId),
        securityKeys: (await keysOf(session.accountId)).map((k) => ({
          id: k.id,
          name: k.name,
          createdAt: k.createdAt,
          lastUsedAt: k.lastUsedAt,
        })),
      };
    },

    /**
     * Replaces the recovery codes after a current TOTP code (the old codes stop working at once). A wrong code
     * counts against the second factor's lockout.
     */
    async regenerateRecoveryCodes(
      session: ActiveSession,
      totpCode: string,
      locale: Locale,
      client: ClientInfo,
    ): Promise<string[]> {
      await authorizeOwnStaff(session);
      const keys = secondFactorThrottleKeys(session.accountId);
      const retryAfterSeconds = await sessions.lockedFor(keys);
      if (retryAfterSeconds > 0) throw new TooManyAttemptsError(retryAfterSeconds);
      const [account] = await db.select().from(accounts).where(eq(accounts.id, session.accountId));
      if (!account) throw new AppError(IdentityErrors.sessionExpired);
      // The refusal is recorded (and audited) before it is reported, so it is never rolled back with an exception.
      const codes = await db.transaction(async (tx) => {
        if (await sessions.consumeTotpCode(tx, account, totpCode)) {
          return issueRecoveryCodes(
            tx,
            { audit, secret: deps.secret, now },
            account.id,
            'regenerated',
            client,
          );
        }
        await sessions.recordFailure(tx, keys);
        await audit.record(tx, {
          actor: { id: account.id, kind: 'staff' },
          action: 'identity.recoveryCodes.issued',
          object: { type: 'account', id: account.id },
          outcome: 'failure',
          request: client,
          details: { reason: 'regenerated', check: 'totp' },
        });
        return undefined;
      });
      if (!codes) {
        const m = identityMessages.translator(locale);
        throw new AppError(IdentityErrors.codeInvalid, {}, [
          { path: 'totpCode', message: m('security.error.totpCode') },
        ]);
      }
      return codes;
    },

    /** The challenge for registering a new security key (keys already registered are excluded). */
    async registrationOptions(session: ActiveSession): Promise<PublicKeyCredentialCreationOptionsJSON> {
      await authorizeOwnStaff(session);
      const existing = await keysOf(session.accountId);
      const options = await (await webauthn()).generateRegistrationOptions({
        rpName: relyingParty.name,
        rpID: relyingParty.id,
        userName: session.username,
        userDisplayName: session.displayName['zh-CN'],
        // A stable handle that is no personal data: the account id.
        userID: new Uint8Array(Buffer.from(session.accountId, 'utf8')),
        attestationType: 'none',
        excludeCredentials: existing.map((k) => ({
          id: k.credentialId,
          transports: k.transports ?? undefined,
        })),
        authenticatorSelection: { residentKey: 'discouraged', userVerification: 'discouraged' },
        timeout: CEREMONY_TIMEOUT_MS,
      });
      await storeChallenge(session.id, 'registration', options.challenge);
      return options;
    },

    /**
     * Registers a security key: a name to tell it apart, the current password (adding a way in is a sensitive
     * change), and the authenticator's answer to this session's registration challenge. Every problem is reported
     * at once; nothing is stored unless all are right.
     */
    async registerSecurityKey(
      session: ActiveSession,
      input: { name: string; password: string; response: RegistrationResponseJSON | undefined },
      locale: Locale,
      client: ClientInfo,
    ): Promise<{ id: string }> {
      await authorizeOwnStaff(session);
      const m = identityMessages.translator(locale);
      const problems: FieldProblem[] = [];
      const name = input.name.trim();
      if (name === '' || [...name].length > KEY_NAME_MAX) {
        problems.push({ path: 'keyName', message: m('security.error.keyName') });
      }
      const confirmed = await deps.passwords.confirm(session, input.password, 'security-key', client);
      if (typeof confirmed === 'object') throw new TooManyAttemptsError(confirmed.retryAfterSeconds);
      if (confirmed !== 'confirmed') {
        problems.push({
          path: 'keyPassword',
          message: m(
            confirmed === 'missing' ? 'security.error.passwordMissing' : 'security.error.passwordWrong',
          ),
        });
      }
      let registered:
        | { credentialId: string; publicKey: string; counter: number; transports?: string[] }
        | undefined;
      if (input.response) {
        const challenge = challengeOf(input.response.response.clientDataJSON);
        if (await consumeChallenge(session.id, 'registration', challenge)) {
          try {
            const verification = await (await webauthn()).verifyRegistrationResponse({
              response: input.response,
              expectedChallenge: challenge ?? '',
              expectedOrigin: relyingParty.origin,
              expectedRPID: relyingParty.id,
              requireUserVerification: false,
            });
            if (verification.verified) {
              const { credential } = verification.registrationInfo;
              registered = {
                credentialId: credential.id,
                publicKey: Buffer.from(credential.publicKey).toString('base64url'),
                counter: credential.counter,
                transports: credential.transports,
              };
            }
          } catch {
            // Reported below like any other answer that does not verify.
          }
        }
      }
      if (!registered) problems.push({ path: 'addKey', message: m('security.error.keyCeremony') });
      if (problems.length > 0 || !registered) {
        throw new AppError(
          confirmed === 'wrong' ? IdentityErrors.currentPasswordWrong : IdentityErrors.changeInvalid,
          {},
          problems,
        );
      }
      const id = newId('wak');
      const key = registered;
      const stored = await db.transaction(async (tx) => {
        const inserted = await tx
          .insert(webauthnCredentials)
          .values({
            id,
            accountId: session.accountId,
            credentialId: key.credentialId,
            publicKey: key.publicKey,
            counter: key.counter,
            transports: key.transports ?? null,
            name,
            createdAt: now(),
          })
          .onConflictDoNothing({ target: webauthnCredentials.credentialId })
          .returning({ id: webauthnCredentials.id });
        if (inserted.length === 0) return false;
        await audit.record(tx, {
          actor: { id: session.accountId, kind: 'staff' },
          action: 'identity.webauthnCredential.registered',
          object: { type: 'webauthnCredential', id },
          subjectId: session.accountId,
          request: client,
          details: { name, transports: key.transports ?? [] },
        });
        return true;
      });
      // Already registered (to this or another account): the browser should have refused it (excludeCredentials).
      if (!stored) {
        throw new AppError(IdentityErrors.changeInvalid, {}, [
          { path: 'addKey', message: m('security.error.keyCeremony') },
        ]);
      }
      return { id };
    },

    /** Removes one of the person's own security keys; someone else's or an unknown one is "not found". */
    async removeSecurityKey(session: ActiveSession, keyId: string, client: ClientInfo): Promise<void> {
      await authorizeOwnStaff(session);
      const removed = await db.transaction(async (tx) => {
        const rows = await tx
          .delete(webauthnCredentials)
          .where(and(eq(webauthnCredentials.id, keyId), eq(webauthnCredentials.accountId, session.accountId)))
          .returning({ id: webauthnCredentials.id, name: webauthnCredentials.name });
        const row = rows[0];
        if (!row) return false;
        await audit.record(tx, {
          actor: { id: session.accountId, kind: 'staff' },
          action: 'identity.webauthnCredential.removed',
          object: { type: 'webauthnCredential', id: row.id },
          subjectId: session.accountId,
          request: client,
          details: { name: row.name },
        });
        return true;
      });
      if (!removed) throw new AppError(IdentityErrors.securityKeyNotFound);
    },
  };
}

/** The second-factor service's type, for routes and tests. */
export type SecondFactorService = ReturnType<typeof createSecondFactorService>;
