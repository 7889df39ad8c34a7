import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { generate } from 'otplib';
import type { Browser, BrowserContext, Page, Response } from 'playwright-core';
import { creditCodeCheckCharacter } from '../../src/modules/identity/index.ts';
import {
  expectNoAxeViolations,
  isBrowserAvailable,
  launchBrowser,
  needBrowser,
  type ServedPlatform,
  serveTestPlatform,
  withoutScripts,
} from '../support/browser.ts';

// The core story of issue 5 in Chromium: 张伟 opens a restaurant (开办餐饮店, ZWFW-0101) — one form, his identity
// filled in, the floor plan uploaded. 陈静 of the Government Service Centre accepts it; then the clerks of market
// regulation, fire and rescue, ecology and environment and urban management approve in a random order, each in
// their own browser. The case is approved only after the last of them; 张伟 sees every department's step and rates
// the service. The workbench and rating pages are checked by axe-core at phone width.

const PASSWORD = 'shifan-demo-2026';
const PHONE = { width: 375, height: 800 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let scratch: string | undefined;
const contexts: BrowserContext[] = [];
let checker: Page | undefined;

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform()]);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'yiwang-journey-'));
  checker = await open(true);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function open(javaScriptEnabled: boolean, viewport = PHONE): Promise<Page> {
  assert.ok(browser && served);
  const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled, viewport });
  contexts.push(context);
  return context.newPage();
}

async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

async function expectAccessible(page: Page, label: string): Promise<void> {
  assert.ok(checker);
  await checker.setViewportSize(PHONE);
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

async function signInCitizen(page: Page, username: string) {
  await page.goto('/sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
}

/** Password, then TOTP enrolment on this first sign-in (otplib plays the authenticator app). */
async function signInStaff(page: Page, username: string) {
  await signInCitizen(page, username);
  assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
  const secret = ((await page.locator('main code').textContent()) ?? '').trim();
  await page.getByLabel('6 位验证码').fill(await generate({ secret }));
  await submit(page, () => page.getByRole('button', { name: '验证' }).click());
  await submit(page, () => page.getByRole('link', { name: '继续' }).click());
}

/** Opens the case from the inbox and approves the one step the page offers this clerk. */
async function approveFromInbox(page: Page, number: string, check?: string) {
  await page.goto('/account');
  await submit(page, () => page.getByRole('link', { name: '待办事项' }).click());
  if (check) await expectAccessible(page, `${check}: the inbox`);
  await submit(page, () => page.getByRole('link', { name: number }).click());
  if (check) await expectAccessible(page, `${check}: the case`);
  await page.getByRole('radio', { name: '通过', exact: true }).check();
  const response = await submit(page, () => page.getByRole('button', { name: '提交决定' }).click());
  assert.equal(response?.status(), 200);
  assert.match((await page.locator('main').textContent()) ?? '', /决定已提交/);
}

describe('opening a restaurant: one application, four departments in parallel', () => {
  it('is approved only after the last department, and 张伟 sees every step and rates it', async (t) => {
    if (!needBrowser(t)) return;
    assert.ok(scratch);
    const zhang = await open(false);
    await signInCitizen(zhang, 'zhangwei');
    await zhang.goto('/services/ZWFW-0101');
    await submit(zhang, () => zhang.getByRole('link', { name: '在线申请' }).click());
    assert.equal(await zhang.getByLabel('姓名').inputValue(), '张伟');
    await submit(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('企业（个体工商户）名称').fill('示范市味道餐饮有限公司');
    await zhang
      .getByLabel('统一社会信用代码')
      .fill(`91340100MA0000001${creditCodeCheckCharacter('91340100MA0000001')}`);
    await zhang.getByLabel('经营场所地址').fill('南湖区湖滨路 8 号');
    await submit(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    const plan = path.join(scratch, '平面图.pdf');
    writeFileSync(plan, '%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await zhang.getByLabel('就餐座位数').fill('40');
    await zhang.getByLabel('经营面积（平方米）').fill('85');
    await zhang.getByLabel('经营场所平面图').setInputFiles(plan);
    await submit(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('姓名').fill('李明');
    await zhang.getByLabel('健康证明编号').fill('JK-2026-001');
    await submit(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('否').check();
    await submit(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await submit(zhang, () => zhang.getByRole('button', { name: '确认并提交申请' }).click());
    const number = new URL(zhang.url()).pathname.slice('/cases/'.length);
    assert.match(number, /^ZWFW-\d{4}-\d{7}-[0-9A-Z]$/);

    const chen = await open(false);
    await signInStaff(chen, 'chenjing');
    await approveFromInbox(chen, number, '陈静');

    const clerks = ['liuyang', 'zhaolei', 'sunli', 'zhouqiang'].sort(() => Math.random() - 0.5);
    for (const [i, username] of clerks.entries()) {
      const page = await open(i % 2 === 0);
      await signInStaff(page, username);
      await approveFromInbox(page, number, i === 0 ? username : undefined);
      await zhang.goto(`/cases/${number}`);
      const state = (await zhang.locator('main').textContent()) ?? '';
      if (i < clerks.length - 1) assert.match(state, /办理中/, `still in progress after ${username}`);
      else assert.match(state, /已办结（准予）/, 'approved after the last department');
    }
    const steps = (await zhang.locator('main table').textContent()) ?? '';
    for (const department of [
      '市政务服务中心',
      '市市场监督管理局',
      '市消防救援支队',
      '市生态环境局',
      '市城市管理局',
    ])
      assert.match(steps, new RegExp(department));
    assert.equal((steps.match(/已通过/g) ?? []).length, 5);
    await expectAccessible(zhang, 'the approved case');

    // 张伟 rates it: five levels, the five standard dimensions, a comment; the case then shows his rating.
    await submit(zhang, () => zhang.getByRole('link', { name: '评价这次办事' }).click());
    await expectAccessible(zhang, 'the rating form');
    await zhang.getByRole('radio', { name: '非常满意', exact: true }).check();
    for (const dimension of ['办事效率', '服务态度', '办事便利', '信息公开', '廉洁'])
      await zhang.getByRole('group', { name: dimension }).getByRole('radio', { name: '5 分' }).check();
    await zhang.getByLabel('意见和建议（选填）').fill('四个部门同时办理，一周就拿到了。');
    await submit(zhang, () => zhang.getByRole('button', { name: '提交评价' }).click());
    assert.match((await zhang.locator('main').textContent()) ?? '', /感谢您的评价/);
  });
});
