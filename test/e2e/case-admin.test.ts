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

// The pages around cases that the journeys do not pass through, in a browser without JavaScript on a 375 px phone
// and checked by axe-core: the platform administrator's processes (a diagram and the editor), a person's messages,
// and a department's rectifications.

const PASSWORD = 'shifan-demo-2026';
const PHONE = { width: 375, height: 800 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
const contexts: BrowserContext[] = [];
let checker: Page | undefined;

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform()]);
  checker = await open(true);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
});

async function open(javaScriptEnabled: boolean): Promise<Page> {
  assert.ok(browser && served);
  const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled, viewport: PHONE });
  contexts.push(context);
  return context.newPage();
}

async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

async function expectAccessible(page: Page, label: string): Promise<void> {
  assert.ok(checker);
  await checker.setContent(withoutScripts(await page.content()));
  await expectNoAxeViolations(checker, label);
  const { scrollWidth, innerWidth } = await checker.evaluate(() => ({
    scrollWidth: document.documentElement.scrollWidth,
    innerWidth: window.innerWidth,
  }));
  assert.ok(
    scrollWidth <= innerWidth,
    `${label} scrolls sideways at ${innerWidth}px (${scrollWidth}px wide)`,
  );
}

async function signIn(page: Page, username: string, staff: boolean) {
  await page.goto('/sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  if (!staff) return;
  const secret = ((await page.locator('main code').textContent()) ?? '').trim();
  await page.getByLabel('6 位验证码').fill(await generate({ secret }));
  await submit(page, () => page.getByRole('button', { name: '验证' }).click());
}

describe('case administration pages in a browser', () => {
  it('lets the platform administrator read a process as a diagram and outline, and reports a loop in a draft', async (t) => {
    if (!needBrowser(t)) return;
    const ma = await open(false);
    await signIn(ma, 'machao', true);
    assert.equal((await ma.goto('/admin/processes'))?.status(), 200);
    await expectAccessible(ma, 'the processes');
    await submit(ma, () => ma.getByRole('link', { name: /ZWFW-0101/ }).click());
    assert.equal(await ma.locator('svg[role="img"]').count(), 1);
    await expectAccessible(ma, 'the restaurant process');
    const text = await ma.getByLabel('流程定义（JSON）').inputValue();
    await ma.getByLabel('流程定义（JSON）').fill(text.replace('"next": "departments"', '"next": "accept"'));
    const refused = await submit(ma, () => ma.getByRole('button', { name: '检查并保存为草稿' }).click());
    assert.equal(refused?.status(), 400);
    assert.match((await ma.locator('.error-summary').textContent()) ?? '', /流程有环路/);
    await expectAccessible(ma, 'the process with its problems');
    await ma.goto('/admin/processes/ZWFW-0101?lang=en');
    await expectAccessible(ma, 'the restaurant process in English');
  });

  it('shows a person their messages and a department its rectifications', async (t) => {
    if (!needBrowser(t)) return;
    const zhang = await open(false);
    await signIn(zhang, 'zhangwei', false);
    assert.equal((await zhang.goto('/notifications'))?.status(), 200);
    await expectAccessible(zhang, 'messages');
    const liu = await open(false);
    await signIn(liu, 'liuyang', true);
    assert.equal((await liu.goto('/workbench/rectifications'))?.status(), 200);
    await expectAccessible(liu, 'rectifications');
  });
});
