import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import { mandates } from '../db/identity.tables.ts';
import { creditCodeCheckCharacter } from '../domain/identifiers.ts';
import { DEMO_PASSWORD } from '../identity.seed.ts';

const SOCIAL_CENTRE = `52990100MJ0000031${creditCodeCheckCharacter('52990100MJ0000031')}`;
const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);

describe('legal entity and mandate pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  const mandateCount = async () => (await platform.kernel.db.select({ n: count() }).from(mandates))[0]?.n;

  async function signIn(username: string, address: string): Promise<FormClient> {
    const client = new FormClient(app, address);
    const csrf = await client.csrfFrom('/sign-in');
    const res = await client.post('/sign-in', { username, password: DEMO_PASSWORD, _csrf: csrf });
    assert.equal(res.statusCode, 303);
    return client;
  }

  /** The legal representative's entity page URL, from her list. */
  async function restaurantUrl(client: FormClient): Promise<string> {
    const list = await client.get('/account/legal-entities');
    const href = /href="(\/legal-entities\/org_[0-9A-Z]+)"/.exec(list.body)?.[1];
    assert.ok(href, 'the list links to the entity');
    return href;
  }

  it('sends visitors who are not signed in to sign in', async () => {
    for (const url of ['/account/legal-entities', '/account/legal-entities/claim', '/admin/legal-entities']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/sign-in');
    }
  });

  it('shows 王芳 her company and 张伟 his mandate, in Chinese and English', async () => {
    const wang = await signIn('wangfang', '198.51.100.31');
    const mine = await wang.get('/account/legal-entities');
    assert.equal(mine.statusCode, 200);
    assert.match(mine.body, /示范市味道餐饮有限公司/);
    const zhang = await signIn('zhangwei', '198.51.100.32');
    const held = await zhang.get('/account/legal-entities?lang=en');
    assert.match(held.body, /Shifan Flavour Catering Co\., Ltd\./);
    assert.match(held.body, /see the organisation’s record/);
    assert.match(held.body, /active/);
    // The language chosen sticks (a cookie): the company page is in English too.
    const page = await zhang.get(await restaurantUrl(wang));
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /Your mandate/);
    assert.doesNotMatch(page.body, /Give someone a mandate/, 'a mandate holder cannot grant');
  });

  it('refuses a grant without its CSRF token, and reports every problem of a bad one at once', async () => {
    const wang = await signIn('wangfang', '198.51.100.33');
    const url = await restaurantUrl(wang);
    const before = await mandateCount();
    const forged = await wang.post(`${url}/mandates`, { granteeUsername: 'lina', granteeName: '李娜' });
    assert.equal(forged.statusCode, 403);
    const csrf = wang.token((await wang.get(url)).body);
    const bad = await wang.post(`${url}/mandates?lang=en`, {
      granteeUsername: 'lina',
      granteeName: 'Someone Else',
      validUntil: 'next year',
      _csrf: csrf,
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="error-summary"/);
    for (const field of ['granteeUsername', 'scope', 'validUntil'])
      assert.match(bad.body, new RegExp(`href="#${field}"`));
    assert.match(bad.body, /Choose at least one thing the holder may do/);
    assert.equal(await mandateCount(), before);
  });

  it('lets 王芳 give 李娜 a mandate and revoke it, with a confirmation each time', async () => {
    const wang = await signIn('wangfang', '198.51.100.34');
    const url = await restaurantUrl(wang);
    const granted = await wang.post(`${url}/mandates`, {
      granteeUsername: 'lina',
      granteeName: '李娜',
      scope: ['identity.legalEntity.read'],
      validUntil: inAYear,
      _csrf: wang.token((await wang.get(url)).body),
    });
    assert.equal(granted.statusCode, 303);
    const page = await wang.get(granted.headers.location as string);
    assert.match(page.body, /已授权 李娜 代办/);
    const revokeHref =
      /href="(\/legal-entities\/org_\w+\/mandates\/mnd_\w+\/revoke)"[^>]*>撤销<span class="visually-hidden"> 李娜/.exec(
        page.body,
      )?.[1];
    assert.ok(revokeHref, 'a revoke link names the holder');
    const confirm = await wang.get(revokeHref);
    assert.equal(confirm.statusCode, 200);
    assert.match(confirm.body, /撤销后，李娜 立即不能再以本单位名义办理/);
    const empty = await wang.post(revokeHref, { reason: '', _csrf: wang.token(confirm.body) });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /请填写撤销原因/);
    const done = await wang.post(revokeHref, { reason: '合作结束', _csrf: wang.token(confirm.body) });
    assert.equal(done.statusCode, 303);
    assert.match((await wang.get(done.headers.location as string)).body, /已撤销/);
  });

  it('tells 李娜 (L1) to verify her identity before linking her organisation', async () => {
    const lina = await signIn('lina', '198.51.100.35');
    const csrf = await lina.csrfFrom('/account/legal-entities/claim');
    const res = await lina.post('/account/legal-entities/claim', { creditCode: SOCIAL_CENTRE, _csrf: csrf });
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /需要实名认证等级 L2/);
    assert.match(res.body, /class="error-summary"/);
  });

  it('refuses an overlong field with 400 and the field named, not a 500 (found by the injection scan)', async () => {
    const zhang = await signIn('zhangwei', '198.51.100.37');
    const csrf = await zhang.csrfFrom('/account/legal-entities/claim');
    const res = await zhang.post('/account/legal-entities/claim', {
      creditCode: 'x'.repeat(300),
      _csrf: csrf,
    });
    assert.equal(res.statusCode, 400);
    assert.match(res.body, /class="error-summary"/);
    assert.match(res.body, /href="#creditCode"/);
  });

  it('refuses the administrators’ page to anyone but the platform administrator', async () => {
    const clerk = await signIn('zhangwei', '198.51.100.36');
    const res = await clerk.get('/admin/legal-entities');
    assert.equal(res.statusCode, 403);
  });
});
