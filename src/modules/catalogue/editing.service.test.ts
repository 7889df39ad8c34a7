import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq } from 'drizzle-orm';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { AppError } from '../../kernel/errors.ts';
import { generateItems } from './domain/generate.ts';
import type { CatalogueModule } from './index.ts';

const client = { clientAddress: '192.0.2.7', userAgent: 'test', requestId: 'req_catalogue_edit' };
const options = { locale: 'en' as const, client };
const staff = (accountId: string, role: string, departmentCode: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
const SJ_CLERK = staff('acct_sj_clerk', 'clerk', 'SJ');
const SJ_REVIEWER = staff('acct_sj_reviewer', 'reviewer', 'SJ');
const SJ_HEAD = staff('acct_sj_head', 'head', 'SJ');
const GA_CLERK = staff('acct_ga_clerk', 'clerk', 'GA');
const GA_HEAD = staff('acct_ga_head', 'head', 'GA');
const ADMIN = staff('acct_admin', 'platform_admin', 'DSJ');
const CITIZEN: Actor = {
  kind: 'person',
  accountId: 'acct_citizen',
  assurance: 2,
  mandates: [],
} as unknown as Actor;

const rejects = async (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);

describe('editing the catalogue: drafts, review by another person, publication', () => {
  let platform: Platform;
  let catalogue: CatalogueModule;
  const [sjItem, gaItem] = generateItems(2, ['SJ', 'GA'], ['general']);

  before(async () => {
    // The demo city gives the departments; the generated items (codes from 5000 up) are the ones edited here.
    platform = await startTestPlatform();
    catalogue = platform.contracts.catalogue as CatalogueModule;
    await catalogue.importFile(
      JSON.stringify({
        format: 'yiwang-catalogue',
        version: 1,
        topics: [{ code: 'general', name: { zh: '综合', en: 'General' } }],
        items: [gaItem],
      }),
      { format: 'json', locale: 'en' },
    );
  });
  after(() => platform.close());

  it('keeps a draft off the portal until another person of the department publishes it', async () => {
    assert.ok(sjItem);
    const draft = await catalogue.editing.createItem(SJ_CLERK, sjItem, 'new service', options);
    assert.equal(draft.state, 'draft');
    assert.equal(await catalogue.findService(sjItem.code), undefined, 'a draft is not public');
    assert.equal((await catalogue.search({ q: sjItem.code })).total, 0);

    const submitted = await catalogue.editing.submit(SJ_CLERK, draft.id, client);
    assert.equal(submitted.state, 'submitted');
    // The clerk who wrote it cannot review it (no permission), nor can a reviewer who submitted their own.
    await rejects(
      catalogue.editing.review(SJ_CLERK, draft.id, { outcome: 'publish' }, client),
      'AUTHZ_ERR_FORBIDDEN',
    );
    await rejects(
      catalogue.editing.review(GA_HEAD, draft.id, { outcome: 'publish' }, client),
      'AUTHZ_ERR_FORBIDDEN',
    );
    const queue = await catalogue.editing.reviewQueue(SJ_REVIEWER, client);
    assert.deepEqual(
      queue.map((v) => v.code),
      [sjItem.code],
    );
    assert.deepEqual(
      await catalogue.editing.reviewQueue(GA_HEAD, client),
      [],
      'another department does not see it',
    );

    const published = await catalogue.editing.review(SJ_REVIEWER, draft.id, { outcome: 'publish' }, client);
    assert.equal(published.state, 'published');
    assert.equal((await catalogue.findService(sjItem.code))?.version, 1);
    // Reviewing twice is a conflict, not a second publication.
    await rejects(
      catalogue.editing.review(SJ_HEAD, draft.id, { outcome: 'publish' }, client),
      'CAT_ERR_VERSION_CONFLICT',
    );
  });

  it('versions every change with who made it and what changed, and refuses other departments and the public', async () => {
    assert.ok(sjItem && gaItem);
    await rejects(
      catalogue.editing.saveDraft(GA_CLERK, sjItem.code, sjItem, 'x', options),
      'AUTHZ_ERR_FORBIDDEN',
    );
    await rejects(
      catalogue.editing.saveDraft(CITIZEN, sjItem.code, sjItem, 'x', options),
      'AUTHZ_ERR_FORBIDDEN',
    );
    await rejects(catalogue.editing.createItem(SJ_CLERK, gaItem, 'x', options), 'AUTHZ_ERR_FORBIDDEN');

    const changed = { ...sjItem, promisedDays: 2, summary: { zh: '两天办结。', en: 'Done in two days.' } };
    const draft = await catalogue.editing.saveDraft(
      SJ_CLERK,
      sjItem.code,
      changed,
      'shorter promise',
      options,
    );
    assert.equal(draft.number, 2);
    assert.deepEqual(draft.changedFields.sort(), ['promisedDays', 'summary']);
    // Saving again edits the same draft rather than making another version.
    const again = await catalogue.editing.saveDraft(
      SJ_CLERK,
      sjItem.code,
      { ...changed, promisedDays: 3 },
      'three',
      options,
    );
    assert.equal(again.id, draft.id);
    await catalogue.editing.submit(SJ_CLERK, draft.id, client);
    // While it waits for review nobody edits it.
    await rejects(
      catalogue.editing.saveDraft(SJ_CLERK, sjItem.code, changed, 'x', options),
      'CAT_ERR_VERSION_CONFLICT',
    );
    const sentBack = await catalogue.editing.review(
      SJ_HEAD,
      draft.id,
      { outcome: 'reject', note: 'cite the rule' },
      client,
    );
    assert.equal(sentBack.state, 'rejected');
    assert.equal(
      (await catalogue.findService(sjItem.code))?.promisedDays,
      sjItem.promisedDays,
      'the public version stands',
    );

    const history = await catalogue.editing.history(SJ_REVIEWER, sjItem.code, client);
    assert.deepEqual(
      history.map((v) => [v.number, v.state, v.createdBy, v.reviewedBy, v.reviewNote]),
      [
        [2, 'rejected', 'acct_sj_clerk', 'acct_sj_head', 'cite the rule'],
        [1, 'published', 'acct_sj_clerk', 'acct_sj_reviewer', null],
      ],
    );
    const actions = await platform.kernel.db
      .select({ action: auditRecords.action, outcome: auditRecords.outcome })
      .from(auditRecords)
      .where(and(eq(auditRecords.objectType, 'catalogue.item')));
    const names = actions.map((a) => `${a.action}:${a.outcome}`);
    for (const expected of [
      'catalogue.item.created:success',
      'catalogue.item.submitted:success',
      'catalogue.item.published:success',
      'catalogue.item.drafted:success',
      'catalogue.item.rejected:success',
    ])
      assert.ok(names.includes(expected), `audited: ${expected}`);
  });

  it('refuses a reviewer their own version, and checks a draft like an imported row', async () => {
    assert.ok(gaItem);
    const own = await catalogue.editing.saveDraft(
      GA_HEAD,
      gaItem.code,
      { ...gaItem, promisedDays: 1 },
      'mine',
      options,
    );
    await catalogue.editing.submit(GA_HEAD, own.id, client);
    await rejects(
      catalogue.editing.review(GA_HEAD, own.id, { outcome: 'publish' }, client),
      'CAT_ERR_OWN_REVIEW',
    );
    await catalogue.editing.review(ADMIN, own.id, { outcome: 'reject', note: 'no' }, client);

    const bad = { ...gaItem, promisedDays: 90, statutoryDays: 20, topics: ['nothing-like-it'] };
    await assert.rejects(
      catalogue.editing.saveDraft(GA_CLERK, gaItem.code, bad, 'bad', options),
      (error: unknown) =>
        error instanceof AppError &&
        error.code === 'CAT_ERR_ITEM_INVALID' &&
        error.fields.some((f) => f.path === 'promisedDays') === true,
    );
  });

  it('publishes a scheduled version when it is due, and withdraws an item from the portal', async () => {
    assert.ok(gaItem);
    const draft = await catalogue.editing.saveDraft(
      GA_CLERK,
      gaItem.code,
      { ...gaItem, promisedDays: 4 },
      'soon',
      options,
    );
    await catalogue.editing.submit(GA_CLERK, draft.id, client);
    const at = new Date(Date.now() + 60_000);
    const scheduled = await catalogue.editing.review(
      GA_HEAD,
      draft.id,
      { outcome: 'schedule', publishAt: at },
      client,
    );
    assert.equal(scheduled.state, 'scheduled');
    assert.equal(await catalogue.editing.publishDue(new Date(at.getTime() - 1000)), 0, 'not yet');
    assert.notEqual((await catalogue.findService(gaItem.code))?.promisedDays, 4);
    assert.equal(await catalogue.editing.publishDue(new Date(at.getTime() + 1000)), 1);
    assert.equal((await catalogue.findService(gaItem.code))?.promisedDays, 4);

    await rejects(catalogue.editing.withdraw(GA_CLERK, gaItem.code, 'gone', client), 'AUTHZ_ERR_FORBIDDEN');
    await catalogue.editing.withdraw(GA_HEAD, gaItem.code, 'merged into another service', client);
    assert.equal(await catalogue.findService(gaItem.code), undefined);
    const { items: listed } = await catalogue.editing.listForEditor(GA_CLERK, client);
    assert.ok(
      listed.every((i) => i.department === 'GA'),
      'a clerk lists their own department’s items',
    );
    const withdrawn = listed.find((i) => i.code === gaItem.code);
    assert.deepEqual([withdrawn?.published, withdrawn?.withdrawnAt !== null], [null, true]);
    // Each filter narrows the list in the database, and agrees with what the whole list says of each item.
    const everything = (await catalogue.editing.listForEditor(GA_CLERK, client, { limit: 500 })).items;
    const expected: Record<string, (i: (typeof everything)[number]) => boolean> = {
      pending: (i) => i.pending !== null,
      draft: (i) => i.pending?.state === 'draft',
      submitted: (i) => i.pending?.state === 'submitted',
      current: (i) => i.published !== null && i.pending === null,
      withdrawn: (i) => i.withdrawnAt !== null,
    };
    for (const [filter, keep] of Object.entries(expected)) {
      const { items } = await catalogue.editing.listForEditor(GA_CLERK, client, {
        filter: filter as 'pending',
        limit: 500,
      });
      assert.deepEqual(
        items.map((i) => i.code),
        everything.filter(keep).map((i) => i.code),
        filter,
      );
    }
    assert.ok(everything.some((i) => i.withdrawnAt !== null) && everything.some((i) => i.published !== null));
    // Pages follow one another by code.
    const first = await catalogue.editing.listForEditor(GA_CLERK, client, { limit: 3 });
    const second = await catalogue.editing.listForEditor(GA_CLERK, client, {
      limit: 3,
      after: first.nextAfter,
    });
    assert.deepEqual(
      [...first.items, ...second.items].map((i) => i.code),
      everything.slice(0, 6).map((i) => i.code),
    );
  });
  it('clears the cached guide page when a new version is published', async () => {
    assert.ok(sjItem);
    const app = platform.app;
    assert.ok(app);
    const guide = () => app.inject({ method: 'GET', url: `/services/${sjItem.code}?lang=en` });
    assert.equal((await guide()).headers['x-cache'], 'MISS');
    assert.equal((await guide()).headers['x-cache'], 'HIT');
    const draft = await catalogue.editing.saveDraft(
      SJ_CLERK,
      sjItem.code,
      { ...sjItem, summary: { zh: '新的说明。', en: 'A brand new summary.' } },
      'new summary',
      options,
    );
    await catalogue.editing.submit(SJ_CLERK, draft.id, client);
    await catalogue.editing.review(SJ_HEAD, draft.id, { outcome: 'publish' }, client);
    const after = await guide();
    assert.equal(after.headers['x-cache'], 'MISS', 'the stale page is not served');
    assert.match(after.body, /A brand new summary\./);
  });
});
