import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  expectAccessibleWithoutScripts,
  navigation,
  needBrowser,
  signInThroughPages,
} from '../support/browser.ts';

// The pages around cases that the journeys do not pass through, in a browser without JavaScript on a 375 px phone
// and checked by axe-core: the platform administrator's processes (a diagram and the editor), a person's messages,
// and a department's rectifications.

const PHONE = { width: 375, height: 800 };
let checker: Page | undefined;
// The checker (JavaScript on, for axe) opens once the browser and the platform are up.
const suite = browserSuite({
  ready: async () => {
    checker = await suite.openPage(PHONE, true);
    // On the platform's origin, so that the pages it is given load their stylesheet.
    await checker.goto('/');
  },
});
const expectAccessible = (page: Page, label: string) => {
  assert.ok(checker);
  return expectAccessibleWithoutScripts(checker, page, label);
};

describe('case administration pages in a browser', () => {
  it('lets the platform administrator read a process as a diagram and outline, and reports a loop in a draft', async (t) => {
    if (!needBrowser(t)) return;
    const ma = await suite.openPage(PHONE, false);
    await signInThroughPages(ma, 'machao', { secondFactor: true });
    assert.equal((await ma.goto('/admin/processes'))?.status(), 200);
    await expectAccessible(ma, 'the processes');
    await navigation(ma, () => ma.getByRole('link', { name: /ZWFW-0101/ }).click());
    assert.equal(await ma.locator('svg[role="img"]').count(), 1);
    await expectAccessible(ma, 'the restaurant process');
    const text = await ma.getByLabel('流程定义（JSON）').inputValue();
    await ma.getByLabel('流程定义（JSON）').fill(text.replace('"next": "departments"', '"next": "accept"'));
    const refused = await navigation(ma, () => ma.getByRole('button', { name: '检查并保存为草稿' }).click());
    assert.equal(refused?.status(), 400);
    assert.match((await ma.locator('.error-summary').textContent()) ?? '', /流程有环路/);
    await expectAccessible(ma, 'the process with its problems');
    await ma.goto('/admin/processes/ZWFW-0101?lang=en');
    await expectAccessible(ma, 'the restaurant process in English');
  });

  it('shows a person their messages and a department its rectifications', async (t) => {
    if (!needBrowser(t)) return;
    const zhang = await suite.openPage(PHONE, false);
    await signInThroughPages(zhang, 'zhangwei');
    assert.equal((await zhang.goto('/notifications'))?.status(), 200);
    await expectAccessible(zhang, 'messages');
    const liu = await suite.openPage(PHONE, false);
    await signInThroughPages(liu, 'liuyang', { secondFactor: true });
    assert.equal((await liu.goto('/workbench/rectifications'))?.status(), 200);
    await expectAccessible(liu, 'rectifications');
  });
});
