import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import type { Page } from 'playwright-core';
import {
  AXE_TAGS,
  browserSuite,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  needBrowser,
  withoutScripts,
} from '../support/browser.ts';

// The portal's front door, organised by need (C1): from the home page to an audience, a life event and a service,
// in Chinese and English, with JavaScript on and off, on a phone and a desktop; the elderly-mode toggle; and zero
// axe-core violations on every page of the portal (AAA contrast in elderly mode).

const VIEWPORTS = [
  { name: 'phone', width: 375, height: 740 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

const WORDS = {
  'zh-CN': {
    resident: '个人',
    residentsTitle: '个人办事',
    step: (n: number) => `第 ${n} 步`,
    online: /可网上办理|需到窗口办理/,
    turnOn: '长辈模式',
    turnOff: '退出长辈模式',
    home: '首页',
    breadcrumbs: '面包屑导航',
  },
  en: {
    resident: 'A resident',
    residentsTitle: 'Services for residents',
    step: (n: number) => `Step ${n}`,
    online: /Apply online|In person at a counter/,
    turnOn: 'Larger text',
    turnOff: 'Standard text',
    home: 'Home',
    breadcrumbs: 'Breadcrumbs',
  },
} as const;

/** Every page the portal builds (a topic and a life event of the demo catalogue, found from the home page). */
let pages: string[] = [];

const { openPage, closePage } = browserSuite({ ready: findPages });

async function findPages(baseUrl: string): Promise<void> {
  const home = await (await fetch(`${baseUrl}/`)).text();
  const topic = /href="(\/topics\/[a-z-]+)"/.exec(home)?.[1];
  const event = /href="(\/life-events\/[a-z-]+)"/.exec(home)?.[1];
  assert.ok(topic && event, 'the home page links to topics and life events');
  pages = [
    '/',
    '/for/citizen',
    '/for/business',
    '/for/international',
    '/topics',
    topic,
    `${topic}?audience=business`,
    '/life-events',
    event,
    '/departments',
    '/departments/SJ',
    '/accessibility',
    '/for/nobody',
  ];
}

const withLang = (path: string, lang: string) => `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
const statusOf = (path: string) => (path.startsWith('/for/nobody') ? 404 : 200);

async function visit(page: Page, path: string): Promise<void> {
  const response = await page.goto(path);
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), statusOf(path), `status of ${path}`);
}

/** Follows a link (works with JavaScript off too) and waits for the page it names. */
async function follow(page: Page, link: ReturnType<Page['locator']>): Promise<string> {
  const href = await link.getAttribute('href');
  assert.ok(href, 'the link has an href');
  await Promise.all([page.waitForURL((url) => `${url.pathname}${url.search}` === href), link.click()]);
  return href;
}

const bodyFontSize = (page: Page) =>
  page.locator('body').evaluate((body) => Number.parseFloat(getComputedStyle(body).fontSize));

/** Clicks the header's elderly-mode button and waits for the same page to come back in the other mode. */
async function toggleElderly(page: Page, name: string, on: boolean): Promise<void> {
  const before = page.url();
  await page.getByRole('link', { name }).click();
  await page.locator(on ? 'html.elderly' : 'html:not(.elderly)').waitFor({ state: 'attached' });
  const after = new URL(page.url());
  after.searchParams.delete('mode');
  assert.equal(after.toString().replace(/\?$/, ''), before.replace(/[?&]mode=\w+/, ''), 'the same page');
}

describe('the portal in a browser (C1: by need, never by department)', () => {
  for (const viewport of VIEWPORTS) {
    for (const lang of ['zh-CN', 'en'] as const) {
      for (const javaScript of [true, false]) {
        const label = `${lang}, ${viewport.name} ${viewport.width}px, JavaScript ${javaScript ? 'on' : 'off'}`;

        it(`goes from the home page to an audience, a life event and a service, and switches elderly mode (${label})`, async (t) => {
          if (!needBrowser(t)) return;
          const words = WORDS[lang];
          const page = await openPage(viewport, javaScript);
          try {
            await visit(page, `/?lang=${lang}`);
            await follow(page, page.getByRole('link', { name: words.resident, exact: true }));
            assert.equal(new URL(page.url()).pathname, '/for/citizen');
            assert.equal((await page.locator('h1').textContent())?.trim(), words.residentsTitle);

            // A life event: the ordered journey through several departments' services.
            const event = page.locator('main a.card__link[href^="/life-events/"]').first();
            const eventName = (await event.textContent())?.trim();
            await follow(page, event);
            assert.equal((await page.locator('h1').textContent())?.trim(), eventName);
            const crumbs = page.getByRole('navigation', { name: words.breadcrumbs });
            assert.equal(await crumbs.getByRole('link').count(), 2, 'home › life events › this one');
            const steps = page.locator('main ol.step-list > li');
            const count = await steps.count();
            assert.ok(count >= 2, 'at least two steps');
            for (let i = 0; i < count; i++) {
              const heading = (await steps.nth(i).locator('h3').textContent()) ?? '';
              assert.ok(heading.startsWith(words.step(i + 1)), `step ${i + 1} is numbered: ${heading}`);
            }
            const departments = await page.locator('main .summary-list a[href^="/departments/"]').count();
            assert.ok(departments >= 2, 'the journey bundles several departments');

            // A service of the first step: its guide's address, the department, the time and online or not.
            const card = steps.first().locator('.card').first();
            const service = card.locator('a.card__link');
            assert.match((await service.getAttribute('href')) ?? '', /^\/services\/[A-Z]{2,6}-\d{4}$/);
            assert.match((await card.locator('.card__meta').textContent()) ?? '', words.online);

            // Elderly mode: larger text, on this page and the next, and off again.
            if (javaScript && viewport.name === 'phone') await expectNoHorizontalScroll(page);
            const normal = await bodyFontSize(page);
            await toggleElderly(page, words.turnOn, true);
            const large = await bodyFontSize(page);
            assert.ok(large >= normal * 1.25, `text ${large}px, at least 1.25 × ${normal}px`);
            const button = await page.locator('.site-header__mode').boundingBox();
            assert.ok(button && button.height >= 44, `a big target in elderly mode (${button?.height}px)`);
            if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
            await follow(page, crumbs.getByRole('link', { name: words.home, exact: true }));
            assert.equal(await page.locator('html.elderly').count(), 1, 'it sticks on the next page');
            await toggleElderly(page, words.turnOff, false);
            assert.equal(await bodyFontSize(page), normal);
          } finally {
            await closePage(page);
          }
        });
      }
    }

    it(`has no axe-core violations on any portal page, with JavaScript on or off (${viewport.name} ${viewport.width}px)`, async (t) => {
      if (!needBrowser(t)) return;
      const page = await openPage(viewport, true);
      const plain = await openPage(viewport, false);
      try {
        for (const path of pages.flatMap((p) => [withLang(p, 'zh-CN'), withLang(p, 'en')])) {
          const label = `${path} at ${viewport.width}px`;
          await visit(page, path);
          assert.equal(await page.locator('h1').count(), 1, `${label}: one h1`);
          if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
          await expectNoAxeViolations(page, `${label}, JavaScript on`);
          // axe needs JavaScript: it checks the DOM a browser without it built, when that differs at all.
          await visit(plain, path);
          const withJavaScript = withoutScripts(await page.content());
          const withoutJavaScript = withoutScripts(await plain.content());
          if (withoutJavaScript !== withJavaScript) {
            await page.setContent(withoutJavaScript);
            await expectNoAxeViolations(page, `${label}, JavaScript off`);
          }
        }
      } finally {
        await closePage(page);
        await closePage(plain);
      }
    });
  }

  it('meets AAA contrast and has no axe-core violations in elderly mode, without sideways scrolling on a phone', async (t) => {
    if (!needBrowser(t)) return;
    const page = await openPage(VIEWPORTS[0], true);
    try {
      await visit(page, '/');
      await toggleElderly(page, WORDS['zh-CN'].turnOn, true);
      for (const path of pages.flatMap((p) => [withLang(p, 'zh-CN'), withLang(p, 'en')])) {
        await visit(page, path);
        assert.equal(await page.locator('html.elderly').count(), 1, `${path} in elderly mode`);
        await expectNoHorizontalScroll(page);
        // One run: the AA rules every page meets, and the AAA ones (contrast 7:1) elderly mode promises.
        const results = await new AxeBuilder({ page })
          .withTags([...AXE_TAGS, 'wcag2aaa'])
          .setLegacyMode(true)
          .analyze();
        const problems = results.violations.flatMap((v) =>
          v.nodes.map((n) => `${v.id} ${n.target.join(' ')}: ${n.failureSummary}`),
        );
        assert.deepEqual(problems, [], `${path}: no axe-core violations, WCAG AAA contrast in elderly mode`);
      }
    } finally {
      await closePage(page);
    }
  });
});
