import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { desc, eq } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { FormClient } from '../../../../test/support/form-client.ts';
import { startTestPlatform } from '../../../../test/support/platform.ts';
import { signInStaff } from '../../../../test/support/staff-session.ts';
import type { Platform } from '../../../app.ts';
import { auditRecords } from '../../../kernel/audit/audit.tables.ts';
import { accessesToSubject, auditLogSize } from '../../../kernel/audit/audit.ts';

const PURPOSE = '核查 12345 投诉：谁查阅了投诉人的信息';

/** The page's address for a search; the language is explicit because a `?lang=` choice sticks in a cookie. */
const search = (params: Record<string, string>, lang = 'zh-CN') =>
  `/supervision/audit?${new URLSearchParams({ ...params, lang })}`;

describe('supervision: the auditor’s search of the audit log', () => {
  let platform: Platform;
  let app: FastifyInstance;
  let auditor: FormClient;
  const chainLength = async () => (await auditLogSize(platform.kernel.db)).records;
  const lastRecord = async () =>
    (await platform.kernel.db.select().from(auditRecords).orderBy(desc(auditRecords.seq)).limit(1))[0];

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    auditor = await signInStaff(app, 'linfeng', '198.51.100.40');
  });
  after(() => platform.close());

  it('sends an anonymous visitor to sign in', async () => {
    const res = await new FormClient(app, '198.51.100.41').get(search({ purpose: PURPOSE }));
    assert.equal(res.statusCode, 303);
    assert.equal(res.headers.location, '/sign-in');
  });

  it('shows the auditor the form alone, labelled, without searching or recording anything', async () => {
    const length = await chainLength();
    const res = await auditor.get('/supervision/audit?lang=zh-CN');
    assert.equal(res.statusCode, 200);
    assert.equal(res.headers['cache-control'], 'no-store');
    assert.match(res.body, /<h1>审计日志查询<\/h1>/);
    assert.match(res.body, /<form method="get" action="\/supervision\/audit"/);
    for (const id of [
      'purpose',
      'actorId',
      'action',
      'objectType',
      'objectId',
      'subjectId',
      'from',
      'to',
      'outcome',
    ])
      assert.match(res.body, new RegExp(`<label for="${id}">`), `${id} has a label`);
    assert.doesNotMatch(res.body, /<table/);
    assert.equal(await chainLength(), length);
    const en = await auditor.get('/supervision/audit?lang=en');
    assert.match(en.body, /Search the audit log/);
    assert.match(en.body, /Purpose of this search/);
  });

  it('finds the demo seed’s account records for a stated purpose, and records the search with it', async () => {
    const res = await auditor.get(
      search({ purpose: PURPOSE, action: 'identity.account.created', from: '', to: '', outcome: 'success' }),
    );
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<caption[^>]*>符合条件的审计记录，按时间由新到旧（本页 \d+ 条）<\/caption>/);
    const rows = res.body.match(/<code>identity\.account\.created<\/code>/g) ?? [];
    assert.ok(rows.length >= 10, `the demo accounts are listed (${rows.length})`);
    assert.match(
      res.body,
      /<time datetime="\d{4}-\d{2}-\d{2}T[\d:.]+Z">\d{4}\/\d{2}\/\d{2} \d{2}:\d{2}:\d{2}<\/time>/,
    );
    assert.match(res.body, /value="identity.account.created"/, 'the form keeps the filters');

    const record = await lastRecord();
    assert.equal(record?.action, 'supervision.audit.searched');
    assert.equal(record?.purpose, PURPOSE);
    assert.equal(record?.outcome, 'success');
    assert.equal(record?.actorKind, 'staff');
    assert.equal(record?.role, 'auditor');
    assert.equal(record?.department, 'DSJ');
    assert.deepEqual(record?.details, {
      filters: { action: 'identity.account.created', outcome: 'success' },
      returned: rows.length,
    });
  });

  it('shows its own earlier searches to the next search, purpose included, in English too', async () => {
    const res = await auditor.get(search({ purpose: PURPOSE, action: 'supervision.' }, 'en'));
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /<code>supervision\.audit\.searched<\/code>/);
    assert.match(res.body, new RegExp(PURPOSE));
    assert.match(res.body, /Staff<br\/?><code>acct_/);
  });

  it('searches by day in the platform’s time zone and pages to older records by seq', async () => {
    const { db, audit } = platform.kernel;
    await db.transaction(async (tx) => {
      for (let i = 1; i <= 60; i++)
        await audit.record(tx, {
          actor: { kind: 'system' },
          action: 'supervision.test.appended',
          details: { i },
        });
    });
    const today = new Intl.DateTimeFormat('en-CA', { timeZone: 'Asia/Shanghai' }).format(new Date());
    const filters = { purpose: PURPOSE, action: 'supervision.test.', from: today, to: today };
    const rowsOf = (body: string) => (body.match(/<code>supervision\.test\.appended<\/code>/g) ?? []).length;
    const first = await auditor.get(search(filters));
    assert.equal(first.statusCode, 200);
    assert.equal(rowsOf(first.body), 50);
    const older = /<a rel="next" href="([^"]+)"/.exec(first.body)?.[1]?.replace(/&amp;/g, '&');
    assert.ok(older, 'an older page is offered');
    assert.match(older, /before=\d+/);
    assert.match(older, new RegExp(`from=${today}&to=${today}`));
    const second = await auditor.get(older);
    assert.equal(second.statusCode, 200);
    assert.equal(rowsOf(second.body), 10);
    assert.doesNotMatch(second.body, /rel="next"/, 'the last page offers nothing older');
    assert.match(second.body, /回到最新记录/);
    const past = await auditor.get(search({ ...filters, from: '2000-01-01', to: '2000-01-01' }));
    assert.match(past.body, /没有符合条件的记录。/);
  });

  it('answers a bad date or a missing purpose with the form again, errors linked to fields, and records nothing', async () => {
    const length = await chainLength();
    const bad = await auditor.get(search({ purpose: PURPOSE, from: '2026-02-30', to: '2026-13-01' }));
    assert.equal(bad.statusCode, 400);
    assert.match(bad.body, /class="error-summary"/);
    assert.match(bad.body, /<a href="#from">请按 年-月-日 格式填写起始日期/);
    assert.match(bad.body, /<a href="#to">请按 年-月-日 格式填写截止日期/);
    assert.match(bad.body, /aria-invalid="true"/);
    assert.match(bad.body, /value="2026-02-30"/, 'what was typed is shown again');
    const backwards = await auditor.get(search({ purpose: PURPOSE, from: '2026-11-23', to: '2026-11-01' }));
    assert.equal(backwards.statusCode, 400);
    assert.match(backwards.body, /<a href="#to">截止日期不能早于起始日期。/);
    const noPurpose = await auditor.get(search({ purpose: '  ', action: 'identity.' }, 'en'));
    assert.equal(noPurpose.statusCode, 400);
    assert.match(noPurpose.body, /<a href="#purpose">Enter the purpose of this search.<\/a>/);
    assert.equal(await chainLength(), length);
  });

  it('does not run a search that arrives from another site: the auditor confirms it first', async () => {
    const length = await chainLength();
    const res = await auditor.get(search({ purpose: '随便看看', action: 'identity.' }), {
      'sec-fetch-site': 'cross-site',
    });
    assert.equal(res.statusCode, 200);
    assert.match(res.body, /查询尚未执行/);
    assert.match(res.body, /value="随便看看"/);
    assert.doesNotMatch(res.body, /<table/);
    assert.equal(await chainLength(), length);
  });

  it('refuses a clerk the page and the search with a translated 403, and records the attempt', async () => {
    const clerk = await signInStaff(app, 'liuyang', '198.51.100.42');
    const page = await clerk.get('/supervision/audit?lang=zh-CN');
    assert.equal(page.statusCode, 403);
    assert.match(page.body, /您没有相应权限/);
    const length = await chainLength();
    const searched = await clerk.get(search({ purpose: PURPOSE, subjectId: 'acct_x' }, 'en'));
    assert.equal(searched.statusCode, 403);
    assert.match(searched.body, /you do not have permission/);
    assert.doesNotMatch(searched.body, /<table/);
    assert.equal(await chainLength(), length + 1);
    const record = await lastRecord();
    assert.equal(record?.action, 'supervision.audit.searched');
    assert.equal(record?.outcome, 'denied');
    assert.equal(record?.role, null, 'a refused actor acted through no role');
    // Refused before its filters are even read: the attempt, not its contents, is what the record keeps.
    assert.deepEqual(record?.details, { reason: 'no-role' });
  });

  it('puts a search by subject in that person’s “who looked at my data”', async () => {
    const [account] = await platform.kernel.db
      .select({ id: auditRecords.objectId })
      .from(auditRecords)
      .where(eq(auditRecords.action, 'identity.account.created'))
      .limit(1);
    const subjectId = account?.id ?? '';
    const res = await auditor.get(search({ purpose: PURPOSE, subjectId }));
    assert.equal(res.statusCode, 200);
    const [access] = await accessesToSubject(platform.kernel.db, subjectId);
    assert.equal(access?.action, 'supervision.audit.searched');
    assert.equal(access?.department, 'DSJ');
    assert.equal(access?.role, 'auditor');
    assert.equal(access?.purpose, PURPOSE);
  });

  it('leaves an audit chain that still verifies', async () => {
    const result = await platform.kernel.audit.verify(platform.kernel.db);
    assert.equal(result.ok, true, result.problem?.message);
    assert.equal(result.checked, await chainLength());
  });
});
