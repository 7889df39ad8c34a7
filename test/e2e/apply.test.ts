import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
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

// Applying online in a browser without JavaScript, on a 375 px phone (issue 5): 张伟 applies for his provident fund
// withdrawal (GJJ-0103). His identity is filled in; a wrong amount and a missing contract are reported on the page;
// he uploads the contract as a PDF, checks his answers, submits, and finds the case with its number, its promised
// date and the department's step under "My cases" — in Chinese and in English. Every page is checked by axe-core.

const PASSWORD = 'shifan-demo-2026';
const PHONE = { width: 375, height: 800 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let scratch: string | undefined;
const contexts: BrowserContext[] = [];
let zhang: Page | undefined;
let checker: Page | undefined;

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform()]);
  scratch = mkdtempSync(path.join(os.tmpdir(), 'yiwang-apply-'));
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser && served);
    const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled, viewport: PHONE });
    contexts.push(context);
    return context.newPage();
  };
  [zhang, checker] = await Promise.all([open(false), open(true)]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});

async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/** axe-core on the DOM the browser without JavaScript built, at phone width, without sideways scrolling. */
async function expectAccessible(page: Page, label: string): Promise<void> {
  assert.ok(checker);
  await checker.setViewportSize(PHONE);
  await checker.setContent(withoutScripts(await page.content()));
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

describe('applying online in a browser without JavaScript', () => {
  it('takes 张伟 from the guide to a case he can follow, reporting his mistakes on the way', async (t) => {
    if (!needBrowser(t)) return;
    assert.ok(zhang && scratch);
    const page = zhang;
    assert.equal((await page.goto('/sign-in'))?.status(), 200);
    await page.getByLabel('用户名').fill('zhangwei');
    await page.getByLabel('密码').fill(PASSWORD);
    await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());

    assert.equal((await page.goto('/services/GJJ-0103'))?.status(), 200);
    await submit(page, () => page.getByRole('link', { name: '在线申请' }).click());
    assert.match(new URL(page.url()).pathname, /^\/applications\/draft_[0-9A-Z]+\/pages\/applicant$/);
    assert.equal(await page.getByLabel('姓名').inputValue(), '张伟', 'his verified name is filled in');
    await expectAccessible(page, 'the applicant page');
    await submit(page, () => page.getByRole('button', { name: '继续' }).click());

    // The purchase: a wrong amount and no contract, reported together and linked from the summary.
    await page.getByLabel('购房总价（元）').fill('一百万');
    await page.getByLabel('合同签订日期').fill('2026-11-02');
    expectStatus(await submit(page, () => page.getByRole('button', { name: '继续' }).click()), 400);
    const summary = page.locator('.error-summary');
    assert.match((await summary.textContent()) ?? '', /请填写金额/);
    assert.match((await summary.textContent()) ?? '', /请填写此项/);
    await expectAccessible(page, 'the purchase page with its errors');

    const contract = path.join(scratch, '购房合同.pdf');
    writeFileSync(contract, '%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await page.getByLabel('购房总价（元）').fill('1200000');
    await page.getByLabel('购房合同').setInputFiles(contract);
    await submit(page, () => page.getByRole('button', { name: '继续' }).click());
    assert.match(new URL(page.url()).pathname, /\/check$/);
    const check = (await page.locator('main').textContent()) ?? '';
    assert.match(check, /¥1200000\.00/);
    assert.match(check, /购房合同\.pdf/);
    await expectAccessible(page, 'the check page');

    await submit(page, () => page.getByRole('button', { name: '确认并提交申请' }).click());
    const receiptPath = new URL(page.url()).pathname;
    assert.match(receiptPath, /^\/cases\/GJJ-\d{4}-\d{7}-[0-9A-Z]$/);
    const receipt = (await page.locator('main').textContent()) ?? '';
    assert.match(receipt, /申请已提交/);
    assert.match(receipt, /承诺办结日期\d{4}-\d{2}-\d{2}/);
    assert.match(receipt, /市住房公积金管理中心/);
    await expectAccessible(page, 'the receipt');

    await page.goto('/cases');
    assert.match(
      (await page.locator('main').textContent()) ?? '',
      new RegExp(receiptPath.slice('/cases/'.length)),
    );
    await expectAccessible(page, 'my cases');
    await page.goto(`${receiptPath}?lang=en`);
    assert.match((await page.locator('main').textContent()) ?? '', /Where each department is/);
    await expectAccessible(page, 'the case in English');
  });
});

function expectStatus(response: Response | null, status: number): void {
  assert.equal(response?.status(), status);
}
