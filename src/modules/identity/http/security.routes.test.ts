import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { generate } from 'otplib';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { enrolledStaff, fetchOptions, RECOVERY_CODE } from '../../../../test/support/second-factor.ts';
import { SoftwareAuthenticator } from '../../../../test/support/software-authenticator.ts';
import type { Platform } from '../../../app.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

describe('the security page', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  async function citizen(username: string, address: string) {
    const client = new FormClient(app, address);
    await client.post('/sign-in', {
      username,
      password: DEMO_PASSWORD,
      _csrf: await client.csrfFrom('/sign-in'),
    });
    return client;
  }

  it('sends visitors who are not signed in to sign in', async () => {
    const client = new FormClient(app, '198.51.100.50');
    assert.equal((await client.get('/account/security')).headers.location, '/sign-in');
  });

  it('shows the public their password section only, in Chinese and in English', async () => {
    const client = await citizen('zhangwei', '198.51.100.51');
    const zh = await client.get('/account/security');
    assert.equal(zh.statusCode, 200);
    assert.equal(zh.headers['cache-control'], 'no-store');
    assert.match(zh.body, /<h1>安全设置<\/h1>/);
    assert.match(zh.body, /修改密码/);
    assert.doesNotMatch(zh.body, /恢复码|安全密钥|<script/);
    const en = await client.get('/account/security?lang=en');
    assert.match(en.body, /<h1>Security<\/h1>/);
    assert.match(en.body, /Last changed/);
    const csrf = client.token(en.body);
    const refused = await client.post('/account/security/recovery-codes', {
      totpCode: '123456',
      _csrf: csrf,
    });
    assert.equal(refused.statusCode, 403, 'no second factor to manage for the public');
  });

  it('changes the password: CSRF, every problem at once, a wrong current password refused, then confirmed', async () => {
    const client = await citizen('lina', '198.51.100.52');
    const other = await citizen('lina', '198.51.100.53');
    const page = await client.get('/account/security');
    const csrf = client.token(page.body);

    const withoutCsrf = await client.post('/account/security/password', {
      currentPassword: DEMO_PASSWORD,
      newPassword: 'a brand new sentence',
    });
    assert.equal(withoutCsrf.statusCode, 403);
    assert.match(withoutCsrf.body, /表单已过期或来源无法确认/);

    const several = await client.post('/account/security/password', {
      currentPassword: '',
      newPassword: 'short',
      _csrf: csrf,
    });
    assert.equal(several.statusCode, 400);
    assert.match(several.body, /<a href="#currentPassword">请输入当前密码。<\/a>/);
    assert.match(several.body, /<a href="#newPassword">密码至少 8 位。<\/a>/);
    assert.match(several.body, /id="currentPassword-error"/);
    assert.doesNotMatch(several.body, /value="short"/, 'passwords are never sent back');

    const wrong = await client.post('/account/security/password?lang=en', {
      currentPassword: 'not-my-password',
      newPassword: 'a brand new sentence',
      _csrf: csrf,
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /<a href="#currentPassword">The current password is not correct.<\/a>/);
    assert.doesNotMatch(wrong.body, /a brand new sentence/);
    assert.equal((await other.get('/account')).statusCode, 200, 'nothing changed: the other session goes on');

    const changed = await client.post('/account/security/password', {
      currentPassword: DEMO_PASSWORD,
      newPassword: 'a brand new sentence',
      _csrf: csrf,
    });
    assert.equal(changed.statusCode, 303);
    assert.equal(changed.headers.location, '/account/security?done=password');
    const confirmation = await client.get('/account/security?done=password&lang=zh-CN');
    assert.match(confirmation.body, /role="status"/);
    assert.match(confirmation.body, /密码已修改/);
    assert.match(confirmation.body, /您在其他设备上的登录都已退出/);
    // The other session ended in this process at once (ADR 9's cache is told).
    assert.equal((await other.get('/account')).statusCode, 303);
  });

  it('shows staff how many recovery codes remain and makes a fresh set after a current TOTP code', async () => {
    const { client, secret, codes } = await enrolledStaff(app, 'zhouqiang', '198.51.100.54');
    const page = await client.get('/account/security');
    assert.match(page.body, /您还有 10 个未使用的恢复码/);
    assert.match(page.body, /<p data-webauthn-unavailable="add-security-key">/, 'said without JavaScript');
    assert.match(page.body, /<section id="add-security-key" hidden/);
    const csrf = client.token(page.body);

    const wrong = await client.post('/account/security/recovery-codes?lang=en', {
      totpCode: '000000',
      _csrf: csrf,
    });
    assert.equal(wrong.statusCode, 401);
    assert.match(wrong.body, /<a href="#totpCode">The code is wrong or has already been used/);
    assert.match(wrong.body, /You have 10 unused recovery codes/, 'nothing changed');

    // The code of the next 30-second step: the current one was used to enrol.
    const next = await generate({ secret, epoch: Math.floor(Date.now() / 1000) + 30 });
    const fresh = await client.post('/account/security/recovery-codes?lang=zh-CN', {
      totpCode: next,
      _csrf: csrf,
    });
    assert.equal(fresh.statusCode, 200);
    assert.equal(fresh.headers['cache-control'], 'no-store');
    const freshCodes = [...fresh.body.matchAll(RECOVERY_CODE)].map((m) => m[1]);
    assert.equal(freshCodes.length, 10);
    assert.ok(!freshCodes.includes(codes[0]));
    assert.match(fresh.body, /您以前的恢复码已全部作废/);
    assert.match(fresh.body, /href="\/account\/security"/);
  });

  it('adds a security key with its name and the password, lists it, and removes it', async () => {
    const { client } = await enrolledStaff(app, 'zhenghao', '198.51.100.55');
    const page = await client.get('/account/security');
    const csrf = client.token(page.body);
    assert.equal((await fetchOptions(app, client, '/account/security/keys/options', '')).statusCode, 403);
    const options = await fetchOptions(app, client, '/account/security/keys/options', csrf);
    assert.equal(options.statusCode, 200);
    const json = options.json();
    assert.equal(json.rp.id, 'localhost');
    assert.equal(json.user.name, 'zhenghao');
    const key = new SoftwareAuthenticator('http://localhost:3000');
    const response = JSON.stringify(key.register(json));

    const refused = await client.post('/account/security/keys', {
      keyName: '',
      keyPassword: 'wrong-password',
      response: '',
      _csrf: csrf,
    });
    assert.equal(refused.statusCode, 401);
    for (const field of ['keyName', 'keyPassword', 'addKey']) {
      assert.match(refused.body, new RegExp(`<a href="#${field}">`), `${field} is in the error summary`);
    }

    const added = await client.post('/account/security/keys', {
      keyName: '办公室的密钥',
      keyPassword: DEMO_PASSWORD,
      response,
      _csrf: csrf,
    });
    assert.equal(added.statusCode, 303);
    assert.equal(added.headers.location, '/account/security?done=key-added');
    const listed = await client.get('/account/security?done=key-added');
    assert.match(listed.body, /安全密钥已添加/);
    assert.match(listed.body, /<td>办公室的密钥<\/td>/);
    assert.match(listed.body, /尚未使用/);
    const removeAction = /action="(\/account\/security\/keys\/wak_[0-9A-Z]{26}\/remove)"/.exec(
      listed.body,
    )?.[1];
    assert.ok(removeAction);
    assert.match(
      listed.body,
      /移除<span class="visually-hidden"> 办公室的密钥<\/span>/,
      'each button names its key',
    );

    const stranger = await enrolledStaff(app, 'machao', '198.51.100.56');
    const notTheirs = await stranger.client.post(removeAction, {
      _csrf: await stranger.client.csrfFrom('/account/security'),
    });
    assert.equal(notTheirs.statusCode, 404, 'another person’s key is not found');

    const removed = await client.post(removeAction, { _csrf: csrf });
    assert.equal(removed.headers.location, '/account/security?done=key-removed');
    assert.match((await client.get('/account/security?done=key-removed')).body, /您还没有登记安全密钥/);
    const again = await client.post(removeAction, { _csrf: csrf });
    assert.equal(again.statusCode, 404);
    assert.match(again.body, /找不到这个安全密钥/);
    assert.equal(
      (await client.post('/account/security/keys/nonsense/remove', { _csrf: csrf })).statusCode,
      404,
    );
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });
});
