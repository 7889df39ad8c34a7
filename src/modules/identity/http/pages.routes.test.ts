import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import { sessions } from '../db/identity.tables.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

describe('sign-in pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  const sessionCount = async () => (await platform.kernel.db.select({ n: count() }).from(sessions))[0]?.n;

  it('refuses a form without its CSRF token with 403, translated, and signs nobody in', async () => {
    const client = new FormClient(app);
    await client.get('/sign-in');
    const before = await sessionCount();
    const res = await client.post('/sign-in', { username: 'zhangwei', password: DEMO_PASSWORD });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /表单已过期或来源无法确认/);
    assert.equal(await sessionCount(), before);
  });

  it('signs a citizen in with a secure session cookie, shows the account, and signs out', async () => {
    const client = new FormClient(app, '198.51.100.8');
    const csrf = await client.csrfFrom('/sign-in');
    const wrong = await client.post('/sign-in', {
      username: 'zhangwei',
      password: 'not-the-password',
      _csrf: csrf,
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /用户名或密码不正确/);
    const ok = await client.post('/sign-in', { username: 'zhangwei', password: DEMO_PASSWORD, _csrf: csrf });
    assert.equal(ok.statusCode, 303);
    assert.equal(ok.headers.location, '/account');
    const cookie = ok.cookies.find((c) => c.name === 'yiwang_session');
    assert.equal(cookie?.httpOnly, true);
    assert.equal(cookie?.sameSite, 'Lax');
    assert.ok((cookie?.value.length ?? 0) >= 43, '256-bit token');
    const account = await client.get('/account?lang=en');
    assert.equal(account.statusCode, 200);
    assert.match(account.body, /Zhang Wei/);
    assert.equal(account.headers['x-cache'], undefined, 'a personal page is never cached');
    const token = /name="_csrf" value="([^"]+)"/.exec(account.body)?.[1] ?? '';
    const out = await client.post('/sign-out', { _csrf: token });
    assert.equal(out.statusCode, 303);
    assert.equal((await client.get('/account')).statusCode, 303, 'signed out: back to sign-in');
  });

  it('says the same for an unknown account and a wrong password, then answers 429 with Retry-After', async () => {
    const client = new FormClient(app, '198.51.100.9');
    const csrf = await client.csrfFrom('/sign-in');
    const unknown = await client.post('/sign-in', {
      username: 'no-such-person',
      password: 'whatever12',
      _csrf: csrf,
    });
    const wrong = await client.post('/sign-in', { username: 'lina', password: 'whatever12', _csrf: csrf });
    assert.equal(unknown.statusCode, wrong.statusCode);
    assert.equal(
      /<main[\s\S]*<\/main>/.exec(unknown.body)?.[0].replace(/value="[^"]*"/g, ''),
      /<main[\s\S]*<\/main>/.exec(wrong.body)?.[0].replace(/value="[^"]*"/g, ''),
    );
    for (let i = 0; i < 4; i++)
      await client.post('/sign-in', { username: 'lina', password: 'whatever12', _csrf: csrf });
    const locked = await client.post('/sign-in', { username: 'lina', password: DEMO_PASSWORD, _csrf: csrf });
    assert.equal(locked.statusCode, 429);
    assert.equal(locked.headers['retry-after'], '60');
    assert.match(locked.body, /尝试次数过多/);
  });

  it('sends staff to the second factor, and keeps the account closed until it is passed', async () => {
    const client = new FormClient(app, '198.51.100.10');
    const csrf = await client.csrfFrom('/sign-in');
    const res = await client.post('/sign-in', { username: 'wumin', password: DEMO_PASSWORD, _csrf: csrf });
    assert.equal(res.headers.location, '/sign-in/second-factor');
    assert.equal((await client.get('/account')).statusCode, 303);
    const page = await client.get('/sign-in/second-factor');
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /<code>[A-Z2-7]{16,}<\/code>/, 'the enrolment key is shown the first time');
    const token = /name="_csrf" value="([^"]+)"/.exec(page.body)?.[1] ?? '';
    const refused = await client.post('/sign-in/second-factor', { code: '123456', _csrf: token });
    assert.equal(refused.statusCode, 401);
    assert.match(refused.body, /验证码不正确/);
  });

  it('lets the hotline operator open a profile only with a purpose, masked, and the citizen sees who looked and why', async () => {
    const staff = new FormClient(app, '198.51.100.20');
    const csrf = await staff.csrfFrom('/sign-in');
    await staff.post('/sign-in', { username: 'hejing', password: DEMO_PASSWORD, _csrf: csrf });
    const enrolment = await staff.get('/sign-in/second-factor');
    const key = /<code>([A-Z2-7]+)<\/code>/.exec(enrolment.body)?.[1] ?? '';
    const token = /name="_csrf" value="([^"]+)"/.exec(enrolment.body)?.[1] ?? '';
    const passed = await staff.post('/sign-in/second-factor', {
      code: await generate({ secret: key }),
      _csrf: token,
    });
    assert.equal(passed.statusCode, 200, 'enrolled: the recovery codes are shown once');
    assert.match(passed.body, /您的恢复码/);

    const lookupToken = await staff.csrfFrom('/workbench/people');
    const withoutPurpose = await staff.post('/workbench/people', {
      username: 'zhangwei',
      purpose: '',
      _csrf: lookupToken,
    });
    assert.equal(withoutPurpose.statusCode, 403);
    assert.match(withoutPurpose.body, /请说明查阅目的/);
    const unknown = await staff.post('/workbench/people', {
      username: 'nobody-here',
      purpose: '核对来电人身份',
      _csrf: lookupToken,
    });
    assert.equal(unknown.statusCode, 403, 'a missing person is refused like a forbidden one');

    const shown = await staff.post('/workbench/people', {
      username: 'zhangwei',
      purpose: '受理 12345 来电，核对来电人身份',
      _csrf: lookupToken,
    });
    assert.equal(shown.statusCode, 200);
    assert.match(shown.body, /990100\*{8}\d{3}[\dX]/, 'ID number masked: first 6 and last 4');
    assert.match(shown.body, /139\*{4}0001/, 'phone masked: first 3 and last 4');

    const citizen = new FormClient(app, '198.51.100.21');
    const citizenCsrf = await citizen.csrfFrom('/sign-in');
    await citizen.post('/sign-in', { username: 'zhangwei', password: DEMO_PASSWORD, _csrf: citizenCsrf });
    const log = await citizen.get('/account/access-log');
    assert.equal(log.statusCode, 200);
    assert.match(log.body, /市政务服务中心 · 12345 热线接线员/);
    assert.match(log.body, /受理 12345 来电，核对来电人身份/);
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });
});
