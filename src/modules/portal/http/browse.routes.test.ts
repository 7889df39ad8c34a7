import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../../kernel/http/server.ts';
import { createLogger } from '../../../kernel/logger.ts';
import type { ServiceSummary } from '../../catalogue/index.ts';
import type { PortalQueries } from '../portal.service.ts';
import { registerBrowsePages } from './browse.routes.tsx';

// Paging of a topic's services, against a fake catalogue holding more services than a page shows (the demo city's
// biggest topic fits on one page). No database: the routes only present what the queries answer.

const TOTAL = 120;
const services: ServiceSummary[] = Array.from({ length: TOTAL }, (_, i) => {
  const n = String(i + 1).padStart(4, '0');
  return {
    code: `SJ-${n}`,
    name: { zh: `服务${n}`, en: `Service ${n}` },
    summary: { zh: `第 ${i + 1} 项`, en: `Number ${i + 1}` },
    department: 'SJ',
    audiences: i % 2 === 0 ? ['citizen'] : ['business'],
    onlineDepth: 'transact',
  };
});
const topic = { code: 'big-topic', name: { zh: '大主题', en: 'Big topic' } };

const queries: PortalQueries = {
  homePage: async () => ({ popular: [], lifeEvents: [], topics: [topic], departments: [] }),
  topics: async () => [topic],
  lifeEvents: async () => [],
  audiencePage: async () => ({ lifeEvents: [], groups: [], departments: [] }),
  journey: async () => undefined,
  departmentPage: async () => undefined,
  async topicPage(code, page) {
    if (code !== topic.code) return undefined;
    const matching = services.filter(
      (s) =>
        (!page.audience || s.audiences.includes(page.audience)) &&
        (!page.department || s.department === page.department),
    );
    return {
      topic,
      items: matching.slice(page.offset, page.offset + page.limit),
      total: matching.length,
      departments: [
        {
          id: 'dept_sj',
          code: 'SJ',
          name: { 'zh-CN': '市市场监督管理局', en: 'Market Regulation Administration' },
          sortOrder: 1,
          website: null,
        },
      ],
    };
  },
};

const titles = (body: string) =>
  [...body.matchAll(/class="card__link" href="\/services\/(SJ-\d{4})"/g)].map((m) => m[1]);

describe('a topic of more than one page', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await createHttpServer({
      log: createLogger('silent'),
      version: 'test',
      cookieSecret: 'test-secret-of-at-least-thirty-two-characters',
    });
    registerBrowsePages(app, queries);
  });
  after(() => app.close());

  it('shows 50 services a page with links to the next and previous pages', async () => {
    const first = await app.inject({ url: '/topics/big-topic' });
    assert.equal(first.statusCode, 200);
    assert.deepEqual(
      titles(first.body),
      services.slice(0, 50).map((s) => s.code),
    );
    assert.match(first.body, /<nav class="pagination" aria-label="分页">/);
    assert.match(first.body, /第 1 页，共 3 页/);
    assert.doesNotMatch(first.body, /rel="prev"/);
    assert.match(
      first.body,
      /<a class="pagination__link" href="\/topics\/big-topic\?page=2" rel="next">下一页<\/a>/,
    );

    const second = await app.inject({ url: '/topics/big-topic?page=2&lang=en' });
    assert.deepEqual(
      titles(second.body),
      services.slice(50, 100).map((s) => s.code),
    );
    assert.match(second.body, /Page 2 of 3/);
    assert.match(second.body, /<title>Big topic \(Page 2 of 3\) - /, 'each page has its own title');
    assert.match(second.body, /href="\/topics\/big-topic" rel="prev">Previous page</);
    assert.match(second.body, /href="\/topics\/big-topic\?page=3" rel="next">Next page</);

    const last = await app.inject({ url: '/topics/big-topic?page=3' });
    assert.deepEqual(
      titles(last.body),
      services.slice(100).map((s) => s.code),
    );
    assert.doesNotMatch(last.body, /rel="next"/);
    assert.equal((await app.inject({ url: '/topics/big-topic?page=4' })).statusCode, 404);
  });

  it('keeps the audience filter while paging, and counts only its services', async () => {
    const res = await app.inject({ url: '/topics/big-topic?audience=business&page=2' });
    assert.equal(res.statusCode, 200);
    const business = services.filter((s) => s.audiences.includes('business'));
    assert.deepEqual(
      titles(res.body),
      business.slice(50).map((s) => s.code),
    );
    assert.match(res.body, /共 60 项/);
    assert.match(res.body, /href="\/topics\/big-topic\?audience=business" rel="prev">上一页</);
    assert.doesNotMatch(res.body, /rel="next"/);
    assert.equal((await app.inject({ url: '/topics/big-topic?audience=business&page=3' })).statusCode, 404);
  });

  it('lists one department\'s services on the topic, where its department page sends "all of them"', async () => {
    const res = await app.inject({ url: '/topics/big-topic?department=sj&page=2' });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /市市场监督管理局在“大主题”主题下的服务，共 120 项。/);
    assert.match(res.body, /href="\/departments\/SJ">市市场监督管理局<\/a>/);
    assert.match(res.body, /href="\/topics\/big-topic\?department=SJ&amp;page=3" rel="next"/);
    assert.match(res.body, /href="\/topics\/big-topic\?audience=business&amp;department=SJ"/);
    assert.match(res.body, /<h1>大主题：市市场监督管理局<\/h1>/);
    const both = await app.inject({ url: '/topics/big-topic?department=SJ&audience=business' });
    assert.match(both.body, /市市场监督管理局在“大主题”主题下面向“企业和其他组织（法人）”的服务，共 60 项。/);
    const english = await app.inject({ url: '/topics/big-topic?department=SJ&lang=en' });
    assert.match(english.body, /120 services of the Market Regulation Administration on “Big topic”\./);
    // A department that does not exist, or a code that cannot be one, is not a page.
    assert.equal((await app.inject({ url: '/topics/big-topic?department=XF' })).statusCode, 404);
    assert.equal((await app.inject({ url: '/topics/big-topic?department=S1' })).statusCode, 404);
  });

  it('caches each page separately (page and audience vary the page; nothing else does)', async () => {
    await app.inject({ url: '/topics/big-topic?page=3' });
    const hit = await app.inject({ url: '/topics/big-topic?page=3&ref=x' });
    assert.equal(hit.headers['x-cache'], 'HIT');
    assert.deepEqual(
      titles(hit.body),
      services.slice(100).map((s) => s.code),
    );
    const other = await app.inject({ url: '/topics/big-topic?page=3&audience=citizen' });
    assert.equal(other.statusCode, 404, 'the citizen services fit on two pages');
  });
});
