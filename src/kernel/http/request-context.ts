import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Actor } from '../authz/authz.ts';
import { DEFAULT_LOCALE, type Locale, parseLocale } from '../i18n/index.ts';

export const LOCALE_COOKIE = 'yiwang_lang';
/** Holds the CSRF secret (random, not personal): forms carry a token derived from it. */
export const CSRF_COOKIE = 'yiwang_csrf';

/** Who is looking at a page, as the layout shows it; set by the identity module when someone is signed in. */
export interface Viewer {
  displayName: string;
  accountUrl: string;
}

declare module 'fastify' {
  interface FastifyRequest {
    /** The language this request is answered in. */
    locale: Locale;
    /** The signed-in person, for the page header; undefined for anonymous visitors. */
    viewer: Viewer | undefined;
    /**
     * Who is asking, for the authorisation policy: anonymous unless the identity module resolved a signed-in
     * session (it then loads roles and clearance on the first call). Lets modules below identity check permissions.
     */
    actor: () => Promise<Actor>;
  }
}

const ANONYMOUS: Actor = Object.freeze({ kind: 'anonymous' });

/** True for machine routes, which answer JSON problem details instead of HTML pages. */
export function isApiRequest(request: FastifyRequest): boolean {
  const path = request.url.split('?')[0] ?? '';
  return path.startsWith('/api/') || path === '/healthz' || path === '/readyz';
}

function acceptLanguage(header: string | undefined): Locale | undefined {
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
 */
export function registerLocale(app: FastifyInstance, options: { secureCookies: boolean }): void {
  app.decorateRequest('locale', DEFAULT_LOCALE);
  app.decorateRequest('viewer', undefined);
  app.decorateRequest('actor', async () => ANONYMOUS);
  app.addHook('onRequest', async (request, reply) => {
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
      return;
    }
    request.locale =
      parseLocale(request.cookies[LOCALE_COOKIE]) ??
      (isApiRequest(request) ? acceptLanguage(request.headers['accept-language']) : undefined) ??
      DEFAULT_LOCALE;
  });
}
