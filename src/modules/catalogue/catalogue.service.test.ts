import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq, sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { queryRows } from '../../kernel/db/database.ts';
import { cataloguePublished } from './db/catalogue.tables.ts';
import { AUDIENCES, type ServiceItemInput } from './domain/catalogue-file.ts';
import type { CatalogueModule } from './index.ts';
import { publishVersions, withdrawItem } from './publication.ts';

/** Real queries people type, and the demo catalogue's service that must come among the first three results. */
const QUERIES: [string, string][] = [
  ['营业执照', 'SJ-0101'],
  ['公积金提取', 'GJJ-0103'],
  ['身份证', 'GA-0101'],
  ['新生儿', 'GA-0201'],
  ['退休', 'RS-0201'],
  ['business licence', 'SJ-0101'],
  ['provident fund withdrawal', 'GJJ-0103'],
  ['ID card', 'GA-0101'],
  ['newborn', 'GA-0201'],
  ['retirement', 'RS-0201'],
  // Words people use that the names do not contain, through synonyms and keywords.
  ['开餐馆', 'ZWFW-0101'],
  ['怎么办理身份证', 'GA-0101'],
  ['business license', 'SJ-0101'],
];

/** Misspelt titles: one wrong character, letters dropped or swapped. */
const MISSPELT: [string, string][] = [
  ['营业职照', 'SJ-0101'],
  ['公基金提取', 'GJJ-0103'],
  ['busines licence', 'SJ-0101'],
  ['provdent fund withdrawl', 'GJJ-0103'],
];

for (const engine of ENGINES) {
  describe(`catalogue search on the demo catalogue (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let catalogue: CatalogueModule;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      catalogue = platform.contracts.catalogue as CatalogueModule;
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    it('finds the right service among the first three for real queries in Chinese and English', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      for (const [q, code] of QUERIES) {
        const result = await catalogue.search({ q });
        const top = result.hits.slice(0, 3).map((h) => h.code);
        assert.ok(top.includes(code), `${q}: expected ${code} in ${top.join(', ')}`);
        assert.equal(result.fuzzy, false, `${q} matches precisely`);
      }
    });

    it('still finds a misspelt title, and says what it corrected', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      for (const [q, code] of MISSPELT) {
        const result = await catalogue.search({ q });
        const top = result.hits.slice(0, 3).map((h) => h.code);
        assert.ok(top.includes(code), `${q}: expected ${code} in ${top.join(', ')}`);
      }
      assert.equal((await catalogue.search({ q: 'provdent fund' })).correctedQuery, 'provident fund');
      assert.equal((await catalogue.search({ q: 'busines licence' })).correctedQuery, 'business licence');
    });

    it('marks the matching words, filters by audience and department, and goes straight to a code', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const result = await catalogue.search({ q: '营业执照' });
      const first = result.hits.find((h) => h.code === 'SJ-0101');
      assert.ok(first?.highlighted.name.zh.some((piece) => piece.match && piece.text === '营业执照'));
      assert.equal(
        first?.highlighted.name.zh.map((p) => p.text).join(''),
        first?.name.zh,
        'pieces rebuild the name',
      );

      const international = await catalogue.search({ q: '居留', audience: 'international' });
      assert.ok(international.total > 0);
      assert.ok(international.hits.every((h) => h.audiences.includes('international')));
      const gjj = await catalogue.search({ q: '提取', department: 'GJJ' });
      assert.ok(gjj.total > 0 && gjj.hits.every((h) => h.department === 'GJJ'));

      const byCode = await catalogue.search({ q: 'sj-0101' });
      assert.deepEqual(
        byCode.hits.map((h) => h.code),
        ['SJ-0101'],
      );
      const nothing = await catalogue.search({ q: '火星移民签证' });
      assert.equal(nothing.total, 0);
      const onlyStopWords = await catalogue.search({ q: '怎么 办理 how to' });
      assert.equal(onlyStopWords.total, 0);
      const syntax = await catalogue.search({ q: "身份证 & | ! ( ' :*" });
      assert.ok(
        syntax.hits.some((h) => h.code === 'GA-0101'),
        'query syntax characters are words, not operators',
      );
    });

    it('ranks a more viewed service first among equals, and lists popular services', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const before = await catalogue.search({ q: '公积金提取' });
      const last = before.hits.at(-1);
      assert.ok(last && before.hits.length > 1);
      for (let i = 0; i < 5000; i++) catalogue.countView(last.code);
      await catalogue.flushViews();
      const popular = await catalogue.popularServices(3);
      assert.equal(popular[0]?.code, last.code);
      const after = await catalogue.search({ q: '公积金提取' });
      const rankBefore = before.hits.findIndex((h) => h.code === last.code);
      const rankAfter = after.hits.findIndex((h) => h.code === last.code);
      assert.ok(rankAfter < rankBefore, `views lift ${last.code} from ${rankBefore} to ${rankAfter}`);
    });

    it('reads services, topics and life events as published', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const item = await catalogue.findService('sj-0101');
      assert.equal(item?.department, 'SJ');
      assert.equal(item?.version, 1);
      const topics = await catalogue.listTopics();
      assert.ok(topics.length >= 10);
      const events = await catalogue.listLifeEvents();
      assert.ok(events.length >= 10);
      const baby = await catalogue.findLifeEvent('having-a-baby');
      const codes = baby?.steps.flatMap((s) => s.services) ?? [];
      const { items } = await catalogue.listServices({ codes });
      assert.equal(items.length, new Set(codes).size, 'every step names a published service');
      assert.ok(new Set(items.map((i) => i.department)).size >= 3, 'a life event spans several departments');
      const forBusiness = await catalogue.listServices({ audience: 'business', limit: 500 });
      assert.ok(forBusiness.items.every((i) => i.audiences.includes('business')));
    });

    it('lists a topic (for an audience, of a department) as the published rows say, in order, counted once', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const { db } = platform.kernel;
      const truth = async (topic: string, audience?: string, department?: string) =>
        (
          await queryRows<{ code: string }>(
            db,
            sql`select code from catalogue_published where ${topic} = any(topics)
                ${audience ? sql`and ${audience} = any(audiences)` : sql``}
                ${department ? sql`and department_code = ${department}` : sql``}
                order by department_code, code`,
          )
        ).map((r) => r.code);
      let compared = 0;
      for (const topic of await catalogue.listTopics()) {
        for (const audience of [undefined, ...AUDIENCES]) {
          const expected = await truth(topic.code, audience);
          const listed = await catalogue.listServices({ topic: topic.code, audience, limit: 1000 });
          assert.deepEqual(
            listed.items.map((i) => i.code),
            expected,
            `${topic.code} ${audience ?? 'everyone'}`,
          );
          assert.equal(listed.total, expected.length);
          compared += expected.length;
        }
        const sj = await catalogue.listServices({ topic: topic.code, department: 'sj', limit: 1000 });
        assert.deepEqual(
          sj.items.map((i) => i.code),
          await truth(topic.code, undefined, 'SJ'),
        );
      }
      assert.ok(compared > 100, `${compared} listings compared`);
      // Paged: the second page starts where the first ended.
      const [first, second] = [
        await catalogue.listServices({ topic: 'business-operation', limit: 2 }),
        await catalogue.listServices({ topic: 'business-operation', limit: 2, offset: 2 }),
      ];
      assert.deepEqual(
        [...first.items, ...second.items].map((i) => i.code),
        (await truth('business-operation')).slice(0, 4),
      );
    });

    it('moves an item between topics when a new version is published, and drops it when withdrawn', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const { db } = platform.kernel;
      const [row] = await db.select().from(cataloguePublished).where(eq(cataloguePublished.code, 'SJ-0101'));
      assert.ok(row);
      const content = row.content as ServiceItemInput;
      const [from] = content.topics;
      assert.ok(from && from !== 'housing');
      const has = async (topic: string, audience?: 'citizen' | 'international') =>
        (await catalogue.listServices({ topic, audience, limit: 1000 })).items.some(
          (i) => i.code === 'SJ-0101',
        );
      assert.equal(await has(from), true);
      await db.transaction((tx) =>
        publishVersions(
          tx,
          [
            {
              itemId: row.itemId,
              versionId: row.versionId,
              versionNumber: row.versionNumber,
              content: { ...content, topics: ['housing'], audiences: ['citizen', 'business'] },
            },
          ],
          new Date(),
        ),
      );
      assert.deepEqual(
        [await has(from), await has('housing'), await has('housing', 'citizen')],
        [false, true, true],
      );
      assert.equal(await has('housing', 'international'), false);
      await db.transaction((tx) => withdrawItem(tx, row.itemId, 'SJ-0101', new Date()));
      assert.deepEqual([await has('housing'), await has('housing', 'citizen')], [false, false]);
    });
  });
}
