import assert from 'node:assert/strict';
import { readFileSync } from 'node:fs';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { ENGINES } from '../../../../test/support/environment.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import type { Platform } from '../../../app.ts';
import type { Actor } from '../../../kernel/authz/authz.ts';
import type { OrganisationsContract } from '../../organisations/index.ts';
import { cataloguePublished } from '../db/catalogue.tables.ts';
import type { ServiceItemInput } from '../domain/catalogue-file.ts';
import { generateItems } from '../domain/generate.ts';
import { type CatalogueModule, DEMO_CATALOGUE_FILE } from '../index.ts';
import { formatYuan } from './guide.presenters.ts';

const demo = JSON.parse(readFileSync(DEMO_CATALOGUE_FILE, 'utf8')) as { items: ServiceItemInput[] };
const demoItem = (predicate: (item: ServiceItemInput) => boolean, what: string): ServiceItemInput => {
  const item = demo.items.find(predicate);
  assert.ok(item, `the demo catalogue has ${what}`);
  return item;
};

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const decode = (html: string) =>
  html
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&quot;/g, '"')
    .replace(/&#39;/g, "'")
    .replace(/&amp;/g, '&');
/** What a reader sees of some HTML: tags dropped, entities decoded, white space collapsed. */
const text = (html: string) =>
  decode(html.replace(/<[^>]+>/g, ' '))
    .replace(/\s+/g, ' ')
    .trim();
/** The names of the search results, in order, as a reader sees them (the <mark>s taken out). */
const resultNames = (res: LightMyRequestResponse) =>
  [
    ...main(res).matchAll(/<h3 class="search-result__title"><a href="\/services\/([^"]+)">([\s\S]*?)<\/a>/g),
  ].map((m) => ({ code: m[1] as string, name: decode((m[2] as string).replace(/<\/?mark>/g, '')) }));

/** Queries people type, and the service (by its name in the demo catalogue) they must find among the first three. */
const SEARCH_CASES: { q: string; lang?: 'en'; expected: RegExp }[] = [
  { q: '营业执照', expected: /^企业设立登记（营业执照）$/ },
  { q: '公积金提取', expected: /^住房公积金提取（/ },
  { q: '身份证', expected: /^居民身份证/ },
  { q: '新生儿', expected: /^出生登记（新生儿入户）$/ },
  { q: '退休', expected: /^职工退休审批及基本养老金申领$/ },
  { q: 'business licence', lang: 'en', expected: /^Business licence for a new company$/ },
  { q: 'provident fund withdrawal', lang: 'en', expected: /^Withdrawal of housing provident fund/ },
  // Misspelt: a wrong character, a missing letter.
  { q: '营业职照', expected: /^企业设立登记（营业执照）$/ },
  { q: 'busines licence', lang: 'en', expected: /^Business licence for a new company$/ },
];

/** The names of the first three results for `q` on the search page. */
async function firstThree(app: FastifyInstance, q: string, lang?: string): Promise<string[]> {
  const res = await app.inject({
    method: 'GET',
    url: encodeURI(`/search?q=${q}${lang ? `&lang=${lang}` : ''}`),
  });
  assert.equal(res.statusCode, 200);
  return resultNames(res)
    .slice(0, 3)
    .map((r) => r.name);
}

const staff = (accountId: string, role: string, departmentCode: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
const client = { clientAddress: '192.0.2.9', userAgent: 'test', requestId: 'req_catalogue_pages' };

describe('catalogue pages: the service guide and search', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let catalogue: CatalogueModule;
  let organisations: OrganisationsContract;
  const get = (url: string) => app.inject({ method: 'GET', url: encodeURI(url) });

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    catalogue = platform.contracts.catalogue as CatalogueModule;
    organisations = platform.contracts.organisations as OrganisationsContract;
  });
  after(() => platform.close());

  describe('the service guide', () => {
    it('shows everything to prepare in Chinese: materials, shared data, department, counters with phones, time limits, fees', async () => {
      const item = demoItem(
        (i) =>
          i.materials.some((m) => m.replaceableBy?.dataElement) &&
          i.counters.length > 0 &&
          i.coDepartments.length > 0 &&
          i.faq.length > 0 &&
          i.related.length > 0,
        'a full guide',
      );
      const res = await get(`/services/${item.code}`);
      assert.equal(res.statusCode, 200);
      assert.match(res.body, /<html lang="zh-CN"/);
      const html = main(res);
      const seen = text(html);
      assert.equal(html.match(/<h1/g)?.length, 1, 'one h1');
      assert.match(html, new RegExp(`<h1>${item.name.zh.replace(/[()（）]/g, '.')}</h1>`));
      assert.match(res.body, /<nav class="breadcrumbs"[\s\S]*href="\/search"[\s\S]*aria-current="page"/);
      for (const material of item.materials) assert.ok(seen.includes(material.name.zh), material.name.zh);
      assert.ok(seen.includes('不用带：政府部门已掌握这项信息。'), 'shared data replaces a material');
      const department = await organisations.findDepartment(item.department);
      assert.ok(department);
      assert.match(
        html,
        new RegExp(`<a href="/departments/${item.department}">${department.name['zh-CN']}</a>`),
      );
      for (const co of item.coDepartments) assert.match(html, new RegExp(`<a href="/departments/${co}">`));
      for (const counter of item.counters) {
        assert.match(html, new RegExp(`<a href="tel:${counter.phone}">${counter.phone}</a>`));
        assert.ok(seen.includes(counter.address.zh) && seen.includes(counter.hours.zh), counter.name.zh);
      }
      assert.ok(seen.includes(`${item.promisedDays === 0 ? '即办' : `${item.promisedDays} 个工作日`}`));
      for (const entry of item.faq)
        assert.ok(seen.includes(entry.q.zh) && seen.includes(entry.a.zh.split('\n')[0] as string));
      for (const basis of item.legalBasis) assert.ok(seen.includes(basis.zh), basis.zh);
      for (const code of item.related) assert.match(html, new RegExp(`href="/services/${code}"`));
      assert.match(html, /href="tel:12345"/, 'the hotline');
      assert.ok(seen.includes('收费标准'));
      if (item.fees.every((f) => f.amountFen === 0)) assert.ok(seen.includes('免费'));
    });

    it('shows fees in yuan, electronic licences in place of paper, and reads in English', async () => {
      const paid = demoItem(
        (i) =>
          i.fees.some((f) => f.amountFen > 0 && f.amountFen % 100 !== 0) ||
          i.fees.some((f) => f.amountFen >= 1000),
        'a paid service',
      );
      const fee = paid.fees.find((f) => f.amountFen > 0) as ServiceItemInput['fees'][number];
      const zh = text(main(await get(`/services/${paid.code}`)));
      assert.ok(zh.includes(`${formatYuan(fee.amountFen)} 元`), `${fee.amountFen} fen in yuan`);
      const en = await get(`/services/${paid.code}?lang=en`);
      assert.equal(en.statusCode, 200);
      assert.match(en.body, /<html lang="en"/);
      const seen = text(main(en));
      assert.ok(seen.includes(paid.name.en));
      assert.ok(seen.includes(`CNY ${formatYuan(fee.amountFen)}`), 'the fee in English');
      assert.ok(seen.includes(fee.basis.en));
      for (const material of paid.materials) assert.ok(seen.includes(material.name.en), material.name.en);
      assert.doesNotMatch(seen, /[\u4e00-\u9fff]{4}/, 'no Chinese sentences on the English page');
      for (const counter of paid.counters) assert.match(main(en), new RegExp(`href="tel:${counter.phone}"`));
      const name = (await organisations.findDepartment(paid.department))?.name.en;
      assert.ok(name && seen.includes(name), 'the department in English');

      const licensed = demoItem(
        (i) => i.materials.some((m) => m.replaceableBy?.certificateType),
        'a material replaced by a licence',
      );
      const material = licensed.materials.find(
        (m) => m.replaceableBy?.certificateType,
      ) as ServiceItemInput['materials'][number];
      assert.ok(
        text(main(await get(`/services/${licensed.code}`))).includes(
          `不用带：将调用您的电子证照“${material.name.zh}”。`,
        ),
      );
      assert.ok(
        text(main(await get(`/services/${licensed.code}?lang=en`))).includes(
          `No need to bring it: your electronic licence “${material.name.en}” is used.`,
        ),
      );
      const free = demoItem((i) => i.fees.length === 0, 'a free service');
      assert.ok(text(main(await get(`/services/${free.code}?lang=en`))).includes('Free of charge'));
    });

    it('answers an unknown, malformed, draft or withdrawn code with a translated 404 that offers search and the hotline', async () => {
      const [draft] = generateItems(1, ['SJ'], ['business-start']);
      assert.ok(draft);
      await catalogue.editing.createItem(staff('acct_pages_clerk', 'clerk', 'SJ'), draft, 'not yet', {
        locale: 'en',
        client,
      });
      // Never viewed before, so no cached page stands in the way.
      const withdrawn = demoItem(
        (i) => i.department === 'SJ' && i.code.endsWith('7'),
        'an SJ service to withdraw',
      );
      await catalogue.editing.withdraw(
        staff('acct_pages_head', 'head', 'SJ'),
        withdrawn.code,
        'merged',
        client,
      );
      for (const code of ['XX-9999', 'not-a-code', draft.code, withdrawn.code]) {
        const res = await get(`/services/${code}`);
        assert.equal(res.statusCode, 404, code);
        const html = main(res);
        assert.match(html, /<h1>找不到这项服务<\/h1>/);
        assert.match(html, /<form method="get" action="\/search">/);
        assert.match(html, /href="tel:12345"/);
        assert.equal(res.headers['x-cache'], 'MISS', 'asked every time');
      }
      const en = await get('/services/XX-9999?lang=en');
      assert.equal(en.statusCode, 404);
      assert.match(main(en), /<h1>Service not found<\/h1>/);
      assert.match(main(en), /There is no service with the code XX-9999/);
      const hostile = await get('/services/<script>alert(1)<%2Fscript>');
      assert.equal(hostile.statusCode, 404);
      assert.doesNotMatch(hostile.body, /<script>alert/);
    });

    it('sends a lower-case code to the one address of the guide, keeping the language', async () => {
      const res = await get('/services/sj-0101?lang=en');
      assert.equal(res.statusCode, 301);
      assert.equal(res.headers.location, '/services/SJ-0101?lang=en');
    });

    it('serves the print button’s script, and says how to print without it', async () => {
      const html = main(await get('/services/SJ-0101'));
      const src = /<script src="(\/static\/catalogue-print-[0-9a-f]{12}\.js)" defer/.exec(html)?.[1];
      assert.ok(src, 'the script is referenced');
      assert.match(
        html,
        /<button type="button" class="button--secondary guide__print-button" data-print="true" hidden>/,
      );
      assert.ok(text(html).includes('Ctrl+P'));
      const script = await get(src);
      assert.equal(script.statusCode, 200);
      assert.match(String(script.headers['content-type']), /^text\/javascript/);
      assert.match(script.body, /window\.print\(\)/);
    });

    it('counts views, cached pages included, and the most viewed guide becomes the most popular service', async () => {
      const code = 'MZ-0402';
      const views = async () =>
        (
          await platform.kernel.db
            .select({ views: cataloguePublished.views })
            .from(cataloguePublished)
            .where(eq(cataloguePublished.code, code))
        )[0]?.views;
      await catalogue.flushViews();
      const before = (await views()) ?? 0;
      const caches: unknown[] = [];
      for (let i = 0; i < 8; i++) caches.push((await get(`/services/${code}`)).headers['x-cache']);
      assert.deepEqual(caches.slice(0, 2), ['MISS', 'HIT'], 'the page cache answers the repeats');
      await get('/services/mz-0402'); // a redirect is not a view
      await get('/services/XX-9999'); // nor is a 404
      await catalogue.flushViews();
      assert.equal(await views(), before + 8);
      // The demo city's ten most visited services come first; with 8 views it is next, before the never viewed.
      assert.equal((await catalogue.popularServices(11))[10]?.code, code);
    });
  });

  describe('search', () => {
    for (const { q, lang, expected } of SEARCH_CASES) {
      it(`finds ${expected} among the first three for “${q}”`, async () => {
        const names = await firstThree(app, q, lang);
        assert.ok(
          names.some((name) => expected.test(name)),
          `first three for “${q}”: ${names.join(' / ')}`,
        );
      });
    }

    it('marks the matching words, counts the results, and puts the count in the title', async () => {
      const res = await get('/search?q=营业执照');
      const html = main(res);
      assert.match(html, /<mark>营业执照<\/mark>/);
      const count = /<p class="search-results__count" role="status">找到 (\d+) 项服务/.exec(html);
      assert.ok(count, 'the count is announced');
      assert.match(res.body, new RegExp(`<title>“营业执照”的搜索结果：找到 ${count[1]} 项服务 - `));
      assert.match(html, /<input id="q" name="q" type="search" value="营业执照"/);
      assert.match(html, /负责部门：市市场监督管理局/, 'the department by name');
      assert.equal(html.match(/<h1/g)?.length, 1);
    });

    it('never injects what was typed as HTML', async () => {
      const res = await get('/search?q=<b>营业执照</b><img src=x onerror=alert(1)>');
      assert.equal(res.statusCode, 200);
      assert.doesNotMatch(res.body, /<b>|<img/);
      assert.match(
        main(res),
        /value="&lt;b>营业执照&lt;\/b>&lt;img src=x onerror=alert\(1\)>"|value="&lt;b&gt;/,
      );
    });

    it('filters by audience and by department, keeping the choices in the form', async () => {
      const business = await get('/search?q=登记&audience=business');
      const byCode = new Map(demo.items.map((i) => [i.code, i]));
      const codes = resultNames(business).map((r) => r.code);
      assert.ok(codes.length > 0);
      for (const code of codes) assert.ok(byCode.get(code)?.audiences.includes('business'), code);
      assert.match(
        main(business),
        /<input type="radio" id="audience-2" name="audience" value="business" checked\/>/,
      );
      const gjj = await get('/search?q=提取&department=GJJ');
      const gjjCodes = resultNames(gjj).map((r) => r.code);
      assert.ok(gjjCodes.length > 0);
      for (const code of gjjCodes) assert.match(code, /^GJJ-/);
      assert.match(main(gjj), /<option value="GJJ" selected>市住房公积金管理中心<\/option>/);
      // An unknown filter is ignored rather than refused.
      assert.equal((await get('/search?q=提取&department=NOPE&audience=aliens')).statusCode, 200);
    });

    it('pages twenty results at a time, keeping the query and filters in the links', async () => {
      const first = await get('/search?q=身份证');
      assert.equal(resultNames(first).length, 20);
      const second = await get('/search?q=身份证&page=2');
      const html = main(second);
      assert.match(html, /<ol class="search-results__list" start="21">/);
      assert.match(html, /<a href="\/search\?q=%E8%BA%AB%E4%BB%BD%E8%AF%81" rel="prev">上一页<\/a>/);
      assert.match(html, /aria-label="第 2 页" aria-current="page"/);
      assert.match(html, /找到 \d+ 项服务，这是第 21–40 项/);
      assert.notDeepEqual(
        resultNames(first).map((r) => r.code),
        resultNames(second).map((r) => r.code),
      );
      const beyond = await get('/search?q=身份证&page=400');
      assert.equal(beyond.statusCode, 200);
      assert.match(main(beyond), /这一页没有结果。/);
      assert.match(main(beyond), /<a href="\/search\?q=%E8%BA%AB%E4%BB%BD%E8%AF%81">回到第 1 页<\/a>/);
    });

    it('offers the corrected spelling', async () => {
      const res = await get('/search?q=busines licence&lang=en');
      assert.match(main(res), /Did you mean: <a href="\/search\?q=business\+licence">business licence<\/a>/);
    });

    it('suggests popular services, the hotline and the counter when nothing is found, in both languages', async () => {
      const zh = await get('/search?q=xyzzy 火星移民');
      assert.equal(zh.statusCode, 200);
      const html = main(zh);
      assert.match(html, /没有找到与“xyzzy 火星移民”有关的服务/);
      assert.match(html, /大家常办的服务/);
      assert.ok((html.match(/class="card__link" href="\/services\/[A-Z]+-\d{4}"/g)?.length ?? 0) >= 3);
      assert.match(html, /href="tel:12345"/);
      assert.match(html, /人民路 1 号/);
      const en = await get('/search?q=xyzzy&lang=en&audience=business');
      const enHtml = main(en);
      assert.match(enHtml, /No services found for “xyzzy”/);
      assert.match(enHtml, /Call the 12345 public service hotline/);
      assert.match(enHtml, /<a href="\/search\?q=xyzzy">remove the filters/);
    });

    it('shows the form alone for an empty query', async () => {
      const res = await get('/search?q=   ');
      assert.equal(res.statusCode, 200);
      const html = main(res);
      assert.match(html, /<form method="get" action="\/search">/);
      assert.doesNotMatch(html, /search-results/);
      assert.match(html, /<h1>查找服务<\/h1>/);
    });

    it('refuses a query over 100 characters with a translated 400 and the form, searching nothing', async () => {
      const original = catalogue.search;
      let searched = 0;
      catalogue.search = (query) => {
        searched++;
        return original(query);
      };
      try {
        const long = '营'.repeat(101);
        const res = await get(`/search?q=${long}`);
        assert.equal(res.statusCode, 400);
        const html = main(res);
        assert.match(html, /<div class="error-summary"[\s\S]*<a href="#q">搜索内容不能超过 100 个字/);
        assert.match(html, /aria-invalid="true"/);
        assert.doesNotMatch(html, /search-results/);
        const en = await get(`/search?q=${'a'.repeat(101)}&lang=en`);
        assert.equal(en.statusCode, 400);
        assert.match(main(en), /Enter no more than 100 characters/);
        assert.equal(searched, 0, 'nothing was searched');
        assert.equal((await get(`/search?q=${'营'.repeat(100)}`)).statusCode, 200, '100 is allowed');
        assert.equal(searched, 1);
      } finally {
        catalogue.search = original;
      }
    });

    it('caches each query, filter and page apart, and ignores other parameters', async () => {
      const a = await get('/search?q=结婚&page=1');
      const b = await get('/search?q=结婚&page=1&utm=x');
      assert.equal(b.headers['x-cache'], 'HIT');
      assert.equal(main(a), main(b));
      for (const url of [
        '/search?q=离婚',
        '/search?q=结婚&audience=citizen',
        '/search?q=结婚&department=MZ',
        '/search?q=结婚&page=2',
      ])
        assert.equal((await get(url)).headers['x-cache'], 'MISS', url);
    });
  });
});

// The same search and guide on PostgreSQL (production), where the text search configuration and collation are the
// server's own rather than PGlite's.
describe('catalogue pages on PostgreSQL', () => {
  let platform: Platform | undefined;
  let opened: Awaited<ReturnType<(typeof ENGINES)[number]['open']>>;
  before(async () => {
    opened = await ENGINES.find((e) => e.name === 'PostgreSQL')?.open();
    if (opened) platform = await startTestPlatform({ database: opened.database });
  });
  after(async () => {
    await platform?.close();
    await opened?.drop();
  });

  it('finds what people search for among the first three, and shows the guide', async (t) => {
    if (!platform) return t.skip('PostgreSQL not reachable');
    const app = platform.app as FastifyInstance;
    const failures: string[] = [];
    for (const { q, lang, expected } of SEARCH_CASES) {
      const names = await firstThree(app, q, lang);
      if (!names.some((name) => expected.test(name))) failures.push(`“${q}”: ${names.join(' / ')}`);
    }
    assert.deepEqual(failures, [], 'queries whose service is not among the first three');
    const guide = await app.inject({ method: 'GET', url: '/services/SJ-0101?lang=en' });
    assert.equal(guide.statusCode, 200);
    assert.match(main(guide), /<h1>Business licence for a new company<\/h1>/);
    const catalogue = platform.contracts.catalogue as CatalogueModule;
    for (let i = 0; i < 3; i++) await app.inject({ method: 'GET', url: '/services/WJ-0112' });
    await catalogue.flushViews();
    assert.equal((await catalogue.popularServices(11))[10]?.code, 'WJ-0112');
  });
});
