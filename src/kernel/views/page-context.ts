import type { KernelMessageKey, Locale, Translate } from '../i18n/index.ts';

/** What every page needs to know about the request it answers; built once per request by the HTTP kernel. */
export interface PageContext {
  locale: Locale;
  t: Translate<KernelMessageKey>;
  /** Current path and query (no origin), used to build the language switch and to mark the current nav item. */
  currentUrl: string;
  /** The request's id, for logs and for error pages that ask people to quote it. */
  requestId: string;
  /** URL at which the HTTP kernel serves `styles.css`. */
  stylesheetHref: string;
  /** The signed-in person, shown in the header with a link to their account; undefined for anonymous visitors. */
  viewer?: { displayName: string; accountUrl: string };
  /** Elderly mode (larger text, AAA contrast): sets `class="elderly"` on `<html>`. */
  elderly?: boolean;
}

// Only used to parse relative URLs; never appears in output.
const PARSE_BASE = 'http://localhost';

/** Path of a request URL, with any run of leading slashes collapsed so it can never become `//host`. */
export function pathOf(currentUrl: string): string {
  return new URL(currentUrl, PARSE_BASE).pathname.replace(/^\/+/, '/');
}

/**
 * The same page in another language: sets or replaces `?lang=`, keeps the path and every other
 * query parameter. Always returns a same-origin path, even if `currentUrl` names another host.
 */
export function switchLanguageUrl(currentUrl: string, to: Locale): string {
  const url = new URL(currentUrl, PARSE_BASE);
  url.searchParams.set('lang', to);
  return `${url.pathname.replace(/^\/+/, '/')}${url.search}${url.hash}`;
}

/** The same page in elderly mode or out of it: sets or replaces `?mode=`, like `switchLanguageUrl`. */
export function switchModeUrl(currentUrl: string, to: 'elderly' | 'standard'): string {
  const url = new URL(currentUrl, PARSE_BASE);
  url.searchParams.set('mode', to);
  return `${url.pathname.replace(/^\/+/, '/')}${url.search}${url.hash}`;
}
