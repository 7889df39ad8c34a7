import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import type { CatalogueContract, ServiceSummary } from '../../catalogue/index.ts';
import type { OrganisationsContract } from '../../organisations/index.ts';
import { AUDIENCES } from '../domain/audiences.ts';

// The portal's pages by need, on the demo city: what each shows is computed here from the catalogue's contract, so
// the tests follow the demo catalogue as it grows, and fail if a page drops, mislinks or mislabels what it holds.

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const escaped = (text: string) =>
  text.replace(/&/g, '&amp;').replace(/</g, '&lt;').replace(/>/g, '&gt;').replace(/"/g, '&quot;');
const pattern = (text: string) => escaped(text).replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** One h1, and no heading more than one level below the one before it. */
function assertHeadingsInOrder(html: string, label: string): void {
  const levels = [...html.matchAll(/<h([1-6])\b/g)].map((m) => Number(m[1]));
  assert.equal(levels.filter((l) => l === 1).length, 1, `${label}: one h1`);
  assert.equal(levels[0], 1, `${label}: the h1 comes first`);
  levels.forEach((level, i) => {
    if (i > 0) assert.ok(level <= (levels[i - 1] ?? 1) + 1, `${label}: heading ${i} skips a level`);
  });
}

/** Each text appears in the page, in this order. */
function assertInOrder(html: string, texts: readonly string[], label: string): void {
  let from = 0;
  for (const text of texts) {
    const at = html.indexOf(text, from);
    assert.ok(at >= 0, `${label}: ${text} (in this order)`);
    from = at + text.length;
  }
}

const cardLink = (service: { code: string; name: { zh: string; en: string } }, lang: 'zh' | 'en') =>
  `<a class="card__link" href="/services/${service.code}">${escaped(service.name[lang])}</a>`;

describe('portal pages by need', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let catalogue: CatalogueContract;
  let organisations: OrganisationsContract;
  let get: (url: string) => Promise<LightMyRequestResponse>;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    catalogue = platform.contracts.catalogue as CatalogueContract;
    organisations = platform.contracts.organisations as OrganisationsContract;
    get = (url) => app.inject({ url });
  });
  after(() => platform.close());

  describe('home page', () => {
    it('starts from needs: search, who you are, life events, popular services, topics; departments last', async () => {
      const [popular, lifeEvents, topics, departments] = await Promise.all([
        catalogue.popularServices(8),
        catalogue.listLifeEvents(),
        catalogue.listTopics(),
        organisations.listDepartments(),
      ]);
      assert.ok(popular.length === 8 && lifeEvents.length >= 9 && topics.length > 0, 'the demo catalogue');
      const res = await get('/');
      assert.equal(res.statusCode, 200);
      const html = main(res);
      assertHeadingsInOrder(html, '/');
      assert.match(html, /<h1>示范市政务服务网<\/h1>/);
      assert.match(html, /<form method="get" action="\/search">/);
      assert.match(html, /<label class="portal-search__label" for="home-search">您要办什么事？<\/label>/);
      assert.match(html, /<input class="portal-search__input" type="search" id="home-search" name="q"/);
      assertInOrder(
        html,
        [
          '<h2>我是……</h2>',
          '<a class="card__link" href="/for/citizen">个人</a>',
          '<a class="card__link" href="/for/business">企业和其他组织（法人）</a>',
          '<a class="card__link" href="/for/international">外籍人士</a>',
          '<h2>人生大事</h2>',
          ...lifeEvents
            .slice(0, 9)
            .map((e) => `<a class="card__link" href="/life-events/${e.code}">${escaped(e.name.zh)}</a>`),
          '<a href="/life-events">查看全部人生大事</a>',
          '<h2>常用服务</h2>',
          ...popular.map((s) => cardLink(s, 'zh')),
          '<h2>按主题查找</h2>',
          ...topics.map((t) => `href="/topics/${t.code}">${escaped(t.name.zh)}</a>`),
          '<h2>今天</h2>',
          '<h2>办事渠道</h2>',
          `全市 ${departments.length} 个部门`,
          '<a href="/departments">查看部门目录</a>',
        ],
        '/',
      );
      // Never department-first: no department page is a way in from the front door.
      assert.doesNotMatch(html, /href="\/departments\/[A-Z]/);
      const department = departments.find((d) => d.code === popular[0]?.department);
      assert.ok(department);
      assert.match(
        html,
        new RegExp(`<li class="service-meta__item">${pattern(department.name['zh-CN'])}</li>`),
      );

      const en = main(await get('/?lang=en'));
      assertHeadingsInOrder(en, '/?lang=en');
      assertInOrder(
        en,
        [
          '<h1>Demo City Government Services</h1>',
          'What do you need to do?',
          '<h2>I am…</h2>',
          '<a class="card__link" href="/for/citizen">A resident</a>',
          '<a class="card__link" href="/for/business">A business or organisation</a>',
          '<a class="card__link" href="/for/international">An international visitor</a>',
          '<h2>Life events</h2>',
          `<a class="card__link" href="/life-events/${lifeEvents[0]?.code}">${escaped(lifeEvents[0]?.name.en ?? '')}</a>`,
          '<h2>Popular services</h2>',
          ...popular.map((s) => cardLink(s, 'en')),
          '<h2>Browse by topic</h2>',
          ...topics.map((t) => `href="/topics/${t.code}">${escaped(t.name.en)}</a>`),
          '<h2>Ways to get things done</h2>',
          '<a href="/departments">See the department directory</a>',
        ],
        '/?lang=en',
      );
    });

    it('is a public page kept in the page cache', async () => {
      await get('/accessibility');
      const again = await get('/accessibility');
      assert.equal(again.headers['x-cache'], 'HIT');
      assert.match(main(again), /长辈模式/, 'the statement explains elderly mode');
    });
  });

  describe('pages by audience', () => {
    for (const audience of AUDIENCES) {
      it(`lists the services for ${audience} by topic, with its life events`, async () => {
        const topics = await catalogue.listTopics();
        const res = await get(`/for/${audience}`);
        assert.equal(res.statusCode, 200);
        const html = main(res);
        assertHeadingsInOrder(html, `/for/${audience}`);
        const title = { citizen: '个人办事', business: '法人办事', international: '外籍人士办事' }[audience];
        assert.match(html, new RegExp(`<h1>${title}</h1>`));
        assert.match(res.body, new RegExp(`<span aria-current="page">${title}</span>`), 'breadcrumbs');
        for (const event of await catalogue.listLifeEvents()) {
          const link = `href="/life-events/${event.code}"`;
          if (event.audience === audience) assert.ok(html.includes(link), `life event ${event.code}`);
          else assert.ok(!html.includes(link), `another audience's life event ${event.code}`);
        }
        let groups = 0;
        for (const topic of topics) {
          const { items, total } = await catalogue.listServices({ audience, topic: topic.code, limit: 6 });
          const heading = `<h3 id="topic-${topic.code}">`;
          if (total === 0) {
            assert.ok(!html.includes(heading), `no empty topic ${topic.code}`);
            continue;
          }
          groups++;
          const count = `<span class="topic-group__count">${total} 项服务</span>`;
          assertInOrder(
            html,
            [heading, escaped(topic.name.zh), count, ...items.map((s) => cardLink(s, 'zh'))],
            topic.code,
          );
          const more = `href="/topics/${topic.code}?audience=${audience}"`;
          assert.equal(html.includes(more), total > 6, `a link to all ${total} services of ${topic.code}`);
        }
        assert.ok(groups > 1, 'services in several topics');
        const others = await catalogue.listServices({ limit: 1000 });
        const notForThem = others.items.find((s: ServiceSummary) => !s.audiences.includes(audience));
        if (notForThem) assert.ok(!html.includes(`/services/${notForThem.code}"`), 'only their services');
      });
    }

    it('reads in English', async () => {
      const html = main(await get('/for/business?lang=en'));
      assert.match(html, /<h1>Services for businesses<\/h1>/);
      for (const topic of await catalogue.listTopics()) {
        const { items } = await catalogue.listServices({ audience: 'business', topic: topic.code, limit: 6 });
        if (items.length === 0) continue;
        assertInOrder(html, [escaped(topic.name.en), ...items.map((s) => cardLink(s, 'en'))], topic.code);
      }
      assert.match(html, /<h2>By topic<\/h2>/);
      assert.match(html, /<span class="topic-group__count">\d+ services?<\/span>/);
      assert.doesNotMatch(html, /[\u4e00-\u9fff]/, 'no Chinese left');
    });

    it('answers an unknown audience with the translated 404 page', async () => {
      const zh = await get('/for/nobody');
      assert.equal(zh.statusCode, 404);
      assert.match(main(zh), /<h1>找不到该页面<\/h1>/);
      const en = await get('/for/nobody?lang=en');
      assert.equal(en.statusCode, 404);
      assert.match(main(en), /<h1>Page not found<\/h1>/);
    });
  });

  describe('topics', () => {
    it('lists every topic, and each topic its services, for everyone or one audience', async () => {
      const topics = await catalogue.listTopics();
      const all = main(await get('/topics'));
      assertHeadingsInOrder(all, '/topics');
      assertInOrder(
        all,
        topics.map((t) => `href="/topics/${t.code}">${escaped(t.name.zh)}</a>`),
        '/topics',
      );

      // The biggest topic, whole, and then for businesses only.
      const sizes = await Promise.all(topics.map((t) => catalogue.listServices({ topic: t.code, limit: 1 })));
      const biggest = topics[sizes.indexOf(sizes.reduce((a, b) => (b.total > a.total ? b : a)))];
      assert.ok(biggest);
      const { items, total } = await catalogue.listServices({ topic: biggest.code, limit: 50 });
      const res = await get(`/topics/${biggest.code}`);
      assert.equal(res.statusCode, 200);
      const html = main(res);
      assertHeadingsInOrder(html, biggest.code);
      assert.match(html, new RegExp(`<h1>${pattern(biggest.name.zh)}</h1>`));
      assert.match(html, new RegExp(`共 ${total} 项`));
      assertInOrder(
        html,
        items.map((s) =>
          cardLink(s, 'zh').replace('<a class="card__link"', '<h2 class="card__title"><a class="card__link"'),
        ),
        biggest.code,
      );
      assert.match(res.body, /<a class="breadcrumbs__link" href="\/topics">全部主题<\/a>/);
      assert.match(
        html,
        new RegExp(
          `<a class="filter-links__link" href="/topics/${biggest.code}" aria-current="page">全部对象</a>`,
        ),
      );
      if (total <= 50) assert.doesNotMatch(html, /class="pagination"/);

      const business = await catalogue.listServices({ topic: biggest.code, audience: 'business', limit: 50 });
      const filtered = await get(`/topics/${biggest.code}?audience=business&lang=en`);
      assert.equal(filtered.statusCode, 200);
      const en = main(filtered);
      assert.match(
        en,
        new RegExp(
          `${business.total} services? on “${pattern(biggest.name.en)}” for “A business or organisation”`,
        ),
      );
      assert.equal((en.match(/class="card__link"/g) ?? []).length, business.items.length);
      for (const s of business.items) assert.ok(en.includes(cardLink(s, 'en')), s.code);
      assert.match(
        filtered.body,
        /<a class="breadcrumbs__link" href="\/for\/business">Services for businesses<\/a>/,
      );
      assert.match(
        en,
        /href="\/topics\/[a-z-]+\?audience=business" aria-current="page">A business or organisation</,
      );
    });

    it('keeps pages of one topic apart in the page cache, and ignores other query parameters', async () => {
      const [topic] = await catalogue.listTopics();
      assert.ok(topic);
      const first = await get(`/topics/${topic.code}?audience=international`);
      const other = await get(`/topics/${topic.code}?audience=citizen`);
      assert.equal(other.headers['x-cache'], 'MISS', 'another audience is another page');
      assert.notEqual(main(first), main(other));
      const again = await get(`/topics/${topic.code}?audience=international&utm=x`);
      assert.equal(again.headers['x-cache'], 'HIT');
    });

    it('answers "not found" for an unknown topic, a page past the last, or a bad filter', async () => {
      const [topic] = await catalogue.listTopics();
      for (const url of [
        '/topics/no-such-topic',
        `/topics/${topic?.code}?page=2`,
        `/topics/${topic?.code}?page=0`,
        `/topics/${topic?.code}?page=two`,
        `/topics/${topic?.code}?audience=martian`,
      ]) {
        const res = await get(url);
        assert.equal(res.statusCode, 404, url);
        assert.match(main(res), /找不到该页面/, url);
      }
      assert.match(main(await get('/topics/no-such-topic?lang=en')), /Page not found/);
    });
  });

  describe('life events', () => {
    it('lists every life event under the audience it is for', async () => {
      const events = await catalogue.listLifeEvents();
      const res = await get('/life-events');
      const html = main(res);
      assertHeadingsInOrder(html, '/life-events');
      for (const audience of AUDIENCES) {
        const mine = events.filter((e) => e.audience === audience);
        if (mine.length === 0) continue;
        const start = html.indexOf(`<h2 id="life-events-${audience}">`);
        assert.ok(start >= 0, audience);
        const section = html.slice(start, html.indexOf('</section>', start));
        assert.equal((section.match(/class="card__link"/g) ?? []).length, mine.length, audience);
        assertInOrder(
          section,
          mine.map((e) => `href="/life-events/${e.code}">${escaped(e.name.zh)}</a>`),
          audience,
        );
      }
      assert.match(main(await get('/life-events?lang=en')), /<h1>Life events<\/h1>/);
    });

    it('shows a life event as one journey: numbered steps, each with its services from several departments', async () => {
      const events = await catalogue.listLifeEvents();
      const departments = await organisations.listDepartments();
      const nameOf = (code: string, locale: 'zh-CN' | 'en') =>
        departments.find((d) => d.code === code)?.name[locale] ?? code;
      // The one with the most departments: the point of a life event is to bundle them.
      const journeys = await Promise.all(
        events.map(async (event) => {
          const services = await Promise.all(
            [...new Set(event.steps.flatMap((s) => s.services))].map((c) => catalogue.findService(c)),
          );
          return { event, services: services.filter((s) => s !== undefined) };
        }),
      );
      const { event, services } = journeys.reduce((a, b) =>
        new Set(b.services.map((s) => s.department)).size > new Set(a.services.map((s) => s.department)).size
          ? b
          : a,
      );
      const involved = [...new Set(services.map((s) => s.department))];
      assert.ok(involved.length >= 3, 'a journey across departments');

      const res = await get(`/life-events/${event.code}`);
      assert.equal(res.statusCode, 200);
      const html = main(res);
      assertHeadingsInOrder(html, event.code);
      assert.match(html, new RegExp(`<h1>${pattern(event.name.zh)}</h1>`));
      assert.match(res.body, /<a class="breadcrumbs__link" href="\/life-events">人生大事<\/a>/);
      assert.match(html, new RegExp(`这些服务分属 ${involved.length} 个部门`));
      for (const code of involved)
        assert.ok(
          html.includes(`<a href="/departments/${code}">${escaped(nameOf(code, 'zh-CN'))}</a>`),
          code,
        );
      const list = html.slice(html.indexOf('<ol class="step-list">'), html.lastIndexOf('</ol>'));
      assert.equal((list.match(/<li class="step-list__step">/g) ?? []).length, event.steps.length);
      const expected = event.steps.flatMap((step, i) => [
        `<span class="step-list__number">第 ${i + 1} 步</span> ${escaped(step.title.zh)}</h3>`,
        escaped(step.description.zh),
        ...step.services.flatMap((code) => {
          const service = services.find((s) => s.code === code);
          if (!service) return [];
          const online = service.onlineDepth === 'transact' || service.onlineDepth === 'integrate';
          return [
            cardLink(service, 'zh'),
            `<li class="service-meta__item">${escaped(nameOf(service.department, 'zh-CN'))}</li>`,
            service.promisedDays === 0 ? '当场办结' : `承诺 ${service.promisedDays} 个工作日办结`,
            online ? '可网上办理' : '需到窗口办理',
          ];
        }),
      ]);
      assertInOrder(list, expected, event.code);

      const en = main(await get(`/life-events/${event.code}?lang=en`));
      assert.match(en, new RegExp(`<h1>${pattern(event.name.en)}</h1>`));
      assert.match(en, new RegExp(`These services belong to ${involved.length} departments`));
      assertInOrder(
        en,
        event.steps.map(
          (step, i) => `<span class="step-list__number">Step ${i + 1}</span> ${escaped(step.title.en)}</h3>`,
        ),
        `${event.code} in English`,
      );
      const first = services[0];
      assert.ok(first);
      assert.ok(en.includes(cardLink(first, 'en')));
      assert.ok(en.includes(escaped(nameOf(first.department, 'en'))));
      assert.doesNotMatch(en, /[\u4e00-\u9fff]/, 'no Chinese left');
    });

    it('answers an unknown life event with the translated 404 page', async () => {
      const res = await get('/life-events/no-such-event');
      assert.equal(res.statusCode, 404);
      assert.match(main(res), /找不到该页面/);
      assert.match(main(await get('/life-events/no-such-event?lang=en')), /Page not found/);
    });
  });

  describe('department pages', () => {
    it('shows a department with its official site and its services by topic; the directory links to it', async () => {
      const admin = await signInStaff(app, 'machao', '198.51.100.80');
      const sj = await organisations.findDepartment('SJ');
      assert.ok(sj);
      const edit = await admin.get('/admin/departments/SJ/edit');
      const saved = await admin.post('/admin/departments/SJ', {
        nameZh: sj.name['zh-CN'],
        nameEn: sj.name.en,
        sortOrder: String(sj.sortOrder),
        website: 'https://scjg.shifan.gov.example',
        _csrf: admin.token(edit.body),
      });
      assert.equal(saved.statusCode, 303);

      const res = await get('/departments/SJ');
      assert.equal(res.statusCode, 200);
      const html = main(res);
      assertHeadingsInOrder(html, '/departments/SJ');
      assert.match(html, /<h1>市市场监督管理局<\/h1>/);
      assert.match(res.body, /<a class="breadcrumbs__link" href="\/departments">部门目录<\/a>/);
      assert.match(
        html,
        /<a href="https:\/\/scjg\.shifan\.gov\.example\/" rel="external">scjg\.shifan\.gov\.example<\/a>/,
      );
      const { total } = await catalogue.listServices({ department: 'SJ', limit: 1 });
      assert.ok(total > 0);
      assert.match(html, new RegExp(`市市场监督管理局负责的服务，共 ${total} 项`));
      for (const topic of await catalogue.listTopics()) {
        const { items, total: inTopic } = await catalogue.listServices({
          department: 'SJ',
          topic: topic.code,
          limit: 6,
        });
        const heading = `<h3 id="topic-${topic.code}">${escaped(topic.name.zh)} <span class="topic-group__count">`;
        assert.equal(html.includes(heading), items.length > 0, topic.code);
        if (items.length > 0)
          assertInOrder(html, [heading, ...items.map((s) => cardLink(s, 'zh'))], topic.code);
        // Six a topic; the rest are on the topic's page filtered by the department.
        assert.equal(html.includes(`href="/topics/${topic.code}?department=SJ"`), inTopic > 6, topic.code);
      }
      assert.doesNotMatch(
        html,
        /<li class="service-meta__item">市市场监督管理局<\/li>/,
        'no card repeats the name',
      );
      assert.equal((await get('/departments/sj')).statusCode, 200, 'codes are not case sensitive');
      const en = main(await get('/departments/SJ?lang=en'));
      assert.match(en, /<h1>Market Regulation Administration<\/h1>/);
      assert.match(en, new RegExp(`${total} services of the Market Regulation Administration`));

      // A department without a site says so.
      assert.match(main(await get('/departments/GA')), /<dd class="summary-list__value">暂无<\/dd>/);

      const directory = await get('/departments');
      for (const d of await organisations.listDepartments())
        assert.match(
          directory.body,
          new RegExp(
            `<a href="/departments/${d.code}">${d.code}<span class="visually-hidden"> ${pattern(d.name['zh-CN'])}</span></a>`,
          ),
        );
    });

    it('answers an unknown or malformed department code with the translated 404 page', async () => {
      for (const url of ['/departments/ZZ', '/departments/TOOLONGX', '/departments/S1']) {
        const res = await get(url);
        assert.equal(res.statusCode, 404, url);
        assert.match(main(res), /找不到该页面/);
      }
      assert.match(main(await get('/departments/ZZ?lang=en')), /Page not found/);
    });
  });
});
