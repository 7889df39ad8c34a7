import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { enrolledStaff, fetchOptions } from '../../../../test/support/second-factor.ts';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.ts';
import type { Platform } from '../../../app.ts';
import { accounts } from '../db/identity.tables.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

/** The test platform's public address: no YIWANG_PUBLIC_URL, so 127.0.0.1:3000 — keys are bound to localhost. */
const ORIGIN = 'http://localhost:3000';

/** Signs in again with the password only: the session then owes the second factor. */
async function signInAgain(
  app: FastifyInstance,
  username: string,
  address: string,
  password = DEMO_PASSWORD,
) {
  const client = new FormClient(app, address);
  const res = await client.post('/sign-in', { username, password, _csrf: await client.csrfFrom('/sign-in') });
  assert.equal(res.headers.location, '/sign-in/second-factor');
  return client;
}

describe('second-factor pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('shows ten recovery codes once, uncached, with the advice to keep them safe, when TOTP is enrolled', async () => {
    const { codesPage, codes, client } = await enrolledStaff(app, 'zhaolei', '198.51.100.30');
    assert.equal(codesPage.statusCode, 200);
    assert.equal(codesPage.headers['cache-control'], 'no-store');
    assert.match(codesPage.body, /<h1>您的恢复码<\/h1>/);
    assert.match(codesPage.body, /请妥善保管/);
    assert.equal(codes.length, 10);
    assert.match(codesPage.body, /href="\/account"/, 'then on to the account');
    const account = await client.get('/account');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /href="\/account\/security"/);
    assert.doesNotMatch(
      (await client.get('/account/security')).body,
      new RegExp(codes[0] ?? '-'),
      'never again',
    );
  });

  it('signs in with a recovery code once, says how many remain, and refuses it the second time', async () => {
    const { codes } = await enrolledStaff(app, 'liuyang', '198.51.100.31');
    const client = await signInAgain(app, 'liuyang', '198.51.100.31');
    assert.equal((await client.get('/sign-in')).headers.location, '/sign-in/second-factor', 'the step owed');
    const page = await client.get('/sign-in/second-factor?lang=en');
    assert.match(page.body, /<details>/);
    assert.match(page.body, /No authenticator app at hand\? Use a recovery code/);
    assert.doesNotMatch(page.body, /<script/, 'no key registered: no scripts');

    const withoutCsrf = await client.post('/sign-in/second-factor/recovery', {
      recoveryCode: codes[0] ?? '',
    });
    assert.equal(withoutCsrf.statusCode, 403);
    assert.match(withoutCsrf.body, /form has expired|expired/i);

    const wrong = await client.post('/sign-in/second-factor/recovery', {
      recoveryCode: 'ABCD-EFGH-JKMN',
      _csrf: client.token(page.body),
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /The recovery code is wrong or has already been used/);
    assert.match(wrong.body, /<details open="">|<details open>/, 'the form with the error is open');
    assert.match(wrong.body, /href="#recoveryCode"/);

    const used = await client.post('/sign-in/second-factor/recovery', {
      recoveryCode: (codes[0] ?? '').toLowerCase(),
      _csrf: client.token(page.body),
    });
    assert.equal(used.statusCode, 200);
    assert.match(used.body, /Signed in with a recovery code/);
    assert.match(used.body, /You have 9 unused recovery codes left/);
    assert.equal((await client.get('/account')).statusCode, 200);

    const again = await signInAgain(app, 'liuyang', '198.51.100.31');
    const refused = await again.post('/sign-in/second-factor/recovery', {
      recoveryCode: codes[0] ?? '',
      _csrf: await again.csrfFrom('/sign-in/second-factor'),
    });
    assert.equal(refused.statusCode, 401);
    assert.match(refused.body, /恢复码不正确或已经用过/);
    assert.equal((await again.get('/account')).statusCode, 303, 'still not signed in');
  });

  it('answers 429 with Retry-After once the second factor is guessed at too often', async () => {
    await enrolledStaff(app, 'sunli', '198.51.100.32');
    const client = await signInAgain(app, 'sunli', '198.51.100.32');
    const csrf = await client.csrfFrom('/sign-in/second-factor');
    for (let i = 0; i < 5; i++) {
      const res = await client.post('/sign-in/second-factor', { code: '000000', _csrf: csrf });
      assert.equal(res.statusCode, 401);
      assert.match(res.body, /验证码不正确/);
    }
    const locked = await client.post('/sign-in/second-factor', { code: '000000', _csrf: csrf });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.headers['retry-after'], '60');
    assert.match(locked.body, /尝试次数过多/);
  });

  it('offers a registered security key with scripts from the platform, and signs in with it', async () => {
    const { client: first } = await enrolledStaff(app, 'wumin', '198.51.100.33');
    const key = new SoftwareAuthenticator(ORIGIN);
    const security = await first.get('/account/security');
    const options = await fetchOptions(
      app,
      first,
      '/account/security/keys/options',
      first.token(security.body),
    );
    assert.equal(options.statusCode, 200);
    const added = await first.post('/account/security/keys', {
      keyName: 'Office key',
      keyPassword: DEMO_PASSWORD,
      response: JSON.stringify(key.register(options.json())),
      _csrf: first.token(security.body),
    });
    assert.equal(added.headers.location, '/account/security?done=key-added');

    const client = await signInAgain(app, 'wumin', '198.51.100.33');
    const page = await client.get('/sign-in/second-factor');
    assert.match(
      page.body,
      /<section id="security-key-sign-in" hidden data-webauthn-origin="http:\/\/localhost:3000"/,
    );
    const scripts = [...page.body.matchAll(/<script src="([^"]+)" defer><\/script>/g)].map((m) => m[1] ?? '');
    assert.deepEqual(
      scripts.map((s) => s.replace(/-[0-9a-f]{12}\.js$/, '')),
      ['/static/simplewebauthn-browser', '/static/identity-webauthn'],
    );
    for (const src of scripts) {
      const script = await client.get(src);
      assert.equal(script.statusCode, 200);
      assert.match(String(script.headers['content-type']), /^text\/javascript/);
      assert.match(String(script.headers['cache-control']), /immutable/);
    }
    assert.match(String(page.headers['content-security-policy']), /script-src 'self'(;|$)/);

    const csrf = client.token(page.body);
    assert.equal(
      (await fetchOptions(app, client, '/sign-in/second-factor/security-key/options', '')).statusCode,
      403,
    );
    const challenge = await fetchOptions(app, client, '/sign-in/second-factor/security-key/options', csrf);
    assert.equal(challenge.statusCode, 200);
    assert.equal(challenge.headers['cache-control'], 'no-store');
    const answer = JSON.stringify(key.authenticate(challenge.json()));

    const cancelled = await client.post('/sign-in/second-factor/security-key', { response: '', _csrf: csrf });
    assert.equal(cancelled.statusCode, 401);
    assert.match(cancelled.body, /安全密钥验证未通过/);
    assert.match(cancelled.body, /href="#securityKey"/);

    const passed = await client.post('/sign-in/second-factor/security-key', {
      response: answer,
      _csrf: csrf,
    });
    assert.equal(passed.statusCode, 303);
    assert.equal(passed.headers.location, '/account');
    assert.equal((await client.get('/account')).statusCode, 200);
  });
});

describe('the staff password expiry at sign-in (YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS=30)', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform({ env: { YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS: '30' } });
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('asks for a new password right after the second factor, before anything else is reachable', async () => {
    await platform.kernel.db
      .update(accounts)
      .set({ passwordChangedAt: new Date(Date.now() - 31 * 24 * 3600 * 1000) })
      .where(eq(accounts.username, 'chenjing'));
    const { client, codesPage } = await enrolledStaff(app, 'chenjing', '198.51.100.40');
    assert.match(codesPage.body, /href="\/sign-in\/new-password"/, 'the codes first, then the new password');
    for (const url of ['/account', '/account/security', '/workbench/people']) {
      assert.equal((await client.get(url)).headers.location, '/sign-in', `${url} is not reachable`);
    }
    assert.equal((await client.get('/sign-in')).headers.location, '/sign-in/new-password');

    const page = await client.get('/sign-in/new-password?lang=en');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /yours has expired/);
    const same = await client.post('/sign-in/new-password', {
      newPassword: DEMO_PASSWORD,
      _csrf: client.token(page.body),
    });
    assert.equal(same.statusCode, 400);
    assert.match(same.body, /The new password must differ from the current one/);
    assert.match(same.body, /href="#newPassword"/);
    assert.match(same.body, /aria-invalid="true"/);
    const withoutCsrf = await client.post('/sign-in/new-password', {
      newPassword: 'a fresh spring sentence',
    });
    assert.equal(withoutCsrf.statusCode, 403);

    const done = await client.post('/sign-in/new-password', {
      newPassword: 'a fresh spring sentence',
      _csrf: client.token(page.body),
    });
    assert.equal(done.statusCode, 200);
    assert.match(done.body, /Your new password is saved/);
    assert.equal((await client.get('/account')).statusCode, 200);
    const security = await client.get('/account/security');
    assert.match(security.body, /须在此日期前更换|Must be changed by/);
  });
});
