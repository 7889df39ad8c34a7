import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { openValue } from '../../kernel/secret.ts';
import { accounts } from './db/identity.tables.ts';
import { DEMO_PASSWORD } from './identity.seed.ts';
import { createSessionsService, SESSION_CACHE_MS, SESSION_LIMITS } from './sessions.service.ts';

async function setup() {
  const platform = await startTestPlatform();
  let clock = new Date('2026-11-23T02:00:00Z').getTime();
  const now = () => new Date(clock);
  const service = createSessionsService(
    platform.kernel.db,
    platform.kernel.audit,
    platform.kernel.secret,
    now,
  );
  return { platform, service, advance: (seconds: number) => (clock += seconds * 1000) };
}

const client = { clientAddress: '192.0.2.10', userAgent: 'test', requestId: 'req_test' };

describe('sign-in and sessions', () => {
  it('signs a citizen in, resolves the session, and ends it', async () => {
    const { platform, service } = await setup();
    try {
      const outcome = await service.signIn({ username: 'ZhangWei', password: DEMO_PASSWORD, ...client });
      assert.equal(outcome.kind, 'signed-in');
      if (outcome.kind !== 'signed-in') return;
      assert.equal(outcome.needsSecondFactor, false);
      const session = await service.resolve(outcome.token);
      assert.equal(session?.username, 'zhangwei');
      assert.equal(session?.stage, 'complete');
      assert.equal((await service.list(session?.accountId ?? '')).length, 1);
      assert.equal(await service.end(session?.accountId ?? '', outcome.sessionId, client), true);
      assert.equal(await service.resolve(outcome.token), undefined);
      assert.equal(await service.resolve('not-a-token'), undefined);
      assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
    } finally {
      await platform.close();
    }
  });

  it('refuses a wrong password and an unknown account alike, then locks progressively', async () => {
    const { platform, service, advance } = await setup();
    try {
      assert.deepEqual(await service.signIn({ username: 'nobody', password: 'whatever1', ...client }), {
        kind: 'refused',
      });
      for (let i = 0; i < 4; i++) {
        assert.deepEqual(await service.signIn({ username: 'lina', password: 'wrong-password', ...client }), {
          kind: 'refused',
        });
      }
      const fifth = await service.signIn({ username: 'lina', password: 'wrong-password', ...client });
      assert.deepEqual(fifth, { kind: 'refused' });
      const locked = await service.signIn({ username: 'lina', password: DEMO_PASSWORD, ...client });
      assert.deepEqual(locked, { kind: 'locked', retryAfterSeconds: 60 }, 'even the right password waits');
      const lockedNobody = await service.signIn({ username: 'nobody', password: 'x', ...client });
      assert.equal(
        lockedNobody.kind,
        'refused',
        'an unknown name is treated the same way: one failure so far',
      );
      advance(61);
      assert.equal(
        (await service.signIn({ username: 'lina', password: DEMO_PASSWORD, ...client })).kind,
        'signed-in',
      );
    } finally {
      await platform.close();
    }
  });

  it('ends sessions that stay idle too long or reach their absolute limit', async () => {
    const { platform, service, advance } = await setup();
    try {
      const first = await service.signIn({ username: 'lina', password: DEMO_PASSWORD, ...client });
      assert.equal(first.kind, 'signed-in');
      if (first.kind !== 'signed-in') return;
      advance(SESSION_LIMITS.public.idleSeconds + 1);
      assert.equal(await service.resolve(first.token), undefined, 'idle timeout');

      const second = await service.signIn({ username: 'lina', password: DEMO_PASSWORD, ...client });
      if (second.kind !== 'signed-in') throw new Error('sign-in failed');
      for (let t = 0; t < SESSION_LIMITS.public.absoluteSeconds; t += 20 * 60) {
        advance(20 * 60);
        if (t + 20 * 60 < SESSION_LIMITS.public.absoluteSeconds)
          assert.ok(await service.resolve(second.token));
      }
      assert.equal(await service.resolve(second.token), undefined, 'absolute timeout, however active');
    } finally {
      await platform.close();
    }
  });

  it('requires staff to pass a TOTP second factor, enrolling on first use, and never accepts a code twice', async () => {
    const { platform, service, advance } = await setup();
    try {
      const outcome = await service.signIn({ username: 'liuyang', password: DEMO_PASSWORD, ...client });
      if (outcome.kind !== 'signed-in') throw new Error('sign-in failed');
      assert.equal(outcome.needsSecondFactor, true);
      const session = await service.resolve(outcome.token);
      assert.equal(session?.stage, 'password');
      if (!session) return;
      const enrollment = await service.beginTotpEnrollment(session);
      assert.match(enrollment?.uri ?? '', /^otpauth:\/\/totp\//);
      const [row] = await platform.kernel.db.select().from(accounts).where(eq(accounts.username, 'liuyang'));
      assert.ok(row?.totpSecretEncrypted && !row.totpSecretEncrypted.includes(enrollment?.secret ?? '-'));
      assert.equal(
        openValue(platform.kernel.secret, 'identity.totp', row.totpSecretEncrypted),
        enrollment?.secret,
      );

      assert.deepEqual(await service.completeSecondFactor(session, '000000', client), { kind: 'refused' });
      const code = await service.currentCode(enrollment?.secret ?? '');
      const enrolled = await service.completeSecondFactor(session, code, client);
      assert.equal(enrolled.kind === 'passed' && enrolled.stage, 'complete');
      assert.equal(
        enrolled.kind === 'passed' && enrolled.recoveryCodes?.length,
        10,
        'codes issued on enrolment',
      );
      assert.equal((await service.resolve(outcome.token))?.stage, 'complete');

      const again = await service.signIn({ username: 'liuyang', password: DEMO_PASSWORD, ...client });
      if (again.kind !== 'signed-in') throw new Error('sign-in failed');
      const second = await service.resolve(again.token);
      if (!second) throw new Error('no session');
      assert.equal(await service.beginTotpEnrollment(second), undefined, 'already enrolled');
      assert.deepEqual(
        await service.completeSecondFactor(second, code, client),
        { kind: 'refused' },
        'the same code twice',
      );
      advance(30);
      const next = await service.currentCode(enrollment?.secret ?? '');
      assert.deepEqual(
        await service.completeSecondFactor(second, next, client),
        { kind: 'passed', stage: 'complete', recoveryCodes: undefined },
        'no new codes once enrolled',
      );
    } finally {
      await platform.close();
    }
  });

  it('trusts a resolved session for at most a few seconds when another instance ends it', async () => {
    const { platform, service, advance } = await setup();
    try {
      let clock = new Date('2026-11-23T02:00:00Z').getTime();
      const other = createSessionsService(
        platform.kernel.db,
        platform.kernel.audit,
        platform.kernel.secret,
        () => new Date(clock),
      );
      const outcome = await service.signIn({ username: 'lina', password: DEMO_PASSWORD, ...client });
      if (outcome.kind !== 'signed-in') throw new Error('sign-in failed');
      const session = await service.resolve(outcome.token);
      assert.ok(session);
      assert.equal(await other.end(session.accountId, session.id, client), true, 'ended on another instance');
      assert.ok(await service.resolve(outcome.token), 'still trusted here within the cache window');
      advance(SESSION_CACHE_MS / 1000 + 1);
      clock += SESSION_CACHE_MS + 1000;
      assert.equal(await service.resolve(outcome.token), undefined, 'gone once the window has passed');
      assert.equal(
        await other.resolve(outcome.token),
        undefined,
        'and at once on the instance that ended it',
      );
    } finally {
      await platform.close();
    }
  });
});
