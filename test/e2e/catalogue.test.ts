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

// The service guide and the search page (C1): search from the search page, open a result, read the guide; print it;
// in Chinese and English, with JavaScript on and off, on a phone and a desktop; zero axe-core violations.

const VIEWPORTS = [
  { name: 'phone', width: 375, height: 740 },
  { name: 'desktop', width: 1280, height: 900 },
] as const;

const LANGUAGES = {
  'zh-CN': {
    query: '营业执照',
    searchLandmark: '搜索办事服务',
    submit: '搜索',
    result: '企业设立登记（营业执照）',
    count: /^找到 \d+ 项服务/,
    materials: '申请材料',
    print: '打印本指南',
  },
  en: {
    query: 'business licence',
    searchLandmark: 'Search for a service',
    submit: 'Search',
    result: 'Business licence for a new company',
    count: /^\d+ services found/,
    materials: 'What to bring',
    print: 'Print this guide',
  },
} as const;

/** Pages checked with axe-core, with the status each answers. */
const AXE_PAGES = [
  { path: '/search?q=营业执照', status: 200 },
  { path: '/search?q=xyzzy&audience=business', status: 200 },
  { path: '/services/SJ-0101', status: 200 },
  { path: '/services/GA-0402', status: 200 },
  { path: '/services/XX-9999', status: 404 },
  { path: `/search?q=${'长'.repeat(101)}`, status: 400 },
];

const display = (page: Page, selector: string) =>
  page
    .locator(selector)
    .first()
    .evaluate((element) => getComputedStyle(element).display);

const { openPage, closePage } = browserSuite();

describe('service guide and search in a browser (C1)', () => {
  for (const viewport of VIEWPORTS) {
    for (const javaScript of [true, false]) {
      for (const [lang, words] of Object.entries(LANGUAGES)) {
        const label = `${lang}, ${viewport.name} ${viewport.width}px, JavaScript ${javaScript ? 'on' : 'off'}`;
        it(`searches, opens a result and reads its guide (${label})`, async (t) => {
          if (!needBrowser(t)) return;
          const page = await openPage(viewport, javaScript);
          try {
            await visit(page, `/search?lang=${lang}`);
            assert.equal(await page.locator('html').getAttribute('lang'), lang);
            assert.equal(await page.locator('h1').count(), 1);
            const search = page.getByRole('search', { name: words.searchLandmark });
            await search.getByRole('searchbox').fill(words.query);
            await Promise.all([
              page.waitForURL(
                (url) => url.pathname === '/search' && url.searchParams.get('q') === words.query,
              ),
              search.getByRole('button', { name: words.submit, exact: true }).click(),
            ]);
            assert.match((await page.locator('.search-results__count').textContent()) ?? '', words.count);
            const firstThree = await page
              .locator('.search-result__title')
              .evaluateAll((titles) => titles.slice(0, 3).map((title) => title.textContent?.trim()));
            assert.ok(firstThree.includes(words.result), `first three: ${firstThree.join(' / ')}`);
            assert.ok((await page.locator('.search-result mark').count()) > 0, 'matches are marked');
            if (viewport.name === 'phone') await expectNoHorizontalScroll(page);

            await Promise.all([
              page.waitForURL('**/services/SJ-0101'),
              page.getByRole('link', { name: words.result, exact: true }).first().click(),
            ]);
            assert.equal((await page.locator('h1').textContent())?.trim(), words.result);
            assert.equal(await page.locator('html').getAttribute('lang'), lang, 'the language stuck');
            assert.ok(await page.getByRole('heading', { name: words.materials, level: 2 }).isVisible());
            assert.ok(await page.locator('a[href="tel:12345"]').first().isVisible(), 'the hotline');
            const print = page.getByRole('button', { name: words.print });
            assert.equal(await print.isVisible(), javaScript, 'the print button needs JavaScript');
            if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
          } finally {
            await closePage(page);
          }
        });
      }
    }
  }

  it('prints the guide without the header, the navigation or the print button', async (t) => {
    if (!needBrowser(t)) return;
    const page = await openPage(VIEWPORTS[1], true);
    try {
      await visit(page, '/services/SJ-0101');
      assert.notEqual(await display(page, '.site-header'), 'none');
      assert.equal(await display(page, '.guide__printed-from'), 'none');
      await page.emulateMedia({ media: 'print' });
      for (const hidden of ['.site-header', '.site-nav', '.breadcrumbs', '.guide__print', '.site-footer'])
        assert.equal(await display(page, hidden), 'none', `${hidden} is not printed`);
      assert.equal(await display(page, '.guide__printed-from'), 'block', 'the copy says where it came from');
      assert.ok(await page.locator('h1').isVisible());
      assert.ok(await page.locator('.guide-materials').isVisible());
      // On A4 paper, nothing is cut off at the side.
      const pdf = (await page.pdf({ preferCSSPageSize: true })).toString('latin1');
      assert.match(pdf, /\/MediaBox \[0 0 59[45]\.\d+ 84[12]\.\d+\]/, 'printed on A4 (595 × 842 pt)');
      await page.setViewportSize({ width: 680, height: 900 });
      await expectNoHorizontalScroll(page);
    } finally {
      await closePage(page);
    }
  });

  for (const viewport of VIEWPORTS) {
    it(`has no axe-core violations on results, no results, guides and errors, with JavaScript on or off (${viewport.name} ${viewport.width}px)`, async (t) => {
      if (!needBrowser(t)) return;
      const page = await openPage(viewport, true);
      const plain = await openPage(viewport, false);
      try {
        for (const lang of Object.keys(LANGUAGES)) {
          for (const { path, status } of AXE_PAGES) {
            const url = `${path}${path.includes('?') ? '&' : '?'}lang=${lang}`;
            const label = `${url.slice(0, 60)} at ${viewport.width}px`;
            await visit(page, url, status);
            if (viewport.name === 'phone') await expectNoHorizontalScroll(page);
            assert.equal(await page.locator('h1').count(), 1, `one h1 on ${label}`);
            await expectNoAxeViolations(page, `${label}, JavaScript on`);
            // axe needs JavaScript: analyse the DOM a browser without it built, when that differs.
            await visit(plain, url, status);
            const withJavaScript = withoutScripts(await page.content());
            const withoutJavaScript = withoutScripts(await plain.content());
            if (withoutJavaScript !== withJavaScript) {
              await page.setContent(withoutJavaScript);
              await expectNoAxeViolations(page, `${label}, JavaScript off`);
            }
          }
        }
      } finally {
        await closePage(page);
        await closePage(plain);
      }
    });
  }
});
