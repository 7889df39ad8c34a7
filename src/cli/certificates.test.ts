import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { startTestPlatform } from '../../test/support/platform.ts';
import { runYiwang } from '../../test/support/processes.ts';
import type { Platform } from '../app.ts';
import type { Actor } from '../kernel/authz/authz.ts';
import type { CertificatesModule } from '../modules/certificates/index.ts';
import { renderCertificatePdfFor, verificationLink } from '../modules/certificates/print.ts';
import type { IdentityContract } from '../modules/identity/index.ts';

const client = { clientAddress: '192.0.2.8' };
const SJ_HEAD: Actor = {
  kind: 'staff',
  accountId: 'acct_sj_head',
  clearance: 'internal',
  roles: [{ departmentCode: 'SJ', role: 'head' }],
};

describe('yiwang certificates verify (offline)', () => {
  let platform: Platform;
  let dir: string;
  before(async () => {
    platform = await startTestPlatform();
    dir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-certificates-'));
  });
  after(async () => {
    await platform.close();
    rmSync(dir, { recursive: true, force: true });
  });

  it('verifies a certificate’s PDF and its QR link with only the published keys, and names what is wrong', async () => {
    const module = platform.contracts.certificates as CertificatesModule;
    const zhang = await (platform.contracts.identity as IdentityContract).findAccount('zhangwei');
    assert.ok(zhang);
    const issue = () =>
      module.issue(
        SJ_HEAD,
        {
          typeCode: 'food-business-licence',
          holder: { accountId: zhang.id },
          fields: { businessName: '张记小面馆', premises: '长江西路 100 号' },
        },
        client,
      );
    const kept = await issue();
    const revoked = await issue();
    const file = (name: string, content: string | Buffer) => {
      const at = path.join(dir, name);
      writeFileSync(at, content);
      return at;
    };
    const jwks = file('jwks.json', JSON.stringify(await module.keys.jwks()));
    const pdf = file('licence.pdf', await renderCertificatePdfFor(kept, 'zh-CN'));
    const link = file('qr.txt', verificationLink(kept));

    const fromPdf = await runYiwang(['certificates', 'verify', pdf, '--jwks', jwks], {});
    assert.equal(fromPdf.code, 0, fromPdf.output);
    assert.match(fromPdf.output, /status: VALID/);
    assert.match(fromPdf.output, new RegExp(kept.number));
    assert.match(fromPdf.output, /revocation: not checked/);
    const fromLink = await runYiwang(['certificates', 'verify', link, '--jwks', jwks], {});
    assert.equal(fromLink.code, 0, fromLink.output);

    const [h, p, s] = kept.jws.split('.') as [string, string, string];
    const altered = JSON.parse(Buffer.from(p, 'base64url').toString());
    altered.validUntil = '2099-12-31';
    const forged = file(
      'forged.txt',
      `${h}.${Buffer.from(JSON.stringify(altered)).toString('base64url')}.${s}`,
    );
    const tampered = await runYiwang(['certificates', 'verify', forged, '--jwks', jwks], {});
    assert.equal(tampered.code, 1);
    assert.match(tampered.output, /status: TAMPERED/);

    const otherKeys = file('other-jwks.json', JSON.stringify({ keys: [] }));
    const unknown = await runYiwang(['certificates', 'verify', pdf, '--jwks', otherKeys], {});
    assert.equal(unknown.code, 1);
    assert.match(unknown.output, /status: UNKNOWN/);

    await module.revoke(SJ_HEAD, revoked.number, '经营者申请注销', client);
    const statusList = file('status-list.jwt', await module.statusList());
    const revokedLink = file('revoked.txt', verificationLink(revoked));
    const seenRevoked = await runYiwang(
      ['certificates', 'verify', revokedLink, '--jwks', jwks, '--status-list', statusList],
      {},
    );
    assert.equal(seenRevoked.code, 1);
    assert.match(seenRevoked.output, /status: REVOKED/);
    const stillValid = await runYiwang(
      ['certificates', 'verify', pdf, '--jwks', jwks, '--status-list', statusList],
      {},
    );
    assert.equal(stillValid.code, 0, stillValid.output);
    assert.match(stillValid.output, /revocation: checked/);

    const nothing = await runYiwang(['certificates', 'verify', jwks, '--jwks', jwks], {});
    assert.equal(nothing.code, 2, 'a file without a credential');
  });
});
