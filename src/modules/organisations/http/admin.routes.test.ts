import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { departments } from '../db/organisations.tables.ts';

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';

describe('department administration pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let admin: FormClient;
  let clerk: FormClient;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    admin = await signInStaff(app, 'machao', '198.51.100.60');
    clerk = await signInStaff(app, 'zhaolei', '198.51.100.61');
  });
  after(() => platform.close());

  const departmentCount = async () =>
    (await platform.kernel.db.select({ n: count() }).from(departments))[0]?.n ?? 0;
  const form = { code: 'TJ', nameZh: '市统计局', nameEn: 'Statistics Bureau', sortOrder: '21', website: '' };

  it('refuses a clerk every page and form with the translated 403, changing nothing', async () => {
    for (const url of ['/admin/departments', '/admin/departments/new', '/admin/departments/SJ/edit']) {
      const res = await clerk.get(url);
      assert.equal(res.statusCode, 403, url);
      assert.match(main(res), /您没有相应权限，或所请求的内容不存在/);
    }
    const en = await clerk.get('/admin/departments?lang=en');
    assert.match(main(en), /you do not have permission/);
    const csrf = clerk.token((await clerk.get('/account')).body);
    const before = await departmentCount();
    assert.equal((await clerk.post('/admin/departments', { ...form, _csrf: csrf })).statusCode, 403);
    assert.equal((await clerk.post('/admin/departments/SJ', { ...form, _csrf: csrf })).statusCode, 403);
    assert.equal(await departmentCount(), before);
  });

  it('refuses a form without its CSRF token with the translated 403', async () => {
    const before = await departmentCount();
    const res = await admin.post('/admin/departments', form);
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /表单已过期或来源无法确认/);
    assert.equal(await departmentCount(), before);
  });

  it('lists the departments for the administrator, and reports every problem of the form at once', async () => {
    const list = await admin.get('/admin/departments');
    assert.equal(list.statusCode, 200);
    assert.match(main(list), /全部 20 个部门/);
    assert.match(
      main(list),
      /<a href="\/admin\/departments\/SJ\/edit">修改<span class="visually-hidden"> 市市场监督管理局<\/span><\/a>/,
    );
    const page = await admin.get('/admin/departments/new');
    assert.match(main(page), /id="sortOrder"[^>]*value="21"/, 'the next sort order is offered');
    const csrf = admin.token(page.body);
    const bad = await admin.post('/admin/departments', {
      code: 'tj1',
      nameZh: '',
      nameEn: 'Statistics Bureau',
      sortOrder: 'first',
      website: 'tj.example',
      _csrf: csrf,
    });
    assert.equal(bad.statusCode, 400);
    for (const field of ['code', 'nameZh', 'sortOrder', 'website'])
      assert.match(main(bad), new RegExp(`<a href="#${field}">`), field);
    assert.doesNotMatch(main(bad), /<a href="#nameEn">/);
    assert.match(main(bad), /value="Statistics Bureau"/, 'what was typed is kept');
    const en = await admin.post('/admin/departments?lang=en', { ...form, code: 'X', _csrf: csrf });
    assert.match(main(en), /A department code has 2 to 6 capital letters/);
    await admin.get('/admin/departments?lang=zh-CN');
  });

  it('creates a department that the public directory and API show, and refuses its code again (409)', async () => {
    const csrf = await admin.csrfFrom('/admin/departments/new');
    const created = await admin.post('/admin/departments', {
      ...form,
      website: 'https://tj.shifan.gov.example',
      _csrf: csrf,
    });
    assert.equal(created.statusCode, 303);
    assert.equal(created.headers.location, '/admin/departments?created=TJ');
    assert.match(main(await admin.get(created.headers.location ?? '')), /已创建部门：市统计局（TJ）。/);
    const directory = await app.inject({ url: '/departments' });
    assert.match(
      directory.body,
      /<a href="https:\/\/tj\.shifan\.gov\.example\/">tj\.shifan\.gov\.example<\/a>/,
    );
    const api = (await app.inject({ url: '/api/v1/departments/TJ' })).json();
    assert.equal(api.website, 'https://tj.shifan.gov.example/');
    const again = await admin.post('/admin/departments', { ...form, _csrf: csrf });
    assert.equal(again.statusCode, 409);
    assert.match(main(again), /<a href="#code">部门代码 TJ 已被使用/);
  });

  it('changes a department but never its code', async () => {
    const edit = await admin.get('/admin/departments/tj/edit');
    assert.equal(edit.statusCode, 200);
    assert.doesNotMatch(main(edit), /name="code"/, 'the code is shown, not editable');
    const saved = await admin.post('/admin/departments/TJ', {
      code: 'ZZ',
      nameZh: '市统计局',
      nameEn: 'Bureau of Statistics',
      sortOrder: '3',
      website: '',
      _csrf: admin.token(edit.body),
    });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/admin/departments?updated=TJ');
    const api = (await app.inject({ url: '/api/v1/departments/TJ' })).json();
    assert.equal(api.name.en, 'Bureau of Statistics');
    assert.equal(api.website, null);
    assert.equal((await app.inject({ url: '/api/v1/departments/ZZ' })).statusCode, 404);
    const bad = await admin.post('/admin/departments/TJ', {
      ...form,
      nameEn: '',
      _csrf: admin.token(edit.body),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(main(bad), /<a href="#nameEn">请填写部门的英文名称/);
    assert.equal((await admin.get('/admin/departments/NOPE/edit')).statusCode, 404);
  });
});
