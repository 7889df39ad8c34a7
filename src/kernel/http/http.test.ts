import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import SwaggerParser from '@apidevtools/swagger-parser';
import type { FastifyInstance } from 'fastify';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import type { ModuleManifest } from '../modules.ts';

describe('HTTP kernel', () => {
  let platform: Platform;
  let app: FastifyInstance;

  before(async () => {
    // A module with a route that fails the way a bug would, to prove that nothing of it reaches the public.
    const crashing: ModuleManifest = {
      name: 'crashing',
      dependsOn: [],
      permissions: [],
      async register({ app: http }) {
        http?.get('/api/v1/__test/crash', async () => {
          throw new Error('secret internal detail at /srv/yiwang/src/whatever.ts:12');
        });
      },
    };
    platform = await startTestPlatform({ extraModules: [crashing] });
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  it('serves the home page in Chinese by default, with the city name', async () => {
    const res = await app.inject({ url: '/' });
    assert.equal(res.statusCode, 200);
    assert.match(String(res.headers['content-type']), /^text\/html/);
    assert.match(res.body, /^<!doctype html><html lang="zh-CN"/);
    assert.match(res.body, /示范市/);
  });

  it('switches to English with ?lang=en, and the choice sticks in a cookie', async () => {
    const res = await app.inject({ url: '/?lang=en' });
    assert.match(res.body, /<html lang="en"/);
    assert.match(res.body, /Demo City/);
    const cookie = res.cookies.find((c) => c.name === 'yiwang_lang');
    assert.equal(cookie?.value, 'en');
    assert.equal(cookie?.httpOnly, true);
    const next = await app.inject({ url: '/departments', cookies: { yiwang_lang: 'en' } });
    assert.match(next.body, /<html lang="en"/);
    assert.match(next.body, /Market Regulation Administration/);
    const back = await app.inject({ url: '/departments?lang=zh-CN', cookies: { yiwang_lang: 'en' } });
    assert.match(back.body, /<html lang="zh-CN"/);
  });

  it('answers unknown pages with a translated 404 page, and unknown API paths with problem details', async () => {
    const page = await app.inject({ url: '/no-such-page' });
    assert.equal(page.statusCode, 404);
    assert.match(page.body, /找不到该页面/);
    const pageEn = await app.inject({ url: '/no-such-page?lang=en' });
    assert.match(pageEn.body, /Page not found/);
    const api = await app.inject({ url: '/api/v1/no-such-thing' });
    assert.equal(api.statusCode, 404);
    assert.match(String(api.headers['content-type']), /^application\/problem\+json/);
    assert.equal(api.json().code, 'KERNEL_ERR_NOT_FOUND');
  });

  it('translates validation messages into the language of the request and echoes no input', async () => {
    const zh = await app.inject({ url: '/api/v1/departments/1<script>' });
    assert.equal(zh.statusCode, 400);
    const body = zh.json();
    assert.equal(body.code, 'KERNEL_ERR_VALIDATION');
    assert.equal(body.errors[0].path, 'params.code');
    assert.match(body.errors[0].message, /无效字符串/);
    assert.doesNotMatch(zh.body, /<script>/);
    const en = await app.inject({
      url: '/api/v1/departments/1',
      headers: { 'accept-language': 'en-GB,en;q=0.9' },
    });
    assert.match(en.json().errors[0].message, /Invalid string/);
  });

  it('hides internal errors: a generic translated message and the request id, no stack, no detail', async () => {
    const res = await app.inject({
      url: '/api/v1/__test/crash',
      headers: { 'x-request-id': 'support-ticket-42' },
    });
    assert.equal(res.statusCode, 500);
    const body = res.json();
    assert.equal(body.code, 'KERNEL_ERR_INTERNAL');
    assert.equal(body.requestId, 'support-ticket-42');
    assert.equal(res.headers['x-request-id'], 'support-ticket-42');
    assert.doesNotMatch(res.body, /secret internal detail|\.ts:\d+|at /);
  });

  it('gives every response a request id, and refuses to log an unsafe one', async () => {
    const res = await app.inject({ url: '/healthz', headers: { 'x-request-id': 'bad id\nwith newline' } });
    assert.match(String(res.headers['x-request-id']), /^req_[0-9A-Z]{26}$/);
  });

  it('sends security headers on pages, without HSTS or HTTPS upgrades on plain HTTP', async () => {
    const res = await app.inject({ url: '/' });
    const csp = String(res.headers['content-security-policy']);
    assert.match(csp, /default-src 'self'/);
    assert.match(csp, /frame-ancestors 'none'/);
    assert.match(csp, /script-src 'self'/);
    assert.doesNotMatch(
      csp,
      /upgrade-insecure-requests/,
      'a plain-HTTP pilot must still load its stylesheet',
    );
    assert.equal(res.headers['strict-transport-security'], undefined);
    assert.equal(res.headers['x-content-type-options'], 'nosniff');
    assert.equal(res.headers['referrer-policy'], 'strict-origin-when-cross-origin');
    assert.equal(res.headers['x-powered-by'], undefined);
    assert.equal(res.headers.server, undefined);
  });

  it('behind TLS adds HSTS for a year, upgrades insecure requests and marks cookies Secure', async () => {
    const tls = await startTestPlatform({
      seedDemo: false,
      env: { YIWANG_PUBLIC_URL: 'https://zwfw.shifan.example' },
    });
    try {
      const res = await (tls.app as FastifyInstance).inject({ url: '/?lang=en' });
      assert.equal(res.headers['strict-transport-security'], 'max-age=31536000');
      assert.match(String(res.headers['content-security-policy']), /upgrade-insecure-requests/);
      assert.equal(res.cookies.find((c) => c.name === 'yiwang_lang')?.secure, true);
    } finally {
      await tls.close();
    }
  });

  it('reports liveness and readiness with the database mode and version', async () => {
    const health = await app.inject({ url: '/healthz' });
    assert.equal(health.statusCode, 200);
    assert.deepEqual(Object.keys(health.json()).sort(), ['mode', 'status', 'version']);
    assert.equal(health.json().mode, 'embedded');
    const ready = await app.inject({ url: '/readyz' });
    assert.equal(ready.statusCode, 200);
    assert.deepEqual(ready.json().checks, { database: true, migrations: true });
  });

  it('serves a valid OpenAPI 3 document of the API, and a readable reference page', async () => {
    const res = await app.inject({ url: '/api/openapi.json' });
    assert.equal(res.statusCode, 200);
    const document = res.json();
    assert.match(document.openapi, /^3\./);
    await SwaggerParser.validate(structuredClone(document));
    assert.ok(document.paths['/api/v1/departments']);
    assert.ok(document.paths['/healthz']);
    assert.equal(document.paths['/'], undefined, 'pages are not API operations');
    const docs = await app.inject({ url: '/api/docs?lang=en' });
    assert.equal(docs.statusCode, 200);
    assert.match(docs.body, /\/api\/v1\/departments/);
  });

  it('serves the fingerprinted stylesheet with a long cache lifetime', async () => {
    const home = await app.inject({ url: '/' });
    const href = /<link rel="stylesheet" href="([^"]+)"/.exec(home.body)?.[1];
    assert.ok(href);
    const css = await app.inject({ url: href });
    assert.equal(css.statusCode, 200);
    assert.match(String(css.headers['content-type']), /^text\/css/);
    assert.match(String(css.headers['cache-control']), /immutable/);
  });
});
