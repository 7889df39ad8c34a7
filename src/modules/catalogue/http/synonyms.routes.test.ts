import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { eq } from 'drizzle-orm';
import type { FastifyInstance, LightMyRequestResponse } from 'fastify';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { auditRecords } from '../../../kernel/audit/audit.tables.ts';
import type { CatalogueModule } from '../index.ts';
import { parseSynonyms } from '../synonyms.service.ts';

// The search synonyms are "a small editable table" (issue 4): the platform administrator edits them as text, one
// group a line; search uses the new groups at once; bad lines are named and nothing changes.

const main = (res: LightMyRequestResponse) => /<main[\s\S]*<\/main>/.exec(res.body)?.[0] ?? '';
const textarea = (res: LightMyRequestResponse) =>
  (/<textarea[^>]*name="synonyms"[^>]*>([\s\S]*?)<\/textarea>/.exec(res.body)?.[1] ?? '')
    .replace(/&amp;/g, '&')
    .replace(/&#x27;|&#39;/g, "'");

describe('search synonyms, edited by the platform administrator', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let catalogue: CatalogueModule;
  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    catalogue = platform.contracts.catalogue as CatalogueModule;
  });
  after(() => platform.close());

  it('reads one group a line, words split by commas of either width, and names every bad line', () => {
    const { groups, problems } = parseSynonyms(
      '营业执照, 执照，business licence\n\n开餐馆、开饭店\n只有一个\n',
      'en',
    );
    assert.deepEqual(groups, [
      ['营业执照', '执照', 'business licence'],
      ['开餐馆', '开饭店'],
    ]);
    assert.deepEqual(
      problems.map((p) => p.message),
      ['line 4: A group needs 2 to 20 different words.'],
    );
    const zh = parseSynonyms(`a, ${'长'.repeat(41)}`, 'zh-CN');
    assert.deepEqual(
      zh.problems.map((p) => p.message),
      ['第 1 行: 每个词不超过 40 个字。'],
    );
  });

  it('lets the administrator replace the groups, which search uses at once; refuses bad lines and other staff', async () => {
    const [admin, clerk] = await Promise.all([
      signInStaff(app, 'machao', '198.51.100.71'),
      signInStaff(app, 'liuyang', '198.51.100.72'),
    ]);
    assert.equal((await clerk.get('/admin/catalogue/synonyms')).statusCode, 403);

    const page = await admin.get('/admin/catalogue/synonyms?lang=en');
    assert.equal(page.statusCode, 200);
    const text = textarea(page);
    assert.match(text, /营业执照, 执照/, 'the demo groups, one a line');
    // Before: 办证大厅 is nobody's synonym, so it finds nothing.
    assert.equal((await catalogue.search({ q: '办证大厅' })).total, 0);

    const bad = await admin.post('/admin/catalogue/synonyms?lang=en', {
      synonyms: `${text}\n只有一个`,
      _csrf: admin.token(page.body),
    });
    assert.equal(bad.statusCode, 400);
    assert.match(main(bad), /line \d+: A group needs 2 to 20 different words\./);
    assert.equal(textarea(bad), `${text}\n只有一个`, 'what was typed is kept');
    assert.equal((await catalogue.search({ q: '办证大厅' })).total, 0, 'nothing changed');

    const saved = await admin.post('/admin/catalogue/synonyms?lang=en', {
      synonyms: `${text}\n办证大厅, 政务服务中心`,
      _csrf: admin.token(page.body),
    });
    assert.equal(saved.statusCode, 303);
    const after = await admin.get(saved.headers.location ?? '');
    assert.match(main(after), /synonym groups saved/);
    assert.ok((await catalogue.search({ q: '办证大厅' })).total > 0, 'search uses the new group at once');

    const refused = await clerk.post('/admin/catalogue/synonyms', {
      synonyms: 'a, b',
      _csrf: await clerk.csrfFrom('/account'),
    });
    assert.equal(refused.statusCode, 403);
    const records = await platform.kernel.db
      .select({ outcome: auditRecords.outcome })
      .from(auditRecords)
      .where(eq(auditRecords.action, 'catalogue.synonym.replaced'));
    assert.deepEqual(records.map((r) => r.outcome).sort(), ['denied', 'success']);
  });
});
