import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import type { Actor } from '../../kernel/authz/authz.ts';
import { AppError } from '../../kernel/errors.ts';
import type { IdentityContract } from '../identity/index.ts';
import type { FormsService } from './index.ts';

const TODAY = '2026-11-30';
const client = { clientAddress: '192.0.2.5', requestId: 'req_forms' };

for (const engine of ENGINES) {
  describe(`application drafts (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let forms: FormsService;
    let zhangWei: string;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      forms = platform.contracts.forms as FormsService;
      const account = await (platform.contracts.identity as IdentityContract).findAccount('zhangwei');
      assert.ok(account);
      zhangWei = account.id;
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    it('starts a draft with the verified identity filled in, saves page by page, and resumes the same draft', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const identity = platform.contracts.identity as IdentityContract;
      const details = await identity.ownDetails(zhangWei);
      assert.ok(details?.idNumber);
      const draft = await forms.openDraft(zhangWei, 'ZWFW-0101', details);
      assert.ok(draft);
      assert.deepEqual(draft.answers.applicant, {
        name: details.name['zh-CN'],
        idNumber: details.idNumber,
        phone: details.phone,
      });

      const refused = await forms.savePage(
        zhangWei,
        draft.id,
        'premises',
        { seats: 'forty', area: '80' },
        TODAY,
      );
      assert.deepEqual(
        refused.problems.map((p) => p.field),
        ['seats', 'floorPlan'],
      );
      assert.equal((await forms.draft(zhangWei, draft.id))?.answers.premises, undefined, 'nothing saved');

      const saved = await forms.savePage(
        zhangWei,
        draft.id,
        'business',
        { name: '湖畔小馆', creditCode: '91340100MA2TEST00X', address: '南湖区湖滨路 8 号' },
        TODAY,
      );
      assert.deepEqual(
        saved.problems.map((p) => p.key),
        ['error.creditCode'],
      );
      const again = await forms.savePage(
        zhangWei,
        draft.id,
        'sign',
        { hasSign: 'yes', wording: '湖畔小馆', width: '3.5' },
        TODAY,
      );
      assert.deepEqual(again.problems, []);
      assert.deepEqual(again.draft.answers.sign, { hasSign: 'yes', wording: '湖畔小馆', width: 3.5 });
      assert.ok(again.draft.answers.applicant, 'the other pages are kept');

      const resumed = await forms.openDraft(zhangWei, 'ZWFW-0101', details);
      assert.equal(resumed?.id, draft.id, 'one open draft per person and service');
      assert.equal(await forms.draft('acct_someone_else', draft.id), undefined, 'nobody else sees it');

      await forms.markSubmitted(draft.id, 'case_x');
      await assert.rejects(
        forms.savePage(zhangWei, draft.id, 'sign', { hasSign: 'no' }, TODAY),
        (error: unknown) => error instanceof AppError && error.code === 'FORMS_ERR_DRAFT_SUBMITTED',
      );
      const fresh = await forms.openDraft(zhangWei, 'ZWFW-0101', details);
      assert.notEqual(fresh?.id, draft.id, 'after submission a new application starts afresh');
    });

    it('lets only the platform administrator publish a form, refusing one with repeated ids', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const admin: Actor = {
        kind: 'staff',
        accountId: 'acct_admin',
        clearance: 'internal',
        roles: [{ departmentCode: 'DSJ', role: 'platform_admin' }],
      };
      const page = {
        id: 'venue',
        title: { 'zh-CN': '场所', en: 'Venue' },
        questions: [{ id: 'name', type: 'text', label: { 'zh-CN': '名称', en: 'Name' } }],
      };
      await assert.rejects(
        forms.publishForm(admin, 'XF-0103', { pages: [page, page] }, { locale: 'en', client }),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'FORMS_ERR_FORM_INVALID' &&
          error.fields.some((f) => f.message === 'Two pages have the same id.'),
      );
      const clerk: Actor = { ...admin, roles: [{ departmentCode: 'XF', role: 'clerk' }] } as Actor;
      await assert.rejects(
        forms.publishForm(clerk, 'XF-0103', { pages: [page] }, { locale: 'en', client }),
        (error: unknown) => error instanceof AppError && error.code === 'AUTHZ_ERR_FORBIDDEN',
      );
      const published = await forms.publishForm(
        admin,
        'XF-0103',
        { pages: [page] },
        { locale: 'en', client },
      );
      assert.equal(published.version, 1);
      assert.equal((await forms.activeForm('XF-0103'))?.id, published.id);
    });
  });
}
