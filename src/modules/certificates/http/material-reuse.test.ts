import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import type { FormClient } from '../../../../test/support/form-client.ts';
import { SAMPLE_PDF } from '../../../../test/support/materials.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInPerson, signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import type { Actor } from '../../../kernel/authz/authz.ts';
import { queryRows } from '../../../kernel/db/database.ts';
import { type FormsService, sampleAnswers, type UploadedFile } from '../../forms/index.ts';
import type { IdentityContract } from '../../identity/index.ts';
import type { Certificate } from '../certificates.service.ts';
import type { CertificatesModule } from '../index.ts';

// 材料免提交: a food business licence 张伟 holds stands in for the material '食品经营许可证' of the shop-sign filing
// (CG-0101, optional upload `foodLicence` on the page `sign`), through the pages as a browser without JavaScript
// uses them, through the API, and on the workbench of urban management (CG) with the certificate's live status.

const client = { clientAddress: '192.0.2.41', userAgent: 'test', requestId: 'req_material_reuse' };
/** The head of market regulation (SJ), who issues and revokes SJ's food business licences. */
const SJ_HEAD: Actor = {
  kind: 'staff',
  accountId: 'acct_x',
  clearance: 'internal',
  roles: [{ departmentCode: 'SJ', role: 'head' }],
};
const FOOD_FIELDS = {
  businessName: '张记小面馆',
  creditCode: '91340100MA2N0G7X3B',
  premises: '示范市蜀山区长江西路 100 号',
  seats: '40',
};
/** What the sign page says of a certificate that stands in for the upload (forms.messages form.file.certificate). */
const STANDS_IN = /将作为这份材料，无需上传/;
const NORMAL_HINT = /可上传 PDF、JPG 或 PNG 文件，不超过 10\.0 MB/;

/**
 * A multipart body as a browser sends the sign page: its text fields, and the file input either with a file or
 * left empty (a part without a name or bytes, as Chromium sends it).
 */
function signPageBody(fields: Record<string, string>, file?: { name: string; bytes: Buffer }) {
  const boundary = '----yiwangMaterialReuse5d1c0e9a';
  const parts: Buffer[] = [];
  for (const [name, value] of Object.entries(fields))
    parts.push(
      Buffer.from(`--${boundary}\r\nContent-Disposition: form-data; name="${name}"\r\n\r\n${value}\r\n`),
    );
  parts.push(
    Buffer.from(
      `--${boundary}\r\nContent-Disposition: form-data; name="foodLicence"; filename="${file?.name ?? ''}"\r\n` +
        `Content-Type: ${file ? 'application/pdf' : 'application/octet-stream'}\r\n\r\n`,
    ),
    file?.bytes ?? Buffer.alloc(0),
    Buffer.from(`\r\n--${boundary}--\r\n`),
  );
  return { payload: Buffer.concat(parts), contentType: `multipart/form-data; boundary=${boundary}` };
}

describe('a certificate the applicant holds stands in for a material (材料免提交)', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let certificates: CertificatesModule;
  let licence: Certificate;
  let zhang: FormClient;
  let zhangAddress: string;
  let firstCase: string;
  /** 张伟's application saved with the certificate before it was revoked, submitted after. */
  let staleDraft: string;

  // Counted in SQL: the cases module's tables are its own (the module contract), a test reads them only as rows.
  const caseCount = async () =>
    (await queryRows<{ n: number }>(platform.kernel.db, sql`select count(*)::int as n from cases_cases`))[0]
      ?.n ?? 0;

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    certificates = platform.contracts.certificates as CertificatesModule;
    const zhangAccount = await (platform.contracts.identity as IdentityContract).findAccount('zhangwei');
    assert.ok(zhangAccount);
    licence = await certificates.issue(
      SJ_HEAD,
      { typeCode: 'food-business-licence', holder: { accountId: zhangAccount.id }, fields: FOOD_FIELDS },
      client,
    );
    assert.equal(licence.status, 'valid');
    assert.match(licence.number, /^JY-\d{4}-\d{7}-[0-9A-Z]$/);
    zhangAddress = '198.51.100.81';
    zhang = await signInPerson(app, 'zhangwei', zhangAddress);
  });
  after(() => platform.close());

  /** Starts (or resumes) the person's CG-0101 application and answers the applicant page as filled in. */
  async function startShopSign(person: FormClient) {
    const start = await person.get('/services/CG-0101/apply');
    assert.equal(start.statusCode, 303);
    const first = String(start.headers.location);
    assert.match(first, /^\/applications\/draft_[0-9A-Z]+\/pages\/applicant$/);
    const base = first.replace(/\/pages\/applicant$/, '');
    const applicant = await person.get(first);
    assert.equal(applicant.statusCode, 200);
    const filledIn = (name: string) =>
      new RegExp(`name="${name}"[^>]*value="([^"]+)"`).exec(applicant.body)?.[1] ?? '';
    const next = await person.post(first, {
      _csrf: person.token(applicant.body),
      name: filledIn('name'),
      idNumber: filledIn('idNumber'),
      phone: filledIn('phone'),
    });
    assert.equal(next.statusCode, 303, next.body);
    assert.equal(next.headers.location, `${base}/pages/sign`);
    return base;
  }

  /** Posts the sign page as the browser would, with the licence input empty unless a file is given. */
  async function postSign(
    person: FormClient,
    address: string,
    base: string,
    file?: { name: string; bytes: Buffer },
  ) {
    const token = person.token((await person.get(`${base}/pages/sign`)).body);
    const body = signPageBody(
      { _csrf: token, wording: '张记小面馆', address: '示范市蜀山区长江西路 100 号', width: '3.5' },
      file,
    );
    return app.inject({
      method: 'POST',
      url: `${base}/pages/sign`,
      cookies: person.cookies,
      remoteAddress: address,
      headers: { 'content-type': body.contentType },
      payload: body.payload,
    });
  }

  /** The API as a signed-in person's browser session calls it (JSON, the session cookie). */
  const api = (person: FormClient, address: string, method: 'GET' | 'POST', url: string, body?: object) =>
    app.inject({
      method,
      url,
      cookies: person.cookies,
      remoteAddress: address,
      headers: method === 'POST' ? { 'idempotency-key': `material-reuse-${Math.random()}`.slice(0, 40) } : {},
      ...(body ? { payload: body as Record<string, unknown> } : {}),
    });

  it('shows a person without a certificate the usual file input, without the certificate sentence', async () => {
    const wang = await signInPerson(app, 'wangfang', '198.51.100.82');
    const base = await startShopSign(wang);
    const sign = await wang.get(`${base}/pages/sign`);
    assert.equal(sign.statusCode, 200);
    assert.match(sign.body, /enctype="multipart\/form-data"/);
    assert.match(sign.body, /type="file"[^>]*name="foodLicence"|name="foodLicence"[^>]*type="file"/);
    assert.match(sign.body, NORMAL_HINT);
    assert.doesNotMatch(sign.body, STANDS_IN);
    assert.doesNotMatch(sign.body, /电子证照/);
    assert.ok(!sign.body.includes(licence.number), 'nobody else’s certificate is named');
  });

  it('lets 张伟 apply without uploading the licence: the hint names it, the page saves, the case holds it', async () => {
    const base = await startShopSign(zhang);
    const sign = await zhang.get(`${base}/pages/sign`);
    assert.equal(sign.statusCode, 200);
    // The file question's hint says which certificate stands in, by name and number, and keeps the input.
    assert.match(sign.body, STANDS_IN);
    assert.ok(
      sign.body.includes(`您持有的电子证照“食品经营许可证”（${licence.number}）将作为这份材料`),
      'the hint names the certificate and its number',
    );
    assert.match(sign.body, NORMAL_HINT, 'choosing a file instead stays possible');
    assert.match(sign.body, /name="foodLicence"/);
    const english = await zhang.get(`${base}/pages/sign?lang=en`);
    assert.ok(
      english.body.includes(
        `Your certificate “食品经营许可证” (${licence.number}) will stand in for this document: nothing to upload.`,
      ),
    );
    // `?lang=` sticks (a cookie): back to Chinese for the rest.
    assert.match((await zhang.get(`${base}/pages/sign?lang=zh-CN`)).body, STANDS_IN);

    const saved = await postSign(zhang, zhangAddress, base);
    assert.equal(saved.statusCode, 303, saved.body);
    assert.equal(saved.headers.location, `${base}/check`);
    // Back on the page the certificate is still what answers it.
    assert.match((await zhang.get(`${base}/pages/sign`)).body, STANDS_IN);

    const check = await zhang.get(`${base}/check`);
    assert.equal(check.statusCode, 200);
    assert.ok(
      check.body.includes(`电子证照“食品经营许可证”（${licence.number}）`),
      'the check page shows the certificate in place of a file',
    );
    const before = await caseCount();
    const submitted = await zhang.post(`${base}/submit`, { _csrf: zhang.token(check.body) });
    assert.equal(submitted.statusCode, 303, submitted.body);
    const receipt = String(submitted.headers.location);
    assert.match(receipt, /^\/cases\/CG-\d{4}-\d{7}-[0-9A-Z]\?submitted=1$/);
    assert.equal(await caseCount(), before + 1);
    firstCase = receipt.slice('/cases/'.length, receipt.indexOf('?'));

    const read = await api(zhang, zhangAddress, 'GET', `/api/v1/cases/${firstCase}`);
    assert.equal(read.statusCode, 200, read.body);
    assert.equal(read.json().serviceCode, 'CG-0101');
    assert.deepEqual(read.json().answers.sign.foodLicence, {
      certificate: licence.number,
      type: 'food-business-licence',
      name: '食品经营许可证',
    });
    assert.equal(read.json().answers.sign.wording, '张记小面馆');
  });

  it('keeps a file 张伟 chooses instead of the certificate', async () => {
    const base = await startShopSign(zhang);
    const uploaded = await postSign(zhang, zhangAddress, base, { name: '许可证.pdf', bytes: SAMPLE_PDF });
    assert.equal(uploaded.statusCode, 303, uploaded.body);
    const page = await zhang.get(`${base}/pages/sign`);
    assert.match(page.body, /已上传：许可证\.pdf/);
    assert.doesNotMatch(page.body, STANDS_IN, 'an uploaded file is not replaced by the certificate');
    // Posting the page again with the input empty keeps the file (an upload made before wins too).
    assert.equal((await postSign(zhang, zhangAddress, base)).statusCode, 303);
    const check = await zhang.get(`${base}/check`);
    assert.match(check.body, /许可证\.pdf/);
    assert.ok(!check.body.includes(licence.number));
    const submitted = await zhang.post(`${base}/submit`, { _csrf: zhang.token(check.body) });
    assert.equal(submitted.statusCode, 303, submitted.body);
    const number = String(submitted.headers.location).slice('/cases/'.length).split('?')[0];
    const read = await api(zhang, zhangAddress, 'GET', `/api/v1/cases/${number}`);
    assert.equal(read.json().answers.sign.foodLicence.name, '许可证.pdf');
    assert.equal(read.json().answers.sign.foodLicence.certificate, undefined);
  });

  it('refuses 王芳’s API application naming 张伟’s certificate (400, nothing created); hers alone goes through', async () => {
    // 王芳 (L2, as CG-0101 asks): 李娜 is L1, refused for her identity level before any answer is looked at.
    const address = '198.51.100.83';
    const wang = await signInPerson(app, 'wangfang', address);
    const upload = await api(wang, address, 'POST', '/api/v1/uploads', {
      name: 'material.pdf',
      content: SAMPLE_PDF.toString('base64'),
    });
    assert.equal(upload.statusCode, 201, upload.body);
    const form = await (platform.contracts.forms as FormsService).activeForm('CG-0101');
    assert.ok(form);
    const answers = sampleAnswers(form.definition, 5, undefined, upload.json() as UploadedFile) as Record<
      string,
      Record<string, unknown>
    >;
    assert.ok(answers.sign && 'foodLicence' in answers.sign, 'the sample answers the licence question');
    const borrowed = {
      ...answers,
      sign: {
        ...answers.sign,
        foodLicence: { certificate: licence.number, type: 'food-business-licence', name: '食品经营许可证' },
      },
    };
    const before = await caseCount();
    const refused = await api(wang, address, 'POST', '/api/v1/cases', {
      serviceCode: 'CG-0101',
      answers: borrowed,
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().code, 'FORMS_ERR_ANSWERS_INVALID');
    const problems = (refused.json().errors ?? []) as { path?: string; field?: string; message: string }[];
    assert.equal(problems.length, 1, refused.body);
    assert.match(JSON.stringify(problems[0]), /sign\.foodLicence/);
    assert.match(problems[0]?.message ?? '', /电子证照“食品经营许可证”已失效或不属于申请人/);
    assert.equal(await caseCount(), before, 'nothing was created');

    // 张伟's own valid licence, named for a material it cannot replace (SJ-0201's floor plan): refused, and the
    // name he sends changes nothing.
    const zhangApi = await signInPerson(app, 'zhangwei', '198.51.100.84');
    const zhangUpload = await api(zhangApi, '198.51.100.84', 'POST', '/api/v1/uploads', {
      name: 'material.pdf',
      content: SAMPLE_PDF.toString('base64'),
    });
    const sjForm = await (platform.contracts.forms as FormsService).activeForm('SJ-0201');
    assert.ok(sjForm);
    const sjAnswers = sampleAnswers(
      sjForm.definition,
      6,
      undefined,
      zhangUpload.json() as UploadedFile,
    ) as Record<string, Record<string, unknown>>;
    const planPage = sjForm.definition.pages.find((page) => page.questions.some((q) => q.id === 'floorPlan'));
    assert.ok(planPage);
    const misplaced = await api(zhangApi, '198.51.100.84', 'POST', '/api/v1/cases', {
      serviceCode: 'SJ-0201',
      answers: {
        ...sjAnswers,
        [planPage.id]: {
          ...sjAnswers[planPage.id],
          floorPlan: {
            certificate: licence.number,
            type: 'food-business-licence',
            name: '经营场所平面布局图',
          },
        },
      },
    });
    assert.equal(misplaced.statusCode, 400, misplaced.body);
    assert.match(misplaced.body, /不能代替这份材料/);

    // The same answers with her own file are accepted: the certificate was the only problem.
    const own = await api(wang, address, 'POST', '/api/v1/cases', { serviceCode: 'CG-0101', answers });
    assert.equal(own.statusCode, 201, own.body);
    assert.equal(await caseCount(), before + 1);
  });

  it('keeps the certificate in an application 张伟 saves while it is valid but submits later', async () => {
    staleDraft = await startShopSign(zhang);
    assert.equal((await postSign(zhang, zhangAddress, staleDraft)).statusCode, 303);
    assert.ok((await zhang.get(`${staleDraft}/check`)).body.includes(licence.number));
  });

  it('shows the CG clerk the certificate with its live status: valid, then revoked after the SJ head revokes it', async () => {
    const zhou = await signInStaff(app, 'zhouqiang', '198.51.100.84');
    const page = await zhou.get(`/workbench/cases/${firstCase}`);
    assert.equal(page.statusCode, 200, page.body);
    assert.ok(page.body.includes('电子证照“食品经营许可证”代替材料：'));
    assert.ok(
      page.body.includes(
        `<a href="/certificates/verify?number=${encodeURIComponent(licence.number)}">${licence.number}</a>`,
      ),
      'the number links to the public verification',
    );
    assert.match(page.body, /核验有效/);
    assert.doesNotMatch(page.body, /没有上传的材料/);
    const english = await zhou.get(`/workbench/cases/${firstCase}?lang=en`);
    assert.match(english.body, /Certificate “食品经营许可证” in place of a document:/);
    assert.match(english.body, /verified, valid/);
    await zhou.get(`/workbench/cases/${firstCase}?lang=zh-CN`);

    const revoked = await certificates.revoke(SJ_HEAD, licence.number, '经营场所变更', client);
    assert.equal(revoked.status, 'revoked');
    const after = await zhou.get(`/workbench/cases/${firstCase}`);
    assert.equal(after.statusCode, 200);
    assert.ok(after.body.includes(licence.number));
    assert.match(after.body, /已注销/);
    assert.doesNotMatch(after.body, /核验有效/);
  });

  it('refuses the revoked certificate when 张伟 submits the application he saved before, until he uploads a file', async () => {
    const sign = await zhang.get(`${staleDraft}/pages/sign`);
    assert.doesNotMatch(sign.body, STANDS_IN, 'the page no longer offers the certificate');
    const check = await zhang.get(`${staleDraft}/check`);
    const before = await caseCount();
    const refused = await zhang.post(`${staleDraft}/submit`, { _csrf: zhang.token(check.body) });
    assert.equal(refused.statusCode, 400);
    assert.match(
      refused.body,
      /电子证照“食品经营许可证”已失效或不属于申请人，不能代替这份材料。请上传材料。/,
    );
    assert.equal(await caseCount(), before, 'nothing was created');
    assert.match(
      refused.body,
      /error-summary/,
      'the check page again, with the problem in its error summary',
    );
    // Saving the page again without a file clears the certificate that no longer stands in (the material is
    // optional here), instead of keeping it and failing every submission.
    const cleared = await postSign(zhang, zhangAddress, staleDraft);
    assert.equal(cleared.statusCode, 303, cleared.body);
    const again = await zhang.get(`${staleDraft}/check`);
    assert.ok(!again.body.includes(licence.number));
    const submitted = await zhang.post(`${staleDraft}/submit`, { _csrf: zhang.token(again.body) });
    assert.equal(submitted.statusCode, 303, submitted.body);
    assert.equal(await caseCount(), before + 1);
  });

  it('no longer offers the revoked certificate on 张伟’s next application, nor accepts it through the API', async () => {
    const base = await startShopSign(zhang);
    assert.notEqual(base, staleDraft, 'a new application');
    const sign = await zhang.get(`${base}/pages/sign`);
    assert.equal(sign.statusCode, 200);
    assert.doesNotMatch(sign.body, STANDS_IN);
    assert.ok(!sign.body.includes(licence.number));
    assert.match(sign.body, NORMAL_HINT);
    // Left empty, the optional material stays unanswered: the revoked certificate is not slipped in.
    assert.equal((await postSign(zhang, zhangAddress, base)).statusCode, 303);
    const check = await zhang.get(`${base}/check`);
    assert.ok(!check.body.includes(licence.number));
    assert.doesNotMatch(check.body, /电子证照/);

    // Named by hand through the API, his own revoked certificate is refused.
    const form = await (platform.contracts.forms as FormsService).activeForm('CG-0101');
    assert.ok(form);
    const answers = sampleAnswers(form.definition, 9) as Record<string, Record<string, unknown>>;
    const before = await caseCount();
    const refused = await api(zhang, zhangAddress, 'POST', '/api/v1/cases', {
      serviceCode: 'CG-0101',
      answers: {
        ...answers,
        sign: {
          ...answers.sign,
          foodLicence: { certificate: licence.number, type: 'food-business-licence', name: '食品经营许可证' },
        },
      },
    });
    assert.equal(refused.statusCode, 400, refused.body);
    assert.equal(refused.json().code, 'FORMS_ERR_ANSWERS_INVALID');
    assert.match(refused.body, /已失效或不属于申请人/);
    assert.equal(await caseCount(), before);
  });
});
