import assert from 'node:assert/strict';
import { existsSync } from 'node:fs';
import { createServer } from 'node:net';
import { after, before, type TestContext } from 'node:test';
import { AxeBuilder } from '@axe-core/playwright';
import { generate } from 'otplib';
import { type Browser, type BrowserContext, chromium, type Page, type Response } from 'playwright-core';
import { DEMO_PASSWORD } from '../../src/modules/identity/index.ts';
import { IN_CI } from './environment.ts';
import { startTestPlatform } from './platform.ts';

/** The Debian package's Chromium; the browser tests never download one. */
export const CHROMIUM_PATH = '/usr/bin/chromium';

/** The WCAG levels every public page must meet: 2.0, 2.1 and 2.2 A and AA. */
export const AXE_TAGS = ['wcag2a', 'wcag2aa', 'wcag21a', 'wcag21aa', 'wcag22aa'];

/** Whether Chromium is installed where the browser tests look for it. */
export function isBrowserAvailable(): boolean {
  return existsSync(CHROMIUM_PATH);
}

/**
 * Skips the current test when Chromium is not installed — except in CI, where that is a failure.
 * Returns false when the test was skipped.
 */
export function needBrowser(t: TestContext): boolean {
  if (isBrowserAvailable()) return true;
  if (IN_CI) throw new Error(`Chromium is required in CI but is not installed at ${CHROMIUM_PATH}.`);
  t.skip(`Chromium not found at ${CHROMIUM_PATH}: apt-get install chromium to run the browser tests`);
  return false;
}

/** A headless Chromium, quiet and offline apart from the pages it is sent to. Close it in `after`. */
export function launchBrowser(): Promise<Browser> {
  return chromium.launch({
    executablePath: CHROMIUM_PATH,
    args: [
      '--no-sandbox',
      '--disable-gpu',
      '--disable-quic',
      '--no-first-run',
      '--disable-background-networking',
      '--disable-component-update',
      '--disable-sync',
    ],
  });
}

/** A whole test platform (in-memory database, demo city) listening on a free local port. */
export interface ServedPlatform {
  /** E.g. `http://127.0.0.1:43125`, without a trailing slash. */
  baseUrl: string;
  close(): Promise<void>;
}

/**
 * Starts `startTestPlatform()` and serves it over real HTTP, for a browser to visit. The options go to
 * `startTestPlatform()`: for example `{ work: true, env: { YIWANG_SMTP_URL: smtp.url } }` to deliver mail.
 */
export async function serveTestPlatform(
  options: Pick<NonNullable<Parameters<typeof startTestPlatform>[0]>, 'env' | 'work'> & {
    /** A port chosen beforehand (see `freePort`), when the configuration must name it; default any free one. */
    port?: number;
  } = {},
): Promise<ServedPlatform> {
  const { port = 0, ...platformOptions } = options;
  const platform = await startTestPlatform(platformOptions);
  const app = platform.app;
  if (!app) {
    await platform.close();
    throw new Error('The test platform has no HTTP server.');
  }
  try {
    await app.listen({ port, host: '127.0.0.1' });
  } catch (error) {
    await platform.close();
    throw error;
  }
  const address = app.server.address();
  assert.ok(address && typeof address === 'object', 'the server listens on a TCP port');
  return {
    baseUrl: `http://127.0.0.1:${address.port}`,
    close: () => platform.close(),
  };
}

/** A TCP port free on 127.0.0.1 a moment ago, for a platform whose public URL must name its port in advance. */
export async function freePort(): Promise<number> {
  const server = createServer();
  await new Promise<void>((resolve) => server.listen(0, '127.0.0.1', resolve));
  const address = server.address();
  await new Promise((resolve) => server.close(resolve));
  assert.ok(address && typeof address === 'object');
  return address.port;
}

/**
 * Runs axe-core (WCAG 2.0/2.1/2.2 A and AA) on the page and fails with one line per violation.
 * The page must belong to a context with JavaScript enabled (axe runs inside the page): to check what people
 * without JavaScript get, load their DOM into such a page (see `withoutScripts`).
 */
export async function expectNoAxeViolations(page: Page, label: string = page.url()): Promise<void> {
  // Legacy mode runs axe in the page itself instead of opening a helper page per run: faster, and
  // it loses nothing here, as the platform's CSP allows no cross-origin frames.
  const results = await new AxeBuilder({ page }).withTags(AXE_TAGS).setLegacyMode(true).analyze();
  const lines = results.violations.map((violation) => {
    const targets = violation.nodes.slice(0, 3).map((node) => node.target.join(' '));
    const more = violation.nodes.length > 3 ? ` (+${violation.nodes.length - 3} more)` : '';
    return `  - ${violation.id} [${violation.impact ?? 'unknown'}] ${violation.help}: ${targets.join(' | ')}${more}`;
  });
  if (lines.length > 0) {
    assert.fail(
      `axe-core found ${lines.length} accessibility violation(s) on ${label}:\n${lines.join('\n')}`,
    );
  }
}

/**
 * The document as a browser without JavaScript built it (`page.content()` of a JavaScript-disabled page), made
 * safe to load with `page.setContent()` into a JavaScript-enabled page for axe: scripts removed, and `<noscript>`
 * unwrapped so its content is analysed as the people who see it would get it.
 */
export function withoutScripts(html: string): string {
  return html.replace(/<script\b[^>]*>[\s\S]*?<\/script\s*>/gi, '').replace(/<\/?noscript\b[^>]*>/gi, '');
}

/** One browser and one served demo platform for a whole test file, and fresh pages on them. */
export interface BrowserSuite {
  /** The served platform's address; only once `before` has run and the browser exists. */
  readonly baseUrl: string;
  /** A fresh context (no cookies) at the viewport, with or without JavaScript; closed after the file if not before. */
  openPage(viewport: { width: number; height: number }, javaScriptEnabled?: boolean): Promise<Page>;
  closePage(page: Page): Promise<void>;
}

/**
 * Starts Chromium and a demo platform before the file's tests (when Chromium is installed) and closes them after:
 * the set-up every browser test file shares. Call it at the top level of the file.
 */
export function browserSuite(
  options: Parameters<typeof serveTestPlatform>[0] & {
    /** Runs once both are up, before the file's tests (e.g. to read what pages to visit from the home page). */
    ready?: (baseUrl: string) => Promise<void>;
  } = {},
): BrowserSuite {
  const { ready, ...platformOptions } = options;
  let browser: Browser | undefined;
  let served: ServedPlatform | undefined;
  const contexts = new Set<BrowserContext>();
  before(async () => {
    if (!isBrowserAvailable()) return;
    [browser, served] = await Promise.all([launchBrowser(), serveTestPlatform(platformOptions)]);
    await ready?.(served.baseUrl);
  });
  after(async () => {
    await Promise.all([...contexts].map((context) => context.close()));
    await browser?.close();
    await served?.close();
  });
  return {
    get baseUrl() {
      assert.ok(served, 'the platform is served');
      return served.baseUrl;
    },
    async openPage(viewport, javaScriptEnabled = true) {
      assert.ok(browser && served, 'the browser and the platform are started');
      const context = await browser.newContext({
        baseURL: served.baseUrl,
        viewport: { width: viewport.width, height: viewport.height },
        javaScriptEnabled,
      });
      contexts.add(context);
      return context.newPage();
    },
    async closePage(page) {
      const context = page.context();
      contexts.delete(context);
      await context.close();
    },
  };
}

/** Loads a path and checks the server answered with the status expected. */
export async function visit(page: Page, path: string, status = 200): Promise<void> {
  const response = await page.goto(path);
  assert.ok(response, `no response for ${path}`);
  assert.equal(response.status(), status, `status of ${path}`);
}

/** The page fits the viewport's width: nothing to scroll sideways (measured from outside, JavaScript on or off). */
export async function expectNoHorizontalScroll(page: Page): Promise<void> {
  const { scrollWidth, clientWidth } = await page
    .locator('html')
    .evaluate((html) => ({ scrollWidth: html.scrollWidth, clientWidth: html.clientWidth }));
  assert.ok(
    scrollWidth <= clientWidth,
    `${page.url()} scrolls sideways: ${scrollWidth}px > ${clientWidth}px`,
  );
}

/** Runs an action that navigates (a click on a link or a submit button) and returns that navigation's response. */
export async function navigation(page: Page, action: () => Promise<void>): Promise<Response | null> {
  const [response] = await Promise.all([page.waitForNavigation(), action()]);
  return response;
}

/**
 * What a browser without JavaScript built (`page`), checked in `checker` (a page with JavaScript, for axe) at the
 * checker's viewport: no axe-core violations, and nothing to scroll sideways. The checker must be on the platform's
 * origin (visit `/` first), or the copied page loads no stylesheet.
 */
export async function expectAccessibleWithoutScripts(
  checker: Page,
  page: Page,
  label: string,
): Promise<void> {
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

/**
 * Signs a demo person in through the pages with the demo password; staff (`secondFactor`) then enrol TOTP on this
 * first sign-in, otplib playing the authenticator app.
 */
export async function signInThroughPages(
  page: Page,
  username: string,
  options: { secondFactor?: boolean } = {},
): Promise<void> {
  await page.goto('/sign-in');
  await page.getByLabel('用户名').fill(username);
  await page.getByLabel('密码').fill(DEMO_PASSWORD);
  await navigation(page, () => page.getByRole('button', { name: '登录', exact: true }).click());
  if (!options.secondFactor) return;
  assert.equal(new URL(page.url()).pathname, '/sign-in/second-factor');
  const secret = ((await page.locator('main code').textContent()) ?? '').trim();
  await page.getByLabel('6 位验证码').fill(await generate({ secret }));
  await navigation(page, () => page.getByRole('button', { name: '验证' }).click());
}
