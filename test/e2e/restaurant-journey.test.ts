import assert from 'node:assert/strict';
import { mkdtempSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { after, describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { creditCodeCheckCharacter } from '../../src/modules/identity/index.ts';
import {
  browserSuite,
  expectAccessibleWithoutScripts,
  navigation,
  needBrowser,
  signInThroughPages,
} from '../support/browser.ts';

// The core story of issue 5 in Chromium: 张伟 opens a restaurant (开办餐饮店, ZWFW-0101) — one form, his identity
// filled in, the floor plan uploaded. 陈静 of the Government Service Centre accepts it; then the clerks of market
// regulation, fire and rescue, ecology and environment and urban management approve in a random order, each in
// their own browser. The case is approved only after the last of them; 张伟 sees every department's step and rates
// the service. The workbench and rating pages are checked by axe-core at phone width.

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

/** Opens the case from the inbox and approves the one step the page offers this clerk. */
async function approveFromInbox(page: Page, number: string, check?: string) {
  await page.goto('/account');
  await navigation(page, () => page.getByRole('link', { name: '待办事项' }).click());
  if (check) await expectAccessible(page, `${check}: the inbox`);
  await navigation(page, () => page.getByRole('link', { name: number }).click());
  if (check) await expectAccessible(page, `${check}: the case`);
  await page.getByRole('radio', { name: '通过', exact: true }).check();
  const response = await navigation(page, () => page.getByRole('button', { name: '提交决定' }).click());
  assert.equal(response?.status(), 200);
  assert.match((await page.locator('main').textContent()) ?? '', /决定已提交/);
}

describe('opening a restaurant: one application, four departments in parallel', () => {
  it('is approved only after the last department, and 张伟 sees every step and rates it', async (t) => {
    if (!needBrowser(t)) return;
    assert.ok(scratch);
    const zhang = await suite.openPage(PHONE, false);
    await signInThroughPages(zhang, 'zhangwei');
    await zhang.goto('/services/ZWFW-0101');
    await navigation(zhang, () => zhang.getByRole('link', { name: '在线申请' }).click());
    assert.equal(await zhang.getByLabel('姓名').inputValue(), '张伟');
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('企业（个体工商户）名称').fill('示范市味道餐饮有限公司');
    await zhang
      .getByLabel('统一社会信用代码')
      .fill(`91340100MA0000001${creditCodeCheckCharacter('91340100MA0000001')}`);
    await zhang.getByLabel('经营场所地址').fill('南湖区湖滨路 8 号');
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    const plan = path.join(scratch, '平面图.pdf');
    writeFileSync(plan, '%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n');
    await zhang.getByLabel('就餐座位数').fill('40');
    await zhang.getByLabel('经营面积（平方米）').fill('85');
    await zhang.getByLabel('经营场所平面图').setInputFiles(plan);
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('姓名').fill('李明');
    await zhang.getByLabel('健康证明编号').fill('JK-2026-001');
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await zhang.getByLabel('否').check();
    await navigation(zhang, () => zhang.getByRole('button', { name: '继续' }).click());
    await navigation(zhang, () => zhang.getByRole('button', { name: '确认并提交申请' }).click());
    const number = new URL(zhang.url()).pathname.slice('/cases/'.length);
    assert.match(number, /^ZWFW-\d{4}-\d{7}-[0-9A-Z]$/);

    const chen = await suite.openPage(PHONE, false);
    await signInThroughPages(chen, 'chenjing', { secondFactor: true });
    await navigation(chen, () => chen.getByRole('link', { name: '继续' }).click());
    await approveFromInbox(chen, number, '陈静');

    const clerks = ['liuyang', 'zhaolei', 'sunli', 'zhouqiang'].sort(() => Math.random() - 0.5);
    for (const [i, username] of clerks.entries()) {
      const page = await suite.openPage(PHONE, i % 2 === 0);
      await signInThroughPages(page, username, { secondFactor: true });
      await navigation(page, () => page.getByRole('link', { name: '继续' }).click());
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
    await navigation(zhang, () => zhang.getByRole('link', { name: '评价这次办事' }).click());
    await expectAccessible(zhang, 'the rating form');
    await zhang.getByRole('radio', { name: '非常满意', exact: true }).check();
    for (const dimension of ['办事效率', '服务态度', '办事便利', '信息公开', '廉洁'])
      await zhang.getByRole('group', { name: dimension }).getByRole('radio', { name: '5 分' }).check();
    await zhang.getByLabel('意见和建议（选填）').fill('四个部门同时办理，一周就拿到了。');
    await navigation(zhang, () => zhang.getByRole('button', { name: '提交评价' }).click());
    assert.match((await zhang.locator('main').textContent()) ?? '', /感谢您的评价/);
  });
});
