import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../authz/authz.ts';
import { DEFAULT_LOCALE, type Locale, parseLocale } from '../i18n/index.ts';

export const LOCALE_COOKIE = 'yiwang_lang';
/** Holds the CSRF secret (random, not personal): forms carry a token derived from it. */
export const CSRF_COOKIE = 'yiwang_csrf';
/** `1` while the visitor chose elderly mode (适老化: larger text, AAA contrast); set by `?mode=elderly`. */
export const ELDERLY_COOKIE = 'yiwang_elderly';

/** Who is looking at a page, as the layout shows it; set by the identity module when someone is signed in. */
export interface Viewer {
  displayName: string;
  accountUrl: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The language this request is answered in. */
    locale: Locale;
    /** Elderly mode: the visitor asked for larger text and stronger contrast (a cookie, like the language). */
    elderly: boolean;
    /** The signed-in person, for the page header; undefined for anonymous visitors. */
    viewer: Viewer | undefined;
    /**
     * Who is asking, for the authorisation policy: anonymous unless the identity module resolved a signed-in
     * session (it then loads roles and clearance on the first call). Lets modules below identity check permissions.
     */
    actor: () => Promise<Actor>;
    /**
     * Set by the identity module's hooks once the caller is known: a signed-in person's session, or a machine
     * client's valid token. What a header merely claims does not count (the kernel's upload-bomb guard reads it).
     */
    authenticated: boolean;
  }
}

const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

/** Where a request came from, as the audit log records it. */
export function clientOf(request: FastifyRequest): {
  clientAddress: string;
  userAgent?: string;
  requestId: string;
} {
  return {
    clientAddress: request.ip,
    ...(request.headers['user-agent'] !== undefined ? { userAgent: request.headers['user-agent'] } : {}),
    requestId: String(request.id),
  };
}

/** True for machine routes, which answer JSON problem details instead of HTML pages. */
export function isApiRequest(request: FastifyRequest): boolean {
  const url = request.url;
  if (API_PATH.test(url)) return true;
  // The router decodes %-escapes (`/%61pi/v1/cases` is routed as `/api/v1/cases`): a URL with one is tested as the
  // router sees it, or it would escape the API's checks (the cross-site defence, the bearer token).
  if (!url.includes('%')) return false;
  try {
    return API_PATH.test(decodeURI(url.split('?')[0] ?? ''));
  } catch {
    return false;
  }
}

// One test of the raw URL, not a split: it runs two or three times on every request.
const API_PATH = /^\/(?:api\/|(?:healthz|readyz)(?:\?|$))/;

export function acceptLanguage(header: string | undefined): Locale | undefined {
  if (!header) return undefined;
  for (const part of header.split(',')) {
    const locale = parseLocale(part.split(';')[0]);
    if (locale) return locale;
  }
  return undefined;
}

/**
 * Chooses each request's language: `?lang=` (which sticks in a cookie), then that cookie, then — for the API
 * only — Accept-Language. Pages default to Chinese whatever the browser says, as the city's public expects.
 * Also reads the elderly-mode choice (`?mode=`, which sticks in a cookie), and makes every form of a page share one
 * CSRF token.
 */
export function registerLocale(app: FastifyInstance, options: { secureCookies: boolean }): void {
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('elderly', false);
  app.decorateRequest('viewer', undefined);
  app.decorateRequest('actor', async () => ANONYMOUS);
  app.decorateRequest('authenticated', false);
  if (app.hasReplyDecorator('generateCsrf')) registerOneCsrfTokenPerResponse(app);
  // Hooks on every request are written with `done` rather than async: they run on every cached page too, where a
  // promise per hook is a measurable part of the price (docs/benchmarks.md, Catalogue).
  app.addHook('onRequest', (request, reply, done) => {
    // `?mode=elderly|standard` (the header's link) chooses elderly mode and, like `?lang=`, sticks in a cookie.
    const mode = (request.query as Record<string, unknown> | undefined)?.mode;
    if (mode === 'elderly' || mode === 'standard') {
      request.elderly = mode === 'elderly';
      if ((request.cookies[ELDERLY_COOKIE] === '1') !== request.elderly) {
        if (request.elderly)
          reply.setCookie(ELDERLY_COOKIE, '1', {
            path: '/',
            maxAge: 365 * 24 * 3600,
            sameSite: 'lax',
            httpOnly: true,
            secure: options.secureCookies,
          });
        else
          reply.clearCookie(ELDERLY_COOKIE, {
            path: '/',
            sameSite: 'lax',
            httpOnly: true,
            secure: options.secureCookies,
          });
      }
    } else {
      request.elderly = request.cookies[ELDERLY_COOKIE] === '1';
    }
    const fromQuery = parseLocale((request.query as Record<string, unknown> | undefined)?.lang);
    if (fromQuery) {
      request.locale = fromQuery;
      if (request.cookies[LOCALE_COOKIE] !== fromQuery) {
        reply.setCookie(LOCALE_COOKIE, fromQuery, {
          path: '/',
          maxAge: 365 * 24 * 3600,
          sameSite: 'lax',
          httpOnly: true,
          secure: options.secureCookies,
        });
      }
      done();
      return;
    }
    request.locale =
      parseLocale(request.cookies[LOCALE_COOKIE]) ??
      (isApiRequest(request) ? acceptLanguage(request.headers['accept-language']) : undefined) ??
      DEFAULT_LOCALE;
    done();
  });
}

const issuedTokens = new WeakMap<FastifyReply, string>();

/** The CSRF token the forms of this response carry, if it has any (the page cache swaps it for each visitor's). */
export function csrfTokenOf(reply: FastifyReply): string | undefined {
  return issuedTokens.get(reply);
}

/**
 * A page may have several forms (sign-in and its alternatives): all of one response must share one token. Without
 * this, a first visit (no CSRF cookie yet) would create a secret per call of `generateCsrf`, the last cookie would
 * win, and the tokens of the other forms would fail.
 */
function registerOneCsrfTokenPerResponse(app: FastifyInstance): void {
  app.addHook('onRequest', (request, reply, done) => {
    if (isApiRequest(request)) {
      done();
      return;
    }
    const generate = reply.generateCsrf;
    reply.generateCsrf = (opts) => {
      let token = issuedTokens.get(reply);
      if (token === undefined) {
        token = generate.call(reply, opts);
        issuedTokens.set(reply, token);
      }
      return token;
    };
    done();
  });
}
