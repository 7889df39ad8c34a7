import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page, Response as PlaywrightResponse } from 'playwright-core';
import {
  browserSuite,
  expectAccessibleWithoutScripts,
  navigation,
  needBrowser,
  signInThroughPages,
} from '../support/browser.ts';

// Applying online in a browser without JavaScript, on a 375 px phone (issue 5): 张伟 applies for his provident fund
// withdrawal (GJJ-0103). His identity is filled in; a wrong amount and a missing contract are reported on the page;
// he uploads the contract as a PDF, checks his answers, submits, and finds the case with its number, its promised
// date and the department's step under "My cases" — in Chinese and in English. Every page is checked by axe-core.

const PHONE = { width: 375, height: 800 };
let scratch: string | undefined;
let checker: Page | undefined;
// The checker (JavaScript on, for axe) opens once the browser and the platform are up.
const suite = browserSuite({
  ready: async () => {
    scratch = mkdtempSync(path.join(os.tmpdir(), 'yiwang-e2e-'));
    checker = await suite.openPage(PHONE, true);
    // On the platform's origin, so that the pages it is given load their stylesheet.
    await checker.goto('/');
  },
});
after(() => {
  if (scratch) rmSync(scratch, { recursive: true, force: true });
});
const expectAccessible = (page: Page, label: string) => {
  assert.ok(checker);
  return expectAccessibleWithoutScripts(checker, page, label);
};

describe('applying online in a browser without JavaScript', () => {
  it('takes 张伟 from the guide to a case he can follow, reporting his mistakes on the way', async (t) => {
    if (!needBrowser(t)) return;
    assert.ok(scratch);
    const page = await suite.openPage(PHONE, false);
    await signInThroughPages(page, 'zhangwei');

    assert.equal((await page.goto('/services/GJJ-0103'))?.status(), 200);
    await navigation(page, () => page.getByRole('link', { name: '在线申请' }).click());
    assert.match(new URL(page.url()).pathname, /^\/applications\/draft_[0-9A-Z]+\/pages\/applicant$/);
    assert.equal(await page.getByLabel('姓名').inputValue(), '张伟', 'his verified name is filled in');
    await expectAccessible(page, 'the applicant page');
    await navigation(page, () => page.getByRole('button', { name: '继续' }).click());

    // The purchase: a wrong amount and no contract, reported together and linked from the summary.
    await page.getByLabel('购房总价（元）').fill('一百万');
    await page.getByLabel('合同签订日期').fill('2026-11-02');
    expectStatus(await navigation(page, () => page.getByRole('button', { name: '继续' }).click()), 400);
    const summary = page.locator('.error-summary');
    assert.match((await summary.textContent()) ?? '', /请填写金额/);
    assert.match((await summary.textContent()) ?? '', /请填写此项/);
    await expectAccessible(page, 'the purchase page with its errors');

    const contract = path.join(scratch, '购房合同.pdf');
    writeFileSync(contract, '%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await page.getByLabel('购房总价（元）').fill('1200000');
    await page.getByLabel('购房合同').setInputFiles(contract);
    await navigation(page, () => page.getByRole('button', { name: '继续' }).click());
    assert.match(new URL(page.url()).pathname, /\/check$/);
    const check = (await page.locator('main').textContent()) ?? '';
    assert.match(check, /¥1200000\.00/);
    assert.match(check, /购房合同\.pdf/);
    await expectAccessible(page, 'the check page');

    await navigation(page, () => page.getByRole('button', { name: '确认并提交申请' }).click());
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

function expectStatus(response: PlaywrightResponse | null, status: number): void {
  assert.equal(response?.status(), status);
}
