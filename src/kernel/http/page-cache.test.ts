import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { brotliDecompressSync, gunzipSync } from 'node:zlib';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import Fastify from 'fastify';
import { registerPageCache } from './page-cache.ts';
import { CSRF_COOKIE, ELDERLY_COOKIE, LOCALE_COOKIE, registerLocale } from './request-context.ts';

async function appWithCounter() {
  let clock = 0;
  let renders = 0;
  const app = Fastify();
  await app.register(fastifyCookie);
  registerLocale(app, { secureCookies: false });
  registerPageCache(app, () => clock);
  app.get('/page', { config: { pageCache: { ttlSeconds: 5 } } }, async (request, reply) => {
    renders++;
    return reply
      .type('text/html')
      .send(`<p>${request.locale} ${request.elderly ? 'elderly' : 'standard'} ${renders}</p>`);
  });
  app.get('/sign-in', { config: { pageCache: { ttlSeconds: 5 } } }, async (_request, reply) => {
    renders++;
    return reply.setCookie('session', 'secret').type('text/html').send(`<p>${renders}</p>`);
  });
  app.get('/uncached', async () => {
    renders++;
    return { renders };
  });
  return { app, renders: () => renders, advance: (ms: number) => (clock += ms) };
}

describe('page cache', () => {
  it('renders a public page once per language and URL within its lifetime', async () => {
    const { app, renders, advance } = await appWithCounter();
    const first = await app.inject({ url: '/page' });
    assert.equal(first.headers['x-cache'], 'MISS');
    const second = await app.inject({ url: '/page' });
    assert.equal(second.headers['x-cache'], 'HIT');
    assert.equal(second.body, first.body);
    assert.equal(renders(), 1);
    const english = await app.inject({ url: '/page', cookies: { [LOCALE_COOKIE]: 'en' } });
    assert.match(english.body, /en standard 2/);
    advance(5000);
    assert.equal((await app.inject({ url: '/page' })).headers['x-cache'], 'MISS');
    assert.equal(renders(), 3);
  });

  /** A page whose renders after the first wait at a gate the test opens, and which can be made to fail. */
  async function appWithGatedRenders() {
    let clock = 0;
    let renders = 0;
    let failing = false;
    let open: () => void = () => {};
    let gate = new Promise<void>((resolve) => (open = resolve));
    const app = Fastify();
    await app.register(fastifyCookie);
    registerLocale(app, { secureCookies: false });
    registerPageCache(app, () => clock);
    app.get('/slow', { config: { pageCache: { ttlSeconds: 5 } } }, async (_request, reply) => {
      const render = ++renders;
      if (render > 1) await gate;
      if (failing) return reply.code(503).type('text/html').send('<p>unavailable</p>');
      return reply.type('text/html').send(`<p>render ${render}</p>`);
    });
    return {
      app,
      renders: () => renders,
      advance: (ms: number) => (clock += ms),
      fail: (yes: boolean) => (failing = yes),
      release() {
        open();
        gate = new Promise<void>((resolve) => (open = resolve));
      },
      /**
       * Until `n` renders have started (a request reaches the route a few turns of the event loop after inject).
       * Gives up after a second: a request answered from the cache never starts one, and waiting for it would
       * keep the test process alive forever.
       */
      async rendering(n: number) {
        const until = performance.now() + 1000;
        while (renders < n) {
          if (performance.now() > until) throw new Error(`${renders} renders started, not ${n}`);
          await new Promise((resolve) => setTimeout(resolve, 1));
        }
      },
    };
  }

  it('lets one request render an expired page while the others get the expired copy', {
    timeout: 10_000,
  }, async () => {
    const page = await appWithGatedRenders();
    await page.app.inject({ url: '/slow' });
    page.advance(5000);
    const refreshing = page.app.inject({ url: '/slow' });
    await page.rendering(2);
    const meanwhile = await page.app.inject({ url: '/slow' });
    assert.equal(meanwhile.headers['x-cache'], 'STALE');
    assert.equal(meanwhile.body, '<p>render 1</p>');
    assert.equal(page.renders(), 2, 'the second request waited for no render of its own');
    page.release();
    const refreshed = await refreshing;
    assert.equal(refreshed.headers['x-cache'], 'MISS');
    assert.equal(refreshed.body, '<p>render 2</p>');
    const after = await page.app.inject({ url: '/slow' });
    assert.equal(after.headers['x-cache'], 'HIT');
    assert.equal(after.body, '<p>render 2</p>');
  });

  it('never serves a copy more than one lifetime past its expiry, even while a render is under way', {
    timeout: 10_000,
  }, async () => {
    const page = await appWithGatedRenders();
    await page.app.inject({ url: '/slow' });
    page.advance(9500); // expired 4.5 s ago: within one more lifetime
    const refreshing = page.app.inject({ url: '/slow' });
    await page.rendering(2);
    page.advance(500); // a whole lifetime past its expiry, the render under way and not yet given up on
    const late = page.app.inject({ url: '/slow' });
    await page.rendering(3);
    page.release();
    assert.equal((await late).headers['x-cache'], 'MISS', 'rendered for this visitor, not the old copy');
    await refreshing;
  });

  it('lets the next request try when a render of an expired page is not stored', {
    timeout: 10_000,
  }, async () => {
    const page = await appWithGatedRenders();
    await page.app.inject({ url: '/slow' });
    page.advance(5000);
    page.fail(true);
    const failed = page.app.inject({ url: '/slow' });
    await page.rendering(2);
    page.release();
    assert.equal((await failed).statusCode, 503);
    page.fail(false);
    const retried = page.app.inject({ url: '/slow' });
    await page.rendering(3);
    page.release();
    const answer = await retried;
    assert.equal(answer.headers['x-cache'], 'MISS', 'a render of its own, not the expired copy');
    assert.equal(answer.body, '<p>render 3</p>');
  });

  it('ignores query parameters the page does not declare, so they cannot bust or flood the cache', async () => {
    const { app, renders } = await appWithCounter();
    await app.inject({ url: '/page' });
    const busted = await app.inject({ url: '/page?x=1&utm_source=spam' });
    assert.equal(busted.headers['x-cache'], 'HIT');
    assert.equal(renders(), 1);
  });

  it('still sets the language cookie when a cached page answers ?lang=', async () => {
    const { app } = await appWithCounter();
    await app.inject({ url: '/page?lang=en' });
    const hit = await app.inject({ url: '/page?lang=en' });
    assert.equal(hit.headers['x-cache'], 'HIT');
    assert.equal(hit.cookies.find((c) => c.name === LOCALE_COOKIE)?.value, 'en');
  });

  it('keeps elderly-mode pages apart from standard ones, as it keeps languages apart', async () => {
    const { app, renders } = await appWithCounter();
    const standard = await app.inject({ url: '/page' });
    assert.match(standard.body, /zh-CN standard 1/);
    const elderly = await app.inject({ url: '/page', cookies: { [ELDERLY_COOKIE]: '1' } });
    assert.equal(elderly.headers['x-cache'], 'MISS', 'an elderly-mode visitor never gets the standard page');
    assert.match(elderly.body, /zh-CN elderly 2/);
    const elderlyAgain = await app.inject({
      url: '/page',
      cookies: { [ELDERLY_COOKIE]: '1', [LOCALE_COOKIE]: 'zh-CN' },
    });
    assert.equal(elderlyAgain.headers['x-cache'], 'HIT', 'the elderly-mode cookie is not personal');
    assert.match(elderlyAgain.body, /elderly 2/);
    const standardAgain = await app.inject({ url: '/page' });
    assert.equal(standardAgain.headers['x-cache'], 'HIT');
    assert.match(standardAgain.body, /standard 1/, 'nor a standard visitor the elderly-mode page');
    assert.match(
      (await app.inject({ url: '/page', cookies: { [ELDERLY_COOKIE]: '1', [LOCALE_COOKIE]: 'en' } })).body,
      /en elderly 3/,
    );
    assert.equal(renders(), 3);
  });

  it('sends a stored page compressed, once, to the browsers that accept it, and plain to the others', async () => {
    const { app, renders } = await appWithCounter();
    const first = await app.inject({
      url: '/page',
      headers: { 'accept-encoding': 'gzip, deflate, br, zstd' },
    });
    assert.equal(first.headers['content-encoding'], 'br', 'the visitor who caused the render too');
    const plain = brotliDecompressSync(first.rawPayload).toString();
    assert.match(plain, /zh-CN standard 1/);
    assert.equal(first.headers.vary, 'accept-encoding');
    const gzip = await app.inject({ url: '/page', headers: { 'accept-encoding': 'gzip;q=1, br;q=0' } });
    assert.equal(gzip.headers['x-cache'], 'HIT');
    assert.equal(gzip.headers['content-encoding'], 'gzip');
    assert.equal(gunzipSync(gzip.rawPayload).toString(), plain);
    const identity = await app.inject({ url: '/page' });
    assert.equal(identity.headers['x-cache'], 'HIT');
    assert.equal(identity.headers['content-encoding'], undefined);
    assert.equal(identity.headers.vary, 'accept-encoding');
    assert.equal(identity.body, plain);
    assert.equal(renders(), 1);
  });

  it('gives every visitor of a cached page with a form a token of their own', async () => {
    const app = Fastify();
    await app.register(fastifyCookie, { secret: 'test-secret-of-at-least-thirty-two-characters' });
    await app.register(fastifyCsrf, { cookieKey: CSRF_COOKIE, cookieOpts: { path: '/', signed: true } });
    await app.register(fastifyFormbody);
    registerLocale(app, { secureCookies: false });
    registerPageCache(app);
    let renders = 0;
    app.get('/form', { config: { pageCache: { ttlSeconds: 5 } } }, async (_request, reply) => {
      renders++;
      // Two forms on one page (a header's and the page's own) share the one token of the response.
      const header = reply.generateCsrf();
      const own = reply.generateCsrf();
      return reply
        .type('text/html')
        .send(
          `<form><input type="hidden" name="_csrf" value="${header}"></form><form><input name="_csrf" value="${own}"></form>`,
        );
    });
    app.post('/form', { preHandler: app.csrfProtection }, async () => 'accepted');
    const visit = async () => {
      const res = await app.inject({ url: '/form' });
      const cookie = res.cookies.find((c) => c.name === CSRF_COOKIE);
      const tokens = [...res.body.matchAll(/name="_csrf" value="([^"]+)"/g)].map((m) => m[1] ?? '');
      assert.equal(
        res.cookies.filter((c) => c.name === CSRF_COOKIE).length,
        1,
        'one CSRF secret per response',
      );
      assert.equal(tokens.length, 2);
      assert.equal(tokens[0], tokens[1], 'every form of the page carries the same token');
      assert.ok(!res.body.includes('\u0000'), 'no placeholder left');
      return { res, secret: cookie?.value ?? '', token: tokens[0] ?? '' };
    };
    const post = (secret: string, token: string) =>
      app.inject({
        method: 'POST',
        url: '/form',
        cookies: { [CSRF_COOKIE]: secret },
        headers: { 'content-type': 'application/x-www-form-urlencoded' },
        payload: `_csrf=${encodeURIComponent(token)}`,
      });
    const first = await visit();
    assert.equal(first.res.headers['x-cache'], 'MISS');
    const second = await visit();
    assert.equal(second.res.headers['x-cache'], 'HIT');
    assert.equal(renders, 1);
    assert.notEqual(second.token, first.token, 'not the token of the visitor who caused the render');
    assert.equal((await post(second.secret, second.token)).statusCode, 200);
    assert.equal((await post(first.secret, first.token)).statusCode, 200);
    assert.equal(
      (await post(first.secret, second.token)).statusCode,
      403,
      "another visitor's token is refused",
    );
    // A returning visitor keeps their secret: no new cookie, and a token made from it.
    const returning = await app.inject({ url: '/form', cookies: { [CSRF_COOKIE]: second.secret } });
    assert.equal(returning.headers['x-cache'], 'HIT');
    assert.equal(returning.cookies.length, 0);
    const token = /name="_csrf" value="([^"]+)"/.exec(returning.body)?.[1] ?? '';
    assert.equal((await post(second.secret, token)).statusCode, 200);
  });

  it('never serves or stores pages of visitors with a session, or pages that set one', async () => {
    const { app, renders } = await appWithCounter();
    await app.inject({ url: '/page' });
    const personal = await app.inject({ url: '/page', cookies: { session: 'abc' } });
    assert.equal(personal.headers['x-cache'], undefined);
    assert.match(personal.body, / 2</);
    await app.inject({ url: '/sign-in' });
    const again = await app.inject({ url: '/sign-in' });
    assert.equal(again.headers['x-cache'], 'MISS');
    assert.equal(renders(), 4);
    await app.inject({ url: '/uncached' });
    const uncached = await app.inject({ url: '/uncached' });
    assert.equal(uncached.json().renders, 6);
  });
});
