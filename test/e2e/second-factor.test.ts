import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Browser, BrowserContext, CDPSession, Page, Response } from 'playwright-core';
import {
  expectNoAxeViolations,
  freePort,
  isBrowserAvailable,
  launchBrowser,
  needBrowser,
  type ServedPlatform,
  serveTestPlatform,
  withoutScripts,
} from '../support/browser.ts';

// Issue 3, staff sign-in made complete: 赵磊 (Fire and Rescue) enrols the authenticator app and receives his
// recovery codes, signs out and back in with a recovery code — all without JavaScript; then, in a browser with
// JavaScript and a virtual platform authenticator (Chrome DevTools Protocol), registers it as a security key on the
// security page, signs out and signs in with it; finally changes his password without JavaScript, which ends the
// other session. Every page is checked by axe-core at 360 px.

const ZHAO_LEI = {
  username: 'zhaolei',
  password: 'shifan-demo-2026',
  newPassword: 'three red lanterns on renmin road',
};
const PHONE = { width: 360, height: 740 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
/** 赵磊's browser without JavaScript. */
let plain: Page | undefined;
/** 赵磊's browser with JavaScript and a virtual authenticator. */
let scripted: Page | undefined;
let authenticator: { cdp: CDPSession; id: string } | undefined;
/** A JavaScript-enabled page at the platform's origin, where axe analyses the DOM of pages built without it. */
let checker: Page | undefined;
const contexts: BrowserContext[] = [];
/** The recovery codes shown at enrolment. */
let codes: string[] = [];

before(async () => {
  if (!isBrowserAvailable()) return;
  // WebAuthn needs a host name (browsers refuse IP addresses as relying party ids) and a public URL naming it.
  const port = await freePort();
  const baseUrl = `http://localhost:${port}`;
  [browser, served] = await Promise.all([
    launchBrowser(),
    serveTestPlatform({ port, env: { YIWANG_PUBLIC_URL: baseUrl } }),
  ]);
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser);
    const context = await browser.newContext({ baseURL: baseUrl, javaScriptEnabled, viewport: PHONE });
    contexts.push(context);
    return { context, page: await context.newPage() };
  };
  const [a, b, c] = await Promise.all([open(false), open(true), open(true)]);
  plain = a.page;
  scripted = b.page;
  checker = c.page;
  await checker.goto('/');
  const cdp = await b.context.newCDPSession(scripted);
  await cdp.send('WebAuthn.enable');
  const { authenticatorId } = await cdp.send('WebAuthn.addVirtualAuthenticator', {
    options: {
      protocol: 'ctap2',
      transport: 'internal',
      hasResidentKey: true,
      hasUserVerification: true,
      isUserVerified: true,
      automaticPresenceSimulation: true,
    },
  });
  authenticator = { cdp, id: authenticatorId };
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
});

function pages(): { plain: Page; scripted: Page; checker: Page } {
  assert.ok(plain && scripted && checker, 'the browser and the platform are started');
  return { plain, scripted, checker };
}

function expectStatus(response: Response | null, status: number, what: string): void {
  assert.ok(response, `no response for ${what}`);
  assert.equal(response.status(), status, `status of ${what}`);
}

/** Submits (or follows) and returns the response of the navigation it causes. */
async function navigate(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/** axe-core on the page and nothing to scroll sideways at 360 px; without JavaScript, on the DOM that browser built. */
async function expectAccessible(page: Page, label: string): Promise<void> {
  const { scrollWidth, innerWidth } = await page.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    scrollWidth <= innerWidth,
    `${label} scrolls sideways at ${innerWidth}px (${scrollWidth}px wide)`,
  );
  if (page === pages().plain) {
    const { checker } = pages();
    await checker.setContent(withoutScripts(await page.content()));
    await expectNoAxeViolations(checker, `${label} (JavaScript off)`);
  } else {
    await expectNoAxeViolations(page, label);
  }
}

async function heading(page: Page): Promise<string> {
  return ((await page.locator('h1').first().textContent()) ?? '').trim();
}

async function signInWithPassword(page: Page, password = ZHAO_LEI.password): Promise<void> {
  expectStatus(await page.goto('/sign-in'), 200, 'GET /sign-in');
  await page.getByLabel('用户名').fill(ZHAO_LEI.username);
  await page.getByLabel('密码').fill(password);
  const next = await navigate(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  expectStatus(next, 200, 'POST /sign-in, then the second factor');
  assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
}

async function signOut(page: Page): Promise<void> {
  if (new URL(page.url()).pathname !== '/account') await page.goto('/account');
  await navigate(page, () => page.getByRole('button', { name: '退出登录' }).click());
  assert.equal(new URL(page.url()).pathname, '/');
}

describe('staff second factor in a browser (issue 3): recovery codes, a security key, a new password', () => {
  it('enrols 赵磊’s authenticator app without JavaScript and shows his ten recovery codes once', async (t) => {
    if (!needBrowser(t)) return;
    const { plain: page } = pages();
    await signInWithPassword(page);
    assert.equal(await heading(page), '第二步：身份验证器');
    await expectAccessible(page, 'the enrolment page');
    assert.equal(await page.locator('#security-key-sign-in').count(), 0, 'no key to offer yet');

    const secret = ((await page.locator('main code').textContent()) ?? '').trim();
    await page.getByLabel('6 位验证码').fill(await generate({ secret }));
    const shown = await navigate(page, () => page.getByRole('button', { name: '验证' }).click());
    expectStatus(shown, 200, 'POST /sign-in/second-factor (enrolment)');
    assert.equal(await heading(page), '您的恢复码');
    assert.match((await page.locator('main').textContent()) ?? '', /请妥善保管/);
    codes = (await page.getByRole('list', { name: '恢复码' }).locator('code').allTextContents()).map((c) =>
      c.trim(),
    );
    assert.equal(codes.length, 10);
    await expectAccessible(page, 'the recovery codes page');

    await navigate(page, () => page.getByRole('link', { name: '继续' }).click());
    assert.equal(new URL(page.url()).pathname, '/account');
    await signOut(page);
  });

  it('signs him in with a recovery code without JavaScript, after a mistyped one, and says how many remain', async (t) => {
    if (!needBrowser(t)) return;
    const { plain: page } = pages();
    await signInWithPassword(page);
    await page.getByText('身份验证器不在身边？使用恢复码').click();
    await page.getByLabel('恢复码').fill('AAAA-BBBB-CCCC');
    const refused = await navigate(page, () => page.getByRole('button', { name: '使用恢复码登录' }).click());
    expectStatus(refused, 401, 'a wrong recovery code');
    const summary = page.getByRole('alert');
    assert.equal(
      await summary.getByRole('link', { name: /恢复码不正确/ }).getAttribute('href'),
      '#recoveryCode',
    );
    assert.equal(await page.locator('#recoveryCode').getAttribute('aria-invalid'), 'true');
    assert.ok(await page.locator('#recoveryCode').isVisible(), 'the recovery form is open');
    await expectAccessible(page, 'the second-factor page with an error');

    await page.getByLabel('恢复码').fill(codes[0] ?? '');
    const passed = await navigate(page, () => page.getByRole('button', { name: '使用恢复码登录' }).click());
    expectStatus(passed, 200, 'a right recovery code');
    assert.equal(await heading(page), '已用恢复码登录');
    assert.match((await page.locator('main').textContent()) ?? '', /还剩 9 个未使用的恢复码/);
    await expectAccessible(page, 'the recovery code confirmation');
    await navigate(page, () => page.getByRole('link', { name: '继续' }).click());
    assert.equal(new URL(page.url()).pathname, '/account');
  });

  it('registers the device’s authenticator as a security key on the security page, with JavaScript', async (t) => {
    if (!needBrowser(t)) return;
    const { scripted: page } = pages();
    await signInWithPassword(page);
    await page.getByText('身份验证器不在身边？使用恢复码').click();
    await page.getByLabel('恢复码').fill(codes[1] ?? '');
    await navigate(page, () => page.getByRole('button', { name: '使用恢复码登录' }).click());
    await navigate(page, () => page.getByRole('link', { name: '继续' }).click());
    await navigate(page, () => page.getByRole('link', { name: /安全设置/ }).click());
    assert.equal(new URL(page.url()).pathname, '/account/security');
    assert.match((await page.locator('main').textContent()) ?? '', /还有 8 个未使用的恢复码/);
    const form = page.locator('#add-security-key');
    await form.waitFor({ state: 'visible' });
    assert.equal(await page.locator('[data-webauthn-unavailable]').isVisible(), false);
    await expectAccessible(page, 'the security page (JavaScript on)');

    await page.getByLabel('密钥名称').fill('办公电脑');
    await form.getByLabel('当前密码').fill(ZHAO_LEI.password);
    const added = await navigate(page, () => page.getByRole('button', { name: '添加安全密钥' }).click());
    expectStatus(added, 200, 'POST /account/security/keys, then the security page');
    assert.equal(new URL(page.url()).search, '?done=key-added');
    assert.match((await page.getByRole('status').textContent()) ?? '', /安全密钥已添加/);
    const rows = page.getByRole('table', { name: '您登记的安全密钥' }).locator('tbody tr');
    assert.equal(await rows.count(), 1);
    assert.match((await rows.first().textContent()) ?? '', /办公电脑/);
    await expectAccessible(page, 'the security page with a key');
    const { credentials } = await (authenticator?.cdp.send('WebAuthn.getCredentials', {
      authenticatorId: authenticator.id,
    }) ?? Promise.reject(new Error('no authenticator')));
    assert.equal(credentials.length, 1, 'the virtual authenticator holds the new credential');
  });

  it('signs him in with the security key instead of the code', async (t) => {
    if (!needBrowser(t)) return;
    const { scripted: page } = pages();
    await signOut(page);
    await signInWithPassword(page);
    const section = page.locator('#security-key-sign-in');
    await section.waitFor({ state: 'visible' });
    await expectAccessible(page, 'the second-factor page with a security key');
    const signedIn = await navigate(page, () =>
      page.getByRole('button', { name: '使用安全密钥验证' }).click(),
    );
    expectStatus(signedIn, 200, 'POST /sign-in/second-factor/security-key, then /account');
    assert.equal(new URL(page.url()).pathname, '/account');
    assert.equal(await heading(page), '我的账户');
  });

  it('changes his password without JavaScript, which signs the other browser out', async (t) => {
    if (!needBrowser(t)) return;
    const { plain: page, scripted } = pages();
    expectStatus(await page.goto('/account/security'), 200, 'GET /account/security');
    assert.equal(
      await page.locator('#add-security-key').isVisible(),
      false,
      'no key form without JavaScript',
    );
    assert.ok(await page.locator('[data-webauthn-unavailable]').isVisible(), 'but a word on why');
    await expectAccessible(page, 'the security page (JavaScript off)');

    await page.locator('#currentPassword').fill('not my password');
    await page.getByLabel('新密码').fill(ZHAO_LEI.newPassword);
    const refused = await navigate(page, () => page.getByRole('button', { name: '修改密码' }).click());
    expectStatus(refused, 401, 'a wrong current password');
    assert.equal(
      await page.getByRole('alert').getByRole('link', { name: '当前密码不正确。' }).getAttribute('href'),
      '#currentPassword',
    );
    assert.equal(await page.getByLabel('新密码').inputValue(), '', 'passwords are not sent back');
    await expectAccessible(page, 'the security page with an error');

    await page.locator('#currentPassword').fill(ZHAO_LEI.password);
    await page.getByLabel('新密码').fill(ZHAO_LEI.newPassword);
    const changed = await navigate(page, () => page.getByRole('button', { name: '修改密码' }).click());
    expectStatus(changed, 200, 'POST /account/security/password, then the security page');
    assert.match((await page.getByRole('status').textContent()) ?? '', /密码已修改/);
    await expectAccessible(page, 'the password change confirmation');

    await scripted.goto('/account');
    assert.equal(new URL(scripted.url()).pathname, '/sign-in', 'the other session has ended');
    await signOut(page);
    await signInWithPassword(page, ZHAO_LEI.newPassword);
  });
});
