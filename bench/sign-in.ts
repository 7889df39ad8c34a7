// Signing a demo account in through the real form flow, for benchmarks that load pages or the API as that person.
import { generate } from 'otplib';
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

/**
 * Signs a demo member of staff in through the real forms, second factor included: staff must use one (ADR 11), so
 * this enrols the authenticator app on the way, as a first sign-in does, and answers with a code of it. The
 * account must not be enrolled yet (a benchmark's own database: see bench/scale.ts). Returns the session cookie.
 */
export async function signInStaffAs(base: string, username: string): Promise<string> {
  const jar = new Map<string, string>();
  const send = async (url: string, form?: Record<string, string>) => {
    const response = await fetch(`${base}${url}`, {
      method: form ? 'POST' : 'GET',
      redirect: 'manual',
      headers: {
        cookie: [...jar].map(([name, value]) => `${name}=${value}`).join('; '),
        ...(form ? { 'content-type': 'application/x-www-form-urlencoded' } : {}),
      },
      body: form ? new URLSearchParams(form).toString() : undefined,
    });
    for (const [name, value] of cookiesOf(response)) jar.set(name, value);
    return {
      status: response.status,
      location: response.headers.get('location'),
      html: await response.text(),
    };
  };
  const csrf = (html: string) => /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
  const form = await send('/sign-in');
  const signedIn = await send('/sign-in', { _csrf: csrf(form.html), username, password: DEMO_PASSWORD });
  if (signedIn.location !== '/sign-in/second-factor')
    throw new Error(`POST /sign-in as ${username} gave ${signedIn.status} → ${signedIn.location}`);
  const enrol = await send('/sign-in/second-factor');
  const secret = /<code>([A-Z2-7]{16,})<\/code>/.exec(enrol.html)?.[1];
  if (!secret) throw new Error(`${username} is enrolled already: the second-factor page shows no new secret`);
  const done = await send('/sign-in/second-factor', {
    _csrf: csrf(enrol.html),
    code: await generate({ secret }),
  });
  const session = jar.get('yiwang_session');
  if (done.status !== 200 || !session)
    throw new Error(`The second factor of ${username} gave ${done.status} without a session`);
  return session;
}
