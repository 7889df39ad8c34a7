import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import fastifyCookie from '@fastify/cookie';
import Fastify from 'fastify';
import { registerPageCache } from './page-cache.ts';
import { LOCALE_COOKIE, registerLocale } from './request-context.ts';

async function appWithCounter() {
  let clock = 0;
  let renders = 0;
  const app = Fastify();
  await app.register(fastifyCookie);
  registerLocale(app, { secureCookies: false });
  registerPageCache(app, () => clock);
  app.get('/page', { config: { pageCache: { ttlSeconds: 5 } } }, async (request, reply) => {
    renders++;
    return reply.type('text/html').send(`<p>${request.locale} ${renders}</p>`);
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
    assert.match(english.body, /en 2/);
    advance(5000);
    assert.equal((await app.inject({ url: '/page' })).headers['x-cache'], 'MISS');
    assert.equal(renders(), 3);
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
