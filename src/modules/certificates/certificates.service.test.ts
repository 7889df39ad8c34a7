import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { AppError } from '../../kernel/errors.ts';
import { type Jwks, verifyCompact } from '../../kernel/signatures/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import { createCertificatesService } from './certificates.service.ts';
import { certificates as certificateRows, signingKeys } from './db/certificates.tables.ts';
import { statusAt } from './domain/status-list.ts';
import type { CertificatesModule } from './index.ts';

const client = { clientAddress: '192.0.2.7', userAgent: 'test', requestId: 'req_certificates' };
const staff = (accountId: string, departmentCode: string, role: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
const SJ_HEAD = staff('acct_sj_head', 'SJ', 'head');
const SJ_CLERK = staff('acct_sj_clerk', 'SJ', 'clerk');
const XF_CLERK = staff('acct_xf_clerk', 'XF', 'clerk');
const ADMIN = staff('acct_admin', 'DSJ', 'platform_admin');

const FOOD_FIELDS = {
  businessName: '张记小面馆',
  creditCode: '91340100MA2N0G7X3B',
  premises: '示范市蜀山区长江西路 100 号',
  seats: '40',
};

const rejects = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);

/** Flips one character of the payload part: what someone altering a printed credential would produce. */
function alterPayload(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const decoded = JSON.parse(Buffer.from(payload, 'base64url').toString('utf8'));
  decoded.holder.name = '李四';
  return `${header}.${Buffer.from(JSON.stringify(decoded)).toString('base64url')}.${signature}`;
}

/** The checks every signature suite must pass, on a platform whose deployment uses it. */
async function checkSuite(platform: Platform, suite: 'ed25519' | 'sm2') {
  const module = platform.contracts.certificates as CertificatesModule;
  const identity = platform.contracts.identity as IdentityContract;
  const zhang = await identity.findAccount('zhangwei');
  assert.ok(zhang);

  const issued = await module.issue(
    SJ_CLERK,
    { typeCode: 'food-business-licence', holder: { accountId: zhang.id }, fields: FOOD_FIELDS },
    client,
  );
  assert.match(issued.number, /^JY-\d{4}-\d{7}-[0-9A-Z]$/);
  assert.equal(issued.status, 'valid');
  assert.match(issued.holderId, /^\d{6}\*{8}[\dX]{4}$/, 'the holder ID is shown masked');
  const header = JSON.parse(Buffer.from(issued.jws.split('.')[0] as string, 'base64url').toString());
  assert.equal(header.alg, suite === 'sm2' ? 'SM2' : 'Ed25519');

  // The private key is sealed at rest and never serialised.
  const key = await module.keys.current();
  assert.ok(key.privateKey);
  const raw = Buffer.from(key.privateKey.export()).toString('base64');
  const [stored] = await platform.kernel.db.select().from(signingKeys).where(eq(signingKeys.kid, key.kid));
  assert.ok(stored && !stored.privateKeySealed.includes(raw), 'the stored private key is sealed');
  assert.ok(!JSON.stringify(key).includes(raw) && !String(key.privateKey).includes(raw));

  // Online, by number and by the credential.
  assert.equal((await module.verify({ number: issued.number })).status, 'valid');
  const online = await module.verify({ jws: issued.jws });
  assert.equal(online.status, 'valid');
  assert.equal(online.certificate?.holderName, '张伟');
  const wholeId = (await identity.ownDetails(zhang.id))?.idNumber;
  assert.ok(wholeId);
  assert.ok(!JSON.stringify(online).includes(wholeId), 'no whole ID number is disclosed');

  // Offline, with nothing but the published keys (as `yiwang certificates verify` does).
  const published = JSON.parse(JSON.stringify(await module.keys.jwks())) as Jwks;
  const offline = await verifyCompact(issued.jws, published);
  assert.equal(offline.status, 'valid');
  assert.ok(offline.status === 'valid' && offline.payload.sub === issued.number);
  assert.ok(
    !Buffer.from(issued.jws.split('.')[1] as string, 'base64url')
      .toString()
      .includes(wholeId),
  );

  // Tampering, each with its own answer.
  assert.deepEqual(await module.verify({ jws: alterPayload(issued.jws) }), {
    status: 'tampered',
    reason: 'signature-mismatch',
  });
  const [h, p] = issued.jws.split('.') as [string, string, string];
  const otherKeyHeader = Buffer.from(
    JSON.stringify({ ...JSON.parse(Buffer.from(h, 'base64url').toString()), kid: 'not-our-key' }),
  ).toString('base64url');
  assert.deepEqual(await module.verify({ jws: `${otherKeyHeader}.${p}.${issued.jws.split('.')[2]}` }), {
    status: 'unknown',
    reason: 'unknown-key',
  });
  assert.deepEqual(await module.verify({ number: 'JY-2026-9999999-0' }), {
    status: 'unknown',
    reason: 'not-issued',
  });
  assert.equal((await module.verify({ jws: 'not a credential' })).status, 'unknown');

  // Key rotation: certificates signed before and after both verify; new ones use the new key.
  await rejects(module.keys.rotate(SJ_HEAD, client), 'AUTHZ_ERR_FORBIDDEN');
  const rotation = await module.keys.rotate(ADMIN, client);
  assert.ok(rotation.retired.includes(issued.kid));
  const after = await module.issue(
    SJ_CLERK,
    { typeCode: 'food-business-licence', holder: { accountId: zhang.id }, fields: FOOD_FIELDS },
    client,
  );
  assert.equal(after.kid, rotation.kid);
  assert.notEqual(after.kid, issued.kid);
  const both = JSON.parse(JSON.stringify(await module.keys.jwks())) as Jwks;
  assert.equal((await verifyCompact(issued.jws, both)).status, 'valid', 'signed before the rotation');
  assert.equal((await verifyCompact(after.jws, both)).status, 'valid', 'signed after the rotation');
  assert.equal((await module.verify({ jws: issued.jws })).status, 'valid');

  // Revocation: audited, with the reason shown, and published in the signed status list.
  await rejects(module.revoke(SJ_CLERK, issued.number, '经营场所变更', client), 'AUTHZ_ERR_FORBIDDEN');
  await rejects(module.revoke(SJ_HEAD, issued.number, '  ', client), 'CERTIFICATES_ERR_REASON_REQUIRED');
  const revoked = await module.revoke(SJ_HEAD, issued.number, '经营场所变更', client);
  assert.equal(revoked.status, 'revoked');
  const seen = await module.verify({ jws: issued.jws });
  assert.equal(seen.status, 'revoked');
  assert.equal(seen.certificate?.revocationReason, '经营场所变更');
  await rejects(module.revoke(SJ_HEAD, issued.number, 'again', client), 'CERTIFICATES_ERR_ALREADY_REVOKED');
  const list = await verifyCompact(await module.statusList(), both, { typ: 'statuslist+jwt' });
  assert.equal(list.status, 'valid');
  const statusList = (list.status === 'valid' ? list.payload.status_list : undefined) as {
    bits: 1;
    lst: string;
  };
  const [revokedRow] = await platform.kernel.db
    .select()
    .from(certificateRows)
    .where(eq(certificateRows.number, issued.number));
  const [afterRow] = await platform.kernel.db
    .select()
    .from(certificateRows)
    .where(eq(certificateRows.number, after.number));
  assert.ok(revokedRow && afterRow);
  assert.equal(statusAt(statusList, revokedRow.statusIndex), 'revoked');
  assert.equal(statusAt(statusList, afterRow.statusIndex), 'valid');
  const [record] = await platform.kernel.db
    .select()
    .from(auditRecords)
    .where(eq(auditRecords.objectId, revokedRow.id));
  assert.ok(record, 'issuing and revoking are audited');

  // Expiry: the same certificate seen after its validity ends.
  const later = createCertificatesService({
    db: platform.kernel.db,
    audit: platform.kernel.audit,
    authz: platform.kernel.authz,
    keys: module.keys,
    identity,
    organisations: platform.contracts.organisations as never,
    timeZone: 'Asia/Shanghai',
    baseUrl: 'http://127.0.0.1',
    now: () => new Date(Date.now() + 6 * 366 * 86_400_000),
  });
  const expired = await later.verify({ jws: after.jws });
  assert.equal(expired.status, 'expired');
  return { issued, after };
}

for (const engine of ENGINES) {
  describe(`certificates: issuing, verifying, rotating and revoking (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });
    const needsEngine = (t: { skip(message: string): void }) => {
      if (!opened) t.skip('PostgreSQL not reachable');
      return opened !== undefined;
    };

    it('signs with Ed25519 by default, verifies online and offline, catches tampering, rotates and revokes', async (t) => {
      if (!needsEngine(t)) return;
      await checkSuite(platform, 'ed25519');
    });

    it('issues on an approved case of a service that issues a type, once, with the answers in its fields', async (t) => {
      if (!needsEngine(t)) return;
      const module = platform.contracts.certificates as CertificatesModule;
      const identity = platform.contracts.identity as IdentityContract;
      const zhang = await identity.findAccount('zhangwei');
      assert.ok(zhang);
      const approved = {
        caseId: 'case_test_restaurant',
        number: 'ZWFW-2026-0000099-X',
        serviceCode: 'ZWFW-0101',
        applicantId: zhang.id,
        organisationId: null,
        answers: {
          business: { name: '张记小面馆', creditCode: FOOD_FIELDS.creditCode, address: '长江西路 100 号' },
          premises: { seats: 40 },
        },
      };
      const first = await platform.kernel.db.transaction((tx) => module.issueForCase(tx, approved));
      assert.ok(first);
      assert.equal(first.type.code, 'food-business-licence');
      assert.deepEqual(Object.fromEntries(first.fields.map((f) => [f.id, f.value])), {
        businessName: '张记小面馆',
        creditCode: FOOD_FIELDS.creditCode,
        premises: '长江西路 100 号',
        category: '餐饮服务经营者',
        scope: '热食类食品制售',
        seats: '40',
      });
      const again = await platform.kernel.db.transaction((tx) => module.issueForCase(tx, approved));
      assert.equal(again?.number, first.number, 'a redelivered approval issues nothing new');
      const none = await platform.kernel.db.transaction((tx) =>
        module.issueForCase(tx, { ...approved, caseId: 'case_test_other', serviceCode: 'GJJ-0103' }),
      );
      assert.equal(none, undefined, 'a service that issues no certificate');
      const wallet = await module.wallet(await identity.actorOf(zhang.id));
      assert.ok(wallet.some((c) => c.number === first.number));
      const li = await identity.findAccount('lina');
      assert.ok(li);
      assert.ok(!(await module.wallet(await identity.actorOf(li.id))).some((c) => c.number === first.number));
      await rejects(module.get(await identity.actorOf(li.id), first.number, client), 'AUTHZ_ERR_FORBIDDEN');
      // One certificate type per issuing service: a second naming the restaurant service is refused.
      await rejects(
        module.defineType(
          ADMIN,
          {
            code: 'restaurant-permit',
            name: { 'zh-CN': '餐饮许可', en: 'Restaurant permit' },
            departmentCode: 'SJ',
            serviceCode: 'ZWFW-0101',
            numberPrefix: 'CY',
            fields: [],
          },
          client,
          'en',
        ),
        'CERTIFICATES_ERR_TYPE_INVALID',
      );
      await rejects(
        module.issue(
          XF_CLERK,
          { typeCode: 'food-business-licence', holder: { accountId: zhang.id }, fields: {} },
          client,
        ),
        'AUTHZ_ERR_FORBIDDEN',
      );
    });
  });
}

describe('certificates signed with SM2/SM3 (国密)', () => {
  let platform: Platform;
  before(async () => {
    platform = await startTestPlatform({ env: { YIWANG_SIGNATURE_SUITE: 'sm2' } });
  });
  after(() => platform.close());

  it('passes the same checks: online and offline verification, tampering, rotation, revocation', async () => {
    await checkSuite(platform, 'sm2');
  });
});
