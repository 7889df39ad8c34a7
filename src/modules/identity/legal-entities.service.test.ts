import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count, eq, sql } from 'drizzle-orm';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { searchAuditRecords } from '../../kernel/audit/audit.search.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { queryRows } from '../../kernel/db/database.ts';
import { AppError } from '../../kernel/errors.ts';
import { createDemoBusinessRegister } from './business-register.ts';
import { accounts, legalEntities, mandates } from './db/identity.tables.ts';
import { creditCodeCheckCharacter } from './domain/identifiers.ts';
import { actorOf } from './identity.service.ts';
import { createLegalEntitiesService, type LegalEntitiesService } from './legal-entities.service.ts';

const RESTAURANT = `91990100MA0000013${creditCodeCheckCharacter('91990100MA0000013')}`;
const SOCIAL_CENTRE = `52990100MJ0000031${creditCodeCheckCharacter('52990100MJ0000031')}`;
/** A code with a right check character that the business register does not know. */
const UNREGISTERED = `91990100MA0000099${creditCodeCheckCharacter('91990100MA0000099')}`;
const CLIENT = { clientAddress: '198.51.100.20', requestId: 'req-test' };
const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);

/** Expects an AppError of this code, with exactly these fields in trouble (in any order). */
async function rejectsWith(work: Promise<unknown>, code: string, fields: string[] = []) {
  await assert.rejects(work, (error: unknown) => {
    assert.ok(error instanceof AppError, String(error));
    assert.equal(error.code, code);
    assert.deepEqual(error.fields.map((f) => f.path).sort(), [...fields].sort());
    for (const field of error.fields) assert.ok(field.message.length > 5, `a message for ${field.path}`);
    return true;
  });
}

describe('legal entities and mandates', () => {
  let platform: Platform;
  let service: LegalEntitiesService;
  const ids: Record<string, string> = {};
  const actor = (username: string): Promise<Actor> => actorOf(platform.kernel.db, ids[username] as string);
  const mandateCount = async () =>
    (await platform.kernel.db.select({ n: count() }).from(mandates))[0]?.n ?? 0;

  before(async () => {
    platform = await startTestPlatform();
    service = createLegalEntitiesService({
      db: platform.kernel.db,
      audit: platform.kernel.audit,
      authz: platform.kernel.authz,
      register: createDemoBusinessRegister(),
      timeZone: 'Asia/Shanghai',
    });
    for (const row of await platform.kernel.db.select().from(accounts)) ids[row.username] = row.id;
  });
  after(() => platform.close());

  it('seeds the core story: 王芳 represents the restaurant company and 张伟 acts for it under her mandate', async () => {
    const wang = await service.mine(ids.wangfang as string);
    assert.deepEqual(
      wang.represented.map((e) => [e.creditCode, e.name['zh-CN'], e.verifiedBy]),
      [[RESTAURANT, '示范市味道餐饮有限公司', 'business_register']],
    );
    const zhang = await actor('zhangwei');
    assert.equal(zhang.kind, 'person');
    assert.equal(zhang.kind === 'person' && zhang.mandates.length, 1);
    const page = await service.page(zhang, wang.represented[0]?.id as string, CLIENT);
    assert.equal(page.entity.creditCode, RESTAURANT);
    // Everything a mandate can allow, in the demo: seeing the company, applying and following its cases, and holding
    // its certificates.
    assert.deepEqual(page.myMandate?.scope, [
      'cases.case.apply',
      'cases.case.read',
      'certificates.certificate.hold',
      'identity.legalEntity.read',
    ]);
    assert.equal(page.mandates, undefined, 'a mandate holder does not see the other mandates');
  });

  it('records what a mandate holder does, for the legal representative to see', async () => {
    const entityId = (await service.mine(ids.wangfang as string)).represented[0]?.id as string;
    const zhang = await actor('zhangwei');
    const mandateId = zhang.kind === 'person' ? zhang.mandates[0]?.id : undefined;
    await service.page(zhang, entityId, CLIENT);
    const records = await searchAuditRecords(platform.kernel.db, { mandateId });
    assert.equal(records.records[0]?.action, 'identity.legalEntity.read');
    assert.equal(records.records[0]?.actorId, ids.zhangwei);
    const asRepresentative = await service.page(await actor('wangfang'), entityId, CLIENT);
    assert.ok(
      asRepresentative.actionsUnderMandates?.some(
        (a) => a.mandateId === mandateId && a.action === 'identity.legalEntity.read',
      ),
    );
    assert.equal(asRepresentative.mandates?.length, 1);
  });

  it('lets a person link only an entity the business register says they represent, verified to L2', async () => {
    const before = await platform.kernel.db.select({ n: count() }).from(legalEntities);
    const lina = await actor('lina');
    await rejectsWith(service.claim(lina, SOCIAL_CENTRE, 'zh-CN', CLIENT), 'IDENTITY_ERR_ASSURANCE_TOO_LOW');
    await rejectsWith(
      service.claim(lina, `${SOCIAL_CENTRE.slice(0, 17)}0`, 'en', CLIENT),
      'IDENTITY_ERR_LEGAL_ENTITY_INVALID',
      ['creditCode'],
    );
    const zhang = await actor('zhangwei');
    await rejectsWith(
      service.claim(zhang, UNREGISTERED, 'zh-CN', CLIENT),
      'IDENTITY_ERR_LEGAL_ENTITY_INVALID',
      ['creditCode'],
    );
    await rejectsWith(
      service.claim(zhang, SOCIAL_CENTRE, 'zh-CN', CLIENT),
      'IDENTITY_ERR_NOT_LEGAL_REPRESENTATIVE',
    );
    await rejectsWith(
      service.claim(await actor('wangfang'), RESTAURANT, 'zh-CN', CLIENT),
      'IDENTITY_ERR_LEGAL_ENTITY_ALREADY_LINKED',
    );
    assert.deepEqual(await platform.kernel.db.select({ n: count() }).from(legalEntities), before);

    // Verified at a counter (L3), 李娜 links the social work centre she represents.
    await platform.kernel.db
      .update(accounts)
      .set({ assuranceLevel: 3 })
      .where(eq(accounts.id, ids.lina as string));
    const id = await service.claim(await actor('lina'), SOCIAL_CENTRE.toLowerCase(), 'zh-CN', CLIENT);
    const page = await service.page(await actor('lina'), id, CLIENT);
    assert.equal(page.entity.name['zh-CN'], '示范市阳光社会工作服务中心');
    assert.deepEqual(page.mandates, []);
  });

  it('reports every problem of a grant at once and changes nothing', async () => {
    const entityId = (await service.mine(ids.wangfang as string)).represented[0]?.id as string;
    const before = await mandateCount();
    await rejectsWith(
      service.grant(
        await actor('wangfang'),
        entityId,
        { granteeUsername: 'lina', granteeName: '李四', scope: [], validUntil: '2020-01-01' },
        'zh-CN',
        CLIENT,
      ),
      'IDENTITY_ERR_MANDATE_INVALID',
      ['granteeUsername', 'scope', 'validUntil'],
    );
    await rejectsWith(
      service.grant(
        await actor('wangfang'),
        entityId,
        {
          granteeUsername: 'nobody-here',
          granteeName: '李娜',
          scope: ['identity.staff.manage'],
          validUntil: '2099-12-31',
        },
        'en',
        CLIENT,
      ),
      'IDENTITY_ERR_MANDATE_INVALID',
      ['granteeUsername', 'scope', 'validUntil'],
    );
    await rejectsWith(
      service.grant(
        await actor('wangfang'),
        entityId,
        {
          granteeUsername: 'wangfang',
          granteeName: '王芳',
          scope: ['identity.legalEntity.read'],
          validUntil: inAYear,
        },
        'zh-CN',
        CLIENT,
      ),
      'IDENTITY_ERR_MANDATE_INVALID',
      ['granteeUsername'],
    );
    assert.equal(await mandateCount(), before);
  });

  it('refuses grants by a mandate holder, a clerk, and an administrator who gives no basis', async () => {
    const entityId = (await service.mine(ids.wangfang as string)).represented[0]?.id as string;
    const grant = {
      granteeUsername: 'zhangwei',
      granteeName: '张伟',
      scope: ['identity.legalEntity.read'],
      validUntil: inAYear,
    };
    for (const who of ['zhangwei', 'liuyang', 'hejing']) {
      await assert.rejects(service.grant(await actor(who), entityId, grant, 'zh-CN', CLIENT), {
        name: 'AuthorizationError',
      });
    }
    await rejectsWith(
      service.grant(await actor('machao'), entityId, grant, 'zh-CN', CLIENT),
      'IDENTITY_ERR_MANDATE_INVALID',
      ['note'],
    );
    const id = await service.grant(
      await actor('machao'),
      entityId,
      { ...grant, note: '授权委托书 2026-118 号，窗口核验原件' },
      'zh-CN',
      CLIENT,
    );
    const [row] = await platform.kernel.db.select().from(mandates).where(eq(mandates.id, id));
    assert.equal(row?.grantedAs, 'administrator');
    assert.equal(row?.grantedBy, ids.machao);
  });

  it('grants a mandate that takes effect at once, and revokes it at once, both audited', async () => {
    const entityId = (await service.mine(ids.wangfang as string)).represented[0]?.id as string;
    const wang = await actor('wangfang');
    const id = await service.grant(
      wang,
      entityId,
      {
        granteeUsername: 'LiNa ',
        granteeName: ' 李娜',
        scope: ['identity.legalEntity.read'],
        validUntil: inAYear,
      },
      'zh-CN',
      CLIENT,
    );
    const lina = await actor('lina');
    assert.ok(lina.kind === 'person' && lina.mandates.some((m) => m.id === id));
    assert.equal((await service.page(lina, entityId, CLIENT)).myMandate?.id, id, 'her only mandate');
    // The mandate ends at the end of its last day in the platform's time zone, and not before.
    const [row] = await platform.kernel.db.select().from(mandates).where(eq(mandates.id, id));
    assert.equal(row?.validUntil.toISOString(), new Date(`${inAYear}T16:00:00Z`).toISOString());
    const expired = await actorOf(platform.kernel.db, ids.lina as string, new Date(`${inAYear}T16:00:01Z`));
    assert.ok(expired.kind === 'person' && !expired.mandates.some((m) => m.id === id), 'expired: gone');

    await rejectsWith(
      service.revoke(wang, entityId, id, ' ', 'zh-CN', CLIENT),
      'IDENTITY_ERR_MANDATE_INVALID',
      ['reason'],
    );
    await assert.rejects(service.revoke(lina, entityId, id, '不再需要', 'zh-CN', CLIENT), {
      name: 'AuthorizationError',
    });
    await service.revoke(wang, entityId, id, '合作结束', 'zh-CN', CLIENT);
    await assert.rejects(service.revoke(wang, entityId, id, '合作结束', 'zh-CN', CLIENT), {
      name: 'AuthorizationError',
    });
    const after = await actor('lina');
    assert.ok(after.kind === 'person' && !after.mandates.some((m) => m.id === id), 'revoked: gone');
    await assert.rejects(service.page(after, entityId, CLIENT), { name: 'AuthorizationError' });

    const granted = await searchAuditRecords(platform.kernel.db, { objectId: id });
    assert.deepEqual(
      granted.records.map((r) => [r.action, r.actorId, r.subjectId]),
      [
        ['identity.mandate.revoked', ids.wangfang, ids.lina],
        ['identity.mandate.granted', ids.wangfang, ids.lina],
      ],
    );
  });

  it('lets only the platform administrator record an entity checked at a counter', async () => {
    const input = {
      creditCode: UNREGISTERED,
      nameZh: '示范市测试商行',
      kind: 'enterprise' as const,
      legalRepresentativeUsername: 'zhangwei',
    };
    await assert.rejects(service.recordByAdministrator(await actor('chenjing'), input, 'zh-CN', CLIENT), {
      name: 'AuthorizationError',
    });
    const admin = await actor('machao');
    await rejectsWith(
      service.recordByAdministrator(
        admin,
        { ...input, creditCode: 'X', nameZh: '', legalRepresentativeUsername: 'liuyang' },
        'zh-CN',
        CLIENT,
      ),
      'IDENTITY_ERR_LEGAL_ENTITY_INVALID',
      ['creditCode', 'nameZh', 'legalRepresentativeUsername'],
    );
    const id = await service.recordByAdministrator(admin, input, 'zh-CN', CLIENT);
    await rejectsWith(
      service.recordByAdministrator(admin, input, 'zh-CN', CLIENT),
      'IDENTITY_ERR_LEGAL_ENTITY_ALREADY_LINKED',
    );
    assert.deepEqual(
      (await service.list(admin, '测试')).map((e) => e.id),
      [id],
    );
    assert.deepEqual(
      (await service.list(admin, UNREGISTERED.toLowerCase())).map((e) => e.verifiedBy),
      ['administrator'],
    );
    const [audited] = await queryRows<{ n: number }>(
      platform.kernel.db,
      sql`select count(*)::int as n from kernel_audit_records
          where action = 'identity.legalEntity.recorded' and object_id = ${id}`,
    );
    assert.equal(audited?.n, 1);
  });
});
