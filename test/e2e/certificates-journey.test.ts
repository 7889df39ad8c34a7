import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page } from 'playwright-core';
import type { Platform } from '../../src/app.ts';
import type { CasesModule } from '../../src/modules/cases/index.ts';
import type { CertificatesModule } from '../../src/modules/certificates/index.ts';
import { type FormsService, sampleAnswers } from '../../src/modules/forms/index.ts';
import { creditCodeCheckCharacter, type IdentityContract } from '../../src/modules/identity/index.ts';
import {
  expectAccessibleWithoutScripts,
  isBrowserAvailable,
  launchBrowser,
  navigation,
  needBrowser,
  signInThroughPages,
} from '../support/browser.ts';
import { SAMPLE_PDF } from '../support/materials.ts';
import { startTestPlatform } from '../support/platform.ts';

// Electronic certificates in Chromium, end to end: 张伟's restaurant (开办餐饮店, ZWFW-0101) is approved, and the
// approval's event (delivered by the platform's job worker) puts a food business licence in his wallet, where he
// sees it and downloads its PDF. He then files his shop sign (CG-0101) and hands in nothing for the licence the
// form asks for: his certificate stands in (材料免提交). 周强, the urban management clerk, sees it verified on the
// case, and anyone can verify it on the public page. The wallet, the verification page (form and result) and the
// workbench case are checked by axe-core in Chinese and English at a narrow phone's width (320 px).
//
// The restaurant case itself is walked through the pages by restaurant-journey.test.ts; here it is submitted and
// approved in-process (the cases service, as each demo clerk), to keep the file quick. So this file serves the
// platform itself (as browserSuite does, but keeping the platform at hand) and runs its job work (`work: true`).

const PHONE = { width: 375, height: 800 };
/** Where axe and the sideways-scroll check look: the narrowest width WCAG's reflow asks for (1.4.10). */
const NARROW_PHONE = { width: 320, height: 640 };
const client = { clientAddress: '192.0.2.77', userAgent: 'e2e', requestId: 'req_certificates_journey' };
const BUSINESS = '示范市味道餐饮有限公司';

let browser: Browser | undefined;
let platform: Platform | undefined;
let baseUrl = '';
let checker: Page | undefined;
const contexts = new Set<BrowserContext>();

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, platform] = await Promise.all([launchBrowser(), startTestPlatform({ work: true })]);
  const app = platform.app;
  assert.ok(app, 'the platform has an HTTP server');
  await app.listen({ port: 0, host: '127.0.0.1' });
  const address = app.server.address();
  assert.ok(address && typeof address === 'object');
  baseUrl = `http://127.0.0.1:${address.port}`;
  // The checker (JavaScript on, for axe) at a narrow phone's width, on the platform's origin so that the pages
  // copied into it load their stylesheet.
  checker = await openPage(true, NARROW_PHONE);
  await checker.goto('/');
});
after(async () => {
  await Promise.all([...contexts].map((context) => context.close()));
  await browser?.close();
  await platform?.close();
});

async function openPage(javaScriptEnabled: boolean, viewport = PHONE): Promise<Page> {
  assert.ok(browser, 'the browser is started');
  const context = await browser.newContext({ baseURL: baseUrl, viewport, javaScriptEnabled });
  contexts.add(context);
  return context.newPage();
}

/**
 * The page (JavaScript off) as it is now, then the same path in English, each checked by axe (and for sideways
 * scrolling) at a narrow phone's width.
 */
async function expectAccessibleInBothLanguages(page: Page, label: string) {
  assert.ok(checker);
  await expectAccessibleWithoutScripts(checker, page, `${label}, Chinese`);
  const url = new URL(page.url());
  url.searchParams.set('lang', 'en');
  const english = await page.goto(url.pathname + url.search);
  assert.equal(english?.status(), 200, `${label} in English`);
  assert.equal(await page.locator('html').getAttribute('lang'), 'en');
  await expectAccessibleWithoutScripts(checker, page, `${label}, English`);
  // `?lang=` sticks: back to Chinese, where the rest of the journey reads its words.
  url.searchParams.set('lang', 'zh-CN');
  await page.goto(url.pathname + url.search);
  assert.equal(await page.locator('html').getAttribute('lang'), 'zh-CN');
}

/** 张伟's restaurant application, submitted and approved by the five departments through the cases service. */
async function approvedRestaurant(p: Platform): Promise<string> {
  const identity = p.contracts.identity as IdentityContract;
  const forms = p.contracts.forms as FormsService;
  const cases = p.contracts.cases as CasesModule;
  const actorOf = async (username: string) => {
    const account = await identity.findAccount(username);
    assert.ok(account, username);
    return { id: account.id, actor: await identity.actorOf(account.id) };
  };
  const zhang = await actorOf('zhangwei');
  const form = await forms.activeForm('ZWFW-0101');
  assert.ok(form);
  const plan = await forms.upload(zhang.id, { filename: '平面图.pdf', bytes: SAMPLE_PDF }, 'zh-CN');
  const answers = sampleAnswers(form.definition, 11, undefined, plan) as Record<
    string,
    Record<string, unknown>
  >;
  answers.business = {
    ...answers.business,
    name: BUSINESS,
    creditCode: `91340100MA0000001${creditCodeCheckCharacter('91340100MA0000001')}`,
    address: '南湖区湖滨路 8 号',
  };
  const submitted = await cases.submit(
    zhang.actor,
    { serviceCode: 'ZWFW-0101', answers, idempotencyKey: 'certificates-journey-restaurant' },
    client,
  );
  let view = submitted.case;
  const clerks: Record<string, string> = {
    ZWFW: 'chenjing',
    SJ: 'liuyang',
    XF: 'zhaolei',
    HB: 'sunli',
    CG: 'zhouqiang',
  };
  // The centre accepts; then the four departments' steps, in whatever order they open.
  for (let round = 0; round < 10 && view.state === 'in_progress'; round++) {
    const open = view.tasks.filter((task) => task.state === 'open');
    assert.ok(open.length > 0, `an open step in ${view.number}`);
    for (const task of open) {
      const username = clerks[task.departmentCode];
      assert.ok(username, `a demo clerk of ${task.departmentCode}`);
      view = await cases.decide(
        (await actorOf(username)).actor,
        task.id,
        { outcome: 'approve', revision: task.revision },
        client,
      );
    }
  }
  assert.equal(view.state, 'approved', `${view.number} is approved`);
  return view.number;
}

describe('electronic certificates: issued on approval, held in the wallet, reused as a material', () => {
  it('puts the licence in 张伟’s wallet, stands in for the shop sign’s material, and shows verified to the clerk and the public', async (t) => {
    if (!needBrowser(t)) return;
    assert.ok(platform && checker);
    const restaurant = await approvedRestaurant(platform);

    // The approval's event is delivered by the job worker: the licence appears in his wallet within seconds.
    const certificates = platform.contracts.certificates as CertificatesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const zhangAccount = await identity.findAccount('zhangwei');
    assert.ok(zhangAccount);
    const zhangActor = await identity.actorOf(zhangAccount.id);
    let number: string | undefined;
    for (const deadline = Date.now() + 20_000; !number && Date.now() < deadline; ) {
      number = (await certificates.wallet(zhangActor)).find(
        (c) => c.type.code === 'food-business-licence',
      )?.number;
      if (!number) await new Promise((resolve) => setTimeout(resolve, 200));
    }
    assert.ok(number, `the approval of ${restaurant} issued a food business licence`);
    assert.match(number, /^JY-\d{4}-\d{7}-[0-9A-Z]$/);

    // 张伟's wallet, in a browser without JavaScript.
    const zhang = await openPage(false);
    await signInThroughPages(zhang, 'zhangwei');
    const wallet = await zhang.goto('/wallet');
    assert.equal(wallet?.status(), 200);
    const licence = zhang.locator('section.certificate', {
      has: zhang.getByRole('heading', { name: '食品经营许可证' }),
    });
    assert.equal(await licence.count(), 1, 'one food business licence in the wallet');
    const shown = (await licence.textContent()) ?? '';
    assert.ok(shown.includes(number), 'with its number');
    assert.match(shown, /张伟/);
    assert.match(shown, /有效/);
    assert.match(shown, /市市场监督管理局/);
    await expectAccessibleInBothLanguages(zhang, 'the wallet');

    // The PDF link downloads the printable certificate.
    const [download] = await Promise.all([
      zhang.waitForEvent('download'),
      licence.getByRole('link', { name: `下载 PDF ${number}` }).click(),
    ]);
    assert.equal(download.suggestedFilename(), `${number}.pdf`);
    const pdf = readFileSync(await download.path());
    assert.equal(pdf.subarray(0, 5).toString('latin1'), '%PDF-', 'the download is a PDF');
    assert.ok(pdf.length > 10_000, `a whole certificate, not an error page (${pdf.length} bytes)`);

    // The shop sign: the licence stands in for the material, nothing uploaded.
    await zhang.goto('/services/CG-0101');
    await navigation(zhang, () => zhang.getByRole('link', { name: '在线申请' }).click());
    assert.equal(await zhang.getByLabel('姓名').inputValue(), '张伟');
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    const upload = zhang.getByLabel('食品经营许可证');
    assert.equal(await upload.getAttribute('type'), 'file');
    const hint = (await zhang.locator('#foodLicence-hint').textContent()) ?? '';
    assert.ok(
      hint.includes(`您持有的电子证照“食品经营许可证”（${number}）将作为这份材料，无需上传`),
      `the hint names the licence: ${hint}`,
    );
    await zhang.getByLabel('招牌文字').fill('味道小馆');
    await zhang.getByLabel('设置地点').fill('南湖区湖滨路 8 号');
    await zhang.getByLabel('招牌宽度（米）').fill('4');
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    assert.match(new URL(zhang.url()).pathname, /\/check$/);
    const check = (await zhang.locator('main').textContent()) ?? '';
    assert.ok(check.includes(`电子证照“食品经营许可证”（${number}）`), 'the check page names the licence');
    await navigation(zhang, () => zhang.getByRole('button', { name: '确认并提交申请' }).click());
    const sign = new URL(zhang.url()).pathname.slice('/cases/'.length);
    assert.match(sign, /^CG-\d{4}-\d{7}-[0-9A-Z]$/);

    // 周强 of urban management sees the licence verified in the case's materials.
    const zhou = await openPage(false);
    await signInThroughPages(zhou, 'zhouqiang', { secondFactor: true });
    await navigation(zhou, () => zhou.getByRole('link', { name: '继续' }).click());
    await navigation(zhou, () => zhou.getByRole('link', { name: '待办事项' }).click());
    await navigation(zhou, () => zhou.getByRole('link', { name: sign }).click());
    assert.equal(new URL(zhou.url()).pathname, `/workbench/cases/${sign}`);
    const material = zhou.locator('main li', { hasText: '电子证照“食品经营许可证”代替材料' });
    assert.equal(await material.count(), 1);
    const materialText = (await material.textContent()) ?? '';
    assert.ok(materialText.includes(number));
    assert.match(materialText, /核验有效/);
    await expectAccessibleInBothLanguages(zhou, 'the workbench case');

    // The number links to the public verification, which anyone can open: valid.
    await navigation(zhou, () => material.getByRole('link', { name: number }).click());
    assert.match((await zhou.locator('main').textContent()) ?? '', /这份证照真实有效/);

    const visitor = await openPage(false);
    const form = await visitor.goto('/certificates/verify');
    assert.equal(form?.status(), 200);
    await expectAccessibleInBothLanguages(visitor, 'the verification form');
    await visitor.getByLabel('证照编号').fill(number);
    await navigation(visitor, () => visitor.getByRole('button', { name: '核验' }).click());
    assert.equal(
      new URL(visitor.url()).search,
      `?number=${encodeURIComponent(number)}`,
      'a result has its own address',
    );
    const result = (await visitor.locator('main').textContent()) ?? '';
    assert.match(result, /这份证照真实有效/);
    assert.ok(result.includes(BUSINESS), 'with what the certificate shows');
    assert.ok(result.includes(number));
    await expectAccessibleInBothLanguages(visitor, 'the verification result');
  });
});
