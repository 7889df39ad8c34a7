import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
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

// Issue 3, staff administration in a browser: the platform administrator 马超 signs in with his password and a TOTP
// code, adds the Statistics Bureau (市统计局) to the directory, opens an account for 高原 there, gives him a second
// role, raises his clearance and finally disables the account. 高原's set-password mail arrives at the real SMTP
// server; he sets his password, and once disabled he is signed out and refused like a wrong password. The
// administrator works without JavaScript; every distinct page is checked by axe-core, one in English, one at 360 px.

const ADMIN = { username: 'machao', password: 'shifan-demo-2026' };
const GAO = {
  username: 'gaoyuan',
  nameZh: '高原',
  nameEn: 'Gao Yuan',
  email: 'gaoyuan@tj.shifan.example',
  password: 'numbers tell the city its story',
};

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let smtp: TestSmtpServer | undefined;
/** 马超's browser, with JavaScript off. */
let admin: Page | undefined;
/** 高原's browser, with JavaScript off. */
let member: Page | undefined;
/** A JavaScript-enabled page at the platform's origin, where axe analyses the DOM of pages built without it. */
let checker: Page | undefined;
let adminContext: BrowserContext | undefined;
const contexts: BrowserContext[] = [];
/** The address of 高原's page, once the account exists. */
let memberPageUrl = '';

before(async () => {
  if (!isBrowserAvailable()) return;
  smtp = await startTestSmtpServer();
  [browser, served] = await Promise.all([
    launchBrowser(),
    serveTestPlatform({ work: true, env: { YIWANG_SMTP_URL: smtp.url } }),
  ]);
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser && served);
    const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled });
    contexts.push(context);
    return context;
  };
  adminContext = await open(false);
  [admin, member, checker] = await Promise.all([
    adminContext.newPage(),
    (await open(false)).newPage(),
    (await open(true)).newPage(),
  ]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
  await smtp?.close();
});

function pages() {
  assert.ok(admin && member && checker && smtp && browser && adminContext && served, 'everything is started');
  return { admin, member, checker, smtp, browser, adminContext, served };
}

function expectStatus(response: Response | null, status: number, what: string): void {
  assert.ok(response, `no response for ${what}`);
  assert.equal(response.status(), status, `status of ${what}`);
}

/** Runs the action that navigates (a click, Enter) and returns the response of that navigation. */
async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/** axe-core on the DOM a browser without JavaScript built, loaded into the JavaScript-enabled checker page. */
async function expectNoAxeViolationsWithoutJavaScript(page: Page, label: string): Promise<void> {
  const { checker } = pages();
  await checker.setContent(withoutScripts(await page.content()));
  await expectNoAxeViolations(checker, `${label} (JavaScript off)`);
}

const heading = async (page: Page) => ((await page.locator('h1').textContent()) ?? '').trim();
const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

/** The error summary names the field's problem and links to it; the field says it is invalid. */
async function expectFieldError(page: Page, fieldId: string, message: RegExp): Promise<void> {
  const summary = page.getByRole('alert');
  assert.equal(await summary.count(), 1, 'one error summary');
  const link = summary.getByRole('link', { name: message });
  assert.equal(await link.getAttribute('href'), `#${fieldId}`);
  assert.equal(await page.locator(`#${fieldId}`).getAttribute('aria-invalid'), 'true');
}

describe('staff administration journey in a browser (issue 3)', () => {
  it('signs the platform administrator in with password and TOTP, and links the administration pages', async (t) => {
    if (!needBrowser(t)) return;
    const { admin: page } = pages();
    expectStatus(await page.goto('/sign-in'), 200, 'GET /sign-in');
    await page.getByLabel('用户名').fill(ADMIN.username);
    await page.getByLabel('密码').fill(ADMIN.password);
    const second = await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
    expectStatus(second, 200, 'the second-factor page');
    assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the second-factor page');
    const secret = ((await page.locator('main code').textContent()) ?? '').trim();
    assert.match(secret, /^[A-Z2-7]{16,}$/, 'a base32 enrolment key');
    await page.getByLabel('6 位验证码').fill(await generate({ secret }));
    // First enrolment: the recovery codes are shown once, then the account.
    const codes = await submit(page, () => page.getByRole('button', { name: '验证' }).click());
    expectStatus(codes, 200, 'the recovery codes');
    assert.equal(await heading(page), '您的恢复码');
    const account = await submit(page, () => page.getByRole('link', { name: '继续' }).click());
    expectStatus(account, 200, '/account');
    assert.equal(new URL(page.url()).pathname, '/account');
    const links = page.getByRole('main').getByRole('link');
    assert.equal(await links.filter({ hasText: '人员管理' }).count(), 1);
    assert.equal(await links.filter({ hasText: '部门管理' }).count(), 1);
    await expectNoAxeViolationsWithoutJavaScript(page, 'the administrator’s account page');
  });

  it('adds the Statistics Bureau to the directory without JavaScript, after one mistake, and changes its name', async (t) => {
    if (!needBrowser(t)) return;
    const { admin: page } = pages();
    await submit(page, () => page.getByRole('link', { name: '部门管理' }).click());
    assert.equal(new URL(page.url()).pathname, '/admin/departments');
    assert.equal(await heading(page), '部门管理');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the department list');

    await submit(page, () => page.getByRole('main').getByRole('link', { name: '新增部门' }).click());
    assert.equal(await heading(page), '新增部门');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the new-department form');
    await page.getByLabel('部门代码').fill('tj1');
    await page.getByLabel('中文名称').fill('市统计局');
    await page.getByLabel('英文名称').fill('Statistics Bureau');
    await page.getByLabel('官方网站（选填）').fill('https://tj.shifan.gov.example/');
    const refused = await submit(page, () => page.getByRole('button', { name: '创建部门' }).click());
    expectStatus(refused, 400, 'a code with a digit');
    await expectFieldError(page, 'code', /2 到 6 个大写英文字母/);
    assert.equal(await page.getByLabel('中文名称').inputValue(), '市统计局', 'what was typed is kept');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the new-department form with an error');

    await page.getByLabel('部门代码').fill('tj');
    const created = await submit(page, () => page.getByRole('button', { name: '创建部门' }).click());
    expectStatus(created, 200, 'the list after creating');
    assert.equal(new URL(page.url()).search, '?created=TJ');
    assert.match((await page.getByRole('status').textContent()) ?? '', /已创建部门：市统计局（TJ）/);

    await submit(page, () => page.getByRole('link', { name: '修改 市统计局' }).click());
    assert.equal(new URL(page.url()).pathname, '/admin/departments/TJ/edit');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the edit-department form');
    await page.getByLabel('英文名称').fill('Municipal Statistics Bureau');
    await submit(page, () => page.getByRole('button', { name: '保存修改' }).click());
    assert.equal(new URL(page.url()).search, '?updated=TJ');
    assert.match(await mainText(page), /Municipal Statistics Bureau/);
  });

  it('opens an account for 高原 in the new department; his set-password mail reaches the SMTP server', async (t) => {
    if (!needBrowser(t)) return;
    const { admin: page, smtp } = pages();
    await page.goto('/account');
    await submit(page, () => page.getByRole('link', { name: '人员管理' }).click());
    assert.equal(new URL(page.url()).pathname, '/admin/staff');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the staff list');

    await submit(page, () => page.getByRole('main').getByRole('link', { name: '新增工作人员' }).click());
    assert.equal(await heading(page), '新增工作人员');
    await expectNoAxeViolationsWithoutJavaScript(page, 'the new-staff form');
    await page.getByLabel('用户名').fill(GAO.username);
    await page.getByLabel('中文姓名').fill(GAO.nameZh);
    await page.getByLabel('英文姓名（或拼音）').fill(GAO.nameEn);
    await page.getByLabel('电子邮箱').fill(GAO.email);
    await page.getByLabel('部门', { exact: true }).selectOption('TJ');
    await page.getByLabel('岗位', { exact: true }).selectOption('clerk');
    await page.getByLabel('密级权限').selectOption('internal');
    const created = await submit(page, () =>
      page.getByRole('button', { name: '创建账户并发送邮件' }).click(),
    );
    expectStatus(created, 200, 'the new member’s page');
    memberPageUrl = new URL(page.url()).pathname;
    assert.match(memberPageUrl, /^\/admin\/staff\/acct_[0-9A-Z]{26}$/);
    assert.equal(await heading(page), GAO.nameZh);
    assert.match((await page.getByRole('status').textContent()) ?? '', new RegExp(`已发送到 ${GAO.email}`));
    assert.match(await mainText(page), /市统计局/);
    await expectNoAxeViolationsWithoutJavaScript(page, 'a staff member’s page');

    const mail = await smtp.waitFor((m) => m.envelope.to.includes(GAO.email));
    assert.match(mail.subject, /工作人员账户已开通/);
    assert.match(mail.text, /用户名：gaoyuan/);
    const link = /\/password-reset\/confirm\?token=[\w-]{43}/.exec(mail.text)?.[0];
    assert.ok(link, `a set-password link in the mail:\n${mail.text}`);

    // 高原 sets his password with the link (he has no other), and signs in as far as his own second factor.
    const { member } = pages();
    expectStatus(await member.goto(link), 200, 'the set-password page');
    await member.getByLabel('新密码').fill(GAO.password);
    await submit(member, () => member.getByRole('button', { name: '保存新密码' }).click());
    assert.equal(await heading(member), '密码已更新');
    await member.goto('/sign-in');
    await member.getByLabel('用户名').fill(GAO.username);
    await member.getByLabel('密码').fill(GAO.password);
    await submit(member, () => member.getByRole('button', { name: '登录', exact: true }).click());
    assert.equal(
      new URL(member.url()).pathname,
      '/sign-in/second-factor',
      'staff enrol TOTP on first sign-in',
    );
  });

  it('gives 高原 a second role, raises his clearance and disables him: signed out, refused like a wrong password', async (t) => {
    if (!needBrowser(t)) return;
    const { admin: page, member } = pages();
    await page.goto(memberPageUrl);
    await page.getByLabel('部门', { exact: true }).selectOption('SJ');
    await page.getByLabel('岗位', { exact: true }).selectOption('reviewer');
    await submit(page, () => page.getByRole('button', { name: '增加岗位' }).click());
    assert.match((await page.getByRole('status').textContent()) ?? '', /岗位已增加/);
    const roles = page.getByRole('table', { name: '部门和岗位' });
    assert.equal(await roles.locator('tbody tr').count(), 2);
    assert.equal(await roles.getByRole('button', { name: '移除 市市场监督管理局 · 审核人' }).count(), 1);

    await page.getByRole('combobox', { name: '密级权限' }).selectOption('restricted');
    await submit(page, () => page.getByRole('button', { name: '更改密级' }).click());
    assert.match((await page.getByRole('status').textContent()) ?? '', /密级权限已更改/);
    assert.match(await mainText(page), /受限/);

    const disabled = await submit(page, () => page.getByRole('button', { name: '停用账户' }).click());
    expectStatus(disabled, 200, 'the page after disabling');
    assert.match((await page.getByRole('status').textContent()) ?? '', /账户已停用/);
    assert.equal(await page.getByRole('button', { name: '恢复账户' }).count(), 1);
    await expectNoAxeViolationsWithoutJavaScript(page, 'a disabled staff member’s page');

    // His half-finished sign-in ended with the account, and his password now gets the wrong-password answer.
    await member.goto('/sign-in/second-factor');
    assert.equal(new URL(member.url()).pathname, '/sign-in');
    await member.getByLabel('用户名').fill(GAO.username);
    await member.getByLabel('密码').fill(GAO.password);
    const refused = await submit(member, () =>
      member.getByRole('button', { name: '登录', exact: true }).click(),
    );
    expectStatus(refused, 401, 'sign-in of a disabled account');
    assert.match((await member.getByRole('alert').textContent()) ?? '', /用户名或密码不正确。/);
  });

  it('shows the staff list in English and a staff member’s page on a 360 px screen, both accessible', async (t) => {
    if (!needBrowser(t)) return;
    const { admin: page, browser, adminContext, served } = pages();
    expectStatus(await page.goto('/admin/staff?lang=en'), 200, 'the staff list in English');
    assert.equal(await heading(page), 'Staff');
    assert.match(await mainText(page), /Gao Yuan/);
    assert.match(await mainText(page), /Disabled/);
    await expectNoAxeViolationsWithoutJavaScript(page, 'the staff list in English');
    await page.goto('/admin/staff?lang=zh-CN');

    // A phone: the administrator's session in a narrow window, with JavaScript on this time.
    const phone = await browser.newContext({
      baseURL: served.baseUrl,
      viewport: { width: 360, height: 740 },
      storageState: await adminContext.storageState(),
    });
    contexts.push(phone);
    const small = await phone.newPage();
    expectStatus(await small.goto(memberPageUrl), 200, 'a staff member’s page at 360 px');
    const overflow = await small.evaluate(() => document.documentElement.scrollWidth - window.innerWidth);
    assert.ok(overflow <= 0, `the page fits 360 px without scrolling sideways (${overflow} px too wide)`);
    await expectNoAxeViolations(small, 'a staff member’s page at 360 px');
  });
});
