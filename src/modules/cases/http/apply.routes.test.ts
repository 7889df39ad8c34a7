import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { count } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { creditCodeCheckCharacter } from '../../identity/index.ts';
import { cases } from '../db/cases.tables.ts';

/** The smallest PDF a browser could upload: its header is what the platform looks at. */
const PDF = Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');

/** A multipart body as a browser sends a form with a file input. */
function multipart(
  fields: Record<string, string>,
  files: Record<string, { name: string; type: string; bytes: Buffer }>,
) {
  const boundary = '----yiwangTestBoundary7MA4YWxkTrZu0gW';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  for (const [name, file] of Object.entries(files)) {
    parts.push(
      Buffer.from(
        `--${boundary}\r\nContent-Disposition: form-data; name="${name}"; filename="${file.name}"\r\nContent-Type: ${file.type}\r\n\r\n`,
      ),
      file.bytes,
      Buffer.from('\r\n'),
    );
  }
  parts.push(Buffer.from(`--${boundary}--\r\n`));
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('applying online, page by page', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  const caseCount = async () => (await platform.kernel.db.select({ n: count() }).from(cases))[0]?.n ?? 0;

  async function upload(
    client: FormClient,
    url: string,
    fields: Record<string, string>,
    file?: { name: string; type: string; bytes: Buffer },
  ) {
    const token = client.token((await client.get(url)).body);
    const body = multipart({ ...fields, _csrf: token }, file ? { floorPlan: file } : {});
    return app.inject({
      method: 'POST',
      url,
      cookies: client.cookies,
      remoteAddress: '198.51.100.61',
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    });
  }

  it('takes 张伟 from the service to a receipt: his identity filled in, every page checked, one case however often he submits', async () => {
    const zhang = await signInPerson(app, 'zhangwei', '198.51.100.61');
    const start = await zhang.get('/services/ZWFW-0101/apply');
    assert.equal(start.statusCode, 303);
    const first = String(start.headers.location);
    assert.match(first, /^\/applications\/draft_[0-9A-Z]+\/pages\/applicant$/);
    const base = first.replace(/\/pages\/applicant$/, '');

    const applicant = await zhang.get(first);
    assert.equal(applicant.statusCode, 200);
    assert.match(applicant.body, /已根据您的实名信息填写，请核对/);
    assert.match(applicant.body, /value="张伟"/);
    const token = zhang.token(applicant.body);
    const next = await zhang.post(first, {
      _csrf: token,
      name: '张伟',
      idNumber: /name="idNumber"[^>]*value="([^"]+)"/.exec(applicant.body)?.[1] ?? '',
      phone: /name="phone"[^>]*value="([^"]+)"/.exec(applicant.body)?.[1] ?? '',
    });
    assert.equal(next.statusCode, 303);
    assert.equal(next.headers.location, `${base}/pages/business`);

    // Every problem of the page at once, in the summary and beside each field; nothing saved.
    const bad = await zhang.post(`${base}/pages/business`, {
      _csrf: token,
      name: '',
      creditCode: '91340100MA2TEST00X',
      address: '',
    });
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="error-summary"/);
    assert.match(bad.body, /href="#creditCode">统一社会信用代码不正确/);
    assert.match(bad.body, /href="#name">请填写此项/);
    const good = await zhang.post(`${base}/pages/business`, {
      _csrf: token,
      name: '湖畔小馆餐饮有限公司',
      creditCode: `91340100MA0000001${creditCodeCheckCharacter('91340100MA0000001')}`,
      address: '南湖区湖滨路 8 号',
    });
    assert.equal(good.headers.location, `${base}/pages/premises`);

    // The floor plan: a text file named .pdf is refused on its content; a real PDF is kept.
    const fake = await upload(
      zhang,
      `${base}/pages/premises`,
      { seats: '40', area: '85.5' },
      { name: 'plan.pdf', type: 'application/pdf', bytes: Buffer.from('just some text, not a PDF at all') },
    );
    assert.equal(fake.statusCode, 400);
    assert.match(fake.body, /只能上传 PDF、JPG 或 PNG 文件/);
    // A good file on a page with another mistake is kept: correcting the mistake needs no second upload.
    const keptFile = await upload(
      zhang,
      `${base}/pages/premises`,
      { seats: 'forty', area: '85.5' },
      { name: '平面图.pdf', type: 'application/pdf', bytes: PDF },
    );
    assert.equal(keptFile.statusCode, 400);
    assert.match(keptFile.body, /已上传：平面图\.pdf/);
    const corrected = await upload(zhang, `${base}/pages/premises`, { seats: '40', area: '85.5' });
    assert.equal(corrected.statusCode, 303, 'no second upload needed');
    const real = await upload(
      zhang,
      `${base}/pages/premises`,
      { seats: '40', area: '85.5' },
      { name: '平面图.pdf', type: 'application/pdf', bytes: PDF },
    );
    assert.equal(real.statusCode, 303, real.body);
    assert.equal(real.headers.location, `${base}/pages/staff`);
    const again = await zhang.get(`${base}/pages/premises`);
    assert.match(again.body, /已上传：平面图\.pdf/);

    // A repeating group: "add another" keeps what was typed and offers a blank item.
    const added = await zhang.post(`${base}/pages/staff`, {
      _csrf: token,
      action: 'add',
      'members.0.name': '李明',
      'members.0.certificate': 'JK-001',
    });
    assert.equal(added.statusCode, 200);
    assert.match(added.body, /name="members\.1\.name"/);
    assert.match(added.body, /value="李明"/);
    const staff = await zhang.post(`${base}/pages/staff`, {
      _csrf: token,
      'members.0.name': '李明',
      'members.0.certificate': 'JK-001',
      'members.1.name': '王强',
      'members.1.certificate': 'JK-002',
    });
    assert.equal(staff.headers.location, `${base}/pages/sign`);
    const sign = await zhang.post(`${base}/pages/sign`, {
      _csrf: token,
      hasSign: 'yes',
      wording: '湖畔小馆',
      width: '3',
    });
    assert.equal(sign.headers.location, `${base}/check`);

    const check = await zhang.get(`${base}/check`);
    assert.match(check.body, /核对您的申请/);
    assert.match(check.body, /李明 JK-001；王强 JK-002/);
    const before = await caseCount();
    const submitted = await zhang.post(`${base}/submit`, { _csrf: zhang.token(check.body) });
    assert.equal(submitted.statusCode, 303);
    const receiptUrl = String(submitted.headers.location);
    assert.match(receiptUrl, /^\/cases\/ZWFW-\d{4}-\d{7}-[0-9A-Z]\?submitted=1$/);
    // A second click on the same submit button: the same case.
    const twice = await zhang.post(`${base}/submit`, { _csrf: zhang.token(check.body) });
    assert.equal(twice.headers.location, receiptUrl);
    assert.equal(await caseCount(), before + 1);

    const receipt = await zhang.get(receiptUrl);
    assert.equal(receipt.statusCode, 200);
    assert.match(receipt.body, /申请已提交/);
    assert.match(receipt.body, /市政务服务中心/);
    const mine = await zhang.get('/cases');
    assert.match(mine.body, new RegExp(receiptUrl.split('?')[0]?.slice('/cases/'.length) ?? 'none'));

    // In English too, and nobody else sees it.
    const english = await zhang.get(`${receiptUrl.split('?')[0]}?lang=en`);
    assert.match(english.body, /Where each department is/);
    const li = await signInPerson(app, 'lina', '198.51.100.62');
    assert.equal((await li.get(receiptUrl.split('?')[0] ?? '')).statusCode, 403);
    assert.equal(
      (await li.get(`${base}/check`)).statusCode,
      404,
      'another person’s draft does not exist for her',
    );
  });

  it('sends visitors to sign in, and refuses a tampered choice on submission', async () => {
    const visitor = await app.inject({ url: '/services/ZWFW-0101/apply' });
    assert.equal(visitor.statusCode, 303);
    assert.equal(visitor.headers.location, '/sign-in');
    const wang = await signInPerson(app, 'wangfang', '198.51.100.63');
    const start = await wang.get('/services/CG-0101/apply');
    const base = String(start.headers.location).replace(/\/pages\/applicant$/, '');
    const token = wang.token((await wang.get(String(start.headers.location))).body);
    // A choice that is not offered (a tampered radio) is refused on its page; so is an unknown page.
    const restaurant = await wang.get('/services/ZWFW-0101/apply');
    const restaurantBase = String(restaurant.headers.location).replace(/\/pages\/applicant$/, '');
    const tampered = await wang.post(`${restaurantBase}/pages/sign`, { _csrf: token, hasSign: 'perhaps' });
    assert.equal(tampered.statusCode, 400);
    assert.match(tampered.body, /请从给出的选项中选择/);
    assert.equal((await wang.get(`${restaurantBase}/pages/nowhere`)).statusCode, 404);
    // Submitting before every page is answered is refused, naming what is missing; nothing is created.
    const before = await caseCount();
    const refused = await wang.post(`${base}/submit`, { _csrf: token });
    assert.equal(refused.statusCode, 400);
    assert.match(refused.body, /class="error-summary"/);
    assert.match(refused.body, /href="#change-sign"/);
    assert.equal(await caseCount(), before);
    const noToken = await wang.post(`${base}/submit`, {});
    assert.equal(noToken.statusCode, 403, 'a form without its CSRF token changes nothing');
  });
});
