import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import type { Page } from 'playwright-core';
import { browserSuite, needBrowser } from '../support/browser.ts';

// Issue 4: a keyboard-only journey from the home page to a service guide — through a life event, and through
// search — with the focus always visible. No mouse, no clicks: Tab, type, Enter.

const { openPage, closePage } = browserSuite();

/** What has the focus: its tag, name, link target and text, and whether a focus indicator is drawn. */
function focused(page: Page) {
  return page.evaluate(() => {
    const element = document.activeElement as HTMLElement | null;
    if (!element || element === document.body) return undefined;
    const style = getComputedStyle(element);
    return {
      tag: element.tagName.toLowerCase(),
      name: element.getAttribute('name') ?? '',
      href: element.getAttribute('href') ?? '',
      text: (element.textContent ?? '').trim(),
      // An outline, or the box-shadow focus ring the stylesheet draws.
      visible: (style.outlineStyle !== 'none' && style.outlineWidth !== '0px') || style.boxShadow !== 'none',
    };
  });
}

/** Presses Tab until the focused element matches, failing after `limit` presses; checks each stop shows focus. */
async function tabTo(
  page: Page,
  matches: (f: NonNullable<Awaited<ReturnType<typeof focused>>>) => boolean,
  what: string,
  limit = 80,
): Promise<void> {
  for (let i = 0; i < limit; i++) {
    await page.keyboard.press('Tab');
    const f = await focused(page);
    if (!f) continue;
    assert.ok(f.visible, `the focus is visible on <${f.tag}> ${f.href || f.name || f.text.slice(0, 30)}`);
    if (matches(f)) return;
  }
  assert.fail(`no ${what} within ${limit} presses of Tab`);
}

describe('a keyboard-only journey from home to a service guide', () => {
  for (const lang of ['zh-CN', 'en'] as const) {
    it(`searches and opens a guide with the keyboard alone (${lang})`, async (t) => {
      if (!needBrowser(t)) return;
      const page = await openPage({ width: 375, height: 740 });
      try {
        await page.goto(`/?lang=${lang}`);
        await tabTo(page, (f) => f.tag === 'input' && f.name === 'q', 'search box');
        await page.keyboard.type(lang === 'en' ? 'business licence' : '营业执照');
        await Promise.all([page.waitForURL(/\/search\?/), page.keyboard.press('Enter')]);
        await tabTo(
          page,
          (f) => f.tag === 'a' && f.href.startsWith('/services/SJ-0101'),
          'result link to SJ-0101',
        );
        await Promise.all([page.waitForURL(/\/services\/SJ-0101/), page.keyboard.press('Enter')]);
        const title = await page.locator('h1').textContent();
        assert.match(title ?? '', lang === 'en' ? /business licence|Business licence|company/i : /营业执照/);
      } finally {
        await closePage(page);
      }
    });
  }

  it('follows a life event to one of its services with the keyboard alone', async (t) => {
    if (!needBrowser(t)) return;
    const page = await openPage({ width: 1280, height: 900 });
    try {
      await page.goto('/?lang=en');
      await tabTo(
        page,
        (f) => f.tag === 'a' && f.href.startsWith('/life-events/having-a-baby'),
        'life event link',
      );
      await Promise.all([page.waitForURL(/\/life-events\/having-a-baby/), page.keyboard.press('Enter')]);
      await tabTo(page, (f) => f.tag === 'a' && f.href.startsWith('/services/'), 'service link');
      await Promise.all([page.waitForURL(/\/services\/[A-Z]+-\d{4}/), page.keyboard.press('Enter')]);
      assert.ok(((await page.locator('h1').textContent()) ?? '').length > 0);
    } finally {
      await closePage(page);
    }
  });
});
