import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { residentIdCheckCharacter } from '../../src/modules/identity/domain/identifiers.ts';
import {
  expectNoAxeViolations,
  isBrowserAvailable,
  launchBrowser,
  needBrowser,
  type ServedPlatform,
  serveTestPlatform,
  withoutScripts,
} from '../support/browser.ts';
import { startTestSmsGateway, type TestSmsGateway } from '../support/sms-test-gateway.ts';

// Issue 3, registration by text message, in a browser: 孙悦 registers on a 360 px wide phone with JavaScript off,
// chooses to get her code by text message, first forgets her number, then reads the code the (real, loopback) SMS
// gateway received, confirms it and signs in. The development mailbox shows the message too. Every page is
// checked by axe-core.

const SUN_YUE_FIRST_17 = '99010020010930004';
const SUN_YUE = {
  name: '孙悦',
  username: 'sunyue',
  idNumber: `${SUN_YUE_FIRST_17}${residentIdCheckCharacter(SUN_YUE_FIRST_17)}`,
  phone: '13900000088',
  password: 'a long and private sentence',
};
const PHONE = { width: 360, height: 740 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let gateway: TestSmsGateway | undefined;
/** 孙悦's phone browser, with JavaScript off. */
let citizen: Page | undefined;
/** A JavaScript-enabled page at the platform's origin and the same width, where axe analyses her pages' DOM. */
let checker: Page | undefined;
const contexts: BrowserContext[] = [];

before(async () => {
  if (!isBrowserAvailable()) return;
  gateway = await startTestSmsGateway();
  // `work: true`: the code goes out through the outbox and pg-boss to the gateway, as in production. The mailbox is
  // switched on explicitly: with a gateway configured it is off by default.
  [browser, served] = await Promise.all([
    launchBrowser(),
    serveTestPlatform({
      work: true,
      env: { YIWANG_SMS_URL: gateway.url, YIWANG_SMS_TOKEN: gateway.token, YIWANG_DEV_MAILBOX: 'true' },
    }),
  ]);
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser && served);
    const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled, viewport: PHONE });
    contexts.push(context);
    return context.newPage();
  };
  [citizen, checker] = await Promise.all([open(false), open(true)]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
  await gateway?.close();
});

function pages(): { citizen: Page; checker: Page; gateway: TestSmsGateway } {
  assert.ok(citizen && checker && gateway, 'the browser, the platform and the SMS gateway are started');
  return { citizen, checker, gateway };
}

function expectStatus(response: Response | null, status: number, what: string): void {
  assert.ok(response, `no response for ${what}`);
  assert.equal(response.status(), status, `status of ${what}`);
}

async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/**
 * axe-core on the DOM the browser without JavaScript built (axe cannot run there), loaded into the checker at the
 * same origin and width; there the page must not scroll sideways either.
 */
async function expectAccessibleOnPhone(page: Page, label: string): Promise<void> {
  const { checker } = pages();
  await checker.setContent(withoutScripts(await page.content()), { waitUntil: 'load' });
  await expectNoAxeViolations(checker, `${label} (JavaScript off)`);
  const { scrollWidth, innerWidth } = await checker.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    scrollWidth <= innerWidth,
    `${label} scrolls sideways at ${innerWidth}px (${scrollWidth}px wide)`,
  );
}

describe('registration by text message in a browser (issue 3), JavaScript off, 360 px wide', () => {
  it('registers 孙悦 by a code sent to her mobile phone', async (t) => {
    if (!needBrowser(t)) return;
    const { citizen: page, gateway } = pages();

    expectStatus(await page.goto('/register'), 200, 'GET /register');
    await expectAccessibleOnPhone(page, 'the registration form');
    const byEmail = page.getByRole('radio', { name: '通过电子邮件' });
    const bySms = page.getByRole('radio', { name: '通过手机短信' });
    assert.equal(await byEmail.isChecked(), true, 'e-mail is the default');
    const group = page.getByRole('group', { name: '接收验证码的方式' });
    assert.equal(await group.getByRole('radio').count(), 2, 'both choices in one named group');

    // She chooses the text message but forgets her number; no e-mail address either, which is fine.
    await page.getByLabel('姓名（与证件一致）').fill(SUN_YUE.name);
    await page.getByLabel('用户名').fill(SUN_YUE.username);
    await page.getByLabel('证件类型').selectOption('resident_id');
    await page.getByLabel('证件号码').fill(SUN_YUE.idNumber);
    await bySms.check();
    await page.getByLabel('密码').fill(SUN_YUE.password);
    const refused = await submit(page, () => page.getByRole('button', { name: '注册并发送验证码' }).click());
    expectStatus(refused, 400, 'POST /register without the number');
    const summary = page.getByRole('alert');
    assert.equal(await summary.getByRole('link').count(), 1, 'only the number is missing');
    const link = summary.getByRole('link', { name: /请填写手机号码/ });
    assert.equal(await link.getAttribute('href'), '#phone');
    const phone = page.getByLabel('手机号码');
    assert.equal(await phone.getAttribute('aria-invalid'), 'true');
    assert.match((await phone.getAttribute('aria-describedby')) ?? '', /phone-hint phone-error/);
    assert.equal(await bySms.isChecked(), true, 'her choice is kept');
    assert.equal(await page.getByLabel('证件号码').inputValue(), SUN_YUE.idNumber, 'values are kept');
    assert.equal(gateway.requests.length, 0, 'nothing was sent');
    await expectAccessibleOnPhone(page, 'the registration form with an error');

    await link.click();
    await page.waitForURL((url) => url.hash === '#phone', { timeout: 5000 });
    await phone.fill(SUN_YUE.phone);
    await page.getByLabel('密码').fill(SUN_YUE.password);
    const started = await submit(page, () => page.getByRole('button', { name: '注册并发送验证码' }).click());
    expectStatus(started, 200, 'POST /register, then the verify page');
    assert.match(page.url(), /\/register\/verify\?registration=reg_[0-9A-Z]{26}$/);
    assert.equal((await page.locator('h1').textContent())?.trim(), '输入短信验证码');
    assert.match((await page.locator('.lead').textContent()) ?? '', /139\*\*\*\*0088/, 'her number, masked');
    await expectAccessibleOnPhone(page, 'the verify page');

    // The code arrives through the outbox and pg-boss at the gateway, addressed to her number.
    const sms = await gateway.waitFor((s) => s.to === SUN_YUE.phone);
    const code = /验证码是\s*(\d{6})/.exec(sms.text)?.[1];
    assert.ok(code, `a 6-digit code in the text message: ${sms.text}`);

    await page.getByLabel('6 位验证码').fill(code);
    const done = await submit(page, () => page.getByRole('button', { name: '完成注册' }).click());
    expectStatus(done, 200, 'POST /register/verify');
    assert.equal((await page.locator('h1').textContent())?.trim(), '注册成功');
    assert.match((await page.locator('main').textContent()) ?? '', /实名认证等级：L2/);
    await expectAccessibleOnPhone(page, 'the registration success page');

    await submit(page, () => page.getByRole('link', { name: '现在可以登录' }).click());
    assert.equal(new URL(page.url()).pathname, '/sign-in');
    await expectAccessibleOnPhone(page, 'the sign-in page');
    await page.getByLabel('用户名').fill(SUN_YUE.username);
    await page.getByLabel('密码').fill(SUN_YUE.password);
    const signedIn = await submit(page, () =>
      page.getByRole('button', { name: '登录', exact: true }).click(),
    );
    expectStatus(signedIn, 200, 'POST /sign-in, then /account');
    assert.equal(new URL(page.url()).pathname, '/account');
    const nav = page.getByRole('navigation', { name: '主导航' });
    assert.equal(await nav.getByRole('link', { name: SUN_YUE.name }).count(), 1, 'signed in as 孙悦');
    await expectAccessibleOnPhone(page, 'the account page');
  });

  it('shows the text message in the development mailbox, in Chinese and English', async (t) => {
    if (!needBrowser(t)) return;
    const { citizen: page } = pages();
    expectStatus(await page.goto('/dev/mailbox'), 200, 'GET /dev/mailbox');
    const table = page.getByRole('table', { name: /条短信/ });
    const row = table.locator('tbody tr').filter({ hasText: SUN_YUE.phone });
    assert.equal(await row.count(), 1, 'her message is listed');
    assert.match((await row.textContent()) ?? '', /您的注册验证码是 \d{6}/);
    assert.match((await row.textContent()) ?? '', /已发送/);
    await expectAccessibleOnPhone(page, 'the development mailbox');

    await submit(page, () => row.getByRole('link', { name: SUN_YUE.phone }).click());
    assert.match(new URL(page.url()).pathname, /^\/dev\/mailbox\/sms\/sms_[0-9A-Z]{26}$/);
    assert.equal((await page.locator('h1').textContent())?.trim(), `发往 ${SUN_YUE.phone} 的短信`);
    await expectAccessibleOnPhone(page, 'a text message in the development mailbox');

    await submit(page, () => page.getByRole('link', { name: 'English' }).click());
    assert.equal((await page.locator('h1').textContent())?.trim(), `Text message to ${SUN_YUE.phone}`);
    assert.match((await page.locator('main').textContent()) ?? '', /Accepted by the gateway/);
    await expectAccessibleOnPhone(page, 'a text message in the development mailbox, in English');
    expectStatus(await page.goto('/dev/mailbox'), 200, 'GET /dev/mailbox in English');
    assert.equal(await page.getByRole('heading', { name: 'Text messages', level: 2 }).count(), 1);
    await expectAccessibleOnPhone(page, 'the development mailbox, in English');
  });
});
