import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson, signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { creditCodeCheckCharacter, type IdentityContract } from '../../identity/index.ts';
import type { CertificatesModule } from '../index.ts';

// The staff's certificate pages through a browser without JavaScript: the SJ head 吴敏 issues by hand, revokes and
// reissues; the SJ clerk 刘洋 sees but cannot revoke; the XF clerk 赵磊 cannot issue SJ's licence; the platform
// administrator 马超 edits certificate types as JSON and rotates the signing key.

const FOOD = 'food-business-licence';
const RESTAURANT_CREDIT_CODE = `91990100MA0000013${creditCodeCheckCharacter('91990100MA0000013')}`;
const NUMBER = /JY-\d{4}-\d{7}-[0-9A-Z]/;

describe('certificate pages for staff: issuing by hand, revoking, reissuing, types and the signing key', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let certificates: CertificatesModule;
  let wholeId: string;
  let head: FormClient;
  let clerk: FormClient;
  let xfClerk: FormClient;
  let admin: FormClient;
  /** The certificate 吴敏 issues to 张伟 by hand, then revokes. */
  let issued = '';
  /** Another one, which 吴敏 reissues. */
  let second = '';

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    certificates = platform.contracts.certificates as CertificatesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const zhang = await identity.findAccount('zhangwei');
    assert.ok(zhang);
    wholeId = (await identity.ownDetails(zhang.id))?.idNumber ?? '';
    assert.ok(wholeId, 'the demo resident has an ID number');
    head = await signInStaff(app, 'wumin', '198.51.100.140');
    clerk = await signInStaff(app, 'liuyang', '198.51.100.141');
    xfClerk = await signInStaff(app, 'zhaolei', '198.51.100.142');
    admin = await signInStaff(app, 'machao', '198.51.100.143');
  });
  after(() => platform.close());

  /** A CSRF token of the client's session (the account page's sign-out form carries one). */
  const tokenOf = (client: FormClient) => client.csrfFrom('/account');

  /** Issues a food business licence to 张伟 as 吴敏, through the form; returns the new certificate's number. */
  async function issueToZhang(token: string, businessName: string): Promise<string> {
    const res = await head.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: 'zhangwei',
      'field-businessName': businessName,
      'field-creditCode': RESTAURANT_CREDIT_CODE,
      'field-premises': '示范市蜀山区长江西路 100 号',
      'field-seats': '40',
    });
    assert.equal(res.statusCode, 303);
    const location = String(res.headers.location);
    assert.match(location, /^\/workbench\/certificates\/JY-\d{4}-\d{7}-[0-9A-Z]\?done=issued$/);
    return decodeURIComponent(location.slice('/workbench/certificates/'.length).split('?')[0] ?? '');
  }

  it('sends visitors to sign in, and refuses members of the public', async () => {
    for (const url of [
      '/workbench/certificates',
      '/workbench/certificates/JY-2026-0000001-K',
      `/workbench/certificates/issue/${FOOD}`,
      '/admin/certificate-types',
      `/admin/certificate-types/${FOOD}`,
    ]) {
      const res = await app.inject({ url });
      assert.equal(res.statusCode, 303, url);
      assert.equal(res.headers.location, '/sign-in', url);
    }
    const person = await signInPerson(app, 'lina', '198.51.100.149');
    const refused = await person.get('/workbench/certificates');
    assert.equal(refused.statusCode, 403);
    assert.equal((await person.get('/admin/certificate-types')).statusCode, 403);
  });

  it('shows each member of staff a lookup form and the types their department issues', async () => {
    const sj = await head.get('/workbench/certificates');
    assert.equal(sj.statusCode, 200);
    assert.match(sj.body, /<h1>电子证照<\/h1>/);
    assert.match(sj.body, /<form method="get" action="\/workbench\/certificates"/);
    assert.match(sj.body, /name="number"/);
    assert.ok(sj.body.includes(`href="/workbench/certificates/issue/${FOOD}"`));
    assert.match(sj.body, /食品经营许可证/);
    assert.ok(!sj.body.includes('/workbench/certificates/issue/fire-safety-inspection'), 'not XF’s type');
    assert.ok(!sj.body.includes('href="/admin/certificate-types"'), 'no administration for a head');
    assert.ok(
      (await head.get('/account')).body.includes('href="/workbench/certificates"'),
      'linked from the account',
    );

    const xf = await xfClerk.get('/workbench/certificates');
    assert.ok(xf.body.includes('href="/workbench/certificates/issue/fire-safety-inspection"'));
    assert.ok(!xf.body.includes(`/workbench/certificates/issue/${FOOD}`));

    const none = await admin.get('/workbench/certificates');
    assert.equal(none.statusCode, 200);
    assert.match(none.body, /您所在的部门没有可以签发的证照类型/);
    assert.ok(none.body.includes('href="/admin/certificate-types"'));
  });

  it('lets the SJ head issue a licence by hand to 张伟, refusing a missing or unknown holder with 400', async () => {
    const form = await head.get(`/workbench/certificates/issue/${FOOD}`);
    assert.equal(form.statusCode, 200);
    assert.match(form.body, /<h1>手工签发：食品经营许可证<\/h1>/);
    assert.match(form.body, /name="holder"/);
    assert.match(form.body, /name="field-premises"/);
    assert.match(form.body, /不填时为：餐饮服务经营者/, 'a field’s stated value is offered as its hint');
    const token = head.token(form.body);
    assert.ok(token);

    assert.equal(
      (await head.post(`/workbench/certificates/issue/${FOOD}`, { holder: 'zhangwei' })).statusCode,
      403,
      'no CSRF token, no certificate',
    );
    const missing = await head.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: ' ',
      'field-businessName': '张记小面馆',
    });
    assert.equal(missing.statusCode, 400);
    assert.match(missing.body, /class="error-summary"/);
    assert.match(missing.body, /href="#holder">请填写持证人的用户名或统一社会信用代码/);
    assert.match(missing.body, /value="张记小面馆"/, 'what was typed stays');

    const unknown = await head.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: 'nobody-here',
    });
    assert.equal(unknown.statusCode, 400);
    assert.match(unknown.body, /href="#holder">找不到用户名或统一社会信用代码为“nobody-here”的个人或单位/);
    const staffHolder = await head.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: 'liuyang',
    });
    assert.equal(staffHolder.statusCode, 400, 'a member of staff is no holder');

    issued = await issueToZhang(token, '张记小面馆');
    const page = await head.get(`/workbench/certificates/${issued}?done=issued`);
    assert.equal(page.statusCode, 200);
    assert.match(page.body, /notification-banner--success/);
    assert.match(page.body, /证照已签发/);
    assert.ok(page.body.includes(`<h1>证照 ${issued}</h1>`));
    assert.match(page.body, /张伟/);
    assert.match(page.body, /张记小面馆/);
    assert.match(page.body, /餐饮服务经营者/, 'an empty field took the type’s stated value');
    assert.match(page.body, /tag--success">有效</);
    assert.match(page.body, /手工签发/);
    assert.ok(!page.body.includes(wholeId), 'the whole ID number is never shown');
    assert.match(page.body, /\d{6}\*+[\dX]{4}/, 'the masked ID is');
    assert.ok(page.body.includes(`href="/certificates/verify?number=${issued}"`));
    assert.match(page.headers['cache-control'] ?? '', /no-store/);
    assert.ok(page.body.includes(`action="/workbench/certificates/${issued}/revoke"`));
    assert.ok(page.body.includes(`action="/workbench/certificates/${issued}/reissue"`));
    assert.match(page.body, /注销立即生效，不能撤回/, 'the consequence is said before the button');

    // The holder has it in the wallet.
    const held = await certificates.verify({ number: issued });
    assert.equal(held.status, 'valid');

    // An organisation by its credit code.
    const toCompany = await head.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: RESTAURANT_CREDIT_CODE.toLowerCase(),
      'field-businessName': '味道餐饮',
    });
    assert.equal(toCompany.statusCode, 303);
    const companyPage = await head.get(String(toCompany.headers.location));
    assert.match(companyPage.body, /示范市味道餐饮有限公司/);
  });

  it('finds a certificate by its number, and says when there is none', async () => {
    const found = await head.get(
      `/workbench/certificates?number=${encodeURIComponent(` ${issued.toLowerCase()} `)}`,
    );
    assert.equal(found.statusCode, 303);
    assert.equal(found.headers.location, `/workbench/certificates/${issued}`);

    const unknown = await head.get('/workbench/certificates?number=JY-2020-0999999-A');
    assert.equal(unknown.statusCode, 404);
    assert.match(unknown.body, /href="#number">找不到编号为 JY-2020-0999999-A 的证照/);
    assert.match(unknown.body, /value="JY-2020-0999999-A"/);

    const empty = await head.get('/workbench/certificates?number=');
    assert.equal(empty.statusCode, 400);
    assert.match(empty.body, /href="#number">请输入证照编号/);
  });

  it('shows the clerk the certificate without the head’s forms, and refuses the clerk’s revoke and reissue (403)', async () => {
    const page = await clerk.get(`/workbench/certificates/${issued}`);
    assert.equal(page.statusCode, 200);
    assert.ok(page.body.includes(`<h1>证照 ${issued}</h1>`));
    assert.ok(!page.body.includes('/revoke"'), 'no revoke form');
    assert.ok(!page.body.includes('/reissue"'), 'no reissue form');
    assert.match(page.body, /只有部门负责人可以注销或换发证照/);
    assert.ok(!page.body.includes(wholeId));

    const token = await tokenOf(clerk);
    const revoke = await clerk.post(`/workbench/certificates/${issued}/revoke`, {
      _csrf: token,
      reason: '试图注销',
    });
    assert.equal(revoke.statusCode, 403);
    assert.match(revoke.body, /<h1>/);
    const reissue = await clerk.post(`/workbench/certificates/${issued}/reissue`, { _csrf: token });
    assert.equal(reissue.statusCode, 403);
    assert.equal((await certificates.verify({ number: issued })).status, 'valid', 'nothing happened');
  });

  it('refuses another department’s clerk an SJ licence (403), to issue or to see', async () => {
    assert.equal((await xfClerk.get(`/workbench/certificates/issue/${FOOD}`)).statusCode, 403);
    const token = await tokenOf(xfClerk);
    const refused = await xfClerk.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: 'zhangwei',
      'field-businessName': '冒名小店',
    });
    assert.equal(refused.statusCode, 403);
    assert.ok(!refused.body.includes('冒名小店'));
    const unknownHolder = await xfClerk.post(`/workbench/certificates/issue/${FOOD}`, {
      _csrf: token,
      holder: 'nobody-here',
    });
    assert.equal(unknownHolder.statusCode, 403, 'refused before any mistake in the form is shown');
    assert.equal((await xfClerk.get(`/workbench/certificates/${issued}`)).statusCode, 403);
    // XF's own type is theirs to issue.
    assert.equal((await xfClerk.get('/workbench/certificates/issue/fire-safety-inspection')).statusCode, 200);
    assert.equal((await head.get('/workbench/certificates/issue/no-such-type')).statusCode, 404);
  });

  it('lets the head revoke with a reason (then the public check says revoked), and refuses a second change with 409', async () => {
    const page = await head.get(`/workbench/certificates/${issued}`);
    const token = head.token(page.body);

    const noReason = await head.post(`/workbench/certificates/${issued}/revoke`, {
      _csrf: token,
      reason: '  ',
    });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /class="error-summary"/);
    assert.match(noReason.body, /href="#reason">请写明注销原因/);
    assert.match(noReason.body, /aria-invalid="true"/);
    assert.equal((await certificates.verify({ number: issued })).status, 'valid');

    const revoked = await head.post(`/workbench/certificates/${issued}/revoke`, {
      _csrf: token,
      reason: '经营场所已变更，原证照注销',
    });
    assert.equal(revoked.statusCode, 303);
    assert.equal(revoked.headers.location, `/workbench/certificates/${issued}?done=revoked`);
    const after = await head.get(String(revoked.headers.location));
    assert.match(after.body, /notification-banner--success/);
    assert.match(after.body, /证照已注销/);
    assert.match(after.body, /tag--danger">已注销</);
    assert.match(after.body, /经营场所已变更，原证照注销/);
    assert.ok(!after.body.includes('/revoke"'), 'no revoke form on a revoked certificate');

    const publicCheck = await app.inject({ url: `/certificates/verify?number=${issued}` });
    assert.match(publicCheck.body, /这份证照已被注销，不再有效/);
    assert.match(publicCheck.body, /注销原因：经营场所已变更，原证照注销/);

    // The page as it was before (the back button): reissuing or revoking again is a conflict, shown on the page.
    const reissue = await head.post(`/workbench/certificates/${issued}/reissue`, { _csrf: token });
    assert.equal(reissue.statusCode, 409);
    assert.match(reissue.body, /class="error-summary"/);
    assert.match(reissue.body, /href="#certificate-status">这份证照已经注销，不能再注销或换发/);
    assert.match(reissue.body, /id="certificate-status"/);
    const again = await head.post(`/workbench/certificates/${issued}/revoke`, {
      _csrf: token,
      reason: '再次注销',
    });
    assert.equal(again.statusCode, 409);
  });

  it('lets the head reissue a valid certificate: a new number, and the old one names it', async () => {
    const token = await tokenOf(head);
    second = await issueToZhang(token, '李记面馆');
    const reissued = await head.post(`/workbench/certificates/${second}/reissue`, { _csrf: token });
    assert.equal(reissued.statusCode, 303);
    const location = String(reissued.headers.location);
    const replacement = /\/workbench\/certificates\/([^?]+)\?done=reissued$/.exec(location)?.[1] ?? '';
    assert.match(replacement, NUMBER);
    assert.notEqual(replacement, second);
    const page = await head.get(location);
    assert.match(page.body, /新证照已签发/);
    assert.match(page.body, /李记面馆/);
    assert.match(page.body, /tag--success">有效</);
    const old = await head.get(`/workbench/certificates/${second}`);
    assert.match(old.body, /tag--danger">已注销</);
    assert.ok(old.body.includes(`href="/workbench/certificates/${replacement}"`));
  });

  it('lets the administrator edit a type as JSON: a valid change is saved, every problem of an invalid one shown with 400', async () => {
    const list = await admin.get('/admin/certificate-types');
    assert.equal(list.statusCode, 200);
    assert.match(list.body, /<h1>证照类型<\/h1>/);
    assert.ok(list.body.includes(`href="/admin/certificate-types/${FOOD}"`));
    assert.match(list.body, /<code>fire-safety-inspection<\/code>/);
    assert.match(list.body, /市市场监督管理局 \(SJ\)/);
    assert.match(list.body, /ZWFW-0101/);
    assert.match(list.body, /5 年/);
    assert.match(list.body, /仅手工签发/, 'the birth certificate is issued by hand only');

    const editor = await admin.get('/admin/certificate-types/fire-safety-inspection');
    assert.equal(editor.statusCode, 200);
    assert.match(editor.body, /<h1>编辑证照类型 fire-safety-inspection<\/h1>/);
    const json = /<textarea[^>]*name="definition"[^>]*>([\s\S]*?)<\/textarea>/.exec(editor.body)?.[1] ?? '';
    const definition = JSON.parse(json.replace(/&quot;/g, '"').replace(/&amp;/g, '&')) as Record<
      string,
      unknown
    >;
    assert.equal(definition.departmentCode, 'XF');
    assert.equal(definition.code, undefined, 'the code comes from the address');
    const token = admin.token(editor.body);

    const saved = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: token,
      definition: JSON.stringify({ ...definition, validityYears: 3 }),
    });
    assert.equal(saved.statusCode, 303);
    assert.equal(saved.headers.location, '/admin/certificate-types/fire-safety-inspection?saved=1');
    assert.match((await admin.get(String(saved.headers.location))).body, /证照类型已保存/);
    const types = await certificates.types();
    assert.equal(types.find((t) => t.code === 'fire-safety-inspection')?.validityYears, 3);
    assert.match((await admin.get('/admin/certificate-types')).body, /3 年/);

    const invalid = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: token,
      definition: JSON.stringify({ ...definition, departmentCode: 'xf', numberPrefix: '', validityYears: 0 }),
    });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /class="error-summary"/);
    assert.match(invalid.body, /证照类型有 3 处问题/);
    for (const path of ['departmentCode', 'numberPrefix', 'validityYears'])
      assert.match(invalid.body, new RegExp(`href="#definition">${path}: `), path);
    assert.match(
      invalid.body,
      /&quot;numberPrefix&quot;: ?&quot;&quot;|&quot;numberPrefix&quot;:&quot;&quot;/,
      'the draft is kept',
    );
    assert.equal(
      (await certificates.types()).find((t) => t.code === 'fire-safety-inspection')?.departmentCode,
      'XF',
      'nothing saved',
    );

    const noDepartment = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: token,
      definition: JSON.stringify({ ...definition, departmentCode: 'ZZZ' }),
    });
    assert.equal(noDepartment.statusCode, 400);
    assert.match(noDepartment.body, /departmentCode: 没有这个部门/);

    const notJson = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: token,
      definition: '{ nope',
    });
    assert.equal(notJson.statusCode, 400);
    assert.match(notJson.body, /href="#definition">JSON: /);
    const notObject = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: token,
      definition: '[]',
    });
    assert.equal(notObject.statusCode, 400);

    // A new type: its code first, then its definition.
    const badCode = await admin.get('/admin/certificate-types?code=Not%20a%20code');
    assert.equal(badCode.statusCode, 400);
    assert.match(badCode.body, /href="#code">类型代码由小写字母/);
    const next = await admin.get('/admin/certificate-types?code=parking-permit');
    assert.equal(next.statusCode, 303);
    assert.equal(next.headers.location, '/admin/certificate-types/parking-permit');
    const blank = await admin.get('/admin/certificate-types/parking-permit');
    assert.match(blank.body, /<h1>定义证照类型 parking-permit<\/h1>/);
    const defined = await admin.post('/admin/certificate-types/parking-permit', {
      _csrf: token,
      definition: JSON.stringify({
        name: { 'zh-CN': '停车许可证', en: 'Parking Permit' },
        departmentCode: 'CG',
        serviceCode: null,
        numberPrefix: 'TC',
        validityYears: 1,
        fields: [{ id: 'plate', label: { 'zh-CN': '车牌号', en: 'Plate' } }],
        layout: {},
      }),
    });
    assert.equal(defined.statusCode, 303);
    assert.match((await admin.get('/admin/certificate-types')).body, /停车许可证/);
  });

  it('refuses the type pages and a type change to anyone but the administrator (403)', async () => {
    assert.equal((await head.get('/admin/certificate-types')).statusCode, 403);
    assert.equal((await head.get(`/admin/certificate-types/${FOOD}`)).statusCode, 403);
    const token = await tokenOf(head);
    const refused = await head.post(`/admin/certificate-types/${FOOD}`, { _csrf: token, definition: '{}' });
    assert.equal(refused.statusCode, 403);
  });

  it('rotates the signing key for the administrator (earlier certificates still verify), and refuses others (403)', async () => {
    const before = (await certificates.keys.jwks()).keys.length;
    const list = await admin.get('/admin/certificate-types');
    assert.match(list.body, /action="\/admin\/certificate-keys\/rotate"/);
    assert.match(list.body, /轮换立即生效，不能撤回/, 'the consequence is said before the button');
    const token = admin.token(list.body);

    assert.equal((await admin.post('/admin/certificate-keys/rotate', {})).statusCode, 403, 'no CSRF token');
    const rotated = await admin.post('/admin/certificate-keys/rotate', { _csrf: token });
    assert.equal(rotated.statusCode, 303);
    assert.equal(rotated.headers.location, '/admin/certificate-types?rotated=1');
    const after = await admin.get(String(rotated.headers.location));
    assert.match(after.body, /签名密钥已轮换/);
    const keys = (await certificates.keys.jwks()).keys;
    assert.equal(keys.length, before + 1);
    assert.ok(after.body.includes(keys.at(-1)?.kid ?? 'missing'), 'the new key is listed');

    const old = await certificates.get(
      await (platform.contracts.identity as IdentityContract).actorOf(
        (await (platform.contracts.identity as IdentityContract).findAccount('zhangwei'))?.id ?? '',
      ),
      second,
      {},
    );
    assert.equal(
      (await certificates.verify({ jws: old.jws })).reason,
      'revoked',
      'signed before, still verifies',
    );

    for (const other of [head, clerk]) {
      const refused = await other.post('/admin/certificate-keys/rotate', { _csrf: await tokenOf(other) });
      assert.equal(refused.statusCode, 403);
    }
    assert.equal((await certificates.keys.jwks()).keys.length, before + 1, 'nothing rotated by them');
  });

  it('speaks English', async () => {
    const list = await head.get('/workbench/certificates?lang=en');
    assert.match(list.body, /<html lang="en"/);
    assert.match(list.body, /<h1>Certificates<\/h1>/);
    assert.match(list.body, /Find a certificate/);
    assert.match(list.body, /Food Business Licence/);

    const form = await head.get(`/workbench/certificates/issue/${FOOD}`);
    assert.match(form.body, /Issue by hand: Food Business Licence/);
    assert.match(form.body, /For a person, their user name/);

    const token = head.token(form.body);
    const third = await issueToZhang(token, 'Noodle Bar');
    const page = await head.get(`/workbench/certificates/${third}`);
    assert.match(page.body, new RegExp(`<h1>Certificate ${third}</h1>`));
    assert.match(page.body, /Revoke this certificate/);
    assert.match(page.body, /Revoking takes effect at once and cannot be undone/);
    assert.match(page.body, /Reissue the certificate/);
    const noReason = await head.post(`/workbench/certificates/${third}/revoke`, { _csrf: token, reason: '' });
    assert.equal(noReason.statusCode, 400);
    assert.match(noReason.body, /Give the reason for revoking it/);

    const clerkPage = await clerk.get(`/workbench/certificates/${third}?lang=en`);
    assert.match(clerkPage.body, /Only the head of the department can revoke or reissue a certificate/);

    const types = await admin.get('/admin/certificate-types?lang=en');
    assert.match(types.body, /<h1>Certificate types<\/h1>/);
    assert.match(types.body, /Rotate the signing key/);
    assert.match(types.body, /By hand only/);
    const invalid = await admin.post('/admin/certificate-types/fire-safety-inspection', {
      _csrf: admin.token(types.body),
      definition: JSON.stringify({ departmentCode: 'ZZZ' }),
    });
    assert.equal(invalid.statusCode, 400);
    assert.match(invalid.body, /The certificate type was not saved/);
  });
});
