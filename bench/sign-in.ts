// Signing a demo account in through the real form flow, for benchmarks that load pages or the API as that person.
import { DEMO_PASSWORD } from '../src/modules/identity/index.ts';

/** The `name=value` pairs of a response's Set-Cookie headers. */
export function cookiesOf(response: Response): Map<string, string> {
  const cookies = new Map<string, string>();
  for (const header of response.headers.getSetCookie()) {
    const [pair = ''] = header.split(';', 1);
    const at = pair.indexOf('=');
    if (at > 0) cookies.set(pair.slice(0, at), pair.slice(at + 1));
  }
  return cookies;
}

/** Signs `username` (a demo account without a second factor) in; returns the session cookie's value. */
export async function signInAs(base: string, username: string): Promise<string> {
  const form = await fetch(`${base}/sign-in`);
  const html = await form.text();
  const csrfToken = /name="_csrf" value="([^"]+)"/.exec(html)?.[1];
  const csrfCookies = [...cookiesOf(form)].map(([name, value]) => `${name}=${value}`).join('; ');
  if (form.status !== 200 || !csrfToken || !csrfCookies)
    throw new Error(`GET /sign-in gave ${form.status} without a CSRF token and cookie`);
  const posted = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { 'content-type': 'application/x-www-form-urlencoded', cookie: csrfCookies },
    body: new URLSearchParams({ _csrf: csrfToken, username, password: DEMO_PASSWORD }).toString(),
  });
  await posted.arrayBuffer();
  const session = cookiesOf(posted).get('yiwang_session');
  if (posted.status !== 303 || !session)
    throw new Error(`POST /sign-in as ${username} gave ${posted.status} without a session cookie`);
  return session;
}
