import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import {
  browserSuite,
  expectNoAxeViolations,
  expectNoHorizontalScroll,
  needBrowser,
  visit,
  withoutScripts,
} from '../support/browser.ts';

// Issue "Foundation": the home page with JavaScript on and off, switching to English and back, and zero axe-core
// violations, on a desktop screen and a narrow phone.

const VIEWPORTS = [
  { name: 'desktop', width: 1280, height: 800 },
  { name: 'phone', width: 360, height: 740 },
] as const;

/** Every page the foundation serves, in both languages (`?lang=` sets the language explicitly). */
const PAGES = [
  '/',
  '/departments',
  '/accessibility',
  '/api/docs',
  '/sign-in',
  '/register',
  '/dev/mailbox',
  '/no-such-page',
].flatMap((path) => ['zh-CN', 'en'].map((lang) => `${path}?lang=${lang}`));

async function expectLanguage(page: Page, lang: 'zh-CN' | 'en'): Promise<void> {
  assert.equal(await page.locator('html').getAttribute('lang'), lang, `<html lang> of ${page.url()}`);
}

/** The page's stylesheet arrived and applies (the layout checks below mean nothing without it). */
async function expectStyled(page: Page): Promise<void> {
  const position = await page.locator('.skip-link').evaluate((element) => getComputedStyle(element).position);
  assert.notEqual(position, 'static', `the stylesheet does not apply on ${page.url()}`);
}

/** Tab from the top of the page: the skip link comes first, shows itself, and takes focus to <main>. */
async function expectSkipLinkFirst(page: Page, text: string): Promise<void> {
  await page.keyboard.press('Tab');
  const focused = page.locator(':focus');
  assert.equal((await focused.textContent())?.trim(), text, 'the first Tab stop is the skip link');
  assert.equal(await focused.getAttribute('href'), '#main');
  const box = await focused.boundingBox();
  const viewport = page.viewportSize();
  assert.ok(box && viewport, 'the focused skip link has a box');
  assert.ok(
    box.x >= 0 && box.y >= 0 && box.x + box.width <= viewport.width && box.y + box.height <= viewport.height,
    `the focused skip link is visible inside the viewport (box ${JSON.stringify(box)})`,
  );
  await page.keyboard.press('Enter');
  // Following a fragment link is asynchronous: wait for it rather than racing it (flaky under load).
  await page.waitForURL((url) => url.hash === '#main', { timeout: 5000 });
  assert.equal(new URL(page.url()).hash, '#main');
  assert.equal(await page.locator('main:focus').count(), 1, 'the skip link moves focus to <main>');
}

const { openPage, closePage } = browserSuite();

describe('home page in a browser (issue "Foundation")', () => {
  for (const viewport of VIEWPORTS) {
    for (const javaScript of [true, false]) {
      const label = `${viewport.name} ${viewport.width}px, JavaScript ${javaScript ? 'on' : 'off'}`;

      it(`reads in Chinese, switches to English and back (${label})`, async (t) => {
        if (!needBrowser(t)) return;
        const page = await openPage(viewport, javaScript);
        try {
          await visit(page, '/');
          await expectLanguage(page, 'zh-CN');
          await expectStyled(page);
          const h1 = page.locator('h1');
          assert.equal(await h1.count(), 1, 'one <h1>');
          assert.match((await h1.textContent()) ?? '', /示范市/);
          await expectSkipLinkFirst(page, '跳到主要内容');
          if (javaScript && viewport.name === 'phone') await expectNoHorizontalScroll(page);

          // The switch is a plain link, so it works without JavaScript; it names its target in that language.
          const toEnglish = page.getByRole('link', { name: '切换到英文版' });
          assert.equal(await toEnglish.getAttribute('hreflang'), 'en');
          await Promise.all([page.waitForURL('**/?lang=en'), toEnglish.click()]);
          await expectLanguage(page, 'en');
          assert.equal((await h1.textContent())?.trim(), 'Demo City Government Services');
          assert.match(await page.title(), / - Demo City Government Services$/);
          await expectSkipLinkFirst(page, 'Skip to main content');

          // The choice sticks (a cookie): the main navigation's plain link stays in English.
          const nav = page.getByRole('navigation', { name: 'Main navigation' });
          await Promise.all([
            page.waitForURL('**/departments'),
            nav.getByRole('link', { name: 'Departments' }).click(),
          ]);
          await expectLanguage(page, 'en');
          assert.doesNotMatch((await h1.textContent()) ?? '', /[\u4e00-\u9fff]/, 'the heading is English');
          assert.equal(
            await nav.getByRole('link', { name: 'Departments' }).getAttribute('aria-current'),
            'page',
          );

          // And back to Chinese, which sticks too.
          await Promise.all([
            page.waitForURL('**/departments?lang=zh-CN'),
            page.getByRole('link', { name: 'Switch to Chinese' }).click(),
          ]);
          await expectLanguage(page, 'zh-CN');
          await visit(page, '/');
          await expectLanguage(page, 'zh-CN');
          assert.match((await h1.textContent()) ?? '', /示范市/);
        } finally {
          await closePage(page);
        }
      });
    }

    it(`has no axe-core violations on any page, with JavaScript on or off (${viewport.name} ${viewport.width}px)`, async (t) => {
      if (!needBrowser(t)) return;
      const page = await openPage(viewport, true);
      const plain = await openPage(viewport, false);
      try {
        for (const path of PAGES) {
          const status = path.startsWith('/no-such-page') ? 404 : 200;
          const label = `${path} at ${viewport.width}px`;
          await visit(page, path, status);
          await expectStyled(page);
          if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
          await expectNoAxeViolations(page, `${label}, JavaScript on`);

          // axe cannot run where JavaScript is off, so it analyses the DOM a browser without JavaScript built,
          // loaded into the JavaScript-enabled page — when that DOM differs at all from the one just checked.
          await visit(plain, path, status);
          const withJavaScript = withoutScripts(await page.content());
          const withoutJavaScript = withoutScripts(await plain.content());
          if (withoutJavaScript !== withJavaScript) {
            await page.setContent(withoutJavaScript);
            await expectStyled(page);
            if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
            await expectNoAxeViolations(page, `${label}, JavaScript off`);
          }
        }
      } finally {
        await closePage(page);
        await closePage(plain);
      }
    });
  }

  it('fits the narrowest phones (320px) without sideways scrolling', async (t) => {
    if (!needBrowser(t)) return;
    const page = await openPage({ width: 320, height: 640 }, true);
    try {
      for (const path of PAGES) {
        await visit(page, path, path.startsWith('/no-such-page') ? 404 : 200);
        await expectNoHorizontalScroll(page);
      }
    } finally {
      await closePage(page);
    }
  });
});
