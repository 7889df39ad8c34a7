// Only used to parse relative paths; never appears in output.
const BASE = 'http://same-site.invalid';

/**
 * Where to send a visitor back after a preference form: the path and query they came from, but only a path of this
 * site — anything else (another host, `//host`, `/\host`, a scheme, control characters) becomes the home page, so
 * the form cannot be used to send people elsewhere (an open redirect).
 */
export function sameSitePath(value: unknown): string {
  if (typeof value !== 'string' || value.length > 2000) return '/';
  if (!value.startsWith('/') || value.startsWith('//') || value.startsWith('/\\')) return '/';
  // biome-ignore lint/suspicious/noControlCharactersInRegex: control characters are exactly what is refused here.
  if (/[\u0000-\u001f\u007f]/.test(value)) return '/';
  let url: URL;
  try {
    url = new URL(value, BASE);
  } catch {
    return '/';
  }
  if (url.origin !== BASE) return '/';
  const path = url.pathname.replace(/^\/+/, '/');
  // The preference forms answer POST only: going back to one would show "not found".
  if (path.startsWith('/preferences/')) return '/';
  return `${path}${url.search}`;
}
