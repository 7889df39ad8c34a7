import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count, eq } from 'drizzle-orm';
import { ENGINES } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import { auditHead } from '../../kernel/audit/audit.tables.ts';
import type { Db } from '../../kernel/db/database.ts';
import {
  catalogueItems,
  catalogueItemVersions,
  catalogueLifeEvents,
  cataloguePublished,
  catalogueTopics,
} from './db/catalogue.tables.ts';
import { generateItems } from './domain/generate.ts';
import { exportCatalogue, type ImportOptions, importCatalogueInto } from './import.service.ts';

const DEPARTMENTS = new Set(['SJ', 'GA', 'RS']);
const SYSTEM = { kind: 'system' as const, id: 'test-import' };
const TOPICS = [
  { code: 'business-start', name: { zh: '开办企业', en: 'Starting a business' } },
  { code: 'identity-documents', name: { zh: '证件办理', en: 'Identity documents' } },
];

function catalogueFile(items: unknown[], extra: Record<string, unknown> = {}) {
  return `${JSON.stringify({ format: 'yiwang-catalogue', version: 1, topics: TOPICS, items, ...extra }, null, 2)}\n`;
}

/** The line each item of a pretty-printed file starts on (each item opens with `    {` after `"items": [`). */
function itemLines(text: string): number[] {
  const lines = text.split('\n');
  const start = lines.indexOf('  "items": [');
  return lines.map((line, index) => (index > start && line === '    {' ? index + 1 : 0)).filter((n) => n > 0);
}

async function tableCounts(db: Db) {
  const one = async (
    table:
      | typeof catalogueItems
      | typeof catalogueItemVersions
      | typeof cataloguePublished
      | typeof catalogueTopics
      | typeof catalogueLifeEvents,
  ) => (await db.select({ n: count() }).from(table))[0]?.n ?? 0;
  const [head] = await db.select().from(auditHead);
  return {
    items: await one(catalogueItems),
    versions: await one(catalogueItemVersions),
    published: await one(cataloguePublished),
    topics: await one(catalogueTopics),
    lifeEvents: await one(catalogueLifeEvents),
    auditHead: head,
  };
}

for (const engine of ENGINES) {
  describe(`catalogue import and export (${engine.name})`, () => {
    async function withPlatform(
      t: { skip(message: string): void },
      body: (
        db: Db,
        run: (text: string, options?: Partial<ImportOptions>) => ReturnType<typeof importCatalogueInto>,
      ) => Promise<void>,
    ) {
      const opened = await engine.open();
      if (!opened) return t.skip('PostgreSQL not reachable');
      const platform = await startTestPlatform({ database: opened.database, seedDemo: false });
      try {
        const { db, audit } = platform.kernel;
        await body(db, (text, options = {}) =>
          db.transaction((tx) =>
            importCatalogueInto(tx, audit, DEPARTMENTS, text, {
              format: 'json',
              locale: 'en',
              actor: SYSTEM,
              ...options,
            }),
          ),
        );
      } finally {
        await platform.close();
        await opened.drop();
      }
    }

    it('rejects a file with bad rows, naming each line and reason, and changes nothing', async (t) => {
      await withPlatform(t, async (db, run) => {
        const good = generateItems(3, ['SJ', 'GA', 'RS'], ['business-start']);
        await run(catalogueFile(good));
        const before = await tableCounts(db);
        const [first, second, third] = generateItems(3, ['SJ', 'GA', 'RS'], ['business-start']).map(
          (item, i) => ({
            ...item,
            code: `${item.department}-${6000 + i}`,
          }),
        );
        const bad = [
          first,
          { ...second, code: 'GA-12' }, // not <DEPT>-<4 digits>
          { ...third, department: 'XX', code: 'XX-6002' }, // no such department
          { ...first, code: 'SJ-6003', promisedDays: 30, statutoryDays: 20 }, // promised longer than the law
          { ...first, code: 'SJ-6004', name: { zh: '测试', en: '' } }, // English missing
          { ...first, code: 'SJ-6005', topics: ['no-such-topic'] },
        ];
        const text = catalogueFile(bad);
        const lines = itemLines(text);
        const report = await run(text);
        assert.equal(report.imported, false);
        assert.equal(report.items.rejected, 5);
        const byLine = (line: number | undefined) => report.problems.filter((p) => p.line === line);
        assert.deepEqual(
          byLine(lines[1]).map((p) => [p.field, p.message]),
          [['code', 'A service code is the department code, a hyphen and 4 digits, for example SJ-0101.']],
        );
        assert.deepEqual(
          byLine(lines[2]).map((p) => [p.code, p.field, p.message]),
          [['XX-6002', 'department', 'There is no department with the code XX.']],
        );
        assert.deepEqual(
          byLine(lines[3]).map((p) => [p.field, p.message]),
          [['promisedDays', 'The promised time limit cannot be longer than the statutory one.']],
        );
        assert.deepEqual(
          byLine(lines[4]).map((p) => [p.field, p.message]),
          [['name.en', 'Give the text in English.']],
        );
        assert.deepEqual(
          byLine(lines[5]).map((p) => [p.field, p.message]),
          [['topics', 'There is no topic with the code no-such-topic.']],
        );
        assert.equal(byLine(lines[0]).length, 0, 'the good row has no problem');
        assert.deepEqual(await tableCounts(db), before, 'nothing changed, not even the audit log');

        // The same problems in Chinese for a Chinese-speaking steward.
        const zh = await run(text, { locale: 'zh-CN' });
        assert.ok(zh.problems.some((p) => p.message === '没有代码为 XX 的部门。'));
        assert.ok(zh.problems.some((p) => p.message === '承诺时限不能长于法定时限。'));

        // With --partial the good row goes in and the report still lists every bad one.
        const partial = await run(text, { partial: true });
        assert.equal(partial.imported, true);
        assert.equal(partial.items.created, 1);
        assert.equal(partial.problems.length, report.problems.length);
        const [row] = await db
          .select()
          .from(cataloguePublished)
          .where(eq(cataloguePublished.code, first?.code ?? ''));
        assert.ok(row, 'the good row is published');
      });
    });

    it('creates, leaves unchanged and versions items, and refuses what is not a catalogue file', async (t) => {
      await withPlatform(t, async (db, run) => {
        const items = generateItems(30, ['SJ', 'GA', 'RS'], ['business-start', 'identity-documents']);
        const first = await run(catalogueFile(items));
        assert.deepEqual(first.items, { created: 30, updated: 0, unchanged: 0, rejected: 0 });
        const again = await run(catalogueFile(items));
        assert.deepEqual(again.items, { created: 0, updated: 0, unchanged: 30, rejected: 0 });
        const changed = items.map((item, i) => (i === 4 ? { ...item, promisedDays: 1 } : item));
        const third = await run(catalogueFile(changed));
        assert.deepEqual(third.items, { created: 0, updated: 1, unchanged: 29, rejected: 0 });
        const code = items[4]?.code ?? '';
        const [item] = await db.select().from(catalogueItems).where(eq(catalogueItems.code, code));
        const versions = await db
          .select({ number: catalogueItemVersions.number, state: catalogueItemVersions.state })
          .from(catalogueItemVersions)
          .where(eq(catalogueItemVersions.itemId, item?.id ?? ''))
          .orderBy(catalogueItemVersions.number);
        assert.deepEqual(versions, [
          { number: 1, state: 'superseded' },
          { number: 2, state: 'published' },
        ]);

        const before = await tableCounts(db);
        const notJson = await run('{"format": "yiwang-catalogue", ');
        assert.equal(notJson.imported, false);
        assert.match(notJson.problems[0]?.message ?? '', /not valid JSON/);
        const notCatalogue = await run('{"items": []}');
        assert.match(notCatalogue.problems[0]?.message ?? '', /not a Yiwang catalogue file/);
        assert.deepEqual(await tableCounts(db), before);
      });
    });

    it('exports CSV that imports back to the same catalogue, and names the line of a bad CSV row', async (t) => {
      await withPlatform(t, async (db, run) => {
        const items = generateItems(12, ['SJ', 'GA', 'RS'], ['business-start']);
        // A multi-line cell: the line numbers after it must still be right.
        const first = items[0];
        if (first) first.description = { zh: '第一行\n第二行', en: 'line one\nline two' };
        await run(catalogueFile(items));
        const csv = await exportCatalogue(db, 'csv');
        const json = JSON.parse(await exportCatalogue(db, 'json')) as { items: unknown[] };
        assert.equal(json.items.length, 12);
        const unchanged = await run(csv, { format: 'csv' });
        assert.deepEqual(unchanged.items, { created: 0, updated: 0, unchanged: 12, rejected: 0 });

        const rows = csv.trimEnd().split('\n');
        // Break the statutory days of the item whose row comes after the two-line cell.
        const target = rows.findIndex((row, i) => i > 0 && row.startsWith(items[1]?.code ?? '?'));
        assert.ok(target > 0);
        rows[target] = (rows[target] ?? '').replace(/,20,/, ',twenty,');
        const report = await run(`${rows.join('\n')}\n`, { format: 'csv' });
        assert.equal(report.imported, false);
        assert.deepEqual(
          report.problems.map((p) => [p.line, p.code, p.field]),
          [[target + 1, items[1]?.code, 'statutoryDays']],
        );
      });
    });
  });
}
