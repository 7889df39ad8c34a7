import type { FastifyInstance } from 'fastify';
import { CSRF_COOKIE, csrfTokenOf, ELDERLY_COOKIE, LOCALE_COOKIE } from './request-context.ts';

/** Route option: `config: { pageCache: { ttlSeconds } }` makes a public page cacheable for anonymous visitors. */
export interface PageCacheOptions {
  ttlSeconds: number;
  /** Query parameters that change the page (`page`, `q`…); any other is ignored, so `?x=1` cannot bust the cache. */
  varyBy?: readonly string[];
}

/** How long public pages are kept: short enough that an edit shows at once for practical purposes. */
export const PUBLIC_PAGE_CACHE: PageCacheOptions = { ttlSeconds: 5 };

declare module 'fastify' {
  interface FastifyContextConfig {
    pageCache?: PageCacheOptions;
  }
}

interface Entry {
  body: string;
  contentType: string;
  expires: number;
  /** The body has forms: their CSRF token was replaced by TOKEN_SLOT, to be filled with each visitor's own. */
  hasForms: boolean;
  /** The body as UTF-8, for a page without forms. */
  bytes: Buffer;
}

const MAX_ENTRIES = 1000;
// Where a stored page's CSRF token was. A token is tied to one visitor's secret, so a page stored with the token of
// the visitor who caused the render would refuse every other visitor's form (the header's elderly-mode toggle).
const TOKEN_SLOT = '\u0000csrf-token\u0000';

/**
 * Micro-caching of public pages: the HTML a route renders for an anonymous visitor is kept for a few seconds per
 * (language, elderly mode or not, URL), so a surge on the home page costs one render and no database work — which
 * matters most on the embedded database, where every query waits for the one connection. Only routes that opt in,
 * only GET, only responses 200 without their own cookies, and never for a request carrying any cookie but the
 * language and elderly-mode choices and the CSRF secret (a signed-in person's page is never served from or stored
 * in the cache). A page's form token is not stored: each visitor gets one made from their own CSRF secret.
 */
export function registerPageCache(app: FastifyInstance, now: () => number = Date.now): { clear(): void } {
  const entries = new Map<string, Entry>();
  const keyOf = (locale: string, elderly: boolean, url: string, options: PageCacheOptions) => {
    const [path = '/', query = ''] = url.split('?', 2);
    const params = new URLSearchParams(query);
    const kept = (options.varyBy ?? [])
      .filter((name) => params.has(name))
      .map((name) => `${name}=${params.getAll(name).join(',')}`);
    return `${locale}|${elderly ? 'elderly' : 'standard'}|${path}|${kept.join('&')}`;
  };
  // The language and elderly-mode choices and the CSRF secret say nothing about who the visitor is; any other cookie
  // might. The two choices change the page, so they are part of the key.
  const NOT_PERSONAL = [LOCALE_COOKIE, ELDERLY_COOKIE, CSRF_COOKIE];
  const setsPersonalCookie = (header: unknown) =>
    [header ?? []]
      .flat()
      .some((cookie) => !NOT_PERSONAL.some((name) => String(cookie).startsWith(`${name}=`)));
  const isAnonymous = (cookies: Record<string, string | undefined>) =>
    Object.keys(cookies).every((name) => NOT_PERSONAL.includes(name));

  // Callback hooks, not async ones: they run on every request, and a hit is meant to cost next to nothing.
  app.addHook('onRequest', (request, reply, done) => {
    const options = request.routeOptions.config.pageCache;
    if (!options || request.method !== 'GET' || !isAnonymous(request.cookies)) {
      done();
      return;
    }
    const entry = entries.get(keyOf(request.locale, request.elderly, request.url, options));
    if (!entry || entry.expires <= now()) {
      reply.header('x-cache', 'MISS');
      done();
      return;
    }
    // A page without forms goes out as the bytes stored: no encoding per hit. Answering here ends the request:
    // `done` is not called.
    const body = entry.hasForms ? entry.body.replaceAll(TOKEN_SLOT, reply.generateCsrf()) : entry.bytes;
    reply.header('x-cache', 'HIT').type(entry.contentType).send(body);
  });

  app.addHook('onSend', (request, reply, payload, done) => {
    const options = request.routeOptions.config.pageCache;
    if (
      !options ||
      request.method !== 'GET' ||
      reply.statusCode !== 200 ||
      reply.getHeader('x-cache') !== 'MISS' ||
      typeof payload !== 'string' ||
      setsPersonalCookie(reply.getHeader('set-cookie'))
    ) {
      done(null, payload);
      return;
    }
    const token = csrfTokenOf(reply);
    const hasForms = token !== undefined && payload.includes(token);
    if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
    entries.set(keyOf(request.locale, request.elderly, request.url, options), {
      body: hasForms ? payload.replaceAll(token, TOKEN_SLOT) : payload,
      bytes: Buffer.from(payload),
      contentType: String(reply.getHeader('content-type') ?? 'text/html; charset=utf-8'),
      expires: now() + options.ttlSeconds * 1000,
      hasForms,
    });
    done(null, payload);
  });

  return { clear: () => entries.clear() };
}
