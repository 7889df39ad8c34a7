import assert from 'node:assert/strict';
import { after, before, describe, it, type TestContext } from 'node:test';
import { and, asc, count, eq } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { openDatabase } from '../../kernel/db/database.ts';
import { AppError } from '../../kernel/errors.ts';
import { mailRecords } from '../../kernel/mail/mail.tables.ts';
import type { OrganisationsContract } from '../organisations/index.ts';
import { STAFF_ROLES } from './contract.ts';
import { accounts, staffRoles } from './db/identity.tables.ts';
import { DEMO_PASSWORD } from './identity.seed.ts';
import { actorOf } from './identity.service.ts';
import { createPasswordResetService } from './password-reset.service.ts';
import { createSessionsService } from './sessions.service.ts';
import { createStaffAdminService, type NewStaffInput } from './staff-admin.service.ts';

const client = { clientAddress: '192.0.2.30', userAgent: 'test', requestId: 'req_staff_admin' };
const zh = { locale: 'zh-CN' as const, client };
const en = { locale: 'en' as const, client };

/** A platform with the demo city, the staff admin service over it, and the sessions it ends. */
async function setup(platform: Platform, pageSize = 4) {
  const { db, audit, authz, mail, secret } = platform.kernel;
  const organisations = platform.contracts.organisations as OrganisationsContract;
  const sessions = createSessionsService(db, audit, secret);
  const service = createStaffAdminService({
    db,
    audit,
    authz,
    mail,
    findDepartment: (code) => organisations.findDepartment(code),
    baseUrl: 'https://zwfw.shifan.example/',
    forgetSessions: (accountId) => sessions.forgetAccount(accountId),
    pageSize,
  });
  const resets = createPasswordResetService({ db, audit, mail, baseUrl: 'https://zwfw.shifan.example' });
  const idOf = async (username: string) => {
    const [row] = await db.select({ id: accounts.id }).from(accounts).where(eq(accounts.username, username));
    assert.ok(row, `account ${username}`);
    return row.id;
  };
  const actor = async (username: string): Promise<Actor> => actorOf(db, await idOf(username));
  const rolesOf = async (username: string) =>
    (
      await db
        .select({ departmentCode: staffRoles.departmentCode, role: staffRoles.role })
        .from(staffRoles)
        .where(eq(staffRoles.accountId, await idOf(username)))
        .orderBy(asc(staffRoles.departmentCode), asc(staffRoles.role))
    ).map((r) => `${r.departmentCode}:${r.role}`);
  const auditOf = async (action: string, outcome: 'success' | 'denied' = 'success') =>
    db
      .select()
      .from(auditRecords)
      .where(and(eq(auditRecords.action, action), eq(auditRecords.outcome, outcome)))
      .orderBy(asc(auditRecords.seq));
  const accountCount = async () => (await db.select({ n: count() }).from(accounts))[0]?.n ?? 0;
  const mailCount = async () => (await db.select({ n: count() }).from(mailRecords))[0]?.n ?? 0;
  return { db, service, sessions, resets, idOf, actor, rolesOf, auditOf, accountCount, mailCount };
}

/** The AppError a promise rejects with (fails when it resolves or throws anything else). */
async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `an AppError, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

const NEW_STAFF: NewStaffInput = {
  username: 'gaoyuan',
  nameZh: '高原',
  nameEn: 'Gao Yuan',
  email: 'gaoyuan@shifan.example',
  departmentCode: 'sj',
  role: 'reviewer',
  clearance: 'internal',
};

describe('staff administration (PGlite)', () => {
  let platform: Platform;
  let t: Awaited<ReturnType<typeof setup>>;
  before(async () => {
    platform = await startTestPlatform();
    t = await setup(platform);
  });
  after(() => platform.close());

  it('grants identity.staff.manage to platform administrators only, whatever their department', async () => {
    for (const role of STAFF_ROLES) {
      for (const departmentCode of ['DSJ', 'SJ']) {
        const actor: Actor = {
          kind: 'staff',
          accountId: 'acct_x',
          clearance: 'secret',
          roles: [{ departmentCode, role }],
        };
        assert.equal(t.service.mayManage(actor), role === 'platform_admin', `${role} of ${departmentCode}`);
      }
    }
    assert.equal(t.service.mayManage({ kind: 'anonymous' }), false);
    assert.equal(t.service.mayManage(await t.actor('zhangwei')), false);
  });

  it('refuses a clerk every use case with a translated 403 that reveals nothing, records it, and changes nothing', async () => {
    const clerk = await t.actor('liuyang');
    const target = await t.idOf('wumin');
    const accountsBefore = await t.accountCount();
    const rolesBefore = await t.rolesOf('liuyang');
    const attempts: [string, Promise<unknown>][] = [
      ['identity.staff.manage', t.service.listStaff(clerk, {}, zh)],
      ['identity.staff.manage', t.service.getStaff(clerk, target, zh)],
      ['identity.staff.created', t.service.createStaff(clerk, NEW_STAFF, zh)],
      [
        'identity.staff.roleAdded',
        t.service.addRole(
          clerk,
          clerk.kind === 'staff' ? clerk.accountId : '',
          { departmentCode: 'DSJ', role: 'platform_admin' },
          zh,
        ),
      ],
      [
        'identity.staff.roleRemoved',
        t.service.removeRole(clerk, target, { departmentCode: 'SJ', role: 'head' }, zh),
      ],
      ['identity.staff.clearanceChanged', t.service.setClearance(clerk, target, 'secret', zh)],
      ['identity.staff.disabled', t.service.disable(clerk, target, zh)],
      ['identity.staff.enabled', t.service.enable(clerk, target, zh)],
    ];
    for (const [action, attempt] of attempts) {
      const error = await appError(attempt);
      assert.equal(error.code, 'AUTHZ_ERR_FORBIDDEN', action);
      assert.equal(error.definition.status, 403);
      assert.match(error.messageFor('zh-CN'), /您没有相应权限，或所请求的内容不存在/);
      assert.match(
        error.messageFor('en'),
        /you do not have permission, or what you asked for does not exist/,
      );
      for (const locale of ['zh-CN', 'en'] as const)
        assert.doesNotMatch(error.messageFor(locale), /staff|admin|管理员|人员|wumin|role|岗位/i);
      const denied = await t.auditOf(action, 'denied');
      assert.ok(denied.length > 0, `the refusal of ${action} is recorded`);
    }
    assert.equal(await t.accountCount(), accountsBefore, 'no account created');
    assert.deepEqual(await t.rolesOf('liuyang'), rolesBefore, 'the clerk did not become an administrator');
    assert.deepEqual(await t.rolesOf('wumin'), ['SJ:head']);
    const [wumin] = await t.db.select().from(accounts).where(eq(accounts.username, 'wumin'));
    assert.equal(wumin?.clearance, 'internal');
    assert.equal(wumin?.disabledAt, null);

    const anonymous = await appError(t.service.listStaff({ kind: 'anonymous' }, {}, zh));
    assert.equal(anonymous.code, 'AUTHZ_ERR_SIGN_IN_REQUIRED');
    const citizen = await appError(t.service.createStaff(await t.actor('zhangwei'), NEW_STAFF, zh));
    assert.equal(citizen.code, 'AUTHZ_ERR_FORBIDDEN');
  });

  it('refuses bad input with 400 and a translated message for every field at once, creating and sending nothing', async () => {
    const admin = await t.actor('machao');
    const [accountsBefore, mailsBefore] = [await t.accountCount(), await t.mailCount()];
    const bad: NewStaffInput = {
      username: '1x',
      nameZh: '',
      nameEn: '   ',
      email: 'not-an-address',
      departmentCode: 'XYZ',
      role: 'superuser',
      clearance: 'top-secret',
    };
    const error = await appError(t.service.createStaff(admin, bad, zh));
    assert.equal(error.code, 'IDENTITY_ERR_STAFF_INVALID');
    assert.equal(error.definition.status, 400);
    assert.deepEqual(
      error.fields.map((f) => f.path),
      ['username', 'nameZh', 'nameEn', 'email', 'departmentCode', 'role', 'clearance'],
    );
    assert.match(
      error.fields.find((f) => f.path === 'departmentCode')?.message ?? '',
      /请从列表中选择一个部门/,
    );
    const english = await appError(t.service.createStaff(admin, bad, en));
    assert.match(english.fields.find((f) => f.path === 'email')?.message ?? '', /valid e-mail address/);
    assert.match(english.messageFor('en'), /staff details are not right/);
    assert.equal(await t.accountCount(), accountsBefore);
    assert.equal(await t.mailCount(), mailsBefore);
  });

  it('creates a staff account with its role and clearance, and mails a single-use link to set the password', async () => {
    const admin = await t.actor('machao');
    const id = await t.service.createStaff(admin, NEW_STAFF, zh);
    assert.match(id, /^acct_[0-9A-Z]{26}$/);
    const staff = await t.service.getStaff(admin, id, zh);
    assert.equal(staff.username, 'gaoyuan');
    assert.deepEqual(staff.displayName, { 'zh-CN': '高原', en: 'Gao Yuan' });
    assert.deepEqual(staff.roles, [{ departmentCode: 'SJ', role: 'reviewer' }]);
    assert.equal(staff.clearance, 'internal');
    assert.equal(staff.secondFactor, false);
    assert.equal(staff.disabled, false);

    const [created] = await t.auditOf('identity.staff.created');
    assert.equal(created?.objectId, id);
    assert.equal(created?.actorId, admin.kind === 'staff' ? admin.accountId : '');
    assert.equal(created?.role, 'platform_admin');
    assert.deepEqual((created?.details as { after: unknown } | undefined)?.after, {
      username: 'gaoyuan',
      nameZh: '高原',
      nameEn: 'Gao Yuan',
      email: 'gaoyuan@shifan.example',
      roles: [{ departmentCode: 'SJ', role: 'reviewer' }],
      clearance: 'internal',
      disabled: false,
    });

    // No password opens the account until the link is used.
    const refused = await t.sessions.signIn({ username: 'gaoyuan', password: DEMO_PASSWORD, ...client });
    assert.equal(refused.kind, 'refused');
    const [mail] = await t.db
      .select()
      .from(mailRecords)
      .where(eq(mailRecords.recipient, 'gaoyuan@shifan.example'));
    assert.ok(mail, 'the welcome mail is queued');
    assert.match(mail.subject, /工作人员账户已开通/);
    assert.match(mail.text, /用户名：gaoyuan/);
    const token = /https:\/\/zwfw\.shifan\.example\/password-reset\/confirm\?token=([\w-]{43})/.exec(
      mail.text,
    )?.[1];
    assert.ok(token, `a set-password link in the mail:\n${mail.text}`);
    const password = 'a sentence only gao yuan knows';
    await t.resets.complete(token, password, 'zh-CN', client);
    const reused = await appError(t.resets.complete(token, 'another long password', 'zh-CN', client));
    assert.equal(reused.code, 'IDENTITY_ERR_RESET_LINK_INVALID', 'the link works once');
    const signedIn = await t.sessions.signIn({ username: 'gaoyuan', password, ...client });
    assert.equal(signedIn.kind, 'signed-in');
    assert.equal(signedIn.kind === 'signed-in' && signedIn.needsSecondFactor, true, 'staff enrol TOTP first');
  });

  it('refuses a duplicate user name or e-mail address with 409, naming the field, and creates nothing', async () => {
    const admin = await t.actor('machao');
    const before = await t.accountCount();
    const name = await appError(
      t.service.createStaff(admin, { ...NEW_STAFF, email: 'other@shifan.example' }, zh),
    );
    assert.equal(name.code, 'IDENTITY_ERR_STAFF_TAKEN');
    assert.equal(name.definition.status, 409);
    assert.deepEqual(
      name.fields.map((f) => f.path),
      ['username'],
    );
    // The demo city's clerk already has this address (and case does not make it another one).
    const email = await appError(
      t.service.createStaff(
        admin,
        { ...NEW_STAFF, username: 'newperson', email: 'LiuYang@shifan.example' },
        en,
      ),
    );
    assert.equal(email.code, 'IDENTITY_ERR_STAFF_TAKEN');
    assert.deepEqual(email.fields, [
      { path: 'email', message: 'This e-mail address is used by another account.' },
    ]);
    assert.equal(await t.accountCount(), before);
  });

  it('adds and removes roles in real departments, with before and after recorded', async () => {
    const admin = await t.actor('machao');
    const id = await t.idOf('gaoyuan');
    const unknown = await appError(
      t.service.addRole(admin, id, { departmentCode: 'NOPE', role: 'clerk' }, zh),
    );
    assert.equal(unknown.code, 'IDENTITY_ERR_STAFF_INVALID');
    assert.deepEqual(
      unknown.fields.map((f) => f.path),
      ['departmentCode'],
    );
    await t.service.addRole(admin, id, { departmentCode: 'xf', role: 'clerk' }, zh);
    assert.deepEqual(await t.rolesOf('gaoyuan'), ['SJ:reviewer', 'XF:clerk']);
    const held = await appError(t.service.addRole(admin, id, { departmentCode: 'XF', role: 'clerk' }, zh));
    assert.equal(held.code, 'IDENTITY_ERR_STAFF_ROLE_HELD');
    assert.equal(held.definition.status, 409);
    const [added] = await t.auditOf('identity.staff.roleAdded');
    assert.deepEqual(added?.details, {
      role: { departmentCode: 'XF', role: 'clerk' },
      before: { roles: [{ departmentCode: 'SJ', role: 'reviewer' }] },
      after: {
        roles: [
          { departmentCode: 'SJ', role: 'reviewer' },
          { departmentCode: 'XF', role: 'clerk' },
        ],
      },
    });

    await t.service.removeRole(admin, id, { departmentCode: 'SJ', role: 'reviewer' }, zh);
    assert.deepEqual(await t.rolesOf('gaoyuan'), ['XF:clerk']);
    const notHeld = await appError(
      t.service.removeRole(admin, id, { departmentCode: 'SJ', role: 'reviewer' }, zh),
    );
    assert.equal(notHeld.code, 'IDENTITY_ERR_STAFF_ROLE_NOT_HELD');
    const missing = await appError(t.service.getStaff(admin, 'acct_00000000000000000000000000', zh));
    assert.equal(missing.code, 'IDENTITY_ERR_STAFF_NOT_FOUND');
    const citizen = await appError(t.service.getStaff(admin, await t.idOf('zhangwei'), zh));
    assert.equal(citizen.code, 'IDENTITY_ERR_STAFF_NOT_FOUND', 'a citizen is not staff');
  });

  it('changes the clearance (the policy sees it at once); the same clearance again records nothing', async () => {
    const admin = await t.actor('machao');
    const id = await t.idOf('gaoyuan');
    const bad = await appError(t.service.setClearance(admin, id, 'cosmic', zh));
    assert.deepEqual(
      bad.fields.map((f) => f.path),
      ['clearance'],
    );
    await t.service.setClearance(admin, id, 'restricted', zh);
    const actor = await t.actor('gaoyuan');
    assert.equal(actor.kind === 'staff' && actor.clearance, 'restricted');
    await t.service.setClearance(admin, id, 'restricted', zh);
    const changes = await t.auditOf('identity.staff.clearanceChanged');
    assert.equal(changes.length, 1);
    assert.deepEqual(changes[0]?.details, {
      before: { clearance: 'internal' },
      after: { clearance: 'restricted' },
    });
  });

  it('keeps the last active platform administrator: not removed, not disabled, and nobody disables themselves', async () => {
    const admin = await t.actor('machao');
    const machao = await t.idOf('machao');
    const last = await appError(
      t.service.removeRole(admin, machao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh),
    );
    assert.equal(last.code, 'IDENTITY_ERR_LAST_PLATFORM_ADMIN');
    assert.equal(last.definition.status, 409);
    assert.match(last.messageFor('zh-CN'), /最后一个有效的平台管理员/);
    const self = await appError(t.service.disable(admin, machao, zh));
    assert.equal(self.code, 'IDENTITY_ERR_CANNOT_DISABLE_SELF');
    assert.deepEqual(await t.rolesOf('machao'), ['DSJ:platform_admin']);

    // A second administrator, then disabled: a disabled account's role does not count.
    const gao = await t.idOf('gaoyuan');
    await t.service.addRole(admin, gao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh);
    await t.service.disable(admin, gao, zh);
    const stillLast = await appError(
      t.service.removeRole(admin, machao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh),
    );
    assert.equal(stillLast.code, 'IDENTITY_ERR_LAST_PLATFORM_ADMIN');
    // Active again, 高原 may take the role away from 马超 — and is then the last one himself.
    await t.service.enable(admin, gao, zh);
    const second = await t.actor('gaoyuan');
    await t.service.removeRole(second, machao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh);
    assert.deepEqual(await t.rolesOf('machao'), []);
    const gaoLast = await appError(
      t.service.removeRole(second, gao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh),
    );
    assert.equal(gaoLast.code, 'IDENTITY_ERR_LAST_PLATFORM_ADMIN');
    // Put the demo city back as it was for the tests after this one.
    await t.service.addRole(second, machao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh);
    await t.service.removeRole(admin, gao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh);
  });

  it('disables an account: its sessions end at once, sign-in is refused like a wrong password; restoring lets it in', async () => {
    const admin = await t.actor('machao');
    const zhao = await t.idOf('zhaolei');
    const started = await t.sessions.signIn({ username: 'zhaolei', password: DEMO_PASSWORD, ...client });
    assert.equal(started.kind, 'signed-in');
    if (started.kind !== 'signed-in') return;
    assert.ok(await t.sessions.resolve(started.token), 'signed in (and cached)');

    await t.service.disable(admin, zhao, zh);
    assert.equal(await t.sessions.resolve(started.token), undefined, 'the session ended, even in the cache');
    const disabled = await t.sessions.signIn({ username: 'zhaolei', password: DEMO_PASSWORD, ...client });
    const wrong = await t.sessions.signIn({ username: 'zhaolei', password: 'not the password', ...client });
    assert.deepEqual(disabled, { kind: 'refused' });
    assert.deepEqual(disabled, wrong, 'the same answer as a wrong password');
    assert.equal((await actorOf(t.db, zhao)).kind, 'anonymous', 'a disabled account holds no roles');
    assert.equal((await t.service.getStaff(admin, zhao, zh)).disabled, true);

    await t.service.disable(admin, zhao, zh);
    const [record, ...more] = (await t.auditOf('identity.staff.disabled')).filter((r) => r.objectId === zhao);
    assert.equal(more.length, 0, 'disabling twice records once');
    assert.deepEqual(record?.details, {
      before: { disabled: false },
      after: { disabled: true },
      sessionsEnded: [started.sessionId],
    });

    await t.service.enable(admin, zhao, zh);
    // Two failures so far: the account is not locked yet (five are needed).
    const again = await t.sessions.signIn({ username: 'zhaolei', password: DEMO_PASSWORD, ...client });
    assert.equal(again.kind, 'signed-in');
    assert.equal(await t.sessions.resolve(started.token), undefined, 'ended sessions stay ended');
    assert.equal((await t.auditOf('identity.staff.enabled')).length, 2, 'gaoyuan earlier, zhaolei now');
    assert.equal((await platform.kernel.audit.verify(t.db)).ok, true);
  });

  it('lists staff a page at a time by user name, filtered by department, with roles, clearance and status', async () => {
    const admin = await t.actor('machao');
    const seen: string[] = [];
    let after: string | undefined;
    for (let pages = 0; pages < 10; pages++) {
      const page = await t.service.listStaff(admin, { after }, zh);
      assert.ok(page.items.length <= 4);
      seen.push(...page.items.map((s) => s.username));
      after = page.nextAfter;
      if (!after) break;
    }
    const staff = await t.db
      .select({ username: accounts.username })
      .from(accounts)
      .where(eq(accounts.kind, 'staff'))
      .orderBy(asc(accounts.username));
    assert.deepEqual(
      seen,
      staff.map((s) => s.username),
      'every member of staff once, in order, and no citizen',
    );

    const sj = await t.service.listStaff(admin, { departmentCode: 'sj' }, zh);
    assert.deepEqual(
      sj.items.map((s) => s.username),
      ['liuyang', 'wumin'],
    );
    const wumin = sj.items[1];
    assert.deepEqual(wumin?.roles, [{ departmentCode: 'SJ', role: 'head' }]);
    assert.equal(wumin?.clearance, 'internal');
    assert.equal(wumin?.secondFactor, false);
    assert.equal(wumin?.disabled, false);
    const unknown = await appError(t.service.listStaff(admin, { departmentCode: 'NOPE' }, zh));
    assert.equal(unknown.code, 'IDENTITY_ERR_STAFF_INVALID');
  });

  it('shows a staff member’s ID number and phone masked, never whole', async () => {
    const staff = await t.service.getStaff(await t.actor('machao'), await t.idOf('hejing'), zh);
    assert.match(staff.idNumberMasked ?? '', /^990100\*{8}\d{3}[\dX]$/);
    assert.equal(staff.phoneMasked, '139****0011');
    assert.equal(JSON.stringify(staff).includes('13900000011'), false);
  });
});

describe('staff administration on PostgreSQL', () => {
  it('creates, refuses duplicates, keeps the last administrator and ends a disabled account’s sessions', async (tc: TestContext) => {
    if (!(await needPostgres(tc))) return;
    const pg = await createTestPostgresDatabase();
    const platform = await startTestPlatform({
      database: await openDatabase({ mode: 'server', url: pg.url, poolSize: 4 }),
    });
    try {
      const t = await setup(platform);
      const admin = await t.actor('machao');
      const id = await t.service.createStaff(admin, NEW_STAFF, zh);
      assert.deepEqual(await t.rolesOf('gaoyuan'), ['SJ:reviewer']);
      const taken = await appError(t.service.createStaff(admin, NEW_STAFF, zh));
      assert.equal(taken.code, 'IDENTITY_ERR_STAFF_TAKEN');
      const bad = await appError(t.service.createStaff(admin, { ...NEW_STAFF, username: '' }, zh));
      assert.equal(bad.code, 'IDENTITY_ERR_STAFF_INVALID');
      const clerk = await appError(t.service.disable(await t.actor('liuyang'), id, zh));
      assert.equal(clerk.code, 'AUTHZ_ERR_FORBIDDEN');

      // Two administrators removing each other's role at the same moment: one must stay.
      await t.service.addRole(admin, id, { departmentCode: 'DSJ', role: 'platform_admin' }, zh);
      const second = await t.actor('gaoyuan');
      const machao = await t.idOf('machao');
      const results = await Promise.allSettled([
        t.service.removeRole(admin, id, { departmentCode: 'DSJ', role: 'platform_admin' }, zh),
        t.service.removeRole(second, machao, { departmentCode: 'DSJ', role: 'platform_admin' }, zh),
      ]);
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1, 'exactly one removal succeeds');
      const failed = results.find((r) => r.status === 'rejected');
      assert.equal((failed as PromiseRejectedResult).reason.code, 'IDENTITY_ERR_LAST_PLATFORM_ADMIN');
      const [{ n } = { n: 0 }] = await t.db
        .select({ n: count() })
        .from(staffRoles)
        .where(eq(staffRoles.role, 'platform_admin'));
      assert.equal(n, 1);

      const started = await t.sessions.signIn({ username: 'zhaolei', password: DEMO_PASSWORD, ...client });
      if (started.kind !== 'signed-in') throw new Error('sign-in failed');
      const remaining = (await t.rolesOf('machao')).length > 0 ? admin : second;
      await t.service.disable(remaining, await t.idOf('zhaolei'), zh);
      assert.equal(await t.sessions.resolve(started.token), undefined);
      assert.equal(
        (await t.sessions.signIn({ username: 'zhaolei', password: DEMO_PASSWORD, ...client })).kind,
        'refused',
      );
      assert.equal((await platform.kernel.audit.verify(t.db)).ok, true);
    } finally {
      await platform.close();
      await pg.drop();
    }
  });
});
