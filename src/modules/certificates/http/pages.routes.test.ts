import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import type { Actor } from '../../../kernel/authz/authz.ts';
import type { IdentityContract } from '../../identity/index.ts';
import type { Certificate } from '../certificates.service.ts';
import type { CertificatesModule } from '../index.ts';

// Verifying a certificate in public (by number, by the QR code's credential, by a holder's sharing link) and the
// holder's wallet (PDF, sharing), through the pages as a browser without JavaScript sees them.

const client = { clientAddress: '192.0.2.30', userAgent: 'test', requestId: 'req_certificate_pages' };
const FOOD_FIELDS = {
  businessName: '张记小面馆',
  creditCode: '91340100MA2N0G7X3B',
  premises: '示范市蜀山区长江西路 100 号',
  seats: '40',
};

/** Changes one character in the middle of the payload part (a printed credential someone altered). */
function alterOneCharacter(jws: string): string {
  const [header, payload, signature] = jws.split('.') as [string, string, string];
  const at = Math.floor(payload.length / 2);
  const swapped = payload[at] === 'A' ? 'B' : 'A';
  return `${header}.${payload.slice(0, at)}${swapped}${payload.slice(at + 1)}.${signature}`;
}

describe('certificate pages: public verification and the holder’s wallet', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let certificates: CertificatesModule;
  let zhangId: string;
  let wholeId: string;
  let mine: Certificate;
  let revoked: Certificate;
  let others: Certificate;
  let zhang: FormClient;

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    certificates = platform.contracts.certificates as CertificatesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const [zhangAccount, wangAccount, head] = await Promise.all([
      identity.findAccount('zhangwei'),
      identity.findAccount('wangfang'),
      identity.findAccount('wumin'),
    ]);
    assert.ok(zhangAccount && wangAccount && head);
    zhangId = zhangAccount.id;
    wholeId = (await identity.ownDetails(zhangId))?.idNumber ?? '';
    assert.ok(wholeId, 'the demo resident has an ID number');
    // 吴敏, head of market regulation (SJ), issues and revokes SJ's food business licences.
    const sjHead: Actor = await identity.actorOf(head.id);
    const issue = (accountId: string) =>
      certificates.issue(
        sjHead,
        { typeCode: 'food-business-licence', holder: { accountId }, fields: FOOD_FIELDS },
        client,
      );
    mine = await issue(zhangId);
    revoked = await issue(zhangId);
    revoked = await certificates.revoke(sjHead, revoked.number, '经营场所已变更，原证照注销', client);
    others = await issue(wangAccount.id);
    zhang = await signInPerson(app, 'zhangwei', '198.51.100.130');
  });
  after(() => platform.close());

  const verifyUrl = (query: Record<string, string>) => `/certificates/verify?${new URLSearchParams(query)}`;

  it('offers a form to anyone, without signing in', async () => {
    const res = await app.inject({ url: '/certificates/verify' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1>核验电子证照<\/h1>/);
    assert.match(res.body, /<form method="get" action="\/certificates\/verify"/);
    assert.match(res.body, /name="number"/);
    assert.doesNotMatch(res.body, /error-summary/);
  });

  it('shows a valid certificate by its number, with the holder’s ID masked and never whole', async () => {
    // Typed as people type: lower case, with spaces.
    const res = await app.inject({ url: verifyUrl({ number: ` ${mine.number.toLowerCase()} ` }) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /notification-banner--success/);
    assert.match(res.body, /这份证照真实有效/);
    assert.match(res.body, /<strong class="tag tag--success">有效<\/strong>/);
    assert.match(res.body, /食品经营许可证/);
    assert.ok(res.body.includes(mine.number));
    assert.match(res.body, /张伟/);
    assert.ok(res.body.includes(mine.holderId), 'the masked ID is shown');
    assert.match(mine.holderId, /^\d{6}\*+[\dX]{4}$/);
    assert.ok(!res.body.includes(wholeId), 'the whole ID number is never shown');
    assert.match(res.body, /张记小面馆/);
    assert.match(res.body, /市市场监督管理局/, 'the issuing authority');
    assert.match(res.body, /有效期至/);
    assert.ok(!res.body.includes(mine.jws), 'the page does not hand out the credential');
    assert.ok(!res.body.includes(zhangId), 'nor the holder’s account');
  });

  it('shows a valid certificate from the QR code’s credential (c=)', async () => {
    const res = await app.inject({ url: verifyUrl({ c: mine.jws }) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /这份证照真实有效/);
    assert.ok(res.body.includes(mine.number));
    assert.ok(!res.body.includes(wholeId));
  });

  it('says a credential with one character changed was altered, and shows nothing it claims', async () => {
    const res = await app.inject({ url: verifyUrl({ c: alterOneCharacter(mine.jws) }) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /这份证照的内容被改动过/);
    assert.match(res.body, /tag--danger">内容被改动</);
    assert.doesNotMatch(res.body, /证照内容<\/h2>/);
    assert.doesNotMatch(res.body, /张记小面馆/);
  });

  it('says an unknown number was not found, and what to do', async () => {
    const unknown = await app.inject({ url: verifyUrl({ number: 'JY-2020-0999999-A' }) });
    assert.equal(unknown.statusCode, 200);
    assert.match(unknown.body, /查不到这份证照/);
    assert.match(unknown.body, /本平台没有签发过这个编号的证照/);
    assert.match(unknown.body, /12345/);
    assert.match(unknown.body, /value="JY-2020-0999999-A"/, 'what was typed stays in the field');

    const garbage = await app.inject({ url: verifyUrl({ c: 'not-a-credential' }) });
    assert.equal(garbage.statusCode, 200);
    assert.match(garbage.body, /查不到这份证照/);
    assert.match(garbage.body, /二维码的内容无法读取/);
  });

  it('says a revoked certificate was revoked, when and why', async () => {
    const res = await app.inject({ url: verifyUrl({ number: revoked.number }) });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /这份证照已被注销，不再有效/);
    assert.match(res.body, /tag--danger">已注销</);
    assert.match(res.body, /注销原因：经营场所已变更，原证照注销/);
    const year = String(new Date().getFullYear());
    assert.match(res.body, new RegExp(`已于 ${year}年\\d{1,2}月\\d{1,2}日 注销`));
    assert.doesNotMatch(res.body, /notification-banner--success/);
  });

  it('speaks English with ?lang=en', async () => {
    const res = await app.inject({ url: `${verifyUrl({ number: mine.number })}&lang=en` });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<html lang="en"/);
    assert.match(res.body, /This certificate is genuine and valid/);
    assert.match(res.body, /Food Business Licence/);
    assert.match(res.body, /Issuing authority/);
    assert.doesNotMatch(res.body, /这份证照真实有效/);

    const revokedEn = await app.inject({ url: `${verifyUrl({ number: revoked.number })}&lang=en` });
    assert.match(revokedEn.body, /This certificate has been revoked/);
    assert.match(revokedEn.body, /Reason for revoking it: 经营场所已变更/);
  });

  it('refuses empty and overlong input with an error summary and 400', async () => {
    const empty = await app.inject({ url: verifyUrl({ number: '  ' }) });
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /class="error-summary"/);
    assert.match(empty.body, /href="#number">请输入证照编号/);
    assert.match(empty.body, /aria-invalid="true"/);

    const long = await app.inject({ url: verifyUrl({ number: 'J'.repeat(41) }) });
    assert.equal(long.statusCode, 400);
    assert.match(long.body, /href="#number">证照编号不超过 40 个字符/);

    const longEn = await app.inject({ url: `${verifyUrl({ number: 'J'.repeat(41) })}&lang=en` });
    assert.equal(longEn.statusCode, 400);
    assert.match(longEn.body, /A certificate number has at most 40 characters/);

    const emptyCode = await app.inject({ url: verifyUrl({ c: '' }) });
    assert.equal(emptyCode.statusCode, 400);
    assert.match(emptyCode.body, /href="#number">二维码内容无法读取/);
  });

  it('sends visitors to sign in for the wallet and the PDF', async () => {
    const wallet = await app.inject({ url: '/wallet' });
    assert.equal(wallet.statusCode, 303);
    assert.equal(wallet.headers.location, '/sign-in');
    const pdf = await app.inject({ url: `/wallet/certificates/${mine.number}.pdf` });
    assert.equal(pdf.statusCode, 303);
  });

  it('lists 张伟’s certificates in his wallet, and nobody else’s', async () => {
    const res = await zhang.get('/wallet');
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<h1>我的电子证照<\/h1>/);
    assert.ok(res.body.includes(mine.number));
    assert.ok(res.body.includes(revoked.number));
    assert.ok(!res.body.includes(others.number), '王芳’s certificate is not in 张伟’s wallet');
    assert.ok(res.body.includes(`href="/wallet/certificates/${mine.number}.pdf"`));
    assert.ok(res.body.includes(`href="/certificates/verify?number=${mine.number}"`));
    assert.ok(res.body.includes(`action="/wallet/certificates/${mine.number}/share"`));
    assert.match(res.body, /<option value="7" selected>7 天<\/option>/);
    assert.match(res.body, /tag--success">有效</);
    assert.match(res.body, /tag--danger">已注销</);
    assert.ok(!res.body.includes(wholeId));

    const lina = await signInPerson(app, 'lina', '198.51.100.131');
    const empty = await lina.get('/wallet?lang=en');
    assert.equal(empty.statusCode, 200);
    assert.match(empty.body, /You have no certificates yet/);
    assert.match(empty.body, /When an application of yours is approved/);
  });

  it('makes a sharing link, shows it once, and the link shows the certificate verified', async () => {
    const url = `/wallet/certificates/${mine.number}/share`;
    const token = await zhang.csrfFrom('/wallet');
    assert.equal((await zhang.post(url, { days: '7' })).statusCode, 403, 'no CSRF token, no link');

    const bad = await zhang.post(url, { _csrf: token, days: '31' });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, new RegExp(`href="#days-${mine.number}">请选择 1 到 30 天`));

    const made = await zhang.post(url, { _csrf: token, days: '3' });
    assert.equal(made.statusCode, 201);
    assert.match(made.body, /出示链接已生成/);
    const link = /value="(https?:\/\/[^"]+\/certificates\/shared\/[A-Za-z0-9_-]+)"/.exec(made.body)?.[1];
    assert.ok(link, 'the link is shown, ready to copy');
    assert.match(made.headers['cache-control'] ?? '', /no-store/);
    assert.match(made.body, /只显示这一次/);

    const shared = await app.inject({ url: new URL(link).pathname });
    assert.equal(shared.statusCode, 200);
    assert.match(shared.body, /持证人出示的电子证照/);
    assert.match(shared.body, /这份证照真实有效/);
    assert.ok(shared.body.includes(mine.number));
    assert.ok(!shared.body.includes(wholeId));

    const sharedEn = await app.inject({ url: `${new URL(link).pathname}?lang=en` });
    assert.match(sharedEn.body, /A certificate its holder shared with you/);

    // Someone else's certificate cannot be shared from this wallet.
    assert.equal(
      (await zhang.post(`/wallet/certificates/${others.number}/share`, { _csrf: token, days: '7' }))
        .statusCode,
      403,
    );
  });

  it('answers 410 with an explanation for an unknown or expired sharing link', async () => {
    const gone = await app.inject({ url: '/certificates/shared/no-such-token-at-all' });
    assert.equal(gone.statusCode, 410);
    assert.match(gone.body, /<h1>链接已失效<\/h1>/);
    assert.match(gone.body, /请向持证人索取新的链接/);
    const goneEn = await app.inject({ url: '/certificates/shared/no-such-token-at-all?lang=en' });
    assert.equal(goneEn.statusCode, 410);
    assert.match(goneEn.body, /This link no longer works/);
  });

  it('gives the holder the PDF, and refuses it to another person', async () => {
    const pdf = await zhang.get(`/wallet/certificates/${mine.number}.pdf`);
    assert.equal(pdf.statusCode, 200);
    assert.equal(pdf.headers['content-type'], 'application/pdf');
    assert.equal(pdf.headers['content-disposition'], `attachment; filename="${mine.number}.pdf"`);
    assert.equal(pdf.rawPayload.subarray(0, 5).toString('latin1'), '%PDF-');

    const wang = await signInPerson(app, 'wangfang', '198.51.100.132');
    const refused = await wang.get(`/wallet/certificates/${mine.number}.pdf`);
    assert.ok([403, 404].includes(refused.statusCode), `refused with ${refused.statusCode}`);
    assert.notEqual(refused.headers['content-type'], 'application/pdf');

    const missing = await zhang.get('/wallet/certificates/JY-2020-0999999-A.pdf');
    assert.equal(missing.statusCode, 404);
  });
});
