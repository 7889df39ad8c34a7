import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { mailRecords } from '../../../kernel/mail/mail.tables.ts';
import { accounts, staffRoles } from '../db/identity.tables.ts';

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';

describe('staff administration pages', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let admin: FormClient;
  let clerk: FormClient;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    admin = await signInStaff(app, 'machao', '198.51.100.40');
    clerk = await signInStaff(app, 'liuyang', '198.51.100.41');
  });
  after(() => platform.close());

  const idOf = async (username: string) =>
    (
      await platform.kernel.db
        .select({ id: accounts.id })
        .from(accounts)
        .where(eq(accounts.username, username))
    )[0]?.id ?? '';
  const accountCount = async () => (await platform.kernel.db.select({ n: count() }).from(accounts))[0]?.n;
  const form = {
    username: 'qianli',
    nameZh: '钱丽',
    nameEn: 'Qian Li',
    email: 'qianli@shifan.example',
    departmentCode: 'HB',
    role: 'reviewer',
    clearance: 'internal',
  };

  it('sends visitors who are not signed in to sign in', async () => {
    for (const url of ['/admin/staff', '/admin/staff/new', '/admin/departments']) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/sign-in');
    }
  });

  it('links the administration pages from the administrator’s account page, and only from theirs', async () => {
    const mine = await admin.get('/account');
    assert.match(main(mine), /<h2>平台管理<\/h2>/);
    assert.match(main(mine), /<a href="\/admin\/staff">人员管理<\/a>/);
    assert.match(main(mine), /<a href="\/admin\/departments">部门管理<\/a>/);
    const clerks = await clerk.get('/account');
    assert.equal(clerks.statusCode, 200);
    assert.doesNotMatch(clerks.body, /\/admin\//);
  });

  it('refuses a clerk with the translated 403 that reveals nothing, and creates nothing', async () => {
    const zh = await clerk.get('/admin/staff');
    assert.equal(zh.statusCode, 403);
    assert.match(main(zh), /无法完成此操作：您没有相应权限，或所请求的内容不存在。/);
    assert.doesNotMatch(main(zh), /machao|马超|platform_admin/);
    const en = await clerk.get(`/admin/staff/${await idOf('wumin')}?lang=en`);
    assert.equal(en.statusCode, 403);
    assert.match(main(en), /you do not have permission, or what you asked for does not exist/);
    assert.doesNotMatch(main(en), /Wu Min|wumin/);
    const before = await accountCount();
    const csrf = clerk.token((await clerk.get('/account')).body);
    const post = await clerk.post('/admin/staff', { ...form, _csrf: csrf });
    assert.equal(post.statusCode, 403);
    const selfPromotion = await clerk.post(`/admin/staff/${await idOf('liuyang')}/roles`, {
      departmentCode: 'DSJ',
      role: 'platform_admin',
      _csrf: csrf,
    });
    assert.equal(selfPromotion.statusCode, 403);
    assert.equal(await accountCount(), before);
    const roles = await platform.kernel.db
      .select()
      .from(staffRoles)
      .where(eq(staffRoles.accountId, await idOf('liuyang')));
    assert.deepEqual(
      roles.map((r) => r.role),
      ['clerk'],
    );
  });

  it('refuses a form without its CSRF token with the translated 403, and creates nothing', async () => {
    await admin.get('/admin/staff/new');
    const before = await accountCount();
    const res = await admin.post('/admin/staff', form);
    assert.equal(res.statusCode, 403);
    assert.match(res.body, /表单已过期或来源无法确认/);
    const remove = await admin.post(`/admin/staff/${await idOf('wumin')}/disable`, {});
    assert.equal(remove.statusCode, 403);
    assert.equal(await accountCount(), before);
  });

  it('reports every problem of the new-staff form at once, linked to its field, in both languages', async () => {
    const csrf = await admin.csrfFrom('/admin/staff/new');
    const bad = { ...form, username: 'Q', email: 'nope', departmentCode: 'XYZ', role: 'boss', _csrf: csrf };
    const zh = await admin.post('/admin/staff', bad);
    assert.equal(zh.statusCode, 400);
    const body = main(zh);
    for (const field of ['username', 'email', 'departmentCode', 'role']) {
      assert.match(body, new RegExp(`<a href="#${field}">`), `the summary links to ${field}`);
      assert.match(
        body,
        new RegExp(`id="${field}"[^>]*aria-invalid="true"|aria-invalid="true"[^>]*id="${field}"`),
      );
    }
    assert.match(body, /请填写有效的电子邮箱地址/);
    assert.match(body, /value="钱丽"/, 'what was typed is kept');
    const en = await admin.post('/admin/staff?lang=en', { ...bad, _csrf: csrf });
    assert.equal(en.statusCode, 400);
    assert.match(main(en), /Choose a department from the list\./);
    // The language sticks (a cookie): back to Chinese for the tests that follow.
    await admin.get('/admin/staff/new?lang=zh-CN');
  });

  it('creates a member of staff, confirms where the link went, and refuses the same user name again (409)', async () => {
    const csrf = await admin.csrfFrom('/admin/staff/new');
    const created = await admin.post('/admin/staff', { ...form, _csrf: csrf });
    assert.equal(created.statusCode, 303);
    assert.match(created.headers.location ?? '', /^\/admin\/staff\/acct_[0-9A-Z]{26}\?done=created$/);
    const page = await admin.get(created.headers.location ?? '');
    assert.equal(page.statusCode, 200);
    assert.match(main(page), /账户已创建，设置密码的链接已发送到 qianli@shifan\.example。/);
    assert.match(main(page), /市生态环境局/);
    assert.match(main(page), /审核人/);
    assert.equal(page.headers['cache-control'], 'no-store');
    const mails = await platform.kernel.db
      .select()
      .from(mailRecords)
      .where(eq(mailRecords.recipient, 'qianli@shifan.example'));
    assert.equal(mails.length, 1);

    const again = await admin.post('/admin/staff', { ...form, email: 'qian.li@shifan.example', _csrf: csrf });
    assert.equal(again.statusCode, 409);
    assert.match(main(again), /<a href="#username">该用户名已被其他账户使用，请换一个。<\/a>/);
  });

  it('adds and removes a role, changes the clearance and disables and restores the account from its page', async () => {
    const id = await idOf('qianli');
    const pageUrl = `/admin/staff/${id}`;
    const csrf = await admin.csrfFrom(pageUrl);
    const step = async (path: string, body: Record<string, string>, done: string) => {
      const res = await admin.post(`${pageUrl}${path}`, { ...body, _csrf: csrf });
      assert.equal(res.statusCode, 303, `${path}: ${main(res)}`);
      assert.equal(res.headers.location, `${pageUrl}?done=${done}`);
      return main(await admin.get(res.headers.location ?? ''));
    };
    assert.match(await step('/roles', { departmentCode: 'CG', role: 'head' }, 'roleAdded'), /市城市管理局/);
    const held = await admin.post(`${pageUrl}/roles`, { departmentCode: 'CG', role: 'head', _csrf: csrf });
    assert.equal(held.statusCode, 409);
    assert.match(main(held), /<a href="#departmentCode">该工作人员在这个部门已经担任此岗位/);
    const removed = await step('/roles/remove', { departmentCode: 'HB', role: 'reviewer' }, 'roleRemoved');
    assert.doesNotMatch(removed, /市生态环境局 · 审核人/);
    assert.match(await step('/clearance', { clearance: 'restricted' }, 'clearanceChanged'), /密级权限已更改/);
    const disabled = await step('/disable', {}, 'disabled');
    assert.match(disabled, /已停用/);
    assert.match(disabled, /恢复账户/);
    assert.match(await step('/enable', {}, 'enabled'), /账户已恢复/);
    const badClearance = await admin.post(`${pageUrl}/clearance`, { clearance: 'cosmic', _csrf: csrf });
    assert.equal(badClearance.statusCode, 400);
    assert.match(main(badClearance), /<a href="#clearance">请从列表中选择一个密级。<\/a>/);
  });

  it('keeps the last platform administrator and offers nobody to disable themselves', async () => {
    const pageUrl = `/admin/staff/${await idOf('machao')}`;
    const own = await admin.get(pageUrl);
    assert.match(main(own), /不能停用自己的账户。/);
    assert.doesNotMatch(main(own), /action="[^"]*\/disable"/);
    const csrf = admin.token(own.body);
    const last = await admin.post(`${pageUrl}/roles/remove`, {
      departmentCode: 'DSJ',
      role: 'platform_admin',
      _csrf: csrf,
    });
    assert.equal(last.statusCode, 409);
    assert.match(main(last), /<a href="#roles">这是平台上最后一个有效的平台管理员岗位/);
    const self = await admin.post(`${pageUrl}/disable`, { _csrf: csrf });
    assert.equal(self.statusCode, 409);
    assert.match(main(self), /<a href="#status">不能停用自己的账户/);
  });

  it('lists staff by department, in both languages, with masked identifiers on a member’s page', async () => {
    const sj = await admin.get('/admin/staff?department=SJ');
    assert.equal(sj.statusCode, 200);
    assert.match(main(sj), /市市场监督管理局的工作人员账户/);
    assert.match(main(sj), /刘洋/);
    assert.match(main(sj), /吴敏/);
    assert.doesNotMatch(main(sj), /马超/);
    const en = await admin.get('/admin/staff?lang=en');
    assert.match(main(en), /<h1>Staff<\/h1>/);
    assert.match(main(en), /Ma Chao/);
    const unknown = await admin.get('/admin/staff?department=NOPE&lang=zh-CN');
    assert.equal(unknown.statusCode, 400);
    assert.match(main(unknown), /<a href="#department">请从列表中选择一个部门。<\/a>/);
    const member = await admin.get(`/admin/staff/${await idOf('hejing')}`);
    assert.match(main(member), /990100\*{8}\d{3}[\dX]/);
    assert.match(main(member), /139\*{4}0011/);
    assert.equal((await platform.kernel.audit.verify(platform.kernel.db)).ok, true);
  });
});
