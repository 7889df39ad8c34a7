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

// The catalogue editors' workbench in a browser without JavaScript, on a 375 px phone: 刘洋, clerk of Market
// Regulation, shortens the promised time limit of the food business licence (SJ-0201) from 5 to 3 working days,
// after one mistake the form reports; 吴敏, head of the department, sees exactly that change in the review queue and
// publishes it; the public API and guide show 3 days. The list, the form with its errors and the review queue are
// checked by axe-core.

const PASSWORD = 'shifan-demo-2026';
const CODE = 'SJ-0201';
const PHONE = { width: 375, height: 800 };

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
const contexts: BrowserContext[] = [];
/** 刘洋's and 吴敏's browsers, JavaScript off; the checker (JavaScript on) runs axe on the DOM they built. */
let clerk: Page | undefined;
let head: Page | undefined;
let checker: Page | undefined;

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform()]);
  const open = async (javaScriptEnabled: boolean) => {
    assert.ok(browser && served);
    const context = await browser.newContext({ baseURL: served.baseUrl, javaScriptEnabled, viewport: PHONE });
    contexts.push(context);
    return context.newPage();
  };
  [clerk, head, checker] = await Promise.all([open(false), open(false), open(true)]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
});

function pages() {
  assert.ok(clerk && head && checker && served, 'everything is started');
  return { clerk, head, checker, served };
}

function expectStatus(response: Response | null, status: number, what: string): void {
  assert.ok(response, `no response for ${what}`);
  assert.equal(response.status(), status, `status of ${what}`);
}

/** Runs the action that navigates (a click) and returns the response of that navigation. */
async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/** axe-core on the DOM a browser without JavaScript built; and the page fits the phone without sideways scrolling. */
async function expectAccessible(page: Page, label: string): Promise<void> {
  const { checker } = pages();
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

const mainText = async (page: Page) => (await page.locator('main').textContent()) ?? '';

/** Signs a demo member of staff in with the password and, on this first sign-in, enrols TOTP; ends on /account. */
async function signIn(page: Page, username: string): Promise<void> {
  expectStatus(await page.goto('/sign-in'), 200, 'GET /sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
  const secret = ((await page.locator('main code').textContent()) ?? '').trim();
  await page.getByLabel('6 位验证码').fill(await generate({ secret }));
  await submit(page, () => page.getByRole('button', { name: '验证' }).click());
  await submit(page, () => page.getByRole('link', { name: '继续' }).click());
  assert.equal(new URL(page.url()).pathname, '/account');
}

describe('editing the catalogue in a browser, four eyes', () => {
  it('lets the clerk change the promised time limit and submit it, after the form reports a mistake', async (t) => {
    if (!needBrowser(t)) return;
    const { clerk: page } = pages();
    await signIn(page, 'liuyang');
    expectStatus(
      await submit(page, () => page.getByRole('main').getByRole('link', { name: '服务事项编辑' }).click()),
      200,
      'the list',
    );
    assert.equal(new URL(page.url()).pathname, '/workbench/catalogue');
    assert.match(await mainText(page), /SJ-0101/);
    assert.doesNotMatch(await mainText(page), /XF-0101/, 'only the clerk’s own department');
    await expectAccessible(page, 'the list of services');

    await submit(page, () => page.getByRole('link', { name: '修改 食品经营许可（新办）' }).click());
    assert.equal(new URL(page.url()).pathname, `/workbench/catalogue/${CODE}/edit`);
    const promised = page.getByLabel('承诺时限（工作日）');
    assert.equal(await promised.inputValue(), '5');
    // Longer than the statutory 10 days: refused, with the problem linked to its field and nothing saved.
    await promised.fill('30');
    await page.getByLabel('修改说明', { exact: true }).fill('承诺时限由 5 个工作日压缩为 3 个工作日');
    expectStatus(
      await submit(page, () => page.getByRole('button', { name: '保存草稿' }).click()),
      400,
      'a promise longer than the law',
    );
    const summary = page.getByRole('alert');
    const link = summary.getByRole('link', { name: /承诺时限不能长于法定时限/ });
    assert.equal(await link.getAttribute('href'), '#promisedDays');
    assert.equal(await promised.getAttribute('aria-invalid'), 'true');
    assert.equal(await promised.inputValue(), '30', 'what was typed is kept');
    await expectAccessible(page, 'the service form with an error');

    await promised.fill('3');
    const submitted = await submit(page, () => page.getByRole('button', { name: '保存并提交审核' }).click());
    expectStatus(submitted, 200, 'the service page after submitting');
    assert.equal(new URL(page.url()).pathname, `/workbench/catalogue/${CODE}`);
    assert.match((await page.getByRole('status').textContent()) ?? '', /第 2 版已提交审核/);
    const version = page.getByRole('region', { name: '第 2 版' });
    assert.match(
      (await version.textContent()) ?? '',
      /待审核.*承诺时限由 5 个工作日压缩为 3 个工作日.*承诺时限/s,
    );
  });

  it('lets the head see exactly that change and publish it; the public API and guide show the new limit', async (t) => {
    if (!needBrowser(t)) return;
    const { head: page, served } = pages();
    await signIn(page, 'wumin');
    await page.goto('/workbench/catalogue');
    expectStatus(
      await submit(page, () => page.getByRole('link', { name: '审核队列' }).click()),
      200,
      'the queue',
    );
    const entry = page.getByRole('region', { name: `${CODE} 食品经营许可（新办）：第 2 版` });
    const changes = entry.getByRole('table', { name: '第 2 版与上一版本相比的修改' });
    assert.equal(await changes.locator('tbody tr').count(), 1, 'one field changed');
    assert.match((await changes.textContent()) ?? '', /承诺时限.*5 个工作日.*3 个工作日/s);
    await expectAccessible(page, 'the review queue');

    const before = await (await fetch(`${served.baseUrl}/api/v1/catalogue/services/${CODE}`)).json();
    assert.equal(before.promisedDays, 5, 'not public before the decision');
    const published = await submit(page, () =>
      entry.getByRole('button', { name: `立即发布 ${CODE}` }).click(),
    );
    expectStatus(published, 200, 'the queue after publishing');
    assert.match((await page.getByRole('status').textContent()) ?? '', new RegExp(`${CODE} 第 2 版已发布`));

    const after = await (await fetch(`${served.baseUrl}/api/v1/catalogue/services/${CODE}`)).json();
    assert.equal(after.promisedDays, 3);
    assert.equal(after.version, 2);
    expectStatus(await page.goto(`/services/${CODE}`), 200, 'the public guide');
    assert.match(await mainText(page), /承诺办结时限\s*3 个工作日/);
  });
});
