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
import { departments } from './db/organisations.tables.ts';
import { createOrganisationsService, type DepartmentInput } from './organisations.service.ts';

const client = { clientAddress: '192.0.2.50', userAgent: 'test', requestId: 'req_departments' };
const zh = { locale: 'zh-CN' as const, client };
const en = { locale: 'en' as const, client };

const ADMIN: Actor = {
  kind: 'staff',
  accountId: 'acct_admin',
  clearance: 'internal',
  roles: [{ departmentCode: 'DSJ', role: 'platform_admin' }],
};
const CLERK: Actor = {
  kind: 'staff',
  accountId: 'acct_clerk',
  clearance: 'internal',
  roles: [{ departmentCode: 'SJ', role: 'clerk' }],
};
const NEW: DepartmentInput = {
  code: 'sta',
  nameZh: '市统计局',
  nameEn: 'Statistics Bureau',
  sortOrder: '21',
  website: 'https://tj.shifan.gov.example/',
};

function setup(platform: Platform) {
  const { db } = platform.kernel;
  const service = createOrganisationsService(platform.kernel);
  const auditOf = (action: string, outcome: 'success' | 'denied' = 'success') =>
    db
      .select()
      .from(auditRecords)
      .where(and(eq(auditRecords.action, action), eq(auditRecords.outcome, outcome)))
      .orderBy(asc(auditRecords.seq));
  const departmentCount = async () => (await db.select({ n: count() }).from(departments))[0]?.n ?? 0;
  return { db, service, auditOf, departmentCount };
}

async function appError(promise: Promise<unknown>): Promise<AppError> {
  try {
    await promise;
  } catch (error) {
    assert.ok(error instanceof AppError, `an AppError, not ${String(error)}`);
    return error;
  }
  assert.fail('expected a refusal');
}

describe('department administration (PGlite)', () => {
  let platform: Platform;
  let t: ReturnType<typeof setup>;
  before(async () => {
    platform = await startTestPlatform();
    t = setup(platform);
  });
  after(() => platform.close());

  it('refuses a clerk every use case with the translated 403, records it, and changes nothing', async () => {
    const before = await t.departmentCount();
    const attempts: [string, Promise<unknown>][] = [
      ['organisations.department.manage', t.service.assertMayManage(CLERK, client)],
      ['organisations.department.manage', t.service.departmentForEdit(CLERK, 'SJ', client)],
      ['organisations.department.created', t.service.createDepartment(CLERK, NEW, zh)],
      [
        'organisations.department.updated',
        t.service.updateDepartment(CLERK, 'SJ', { ...NEW, nameZh: '改名' }, zh),
      ],
    ];
    for (const [action, attempt] of attempts) {
      const error = await appError(attempt);
      assert.equal(error.code, 'AUTHZ_ERR_FORBIDDEN', action);
      assert.equal(error.definition.status, 403);
      assert.equal((await t.auditOf(action, 'denied')).length > 0, true, `${action} refusal recorded`);
    }
    // An unknown department is refused the same way: the answer does not say whether it exists.
    const unknown = await appError(t.service.departmentForEdit(CLERK, 'NOPE', client));
    assert.equal(unknown.code, 'AUTHZ_ERR_FORBIDDEN');
    assert.equal(await t.departmentCount(), before);
    assert.equal((await t.service.findDepartment('SJ'))?.name['zh-CN'], '市市场监督管理局');
    const anonymous = await appError(t.service.assertMayManage({ kind: 'anonymous' }, client));
    assert.equal(anonymous.code, 'AUTHZ_ERR_SIGN_IN_REQUIRED');
  });

  it('refuses bad input with 400 and a translated message for every field, creating nothing', async () => {
    const before = await t.departmentCount();
    const bad: DepartmentInput = {
      code: 'S1',
      nameZh: ' ',
      nameEn: '',
      sortOrder: '-3',
      website: 'javascript:alert(1)',
    };
    const error = await appError(t.service.createDepartment(ADMIN, bad, zh));
    assert.equal(error.code, 'ORG_ERR_DEPARTMENT_INVALID');
    assert.equal(error.definition.status, 400);
    assert.deepEqual(
      error.fields.map((f) => f.path),
      ['code', 'nameZh', 'nameEn', 'sortOrder', 'website'],
    );
    assert.match(error.fields[0]?.message ?? '', /2 到 6 个大写英文字母/);
    const english = await appError(t.service.createDepartment(ADMIN, bad, en));
    assert.match(english.fields[4]?.message ?? '', /starts with https:\/\/ or http:\/\//);
    for (const website of [
      'https://user:secret@sj.example/',
      'ftp://sj.example/',
      'sj.example',
      `https://${'a'.repeat(300)}.cn`,
    ]) {
      const refused = await appError(t.service.createDepartment(ADMIN, { ...NEW, website }, zh));
      assert.deepEqual(
        refused.fields.map((f) => f.path),
        ['website'],
        website,
      );
    }
    for (const code of ['A', 'ABCDEFG', 'S-J', '市局']) {
      const refused = await appError(t.service.createDepartment(ADMIN, { ...NEW, code }, zh));
      assert.deepEqual(
        refused.fields.map((f) => f.path),
        ['code'],
        code,
      );
    }
    assert.equal(await t.departmentCount(), before);
  });

  it('creates a department (code in capitals), shows it in the directory at once, and records it', async () => {
    const created = await t.service.createDepartment(ADMIN, NEW, zh);
    assert.equal(created.code, 'STA');
    assert.deepEqual(created.name, { 'zh-CN': '市统计局', en: 'Statistics Bureau' });
    assert.equal(created.website, 'https://tj.shifan.gov.example/');
    assert.equal((await t.service.listDepartments()).at(-1)?.code, 'STA', 'sort order 21: last');
    const ours = (await t.auditOf('organisations.department.created')).find((r) => r.objectId === created.id);
    assert.ok(ours, 'the creation is recorded');
    assert.equal(ours.actorId, 'acct_admin');
    assert.equal(ours.role, 'platform_admin');
    assert.deepEqual(ours.details, {
      code: 'STA',
      after: {
        nameZh: '市统计局',
        nameEn: 'Statistics Bureau',
        sortOrder: 21,
        websiteUrl: 'https://tj.shifan.gov.example/',
      },
    });
    assert.equal(await t.service.nextSortOrder(), 22);
  });

  it('refuses a code already in use with 409, naming the code, and changes nothing', async () => {
    const before = await t.departmentCount();
    const error = await appError(
      t.service.createDepartment(ADMIN, { ...NEW, code: 'sj', nameZh: '另一个' }, zh),
    );
    assert.equal(error.code, 'ORG_ERR_DEPARTMENT_CODE_TAKEN');
    assert.equal(error.definition.status, 409);
    assert.match(error.messageFor('zh-CN'), /部门代码 SJ 已被使用/);
    assert.equal(await t.departmentCount(), before);
    assert.equal((await t.service.findDepartment('SJ'))?.name['zh-CN'], '市市场监督管理局');
  });

  it('changes names, sort order and web site but never the code, with before and after; an unchanged form records nothing', async () => {
    const updated = await t.service.updateDepartment(
      ADMIN,
      'sta',
      { nameZh: '市统计局（普查中心）', nameEn: 'Statistics Bureau', sortOrder: '5', website: '' },
      zh,
    );
    assert.equal(updated.code, 'STA');
    assert.equal(updated.website, null);
    assert.equal((await t.service.findDepartment('STA'))?.name['zh-CN'], '市统计局（普查中心）');
    const records = (await t.auditOf('organisations.department.updated')).filter(
      (r) => r.objectId === updated.id,
    );
    assert.equal(records.length, 1);
    assert.deepEqual(records[0]?.details, {
      code: 'STA',
      before: {
        nameZh: '市统计局',
        nameEn: 'Statistics Bureau',
        sortOrder: 21,
        websiteUrl: 'https://tj.shifan.gov.example/',
      },
      after: { nameZh: '市统计局（普查中心）', nameEn: 'Statistics Bureau', sortOrder: 5, websiteUrl: null },
    });
    await t.service.updateDepartment(
      ADMIN,
      'STA',
      { nameZh: '市统计局（普查中心）', nameEn: 'Statistics Bureau', sortOrder: '5', website: '' },
      zh,
    );
    assert.equal(
      (await t.auditOf('organisations.department.updated')).length,
      1,
      'nothing changed, nothing recorded',
    );
    const invalid = await appError(
      t.service.updateDepartment(ADMIN, 'STA', { ...NEW, sortOrder: '10000' }, zh),
    );
    assert.deepEqual(
      invalid.fields.map((f) => f.path),
      ['sortOrder'],
    );
    const missing = await appError(t.service.updateDepartment(ADMIN, 'NOPE', NEW, zh));
    assert.equal(missing.code, 'ORG_ERR_DEPARTMENT_NOT_FOUND');
    assert.equal(missing.definition.status, 404);
    assert.equal((await platform.kernel.audit.verify(t.db)).ok, true);
  });
});

describe('department administration on PostgreSQL', () => {
  it('creates, refuses a taken code and changes a department', async (tc: TestContext) => {
    if (!(await needPostgres(tc))) return;
    const pg = await createTestPostgresDatabase();
    const platform = await startTestPlatform({
      database: await openDatabase({ mode: 'server', url: pg.url, poolSize: 4 }),
    });
    try {
      const t = setup(platform);
      const created = await t.service.createDepartment(ADMIN, NEW, zh);
      // Two administrators creating the same code at once: the unique code decides, one gets 409.
      const both = await Promise.allSettled([
        t.service.createDepartment(ADMIN, { ...NEW, code: 'TJ' }, zh),
        t.service.createDepartment(ADMIN, { ...NEW, code: 'TJ' }, zh),
      ]);
      assert.equal(both.filter((r) => r.status === 'fulfilled').length, 1);
      const refused = both.find((r) => r.status === 'rejected') as PromiseRejectedResult;
      assert.equal(refused.reason.code, 'ORG_ERR_DEPARTMENT_CODE_TAKEN');
      const clerk = await appError(t.service.updateDepartment(CLERK, created.code, NEW, zh));
      assert.equal(clerk.code, 'AUTHZ_ERR_FORBIDDEN');
      const updated = await t.service.updateDepartment(
        ADMIN,
        created.code,
        { ...NEW, nameEn: 'Bureau of Statistics' },
        zh,
      );
      assert.equal(updated.name.en, 'Bureau of Statistics');
      assert.equal((await platform.kernel.audit.verify(t.db)).ok, true);
    } finally {
      await platform.close();
      await pg.drop();
    }
  });
});
