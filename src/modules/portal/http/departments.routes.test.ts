import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance } from 'fastify';
import { createHttpServer } from '../../../kernel/http/server.ts';
import { createLogger } from '../../../kernel/logger.ts';
import type { ServiceSummary } from '../../catalogue/index.ts';
import type { PortalQueries } from '../portal.service.ts';
import { registerDepartmentPages } from './departments.routes.tsx';

// A department of a city's size: thousands of services. Its page lists a few per topic and links to the rest, so it
// stays a page (no database: the route presents what the queries answer, and asks for no more than it shows).

const service = (i: number): ServiceSummary => ({
  code: `SJ-${5000 + i}`,
  name: { zh: `服务${i}`, en: `Service ${i}` },
  summary: { zh: `第 ${i} 项`, en: `Number ${i}` },
  department: 'SJ',
  audiences: ['business'],
  onlineDepth: 'transact',
});
const department = {
  id: 'dept_sj',
  code: 'SJ',
  name: { 'zh-CN': '市市场监督管理局', en: 'Market Regulation Administration' },
  sortOrder: 1,
  website: null,
};
const asked: number[] = [];
const queries = {
  async departmentPage(code: string, perTopic: number) {
    asked.push(perTopic);
    if (code !== 'SJ') return undefined;
    return {
      department,
      total: 5003,
      groups: [
        {
          topic: { code: 'licences', name: { zh: '证照办理', en: 'Licences' } },
          items: Array.from({ length: Math.min(perTopic, 5000) }, (_, i) => service(i)),
          total: 5000,
        },
        {
          topic: { code: 'tax', name: { zh: '税务', en: 'Tax' } },
          items: [service(9001), service(9002), service(9003)],
          total: 3,
        },
      ],
    };
  },
} as unknown as PortalQueries;

describe('a department of thousands of services', () => {
  let app: FastifyInstance;
  before(async () => {
    app = await createHttpServer({
      log: createLogger('silent'),
      version: 'test',
      cookieSecret: 'test-secret-of-at-least-thirty-two-characters',
    });
    registerDepartmentPages(app, queries);
  });
  after(() => app.close());

  it('lists a few per topic with the count, and links to the rest of a topic filtered by the department', async () => {
    const res = await app.inject({ url: '/departments/SJ' });
    assert.equal(res.statusCode, 200);
    assert.ok(
      asked.every((n) => n <= 10),
      `asked for ${asked.join(', ')} per topic`,
    );
    const cards = [...res.body.matchAll(/class="card__link" href="\/services\/(SJ-\d+)"/g)];
    assert.equal(cards.length, (asked[0] ?? 0) + 3);
    assert.match(res.body, /市市场监督管理局负责的服务，共 5003 项/);
    assert.match(
      res.body,
      /<a href="\/topics\/licences\?department=SJ">查看本部门“证照办理”主题下的全部 5000 项服务<\/a>/,
    );
    // A topic shown whole has no such link.
    assert.doesNotMatch(res.body, /\/topics\/tax\?department=SJ/);
    const english = await app.inject({ url: '/departments/SJ?lang=en' });
    assert.match(english.body, /All 5000 of its services on “Licences”/);
  });
});
