import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import type { Platform } from '../src/app.ts';
import { FormClient } from './support/form-client.ts';
import { startTestPlatform } from './support/platform.ts';
import { signInPerson } from './support/staff-session.ts';

// Issue 7, headers and cookies: every page a visitor or a signed-in citizen can reach, served behind TLS, carries
// the security headers; every cookie is HttpOnly, SameSite and Secure; no page, error or not, shows a stack
// trace, a file path or a version banner.

const PUBLIC_URL = 'https://zwfw.shifan.example';
const MAX_PAGES = 80;

// What a leaked stack trace or banner looks like in a body.
const LEAKS = [
  /\bat \S+ \(\S+:\d+:\d+\)|\(\S+\.[cm]?[jt]sx?:\d+:\d+\)/, // a stack frame
  /node_modules|\/src\/\w+|\.tsx?:\d+/, // a file path
  /\b(?:Fastify|Node\.js|PGlite|PostgreSQL \d|pg-boss)\b/i, // a component's name in an error
  /\bv\d+\.\d+\.\d+\b/, // a version number
];

function assertSecurityHeaders(res: LightMyRequestResponse, url: string) {
  const csp = String(res.headers['content-security-policy'] ?? '');
  assert.match(csp, /default-src 'self'/, `${url}: CSP`);
  assert.match(csp, /frame-ancestors 'none'/, `${url}: frame-ancestors`);
  assert.match(csp, /object-src 'none'/, `${url}: object-src`);
  assert.doesNotMatch(csp, /unsafe-inline|unsafe-eval/, `${url}: no unsafe sources`);
  assert.match(csp, /upgrade-insecure-requests/, `${url}: upgrades behind TLS`);
  assert.equal(res.headers['strict-transport-security'], 'max-age=31536000', `${url}: HSTS`);
  assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin', `${url}: referrer`);
  assert.equal(res.headers['x-content-type-options'], 'nosniff', `${url}: nosniff`);
  assert.equal(res.headers['x-frame-options'], 'SAMEORIGIN', `${url}: legacy frame header`);
  assert.equal(res.headers['x-powered-by'], undefined, `${url}: no X-Powered-By`);
  assert.equal(res.headers.server, undefined, `${url}: no Server banner`);
}

function assertNoLeak(body: string, url: string) {
  // Only what people read: scripts and styles are the platform's own files.
  const text = body.replace(/<(script|style)\b[\s\S]*?<\/\1>/g, '');
  for (const leak of LEAKS) assert.doesNotMatch(text, leak, `${url} leaks ${leak}`);
}

function assertCookieFlags(res: LightMyRequestResponse, url: string) {
  for (const cookie of res.cookies) {
    assert.equal(cookie.httpOnly, true, `${url}: ${cookie.name} HttpOnly`);
    assert.equal(cookie.secure, true, `${url}: ${cookie.name} Secure`);
    assert.match(String(cookie.sameSite), /^(Lax|Strict)$/i, `${url}: ${cookie.name} SameSite`);
    assert.equal(cookie.path, '/', `${url}: ${cookie.name} Path`);
  }
}

/** The same-site links of a page, without fragments, sign-out or downloads of generated files. */
function linksOf(body: string): string[] {
  return [...body.matchAll(/href="(\/[^"#]*)"/g)]
    .map((m) => (m[1] ?? '').replaceAll('&amp;', '&'))
    .filter((href) => !href.startsWith('/static/') && !/sign-out|\.pdf\b|\/download\b/.test(href));
}

describe('security headers, cookies and no leaks on every page (behind TLS)', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform({ env: { YIWANG_PUBLIC_URL: PUBLIC_URL } });
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  async function crawl(client: FormClient, starts: string[]): Promise<number> {
    const seen = new Set<string>();
    const queue = [...starts];
    while (queue.length > 0 && seen.size < MAX_PAGES) {
      const url = queue.shift() as string;
      if (seen.has(url)) continue;
      seen.add(url);
      const res = await client.get(url);
      assert.ok(res.statusCode < 500, `${url}: ${res.statusCode}`);
      assertSecurityHeaders(res, url);
      assertCookieFlags(res, url);
      if (String(res.headers['content-type']).startsWith('text/html')) {
        assertNoLeak(res.body, url);
        for (const link of linksOf(res.body)) if (!seen.has(link)) queue.push(link);
      }
    }
    return seen.size;
  }

  it('holds for the pages a visitor reaches, in Chinese and English', async (t) => {
    const visited = await crawl(new FormClient(app, '198.51.100.61'), ['/', '/?lang=en', '/sign-in']);
    assert.ok(visited >= 30, `crawled ${visited} pages`);
    t.diagnostic(`${visited} pages`);
  });

  it('holds for a signed-in citizen, whose session cookie has every flag', async (t) => {
    const client = new FormClient(app, '198.51.100.62');
    const signInPage = await client.get('/sign-in');
    const csrf = client.token(signInPage.body);
    const res = await client.post('/sign-in', {
      username: 'zhangwei',
      password: 'shifan-demo-2026',
      _csrf: csrf,
    });
    assert.equal(res.statusCode, 303);
    const session = res.cookies.find((c) => c.name === 'yiwang_session');
    assert.ok(session, 'a session cookie');
    assertCookieFlags(res, 'POST /sign-in');
    assert.equal(
      session.expires,
      undefined,
      'a session cookie, gone with the browser (the server enforces limits)',
    );
    const visited = await crawl(client, ['/account', '/cases', '/wallet']);
    assert.ok(visited >= 10, `crawled ${visited} pages`);
    t.diagnostic(`${visited} pages`);
  });

  it('errors show no stack, path or version, as pages and as problems', async () => {
    const citizen = await signInPerson(app, 'zhangwei', '198.51.100.63');
    const probes: { url: string; method?: 'GET' | 'POST'; payload?: string; type?: string }[] = [
      { url: '/no-such-page' },
      { url: '/services/%E0%A4%A' }, // a broken escape
      { url: '/api/v1/no-such-route' },
      { url: '/api/v1/cases/case_not-an-id' },
      { url: '/api/v1/cases', method: 'POST', payload: '{"serviceCode":', type: 'application/json' },
      { url: '/api/v1/cases', method: 'POST', payload: '<x/>', type: 'application/json' },
      { url: '/api/v1/uploads', method: 'POST', payload: '{"name":1}', type: 'application/json' },
      {
        url: '/sign-in',
        method: 'POST',
        payload: 'username[$ne]=x',
        type: 'application/x-www-form-urlencoded',
      },
    ];
    for (const probe of probes) {
      for (const cookies of [{}, citizen.cookies]) {
        const res = await app.inject({
          method: probe.method ?? 'GET',
          url: probe.url,
          cookies,
          ...(probe.payload !== undefined
            ? { payload: probe.payload, headers: { 'content-type': probe.type ?? 'text/plain' } }
            : {}),
        });
        const what = `${probe.method ?? 'GET'} ${probe.url}`;
        assert.ok(res.statusCode >= 400 && res.statusCode < 500, `${what}: ${res.statusCode} ${res.body}`);
        assertSecurityHeaders(res, what);
        assertNoLeak(res.body, what);
      }
    }
  });
});
