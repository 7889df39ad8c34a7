import assert from 'node:assert/strict';
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

// Issue 3, mandates (授权/代办), in a browser without JavaScript: 王芳, legal representative of the demo
// restaurant company, gives 李娜 a mandate; 李娜 sees it and opens the company's record under it; 王芳 sees that
// action in the company's record of actions under mandates, and revokes the mandate. Every page is checked by axe.

const PASSWORD = 'shifan-demo-2026';
const inAYear = new Date(Date.now() + 365 * 24 * 3600 * 1000).toISOString().slice(0, 10);

let browser: Browser | undefined;
let served: ServedPlatform | undefined;
let wang: Page | undefined;
let lina: Page | undefined;
let checker: Page | undefined;
const contexts: BrowserContext[] = [];

before(async () => {
  if (!isBrowserAvailable()) return;
  [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform()]);
  const open = async (javaScriptEnabled: boolean, width = 1280) => {
    assert.ok(browser && served);
    const context = await browser.newContext({
      baseURL: served.baseUrl,
      javaScriptEnabled,
      viewport: { width, height: 900 },
    });
    contexts.push(context);
    return context.newPage();
  };
  // 李娜 on a narrow phone screen.
  [wang, lina, checker] = await Promise.all([open(false), open(false, 360), open(true)]);
  await checker.goto('/');
});

after(async () => {
  await Promise.all(contexts.map((context) => context.close()));
  await browser?.close();
  await served?.close();
});

function pages(): { wang: Page; lina: Page; checker: Page } {
  assert.ok(wang && lina && checker, 'the browser and the platform are started');
  return { wang, lina, checker };
}

async function submit(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

async function axeWithoutJavaScript(page: Page, label: string): Promise<void> {
  const { checker } = pages();
  await checker.setContent(withoutScripts(await page.content()));
  await expectNoAxeViolations(checker, `${label} (JavaScript off)`);
}

async function signIn(page: Page, username: string): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(PASSWORD);
  const response = await submit(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  assert.equal(response?.status(), 200);
  assert.equal(new URL(page.url()).pathname, '/account');
}

describe('mandates in a browser (issue 3): grant, act under it, see it recorded, revoke', () => {
  let companyUrl = '';

  it('shows 王芳 her company, and lets her give 李娜 a mandate after correcting a mistake', async (t) => {
    if (!needBrowser(t)) return;
    const { wang: page } = pages();
    await signIn(page, 'wangfang');
    await submit(page, () => page.getByRole('link', { name: '企业和授权' }).click());
    assert.equal((await page.locator('h1').textContent())?.trim(), '企业和授权');
    await axeWithoutJavaScript(page, 'my businesses and mandates');
    await submit(page, () => page.getByRole('link', { name: '示范市味道餐饮有限公司' }).click());
    companyUrl = new URL(page.url()).pathname;
    assert.match(companyUrl, /^\/legal-entities\/org_[0-9A-Z]{26}$/);
    await axeWithoutJavaScript(page, 'the company page');

    await page.getByLabel('被授权人的用户名').fill('lina');
    await page.getByLabel('被授权人的姓名（与证件一致）').fill('李娜');
    await page.getByLabel('有效期至（含当日）').fill(inAYear);
    // Forgot to tick what she may do: the page comes back with the summary, linked to the question.
    const refused = await submit(page, () => page.getByRole('button', { name: '授权', exact: true }).click());
    assert.equal(refused?.status(), 400);
    const summary = page.getByRole('alert');
    assert.equal(await summary.getByRole('link').count(), 1);
    assert.equal(await summary.getByRole('link').getAttribute('href'), '#scope');
    assert.equal(await page.getByLabel('被授权人的用户名').inputValue(), 'lina', 'what she typed is kept');
    await axeWithoutJavaScript(page, 'the company page with a problem');

    await page.getByRole('group', { name: '可以代办的事项' }).getByLabel('查看本单位的登记信息').check();
    const granted = await submit(page, () => page.getByRole('button', { name: '授权', exact: true }).click());
    assert.equal(granted?.status(), 200);
    assert.match((await page.getByRole('status').textContent()) ?? '', /已授权 李娜 代办/);
    const row = page.getByRole('table', { name: '本单位的授权' }).getByRole('row', { name: /李娜/ });
    assert.match((await row.textContent()) ?? '', /有效/);
  });

  it('shows 李娜 the mandate on a phone screen, and lets her open the company’s record under it', async (t) => {
    if (!needBrowser(t)) return;
    const { lina: page } = pages();
    await signIn(page, 'lina');
    await page.goto('/account/legal-entities');
    const held = page.getByRole('table', { name: '您持有的授权' });
    assert.match((await held.textContent()) ?? '', /示范市味道餐饮有限公司.*查看本单位的登记信息.*有效/s);
    const width = await page.evaluate(() => document.documentElement.scrollWidth);
    assert.ok(width <= 360, `no sideways scrolling of the page at 360 px (${width})`);
    await axeWithoutJavaScript(page, 'the mandates held, at 360 px');
    await submit(page, () => held.getByRole('link', { name: '示范市味道餐饮有限公司' }).click());
    assert.equal(new URL(page.url()).pathname, companyUrl);
    assert.equal(await page.getByRole('heading', { name: '我的授权' }).count(), 1);
    assert.equal(await page.getByRole('button', { name: '授权', exact: true }).count(), 0);
  });

  it('shows 王芳 what 李娜 did under the mandate, and lets her revoke it with a reason', async (t) => {
    if (!needBrowser(t)) return;
    const { wang: page, lina: linaPage } = pages();
    await page.goto(companyUrl);
    const actions = page.getByRole('table', { name: '以本单位名义的代办记录' });
    assert.match((await actions.textContent()) ?? '', /李娜.*查看本单位的登记信息.*mnd_/s);

    await submit(page, () => page.getByRole('link', { name: '撤销 李娜' }).click());
    assert.equal((await page.locator('h1').textContent())?.trim(), '撤销授权');
    await axeWithoutJavaScript(page, 'the revoke confirmation');
    await page.getByLabel('撤销原因').fill('合作结束');
    const done = await submit(page, () => page.getByRole('button', { name: '确认撤销' }).click());
    assert.equal(done?.status(), 200);
    const row = page.getByRole('table', { name: '本单位的授权' }).getByRole('row', { name: /李娜/ });
    assert.match((await row.textContent()) ?? '', /已撤销/);

    // At once: 李娜 can no longer open the company's record.
    const refused = await linaPage.goto(companyUrl);
    assert.equal(refused?.status(), 403);
    await axeWithoutJavaScript(linaPage, 'the refusal page');
  });
});
