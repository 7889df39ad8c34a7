import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
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
import { startTestSmtpServer, type TestSmtpServer } from '../support/smtp-test-server.ts';

// Issue 3 "Identity, graded access and a tamper-evident audit log", the browser journey: 赵敏 registers without
// JavaScript and verifies her e-mail by the code the real SMTP server received, signs in, and — after the 12345
// hotline operator 何静 (second factor by TOTP) opened her profile with a purpose — sees who looked at her data
// and why. Every distinct page of the journey is checked by axe-core.

const ZHAO_MIN_FIRST_17 = '99010019950601002';
const ZHAO_MIN_ID = `${ZHAO_MIN_FIRST_17}${residentIdCheckCharacter(ZHAO_MIN_FIRST_17)}`;
/** Her number with a wrong check character: the first attempt, refused by the GB 11643 check. */
const ZHAO_MIN_ID_MISTYPED = `${ZHAO_MIN_FIRST_17}${ZHAO_MIN_ID.endsWith('1') ? '2' : '1'}`;
const ZHAO_MIN = {
  name: '赵敏',
  username: 'zhaomin',
  email: 'zhaomin@example.test',
  phone: '13900000099',
  password: 'a long and private sentence',
};
const STAFF = { username: 'hejing', password: 'shifan-demo-2026' };
const PURPOSE = '受理 12345 来电，核对来电人身份';

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let smtp: TestSmtpServer | undefined;
/** 赵敏's browser, with JavaScript off: every step she takes works with plain HTML forms. */
let citizen: Page | undefined;
/** 何静's browser at the hotline, with JavaScript on. */
let staff: Page | undefined;
/** A JavaScript-enabled page at the platform's origin, where axe analyses the DOM of pages built without it. */
let checker: Page | undefined;
const contexts: BrowserContext[] = [];

before(async () => {
  if (!isBrowserAvailable()) return;
  smtp = await startTestSmtpServer();
  // `work: true`: the code goes out through the outbox and pg-boss, as in production.
  [browser, served] = await Promise.all([
    launchBrowser(),
    serveTestPlatform({ work: true, env: { YIWANG_SMTP_URL: smtp.url } }),
  ]);
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser && served);
    const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled });
    contexts.push(context);
    return context.newPage();
  };
  [citizen, staff, checker] = await Promise.all([open(false), open(true), open(true)]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
  await smtp?.close();
});

function pages(): { citizen: Page; staff: Page; checker: Page; smtp: TestSmtpServer } {
  assert.ok(citizen && staff && checker && smtp, 'the browser, the platform and the SMTP server are started');
  return { citizen, staff, checker, smtp };
}

function expectStatus(response: Response | null, status: number, what: string): void {
  assert.ok(response, `no response for ${what}`);
  assert.equal(response.status(), status, `status of ${what}`);
}

/** Submits the page's form (by `submit`) and returns the response of the navigation it causes. */
async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/**
 * axe-core on the DOM a browser without JavaScript built for this page: axe cannot run in that browser, so the
 * DOM is loaded (scripts removed) into the JavaScript-enabled checker page at the same origin.
 */
async function expectNoAxeViolationsWithoutJavaScript(page: Page, label: string): Promise<void> {
  const { checker } = pages();
  await checker.setContent(withoutScripts(await page.content()));
  await expectNoAxeViolations(checker, `${label} (JavaScript off)`);
}

/** The error summary: announced (role="alert"), focused on load, linking each message to its field. */
async function expectErrorSummary(page: Page, fieldId: string, message: RegExp): Promise<void> {
  const summary = page.getByRole('alert');
  assert.equal(await summary.count(), 1, 'one error summary');
  assert.equal(await page.locator('.error-summary:focus').count(), 1, 'the error summary has the focus');
  const link = summary.getByRole('link', { name: message });
  assert.equal(await link.getAttribute('href'), `#${fieldId}`, 'the message links to its field');
  const field = page.locator(`#${fieldId}`);
  assert.equal(await field.getAttribute('aria-invalid'), 'true');
  const describedBy = (await field.getAttribute('aria-describedby')) ?? '';
  assert.ok(describedBy.split(' ').includes(`${fieldId}-error`), 'the field is described by its error');
  assert.match((await page.locator(`#${fieldId}-error`).textContent()) ?? '', message);
  await link.click();
  // Following a fragment link is asynchronous: wait for it rather than racing it (flaky under load).
  await page.waitForURL((url) => url.hash === `#${fieldId}`, { timeout: 5000 });
  assert.equal(new URL(page.url()).hash, `#${fieldId}`, 'following the link goes to the field');
}

describe('identity journey in a browser (issue 3): register, verify by e-mail, sign in, see who looked', () => {
  it('registers 赵敏 without JavaScript, with the code from the real SMTP server, as L2', async (t) => {
    if (!needBrowser(t)) return;
    const { citizen: page, smtp } = pages();

    expectStatus(await page.goto('/register'), 200, 'GET /register');
    assert.equal((await page.locator('h1').textContent())?.trim(), '注册个人账户');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the registration form');

    // First with a mistyped ID number: the form comes back with an error summary and keeps what she typed.
    await page.getByLabel('姓名（与证件一致）').fill(ZHAO_MIN.name);
    await page.getByLabel('用户名').fill(ZHAO_MIN.username);
    await page.getByLabel('证件类型').selectOption('resident_id');
    await page.getByLabel('证件号码').fill(ZHAO_MIN_ID_MISTYPED);
    await page.getByLabel('电子邮箱').fill(ZHAO_MIN.email);
    await page.getByLabel('手机号码').fill(ZHAO_MIN.phone);
    await page.getByLabel('密码').fill(ZHAO_MIN.password);
    const refused = await submit(page, () => page.getByRole('button', { name: '注册并发送验证码' }).click());
    expectStatus(refused, 400, 'POST /register with a wrong check character');
    await expectErrorSummary(page, 'idNumber', /身份证号码不正确/);
    assert.equal(await page.getByRole('alert').getByRole('link').count(), 1, 'only the ID number is wrong');
    assert.equal(await page.getByLabel('姓名（与证件一致）').inputValue(), ZHAO_MIN.name, 'values are kept');
    assert.equal(await page.getByLabel('密码').inputValue(), '', 'but never the password');
    assert.equal(smtp.messages.length, 0, 'nothing was sent');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the registration form with errors');

    // Corrected with the keyboard, submitted with Enter.
    const idNumber = page.getByLabel('证件号码');
    await idNumber.focus();
    await page.keyboard.press('ControlOrMeta+A');
    await page.keyboard.type(ZHAO_MIN_ID);
    await page.keyboard.press('Tab');
    assert.equal(
      await page.locator('#channel:focus').count(),
      1,
      'Tab goes on to the chosen way of sending the code',
    );
    await page.keyboard.press('Tab');
    assert.equal(await page.locator('#email:focus').count(), 1, 'then to the e-mail address');
    await page.getByLabel('密码').focus();
    await page.keyboard.type(ZHAO_MIN.password);
    const started = await submit(page, () => page.keyboard.press('Enter'));
    expectStatus(started, 200, 'POST /register, then the verify page');
    assert.match(page.url(), /\/register\/verify\?registration=reg_[0-9A-Z]{26}$/);
    assert.equal((await page.locator('h1').textContent())?.trim(), '输入邮箱验证码');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the verify page');

    // The code arrives through the outbox, pg-boss and nodemailer at the real SMTP server.
    const mail = await smtp.waitFor((m) => m.envelope.to.includes(ZHAO_MIN.email));
    assert.match(mail.subject, /注册验证码/);
    const code = /验证码是\s*(\d{6})/.exec(mail.text)?.[1];
    assert.ok(code, `a 6-digit code in the mail:\n${mail.text}`);

    await page.getByLabel('6 位验证码').fill(code);
    const done = await submit(page, () => page.getByRole('button', { name: '完成注册' }).click());
    expectStatus(done, 200, 'POST /register/verify');
    assert.equal((await page.locator('h1').textContent())?.trim(), '注册成功');
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      /实名认证等级：L2/,
      'verified against the register',
    );
    await expectNoAxeViolationsWithoutJavaScript(page, 'the registration success page');

    await submit(page, () => page.getByRole('link', { name: '现在可以登录' }).click());
    assert.equal(new URL(page.url()).pathname, '/sign-in');
  });

  it('signs 赵敏 in without JavaScript and shows her name in the navigation', async (t) => {
    if (!needBrowser(t)) return;
    const { citizen: page } = pages();
    if (new URL(page.url()).pathname !== '/sign-in') await page.goto('/sign-in');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the sign-in page');

    await page.getByLabel('用户名').fill(ZHAO_MIN.username);
    await page.getByLabel('密码').fill(ZHAO_MIN.password);
    const signedIn = await submit(page, () =>
      page.getByRole('button', { name: '登录', exact: true }).click(),
    );
    expectStatus(signedIn, 200, 'POST /sign-in, then /account');
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal((await page.locator('h1').textContent())?.trim(), '我的账户');
    const nav = page.getByRole('navigation', { name: '主导航' });
    const me = nav.getByRole('link', { name: ZHAO_MIN.name });
    assert.equal(await me.getAttribute('href'), '/account');
    assert.equal(await me.getAttribute('aria-current'), 'page');
    assert.equal(await nav.getByRole('link', { name: '登录' }).count(), 0, 'no "sign in" link any more');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the account page');
  });

  it('lets the hotline operator 何静 pass the TOTP second factor and look 赵敏 up with a purpose, masked', async (t) => {
    if (!needBrowser(t)) return;
    const { staff: page } = pages();

    expectStatus(await page.goto('/sign-in'), 200, 'GET /sign-in');
    await page.getByLabel('用户名').fill(STAFF.username);
    await page.getByLabel('密码').fill(STAFF.password);
    const secondStep = await submit(page, () =>
      page.getByRole('button', { name: '登录', exact: true }).click(),
    );
    expectStatus(secondStep, 200, 'POST /sign-in, then the second factor');
    assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
    assert.equal(await page.getByRole('link', { name: '我的账户' }).count(), 0);
    await expectNoAxeViolations(page, 'the second-factor page');

    // Her first time: the page shows the key to add to an authenticator app; otplib plays the app.
    const secret = ((await page.locator('main code').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 enrolment key');
    await page.getByLabel('6 位验证码').fill(await generate({ secret }));
    // Enrolled: her recovery codes are shown once (issue 3), then she goes on to her account.
    const codes = await submit(page, () => page.getByRole('button', { name: '验证' }).click());
    expectStatus(codes, 200, 'POST /sign-in/second-factor, then the recovery codes');
    await submit(page, () => page.getByRole('link', { name: '继续' }).click());
    assert.equal(new URL(page.url()).pathname, '/account');

    await submit(page, () => page.getByRole('link', { name: '查询办事人信息' }).click());
    assert.equal(new URL(page.url()).pathname, '/workbench/people');
    await expectNoAxeViolations(page, 'the lookup form');

    await page.getByLabel('办事人用户名').fill(ZHAO_MIN.username);
    const purpose = page.getByLabel('查看事由');
    assert.match((await purpose.getAttribute('aria-describedby')) ?? '', /purpose-hint/);
    await purpose.fill(PURPOSE);
    const shown = await submit(page, () => page.getByRole('button', { name: '查看', exact: true }).click());
    expectStatus(shown, 200, 'POST /workbench/people');
    const main = (await page.locator('main').textContent()) ?? '';
    assert.match(main, new RegExp(ZHAO_MIN.name));
    const masked = `${ZHAO_MIN_ID.slice(0, 6)}${'*'.repeat(8)}${ZHAO_MIN_ID.slice(-4)}`;
    assert.ok(main.includes(masked), `her ID number masked as ${masked}`);
    assert.ok(!(await page.content()).includes(ZHAO_MIN_ID), 'the full ID number is nowhere on the page');
    assert.ok(main.includes('139****0099'), 'her phone masked: first 3 and last 4');
    assert.match(main, /L2/);
    await expectNoAxeViolations(page, 'the lookup result');
  });

  it('shows 赵敏 who looked at her data: the department, the hotline role and the purpose', async (t) => {
    if (!needBrowser(t)) return;
    const { citizen: page } = pages();
    expectStatus(await page.goto('/account'), 200, 'GET /account');
    await submit(page, () => page.getByRole('link', { name: '谁查看了我的信息' }).click());
    assert.equal(new URL(page.url()).pathname, '/account/access-log');
    const table = page.getByRole('table', { name: '查看记录' });
    const rows = table.locator('tbody tr');
    assert.equal(await rows.count(), 1, 'one access: the hotline lookup');
    const cells = (await rows.first().locator('td, th').allTextContents()).map((text) => text.trim());
    assert.equal(cells.length, 3, `when, who, why: ${JSON.stringify(cells)}`);
    assert.match(cells[1] ?? '', /市政务服务中心/, 'the department, by its name');
    assert.match(cells[1] ?? '', /hotline_operator|热线/, 'the hotline operator role');
    assert.equal(cells[2], PURPOSE);
    await expectNoAxeViolationsWithoutJavaScript(page, 'the access log');
  });
});
