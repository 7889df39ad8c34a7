import { brotliCompressSync, gzipSync, constants as zlibConstants } from 'node:zlib';
import { negotiate } from '@fastify/accept-negotiator';
import type { FastifyInstance, FastifyRequest, onRequestHookHandler, onSendHookHandler } from 'fastify';
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
  /** The same bytes compressed once when stored (pages without forms), for the visitors whose browser accepts it. */
  encoded?: Record<Encoding, Buffer>;
  /** When the request rendering this page afresh was let through, after it expired; unset while none is. */
  refreshingSince?: number;
}

type Encoding = 'br' | 'gzip';

const MAX_ENTRIES = 1000;
/** How long a render of an expired page keeps others from starting one, if it is never heard of again. */
const REFRESH_RETRY_MS = 1000;
// Where a stored page's CSRF token was. A token is tied to one visitor's secret, so a page stored with the token of
// the visitor who caused the render would refuse every other visitor's form (the header's elderly-mode toggle).
const TOKEN_SLOT = '\u0000csrf-token\u0000';

// Brotli first: a service guide of 11 KB becomes about 2.5 KB, which a phone on a weak signal feels, and which the
// server writes to its socket faster too. The negotiator's cache of Accept-Encoding values is bounded: the header is
// the visitor's to choose.
const ENCODINGS: readonly Encoding[] = ['br', 'gzip'];
const negotiatedEncodings = new Map<string, Encoding | undefined>();

function acceptedEncoding(request: FastifyRequest): Encoding | undefined {
  const header = request.headers['accept-encoding'];
  if (!header) return undefined;
  if (negotiatedEncodings.has(header)) return negotiatedEncodings.get(header);
  const encoding = negotiate(header, [...ENCODINGS]) ?? undefined;
  if (negotiatedEncodings.size >= 64) negotiatedEncodings.clear();
  negotiatedEncodings.set(header, encoding);
  return encoding;
}

function compressed(bytes: Buffer): Record<Encoding, Buffer> {
  return {
    // Quality 6 of 11: nearly the size of the best setting for a fraction of the time, paid once per page and TTL.
    br: brotliCompressSync(bytes, {
      params: {
        [zlibConstants.BROTLI_PARAM_QUALITY]: 6,
        [zlibConstants.BROTLI_PARAM_SIZE_HINT]: bytes.length,
      },
    }),
    gzip: gzipSync(bytes, { level: 6 }),
  };
}

/**
 * Micro-caching of public pages: the HTML a route renders for an anonymous visitor is kept for a few seconds per
 * (language, elderly mode or not, URL), so a surge on the home page costs one render and no database work — which
 * matters most on the embedded database, where every query waits for the one connection. Only routes that opt in,
 * only GET, only responses 200 without their own cookies, and never for a request carrying any cookie but the
 * language and elderly-mode choices and the CSRF secret (a signed-in person's page is never served from or stored
 * in the cache). A page's form token is not stored: each visitor gets one made from their own CSRF secret.
 *
 * When a page expires, one request renders it afresh while the others get the expired copy (`x-cache: STALE`) until
 * that render is stored: as a proxy's cache lock with stale answers while updating does. Without it, every request
 * arriving during the render missed too, and under load dozens rendered and compressed the same page at once —
 * the stalls behind the home page's p99 at a fixed rate (docs/benchmarks.md). An expired copy is served only while
 * a render is under way and for at most one more lifetime. A render that ends without being stored (not a 200, a
 * cookie of its own) lets the next request try at once; one that never ends (its client gone before the answer)
 * lets another try after REFRESH_RETRY_MS.
 */
export function registerPageCache(app: FastifyInstance, now: () => number = Date.now): { clear(): void } {
  const entries = new Map<string, Entry>();
  const keyOf = (locale: string, elderly: boolean, url: string, options: PageCacheOptions) => {
    const mark = url.indexOf('?');
    const path = mark < 0 ? url : url.slice(0, mark);
    if (mark < 0 || !options.varyBy) return `${locale}|${elderly ? 'elderly' : 'standard'}|${path}|`;
    const params = new URLSearchParams(url.slice(mark + 1));
    const kept = options.varyBy
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

  // Callback hooks, not async ones: a hit is meant to cost next to nothing.
  const serveStored =
    (options: PageCacheOptions): onRequestHookHandler =>
    (request, reply, done) => {
      if (request.method !== 'GET' || !isAnonymous(request.cookies)) {
        done();
        return;
      }
      // Whether the answer comes from here or from the route, it depends on what the browser accepts.
      reply.header('vary', 'accept-encoding');
      const entry = entries.get(keyOf(request.locale, request.elderly, request.url, options));
      const at = now();
      const lifetime = options.ttlSeconds * 1000;
      if (!entry || entry.expires + lifetime <= at) {
        reply.header('x-cache', 'MISS');
        done();
        return;
      }
      const fresh = entry.expires > at;
      if (
        !fresh &&
        (entry.refreshingSince === undefined ||
          entry.refreshingSince + Math.min(lifetime, REFRESH_RETRY_MS) <= at)
      ) {
        // This request renders the page afresh; the ones behind it get this copy meanwhile.
        entry.refreshingSince = at;
        reply.header('x-cache', 'MISS');
        done();
        return;
      }
      // Answering here ends the request: `done` is not called. A page with forms gets this visitor's token; one
      // without goes out as the bytes stored (compressed if the browser accepts it): nothing is encoded per hit.
      reply.header('x-cache', fresh ? 'HIT' : 'STALE').type(entry.contentType);
      if (entry.hasForms) {
        reply.send(entry.body.replaceAll(TOKEN_SLOT, reply.generateCsrf()));
        return;
      }
      const encoding = entry.encoded && acceptedEncoding(request);
      if (encoding && entry.encoded) reply.header('content-encoding', encoding).send(entry.encoded[encoding]);
      else reply.send(entry.bytes);
    };

  const store =
    (options: PageCacheOptions): onSendHookHandler =>
    (request, reply, payload, done) => {
      if (request.method !== 'GET' || reply.getHeader('x-cache') !== 'MISS') {
        done(null, payload);
        return;
      }
      const key = keyOf(request.locale, request.elderly, request.url, options);
      if (
        reply.statusCode !== 200 ||
        typeof payload !== 'string' ||
        setsPersonalCookie(reply.getHeader('set-cookie'))
      ) {
        // Nothing to store: if this request was renewing an expired copy, the next one may try.
        const expired = entries.get(key);
        if (expired) expired.refreshingSince = undefined;
        done(null, payload);
        return;
      }
      const token = csrfTokenOf(reply);
      const hasForms = token !== undefined && payload.includes(token);
      if (entries.size >= MAX_ENTRIES) entries.delete(entries.keys().next().value as string);
      const bytes = Buffer.from(payload);
      const encoded = hasForms ? undefined : compressed(bytes);
      entries.set(key, {
        body: hasForms ? payload.replaceAll(token, TOKEN_SLOT) : payload,
        bytes,
        encoded,
        contentType: String(reply.getHeader('content-type') ?? 'text/html; charset=utf-8'),
        expires: now() + options.ttlSeconds * 1000,
        hasForms,
      });
      // The visitor who caused the render gets the compressed page too.
      const encoding = encoded && acceptedEncoding(request);
      if (encoding && encoded) {
        reply.header('content-encoding', encoding);
        done(null, encoded[encoding]);
        return;
      }
      done(null, payload);
    };

  // The hooks go on the routes that opt in, after their own: other routes pay nothing, and a cached route's hooks
  // know its options without asking for `request.routeOptions` (which Fastify builds afresh on every call).
  app.addHook('onRoute', (route) => {
    const options = route.config?.pageCache;
    if (!options) return;
    route.onRequest = [...[route.onRequest ?? []].flat(), serveStored(options)];
    route.onSend = [...[route.onSend ?? []].flat(), store(options)];
  });

  return { clear: () => entries.clear() };
}
