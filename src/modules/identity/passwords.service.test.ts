import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import { AppError } from '../../kernel/errors.ts';
import { accounts } from './db/identity.tables.ts';
import { TooManyAttemptsError } from './identity.errors.ts';
import { DEMO_PASSWORD } from './identity.seed.ts';
import { createPasswordsService } from './passwords.service.ts';
import { type ActiveSession, createSessionsService } from './sessions.service.ts';

const client = { clientAddress: '192.0.2.40', userAgent: 'test', requestId: 'req_test' };
const DAY = 24 * 3600;

describe('passwords: change, and the optional staff password expiry', () => {
  let platform: Platform;
  let clock = Date.now();
  const now = () => new Date(clock);
  before(async () => {
    platform = await startTestPlatform();
  });
  after(() => platform.close());

  function services(staffPasswordMaxAgeDays: number) {
    const { db, audit, authz, secret } = platform.kernel;
    const sessions = createSessionsService(db, audit, secret, now, { staffPasswordMaxAgeDays });
    const passwords = createPasswordsService({ db, audit, authz, sessions, staffPasswordMaxAgeDays, now });
    async function signIn(username: string, password = DEMO_PASSWORD) {
      const outcome = await sessions.signIn({ username, password, ...client });
      if (outcome.kind !== 'signed-in') return undefined;
      const session = await sessions.resolve(outcome.token);
      return session ? { session, token: outcome.token } : undefined;
    }
    return { sessions, passwords, signIn };
  }

  async function errorOf(promise: Promise<unknown>): Promise<AppError> {
    try {
      await promise;
    } catch (error) {
      if (error instanceof AppError) return error;
      throw error;
    }
    assert.fail('expected a refusal');
  }

  const passwordHashOf = async (username: string) =>
    (await platform.kernel.db.select().from(accounts).where(eq(accounts.username, username)))[0]
      ?.passwordHash;

  it('changes the password with the current one, ends every other session, and audits it', async () => {
    const { sessions, passwords, signIn } = services(0);
    const here = await signIn('lina');
    const elsewhere = await signIn('lina');
    assert.ok(here && elsewhere);
    const result = await passwords.change(
      here.session,
      { currentPassword: DEMO_PASSWORD, newPassword: 'a new sentence to remember' },
      'zh-CN',
      client,
    );
    assert.deepEqual(result, { endedSessions: 1 });
    assert.ok(await sessions.resolve(here.token), 'this session goes on');
    assert.equal(await sessions.resolve(elsewhere.token), undefined, 'the other one has ended');
    assert.equal(await signIn('lina'), undefined, 'the old password no longer works');
    assert.ok(await signIn('lina', 'a new sentence to remember'));
    const records = await platform.kernel.db
      .select()
      .from(auditRecords)
      .where(
        and(
          eq(auditRecords.action, 'identity.password.changed'),
          eq(auditRecords.actorId, here.session.accountId),
        ),
      );
    assert.deepEqual(
      records.map((r) => r.details),
      [{ reason: 'changed', endedSessions: 1 }],
    );
  });

  it('refuses a wrong current password without changing anything or saying more, and counts it', async () => {
    const { passwords, signIn } = services(0);
    const signedIn = await signIn('wangfang');
    assert.ok(signedIn);
    const before = await passwordHashOf('wangfang');

    const wrong = await errorOf(
      passwords.change(
        signedIn.session,
        { currentPassword: 'not-my-password', newPassword: 'a perfectly fine new one' },
        'en',
        client,
      ),
    );
    assert.equal(wrong.code, 'IDENTITY_ERR_CURRENT_PASSWORD_WRONG');
    assert.equal(wrong.definition.status, 401);
    assert.deepEqual(wrong.fields, [
      { path: 'currentPassword', message: 'The current password is not correct.' },
    ]);
    assert.equal(await passwordHashOf('wangfang'), before, 'nothing changed');

    const several = await errorOf(
      passwords.change(signedIn.session, { currentPassword: '', newPassword: '12345678' }, 'zh-CN', client),
    );
    assert.equal(several.code, 'IDENTITY_ERR_CHANGE_INVALID');
    assert.deepEqual(
      several.fields.map((f) => f.message),
      ['请输入当前密码。', '这个密码太常见，容易被猜到，请换一个。'],
      'every problem at once',
    );
    const same = await errorOf(
      passwords.change(
        signedIn.session,
        { currentPassword: DEMO_PASSWORD, newPassword: DEMO_PASSWORD },
        'en',
        client,
      ),
    );
    assert.deepEqual(same.fields, [
      { path: 'newPassword', message: 'The new password must differ from the current one.' },
    ]);

    // Four more wrong guesses make five: then even the right password waits, as at sign-in.
    for (let i = 0; i < 4; i++) {
      await errorOf(
        passwords.change(
          signedIn.session,
          { currentPassword: `guess-${i}-x`, newPassword: 'x' },
          'en',
          client,
        ),
      );
    }
    const locked = await errorOf(
      passwords.change(
        signedIn.session,
        { currentPassword: DEMO_PASSWORD, newPassword: 'a perfectly fine new one' },
        'en',
        client,
      ),
    );
    assert.ok(locked instanceof TooManyAttemptsError);
    assert.equal(locked.definition.status, 429);
    assert.equal(locked.retryAfterSeconds, 60);
    assert.equal(await passwordHashOf('wangfang'), before);
    clock += 61_000;
  });

  it('sends a staff member with an old password to choose a new one right after the second factor', async () => {
    const { sessions, passwords, signIn } = services(90);
    await platform.kernel.db
      .update(accounts)
      .set({ passwordChangedAt: new Date(clock - 91 * DAY * 1000) })
      .where(eq(accounts.username, 'chenjing'));
    const started = await signIn('chenjing');
    assert.ok(started);
    const enrollment = await sessions.beginTotpEnrollment(started.session);
    const outcome = await sessions.completeSecondFactor(
      started.session,
      await sessions.currentCode(enrollment?.secret ?? ''),
      client,
    );
    assert.equal(outcome.kind === 'passed' && outcome.stage, 'new-password');
    const owing = await sessions.resolve(started.token);
    assert.equal(owing?.stage, 'new-password', 'not signed in until the password is new');
    assert.deepEqual(await passwords.status(owing as ActiveSession), {
      changedAt: new Date(clock - 91 * DAY * 1000),
      expiresAt: new Date(clock - DAY * 1000),
    });

    const same = await errorOf(passwords.renewExpired(owing as ActiveSession, DEMO_PASSWORD, 'en', client));
    assert.deepEqual(same.fields, [
      { path: 'newPassword', message: 'The new password must differ from the current one.' },
    ]);
    await passwords.renewExpired(owing as ActiveSession, 'spring blossoms on renmin road', 'en', client);
    const renewed = await sessions.resolve(started.token);
    assert.equal(renewed?.stage, 'complete');
    assert.ok(renewed);
    assert.deepEqual((await passwords.status(renewed)).changedAt, now());
    await assert.rejects(
      passwords.renewExpired(renewed, 'yet another good sentence', 'en', client),
      /IDENTITY_ERR_SESSION_EXPIRED/,
      'only a session that owes it may renew',
    );
  });

  it('never expires a password while the policy is off (the default), nor the public’s', async () => {
    const old = new Date(clock - 10 * 365 * DAY * 1000);
    await platform.kernel.db
      .update(accounts)
      .set({ passwordChangedAt: old })
      .where(eq(accounts.username, 'zhouqiang'));
    const off = services(0);
    const started = await off.signIn('zhouqiang');
    assert.ok(started);
    const enrollment = await off.sessions.beginTotpEnrollment(started.session);
    const outcome = await off.sessions.completeSecondFactor(
      started.session,
      await off.sessions.currentCode(enrollment?.secret ?? ''),
      client,
    );
    assert.equal(outcome.kind === 'passed' && outcome.stage, 'complete');
    assert.equal((await off.passwords.status(started.session)).expiresAt, undefined);

    await platform.kernel.db
      .update(accounts)
      .set({ passwordChangedAt: old })
      .where(eq(accounts.username, 'zhangwei'));
    const on = services(30);
    const citizen = await on.signIn('zhangwei');
    assert.equal(citizen?.session.stage, 'complete');
    assert.equal((await on.passwords.status(citizen?.session as ActiveSession)).expiresAt, undefined);
  });
});
