import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { FormClient } from '../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { DEMO_PASSWORD } from '../../modules/identity/index.ts';
import { auditHead } from '../audit/audit.tables.ts';
import { openDatabase } from '../db/database.ts';
import { burstOf, paceOf, verdict } from './throttle.ts';

// Issue 7, abuse: a flood of sign-in attempts or of anonymous searches from one address is answered with 429
// while people at other addresses keep being served. Small budgets so the test floods quickly.
const SIGN_IN_BUDGET = 5;
const LOOKUP_BUDGET = 8;

/**
 * Paced, not counted per minute: of a large budget an address gets a burst at once, then one request per
 * 60 s / budget. The counts are judged against the time the requests took (a slow machine earns the address more
 * while the loop runs).
 */
async function assertPaced(app: FastifyInstance, budget: number, address: string) {
  const burst = burstOf(budget);
  const intervalMs = 60_000 / budget;
  assert.ok(burst < budget, 'a large budget is not spent at once');
  const started = performance.now();
  const statuses: number[] = [];
  for (let i = 0; i < burst + 20; i++)
    statuses.push((await app.inject({ url: '/certificates/verify', remoteAddress: address })).statusCode);
  const earned = Math.ceil((performance.now() - started) / intervalMs);
  const allowed = statuses.filter((code) => code === 200).length;
  assert.ok(allowed >= burst, `the burst of ${burst} is let through (${allowed})`);
  assert.ok(allowed <= burst + earned, `then one per ${intervalMs} ms: ${allowed} let through`);
  // The address has now spent what it earned: of the next three requests, one right after another, one at least is
  // refused (a single one could fall just past an interval's end; the budgets tested keep the interval well above
  // a request's time, even on a slow machine's PostgreSQL).
  const next = [];
  for (let i = 0; i < 3; i++)
    next.push(await app.inject({ url: '/certificates/verify', remoteAddress: address }));
  const refused = next.find((response) => response.statusCode === 429);
  assert.ok(refused, `one of the next three is refused (${next.map((response) => response.statusCode)})`);
  assert.equal(refused.headers['retry-after'], '1', 'the next one is due within the second');
  await new Promise((resolve) => setTimeout(resolve, intervalMs * 1.5));
  const later = await app.inject({ url: '/certificates/verify', remoteAddress: address });
  assert.equal(later.statusCode, 200, 'an interval later, the address may ask again');
}

describe('per-address throttling of sign-in and look-ups', () => {
  let platform: Platform;
  let app: FastifyInstance;
  before(async () => {
    platform = await startTestPlatform({
      env: {
        YIWANG_THROTTLE_SIGN_IN: String(SIGN_IN_BUDGET),
        YIWANG_THROTTLE_LOOKUPS: String(LOOKUP_BUDGET),
      },
    });
    app = platform.app as FastifyInstance;
  });
  after(() => platform.close());

  const auditHeadRow = async () => (await platform.kernel.db.select().from(auditHead))[0];

  it('refuses a password-guessing flood from one address with 429, and serves everyone else', async () => {
    const attacker = new FormClient(app, '203.0.113.66');
    const csrf = await attacker.csrfFrom('/sign-in');
    const statuses: number[] = [];
    for (let i = 0; i < SIGN_IN_BUDGET + 10; i++) {
      // A different made-up account each time: the per-account lockout never comes into play, only the address.
      const res = await attacker.post('/sign-in', {
        username: `nobody-${i}`,
        password: `guess-${i}`,
        _csrf: csrf,
      });
      statuses.push(res.statusCode);
    }
    assert.deepEqual(
      statuses.slice(0, SIGN_IN_BUDGET),
      Array(SIGN_IN_BUDGET).fill(401),
      'the budget: wrong passwords, answered as such',
    );
    assert.deepEqual(statuses.slice(SIGN_IN_BUDGET), Array(10).fill(429), 'then throttled');

    // The refusal is a page in the visitor's language, saying how long to wait.
    const before = await auditHeadRow();
    const refused = await attacker.post('/sign-in', {
      username: 'zhangwei',
      password: DEMO_PASSWORD,
      _csrf: csrf,
    });
    assert.equal(refused.statusCode, 429);
    assert.match(String(refused.headers['content-type']), /text\/html/);
    assert.match(refused.body, /请求过多，请在 \d+ 秒后再试/);
    assert.ok(Number(refused.headers['retry-after']) > 0, 'Retry-After says when');
    assert.equal(
      refused.cookies.find((c) => c.name === 'yiwang_session'),
      undefined,
      'not signed in',
    );
    assert.deepEqual(await auditHeadRow(), before, 'a throttled attempt records and changes nothing');

    // Someone else, at another address, signs in as usual during the flood.
    const citizen = new FormClient(app, '198.51.100.23');
    const res = await citizen.post('/sign-in', {
      username: 'lina',
      password: DEMO_PASSWORD,
      _csrf: await citizen.csrfFrom('/sign-in'),
    });
    assert.equal(res.statusCode, 303, 'another address is served');
  });

  it('refuses an anonymous search flood from one address: page, API and HEAD spend one budget', async () => {
    const search = (address: string, url: string, lang = 'zh-CN', method: 'GET' | 'HEAD' = 'GET') =>
      app.inject({ method, url, remoteAddress: address, headers: { 'accept-language': lang } });
    // A page the cache holds (another address's visit stored it): the budget is still spent before it answers.
    await search('198.51.100.30', '/search?q=营业执照');
    assert.equal((await search('198.51.100.31', '/search?q=营业执照')).headers['x-cache'], 'HIT');

    const statuses: number[] = [];
    for (let i = 0; i < LOOKUP_BUDGET; i++) {
      const url =
        i % 2 ? '/search?q=营业执照' : `/api/v1/catalogue/search?q=${encodeURIComponent(`营业执照${i}`)}`;
      statuses.push((await search('203.0.113.77', url, 'zh-CN', i === 3 ? 'HEAD' : 'GET')).statusCode);
    }
    assert.deepEqual(statuses, Array(LOOKUP_BUDGET).fill(200), 'the budget, over the page, the API and HEAD');
    assert.equal((await search('203.0.113.77', '/search?q=营业执照')).statusCode, 429, 'the cached page too');
    assert.equal((await search('203.0.113.77', '/search?q=营业执照', 'zh-CN', 'HEAD')).statusCode, 429);
    const api = await search('203.0.113.77', '/api/v1/catalogue/search?q=provident', 'en');
    assert.equal(api.statusCode, 429);
    assert.equal(api.json().code, 'KERNEL_ERR_THROTTLED');
    assert.match(
      api.json().title,
      /^Too many requests from your network address\. Try again in \d+ seconds\.$/,
    );

    // Another address searches as usual.
    const other = await search('198.51.100.24', '/search?q=营业执照');
    assert.equal(other.statusCode, 200);
    assert.match(other.body, /营业执照/);
  });

  it('leaves routes without a budget alone', async () => {
    for (let i = 0; i < LOOKUP_BUDGET * 3; i++) {
      const res = await app.inject({ url: '/services/SJ-0101', remoteAddress: '203.0.113.78' });
      assert.equal(res.statusCode, 200);
    }
  });
});

describe('a large budget, paced', () => {
  it('lets every budget’s whole burst through, its intervals added one by one as the stores add them', () => {
    // Without the tolerance's spare millisecond, 17 a minute refused the tenth request of its burst at this moment:
    // ten intervals of 3,529.41 ms added to a timestamp of 1.7 × 10¹² ms came out a microsecond past ten times one.
    const now = Date.UTC(2026, 10, 30, 12);
    for (let max = 1; max <= 2000; max++) {
      const { interval, tolerance } = paceOf(60_000, max);
      let paidUntil = now;
      for (let i = 0; i < burstOf(max); i++) paidUntil = Math.max(paidUntil, now) + interval;
      assert.ok(paidUntil - now <= tolerance, `the burst of a budget of ${max}`);
      assert.ok(paidUntil + interval - now > tolerance, `and not one more (${max})`);
    }
  });

  it('tells @fastify/rate-limit a request let through is within the budget, and how many more may follow at once', () => {
    for (const max of [1, 5, 7, 30, 300]) {
      const { interval, tolerance } = paceOf(60_000, max);
      const burst = burstOf(max);
      // Let through with the address paid for k intervals ahead (k = 1 … burst), and with the spare millisecond.
      for (let k = 1; k <= burst; k++) {
        const answer = verdict(true, k * interval, interval, tolerance, max);
        assert.equal(max - answer.current, burst - k, `${max}: ${burst - k} more may follow the ${k}th`);
      }
      assert.ok(
        verdict(true, tolerance, interval, tolerance, max).current <= max,
        `${max}: never past the budget`,
      );
      const refused = verdict(false, burst * interval, interval, tolerance, max);
      assert.equal(refused.current, max + 1);
      assert.ok(refused.ttl > 0 && refused.ttl <= interval, `${max}: the next one is due within an interval`);
    }
  });

  it('lets a burst through at once, then one request per interval (embedded: counted in memory)', async () => {
    const platform = await startTestPlatform({ env: { YIWANG_THROTTLE_LOOKUPS: '600' }, seedDemo: false });
    try {
      await assertPaced(platform.app as FastifyInstance, 600, '203.0.113.120');
    } finally {
      await platform.close();
    }
  });

  it('paces the same on PostgreSQL, where every instance shares the count', async (t) => {
    if (!(await needPostgres(t))) return;
    const database = await createTestPostgresDatabase();
    try {
      const platform = await startTestPlatform({
        database: await openDatabase({ mode: 'server', url: database.url, poolSize: 2 }),
        seedDemo: false,
        // 120 a minute, one per 500 ms: a page through PostgreSQL on a loaded machine can take a good part of 100 ms.
        env: { DATABASE_URL: database.url, YIWANG_THROTTLE_LOOKUPS: '120' },
      });
      try {
        await assertPaced(platform.app as FastifyInstance, 120, '203.0.113.121');
      } finally {
        await platform.close();
      }
    } finally {
      await database.drop();
    }
  });
});

describe('a budget of 0 turns throttling off', () => {
  it('serves every search from one address, more than the default budget', async () => {
    const platform = await startTestPlatform({ env: { YIWANG_THROTTLE_LOOKUPS: '0' }, seedDemo: false });
    try {
      for (let i = 0; i < 400; i++) {
        const res = await platform.app?.inject({ url: `/api/v1/catalogue/search?q=x${i}` });
        assert.equal(res?.statusCode, 200);
      }
    } finally {
      await platform.close();
    }
  });
});

describe('budgets shared by every instance on PostgreSQL', () => {
  it('counts an address once across two instances of the platform', async (t) => {
    if (!(await needPostgres(t))) return;
    const database = await createTestPostgresDatabase();
    const platforms: Platform[] = [];
    try {
      const env = { DATABASE_URL: database.url, YIWANG_THROTTLE_LOOKUPS: '6' };
      for (let i = 0; i < 2; i++) {
        platforms.push(
          await startTestPlatform({
            database: await openDatabase({ mode: 'server', url: database.url, poolSize: 2 }),
            seedDemo: false,
            env,
          }),
        );
      }
      const statuses: number[] = [];
      for (let i = 0; i < 10; i++) {
        // The proxy sends one address's requests to either instance.
        const app = platforms[i % 2]?.app as FastifyInstance;
        const res = await app.inject({
          url: `/api/v1/catalogue/search?q=x${i}`,
          remoteAddress: '203.0.113.99',
        });
        statuses.push(res.statusCode);
      }
      assert.deepEqual(statuses, [200, 200, 200, 200, 200, 200, 429, 429, 429, 429]);
      const second = platforms[1]?.app as FastifyInstance;
      const other = await second.inject({
        url: '/api/v1/catalogue/search?q=y',
        remoteAddress: '198.51.100.99',
      });
      assert.equal(other.statusCode, 200, 'another address has its own budget');
    } finally {
      for (const platform of platforms) await platform.close();
      await database.drop();
    }
  });
});
