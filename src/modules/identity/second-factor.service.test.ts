import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { SoftwareAuthenticator } from '../../../test/support/software-authenticator.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import { openDatabase } from '../../kernel/db/database.ts';
import { AppError } from '../../kernel/errors.ts';
import { accounts, recoveryCodes, webauthnCredentials } from './db/identity.tables.ts';
import { DEMO_PASSWORD } from './identity.seed.ts';
import { createPasswordsService } from './passwords.service.ts';
import { createSecondFactorService, type RelyingParty } from './second-factor.service.ts';
import { type ActiveSession, createSessionsService } from './sessions.service.ts';

const client = { clientAddress: '192.0.2.30', userAgent: 'test', requestId: 'req_test' };
const RP: RelyingParty = { id: 'localhost', origin: 'http://localhost:3000', name: '示范市政务服务网' };

/** The services of one platform, on a clock the tests move (TOTP codes are one per 30-second step). */
function servicesOf(platform: Platform) {
  let clock = Date.now();
  const now = () => new Date(clock);
  const { db, audit, authz, secret } = platform.kernel;
  const sessions = createSessionsService(db, audit, secret, now);
  const passwords = createPasswordsService({ db, audit, authz, sessions, staffPasswordMaxAgeDays: 0, now });
  const secondFactor = createSecondFactorService({
    db,
    audit,
    authz,
    secret,
    sessions,
    passwords,
    relyingParty: RP,
    now,
  });
  /** A new session after the password (staff: still owing the second factor). */
  async function startSession(username: string): Promise<ActiveSession> {
    const outcome = await sessions.signIn({ username, password: DEMO_PASSWORD, ...client });
    if (outcome.kind !== 'signed-in') throw new Error(`${username} could not sign in`);
    const session = await sessions.resolve(outcome.token);
    if (!session) throw new Error('no session');
    return Object.assign(session, { token: outcome.token });
  }
  /** A staff member who enrols the authenticator app now: a complete session, the TOTP secret, the codes. */
  async function enrol(username: string) {
    const pending = await startSession(username);
    const enrollment = await sessions.beginTotpEnrollment(pending);
    if (!enrollment) throw new Error('already enrolled');
    const outcome = await sessions.completeSecondFactor(
      pending,
      await sessions.currentCode(enrollment.secret),
      client,
    );
    if (outcome.kind !== 'passed' || !outcome.recoveryCodes) throw new Error('enrolment failed');
    const session = await sessions.resolve((pending as ActiveSession & { token: string }).token);
    if (session?.stage !== 'complete') throw new Error('not complete');
    return { session, totpSecret: enrollment.secret, codes: outcome.recoveryCodes };
  }
  return {
    sessions,
    passwords,
    secondFactor,
    startSession,
    enrol,
    advance: (seconds: number) => {
      clock += seconds * 1000;
    },
  };
}

async function rejectsWith(promise: Promise<unknown>, code: string, fields: string[] = []): Promise<void> {
  await assert.rejects(promise, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code);
    assert.deepEqual(
      error.fields.map((f) => f.path),
      fields,
    );
    return true;
  });
}

describe('recovery codes and security keys', () => {
  let platform: Platform;
  let s: ReturnType<typeof servicesOf>;
  before(async () => {
    platform = await startTestPlatform();
    s = servicesOf(platform);
  });
  after(() => platform.close());

  const auditOf = async (accountId: string, action: string) =>
    platform.kernel.db
      .select()
      .from(auditRecords)
      .where(and(eq(auditRecords.actorId, accountId), eq(auditRecords.action, action)));

  it('issues ten codes at enrolment, stores only keyed hashes, and accepts each code once', async () => {
    const { session, codes } = await s.enrol('zhaolei');
    assert.equal(codes.length, 10);
    const rows = await platform.kernel.db
      .select()
      .from(recoveryCodes)
      .where(eq(recoveryCodes.accountId, session.accountId));
    assert.equal(rows.length, 10);
    for (const row of rows) {
      assert.match(row.codeHash, /^[0-9a-f]{64}$/);
      assert.ok(codes.every((c) => !row.codeHash.includes(c.replace(/-/g, ''))));
    }

    const first = await s.startSession('zhaolei');
    assert.equal(first.stage, 'password');
    const typed = ` ${codes[0]?.toLowerCase().replace(/-/g, ' ')} `;
    const passed = await s.secondFactor.signInWithRecoveryCode(first, typed, client);
    assert.deepEqual(passed, { kind: 'passed', stage: 'complete', recoveryCodesLeft: 9 });

    const second = await s.startSession('zhaolei');
    assert.deepEqual(
      await s.secondFactor.signInWithRecoveryCode(second, codes[0] ?? '', client),
      { kind: 'refused' },
      'a used code never works again',
    );
    assert.deepEqual(await s.secondFactor.signInWithRecoveryCode(second, '123456', client), {
      kind: 'refused',
    });
    assert.equal((await s.secondFactor.overview(session)).recoveryCodesLeft, 9);

    const checks = await auditOf(session.accountId, 'identity.session.secondFactorChecked');
    const byRecovery = checks.filter((r) => (r.details as { method?: string }).method === 'recovery-code');
    assert.deepEqual(
      byRecovery.map((r) => [r.outcome, (r.details as { remaining?: number }).remaining]),
      [
        ['success', 9],
        ['failure', undefined],
        ['failure', undefined],
      ],
    );
    assert.equal((await auditOf(session.accountId, 'identity.recoveryCodes.issued')).length, 1);
  });

  it('regenerates the codes only after a current TOTP code, and the old ones stop working', async () => {
    const { session, totpSecret, codes } = await s.enrol('liuyang');
    await rejectsWith(
      s.secondFactor.regenerateRecoveryCodes(session, '000000', 'en', client),
      'IDENTITY_ERR_CODE_INVALID',
      ['totpCode'],
    );
    assert.equal((await s.secondFactor.overview(session)).recoveryCodesLeft, 10, 'nothing changed');
    const used = await s.sessions.currentCode(totpSecret);
    await rejectsWith(
      s.secondFactor.regenerateRecoveryCodes(session, used, 'en', client),
      'IDENTITY_ERR_CODE_INVALID',
      ['totpCode'],
    );

    s.advance(30);
    const fresh = await s.secondFactor.regenerateRecoveryCodes(
      session,
      await s.sessions.currentCode(totpSecret),
      'zh-CN',
      client,
    );
    assert.equal(fresh.length, 10);
    assert.equal(fresh.filter((c) => codes.includes(c)).length, 0);

    const pending = await s.startSession('liuyang');
    assert.deepEqual(await s.secondFactor.signInWithRecoveryCode(pending, codes[1] ?? '', client), {
      kind: 'refused',
    });
    const passed = await s.secondFactor.signInWithRecoveryCode(pending, fresh[1] ?? '', client);
    assert.equal(passed.kind, 'passed');
    const issued = await auditOf(session.accountId, 'identity.recoveryCodes.issued');
    assert.deepEqual(
      issued.map((r) => [r.outcome, (r.details as { reason: string }).reason]),
      [
        ['success', 'enrolment'],
        ['failure', 'regenerated'],
        ['failure', 'regenerated'],
        ['success', 'regenerated'],
      ],
    );
  });

  it('locks the second factor after repeated wrong codes, as it does passwords', async () => {
    const { codes } = await s.enrol('sunli');
    const pending = await s.startSession('sunli');
    for (let i = 0; i < 5; i++) {
      assert.equal(
        (await s.secondFactor.signInWithRecoveryCode(pending, 'AAAA-AAAA-AAAA', client)).kind,
        'refused',
      );
    }
    const locked = await s.secondFactor.signInWithRecoveryCode(pending, codes[0] ?? '', client);
    assert.deepEqual(locked, { kind: 'locked', retryAfterSeconds: 60 }, 'even a right code waits');
    assert.equal((await s.sessions.completeSecondFactor(pending, '123456', client)).kind, 'locked');
    s.advance(61);
    assert.equal(
      (await s.secondFactor.signInWithRecoveryCode(pending, codes[0] ?? '', client)).kind,
      'passed',
    );
  });

  it('keeps the public out of second-factor settings', async () => {
    const citizen = await s.startSession('zhangwei');
    assert.equal(citizen.stage, 'complete');
    await rejectsWith(s.secondFactor.overview(citizen), 'AUTHZ_ERR_FORBIDDEN');
    await rejectsWith(s.secondFactor.registrationOptions(citizen), 'AUTHZ_ERR_FORBIDDEN');
    const pending = await s.startSession('zhouqiang');
    await rejectsWith(s.secondFactor.overview(pending), 'IDENTITY_ERR_SESSION_EXPIRED');
  });

  it('registers a security key with the password and this session’s challenge, once', async () => {
    const { session } = await s.enrol('wumin');
    const key = new SoftwareAuthenticator(RP.origin);
    const options = await s.secondFactor.registrationOptions(session);
    assert.equal(options.rp.id, 'localhost');
    const response = key.register(options);

    await rejectsWith(
      s.secondFactor.registerSecurityKey(
        session,
        { name: '', password: 'not-the-password', response },
        'zh-CN',
        client,
      ),
      'IDENTITY_ERR_CURRENT_PASSWORD_WRONG',
      ['keyName', 'keyPassword'],
    );
    assert.equal((await s.secondFactor.overview(session)).securityKeys.length, 0, 'nothing stored');
    await rejectsWith(
      s.secondFactor.registerSecurityKey(
        session,
        { name: 'Office key', password: DEMO_PASSWORD, response },
        'en',
        client,
      ),
      'IDENTITY_ERR_CHANGE_INVALID',
      ['addKey'],
    );

    const again = key.register(await s.secondFactor.registrationOptions(session));
    const { id } = await s.secondFactor.registerSecurityKey(
      session,
      { name: 'Office key', password: DEMO_PASSWORD, response: again },
      'en',
      client,
    );
    await rejectsWith(
      s.secondFactor.registerSecurityKey(
        session,
        { name: 'Office key', password: DEMO_PASSWORD, response: again },
        'en',
        client,
      ),
      'IDENTITY_ERR_CHANGE_INVALID',
      ['addKey'],
    );
    const overview = await s.secondFactor.overview(session);
    assert.deepEqual(
      overview.securityKeys.map((k) => [k.id, k.name, k.lastUsedAt]),
      [[id, 'Office key', null]],
    );
    const [row] = await platform.kernel.db
      .select()
      .from(webauthnCredentials)
      .where(eq(webauthnCredentials.id, id));
    assert.equal(row?.credentialId, key.id);
    assert.equal((await auditOf(session.accountId, 'identity.webauthnCredential.registered')).length, 1);
  });

  it('signs in with the key; refuses a reused challenge, an unknown key and a lowered counter', async () => {
    const { session } = await s.enrol('hejing');
    const key = new SoftwareAuthenticator(RP.origin);
    await s.secondFactor.registerSecurityKey(
      session,
      {
        name: '工作证钥匙',
        password: DEMO_PASSWORD,
        response: key.register(await s.secondFactor.registrationOptions(session)),
      },
      'zh-CN',
      client,
    );

    const pending = await s.startSession('hejing');
    assert.equal(await s.secondFactor.hasSecurityKeys(pending.accountId), true);
    const options = await s.secondFactor.authenticationOptions(pending);
    assert.deepEqual(
      options.allowCredentials?.map((c) => c.id),
      [key.id],
    );
    const answer = key.authenticate(options);
    assert.deepEqual(await s.secondFactor.signInWithSecurityKey(pending, answer, client), {
      kind: 'passed',
      stage: 'complete',
    });

    const next = await s.startSession('hejing');
    assert.deepEqual(
      await s.secondFactor.signInWithSecurityKey(next, answer, client),
      { kind: 'refused' },
      'an answer to a used challenge',
    );
    const stranger = new SoftwareAuthenticator(RP.origin);
    assert.deepEqual(
      await s.secondFactor.signInWithSecurityKey(
        next,
        stranger.authenticate(await s.secondFactor.authenticationOptions(next)),
        client,
      ),
      { kind: 'refused' },
      'a key this account never registered',
    );
    const clone = key.authenticate(await s.secondFactor.authenticationOptions(next));
    key.counter = 0;
    assert.deepEqual(
      await s.secondFactor.signInWithSecurityKey(
        next,
        key.authenticate(await s.secondFactor.authenticationOptions(next)),
        client,
      ),
      { kind: 'refused' },
      'a counter that did not rise: a cloned key',
    );
    assert.deepEqual(
      await s.secondFactor.signInWithSecurityKey(next, clone, client),
      { kind: 'refused' },
      'an answer to a challenge replaced by a newer one',
    );
    assert.deepEqual(await s.secondFactor.signInWithSecurityKey(next, undefined, client), {
      kind: 'refused',
    });

    const reasons = (await auditOf(session.accountId, 'identity.session.secondFactorChecked'))
      .map((r) => r.details as { method: string; reason?: string })
      .filter((d) => d.method === 'webauthn')
      .map((d) => d.reason ?? 'ok');
    assert.deepEqual(reasons, ['ok', 'challenge', 'unknown-credential', 'counter', 'challenge']);
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });

  it('removes a key of one’s own; another person’s key is not found', async () => {
    const { session } = await s.enrol('zhenghao');
    const key = new SoftwareAuthenticator(RP.origin);
    const { id } = await s.secondFactor.registerSecurityKey(
      session,
      {
        name: 'USB key',
        password: DEMO_PASSWORD,
        response: key.register(await s.secondFactor.registrationOptions(session)),
      },
      'en',
      client,
    );
    const other = await s.enrol('machao');
    await rejectsWith(
      s.secondFactor.removeSecurityKey(other.session, id, client),
      'IDENTITY_ERR_SECURITY_KEY_NOT_FOUND',
    );
    await s.secondFactor.removeSecurityKey(session, id, client);
    assert.equal((await s.secondFactor.overview(session)).securityKeys.length, 0);
    await rejectsWith(
      s.secondFactor.removeSecurityKey(session, id, client),
      'IDENTITY_ERR_SECURITY_KEY_NOT_FOUND',
    );
    await rejectsWith(
      s.secondFactor.authenticationOptions(await s.startSession('zhenghao')),
      'IDENTITY_ERR_SECURITY_KEY_NOT_FOUND',
    );
    const [account] = await platform.kernel.db
      .select({ id: accounts.id })
      .from(accounts)
      .where(eq(accounts.username, 'zhenghao'));
    assert.equal((await auditOf(account?.id ?? '', 'identity.webauthnCredential.removed')).length, 1);
  });
});

describe('single use on PostgreSQL, under concurrency', () => {
  it('lets exactly one of two simultaneous uses of a recovery code or a key answer through', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const platform = await startTestPlatform({
      database: await openDatabase({ mode: 'server', url: pg.url }),
    });
    try {
      const s = servicesOf(platform);
      const { session, codes } = await s.enrol('zhaolei');
      const [a, b] = [await s.startSession('zhaolei'), await s.startSession('zhaolei')];
      const outcomes = await Promise.all([
        s.secondFactor.signInWithRecoveryCode(a, codes[0] ?? '', client),
        s.secondFactor.signInWithRecoveryCode(b, codes[0] ?? '', client),
      ]);
      assert.deepEqual(outcomes.map((o) => o.kind).sort(), ['passed', 'refused']);

      const key = new SoftwareAuthenticator(RP.origin);
      await s.secondFactor.registerSecurityKey(
        session,
        {
          name: 'Office key',
          password: DEMO_PASSWORD,
          response: key.register(await s.secondFactor.registrationOptions(session)),
        },
        'en',
        client,
      );
      const pending = await s.startSession('zhaolei');
      const answer = key.authenticate(await s.secondFactor.authenticationOptions(pending));
      const both = await Promise.all([
        s.secondFactor.signInWithSecurityKey(pending, answer, client),
        s.secondFactor.signInWithSecurityKey(pending, answer, client),
      ]);
      assert.deepEqual(both.map((o) => o.kind).sort(), ['passed', 'refused']);
      assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
    } finally {
      await platform.close();
      await pg.drop();
    }
  });
});
