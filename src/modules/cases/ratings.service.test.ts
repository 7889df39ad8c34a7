import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { uploadSample } from '../../../test/support/materials.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import { type Actor, actorIdOf } from '../../kernel/authz/authz.ts';
import { AppError } from '../../kernel/errors.ts';
import { outboxEvents } from '../../kernel/events/events.tables.ts';
import { type FormsService, sampleAnswers } from '../forms/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import type { CaseView } from './cases.service.ts';
import { ratings, rectifications } from './db/ratings.tables.ts';
import type { CasesModule } from './index.ts';
import { createRatingsService, type RatingsService } from './ratings.service.ts';

const client = { clientAddress: '192.0.2.19', userAgent: 'test', requestId: 'req_ratings' };
const staff = (accountId: string, departmentCode: string, role: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
// 城管 (urban management) registers a shop sign in one step: the quickest case to close.
const SERVICE = 'CG-0101';
const CG_CLERK = staff('acct_cg_clerk', 'CG', 'clerk');
const CG_HEAD = staff('acct_cg_head', 'CG', 'head');
const CG_REVIEWER = staff('acct_cg_reviewer', 'CG', 'reviewer');
const SJ_CLERK = staff('acct_sj_clerk', 'SJ', 'clerk');
const GOOD = { efficiency: 5, attitude: 5, convenience: 4, transparency: 5, integrity: 5 };
const POOR = { efficiency: 1, attitude: 2, convenience: 1, transparency: 2, integrity: 3 };

const rejects = (promise: Promise<unknown>, code: string) =>
  assert.rejects(promise, (error: unknown) => error instanceof AppError && error.code === code);

for (const engine of ENGINES) {
  describe(`cases: rating a closed case (好差评) and putting a poor rating right (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let cases: CasesModule;
    let service: RatingsService;
    let applicant: Actor;
    let stranger: Actor;
    let seed = 0;

    /** The ratings service on the platform's database, with its own clock when a test needs one. */
    const ratingsAt = (now?: Date) =>
      createRatingsService({
        db: platform.kernel.db,
        audit: platform.kernel.audit,
        authz: platform.kernel.authz,
        calendar: () => platform.kernel.calendar,
        timeZone: 'Asia/Shanghai',
        ...(now ? { now: () => now } : {}),
      });

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      cases = platform.contracts.cases as CasesModule;
      service = ratingsAt();
      const identity = platform.contracts.identity as IdentityContract;
      const zhang = await identity.findAccount('zhangwei');
      const wang = await identity.findAccount('wangfang');
      assert.ok(zhang && wang);
      applicant = await identity.actorOf(zhang.id);
      stranger = await identity.actorOf(wang.id);
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    const needsEngine = (t: { skip(message: string): void }) => {
      if (!opened) t.skip('PostgreSQL not reachable');
      return opened !== undefined;
    };

    /** A case of 张伟's, submitted with valid answers. */
    async function submitted(): Promise<CaseView> {
      const form = await (platform.contracts.forms as FormsService).activeForm(SERVICE);
      assert.ok(form, `${SERVICE} has a form`);
      seed += 1;
      const result = await cases.submit(
        applicant,
        {
          serviceCode: SERVICE,
          answers: sampleAnswers(
            form.definition,
            seed,
            undefined,
            await uploadSample(platform, actorIdOf(applicant) ?? ''),
          ),
          idempotencyKey: `rating-${seed}`,
        },
        client,
      );
      return result.case;
    }

    /** A closed case: every step approved by its department, or the first refused. */
    async function closed(outcome: 'approve' | 'reject' = 'approve'): Promise<CaseView> {
      let view = await submitted();
      while (view.state === 'in_progress') {
        const task = view.tasks.find((x) => x.state === 'open');
        assert.ok(task, 'an open case has an open step');
        const decider = staff(`acct_${task.departmentCode}_${task.role}`, task.departmentCode, task.role);
        view = await cases.decide(
          decider,
          task.id,
          outcome === 'approve'
            ? { outcome: 'approve', revision: task.revision }
            : { outcome: 'reject', revision: task.revision, reason: '招牌尺寸不符合规定' },
          client,
        );
      }
      assert.equal(view.state, outcome === 'approve' ? 'approved' : 'rejected');
      return view;
    }

    const audited = async (action: string, objectId: string, outcome: 'success' | 'denied' = 'success') =>
      platform.kernel.db
        .select()
        .from(auditRecords)
        .where(
          and(
            eq(auditRecords.action, action),
            eq(auditRecords.objectId, objectId),
            eq(auditRecords.outcome, outcome),
          ),
        );

    const eventsAbout = async (name: string, key: string, value: string) =>
      platform.kernel.db
        .select()
        .from(outboxEvents)
        .where(and(eq(outboxEvents.name, name), sql`${outboxEvents.payload} ->> ${key} = ${value}`));

    it('rates an approved case once, and refuses an open case, a withdrawn one, a second rating and someone else', async (t) => {
      if (!needsEngine(t)) return;
      const open = await submitted();
      await rejects(
        service.rate(applicant, open.id, { level: 'satisfied', scores: GOOD }, client),
        'CASES_ERR_RATING_NOT_CLOSED',
      );
      const withdrawn = await cases.withdraw(applicant, (await submitted()).id, '不需要了', client);
      await rejects(
        service.rate(applicant, withdrawn.id, { level: 'satisfied', scores: GOOD }, client),
        'CASES_ERR_RATING_WITHDRAWN',
      );

      const view = await closed();
      // Someone else may not rate 张伟's case, and the attempt is recorded.
      await rejects(
        service.rate(stranger, view.id, { level: 'very_dissatisfied', scores: POOR }, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      await rejects(
        service.rate(CG_CLERK, view.id, { level: 'very_satisfied', scores: GOOD }, client),
        'AUTHZ_ERR_FORBIDDEN',
      );
      assert.equal((await audited('cases.case.rated', view.id, 'denied')).length, 2);

      const rating = await service.rate(
        applicant,
        view.id,
        { level: 'satisfied', scores: GOOD, comment: '  窗口指引清楚  ' },
        client,
      );
      assert.equal(rating.level, 'satisfied');
      assert.deepEqual(rating.scores, GOOD);
      assert.equal(rating.comment, '窗口指引清楚');
      assert.equal(rating.rectification, null, 'a satisfied rating opens no rectification');
      assert.equal(
        (await platform.kernel.db.select().from(rectifications).where(eq(rectifications.caseId, view.id)))
          .length,
        0,
      );
      assert.deepEqual(await service.ratingOf(view.id), rating);

      await assert.rejects(
        service.rate(applicant, view.id, { level: 'very_dissatisfied', scores: POOR }, client),
        (error: unknown) =>
          error instanceof AppError &&
          error.code === 'CASES_ERR_ALREADY_RATED' &&
          error.definition.status === 409,
      );
      assert.equal((await service.ratingOf(view.id))?.level, 'satisfied', 'the first rating stands');

      const [record] = await audited('cases.case.rated', view.id);
      assert.equal(record?.actorId, rating.accountId);
      assert.equal(record?.subjectId, view.applicantId);
      assert.equal((record?.details as { commented?: boolean } | undefined)?.commented, true);
      assert.ok(
        !JSON.stringify(record?.details).includes('窗口指引清楚'),
        'the comment stays out of the log',
      );
      const events = await eventsAbout('cases.case.rated', 'caseId', view.id);
      assert.equal(events.length, 1);
      assert.equal((events[0]?.payload as { level: string } | undefined)?.level, 'satisfied');
    });

    it('keeps one rating when the same case is rated from two tabs at once', async (t) => {
      if (!needsEngine(t)) return;
      const view = await closed();
      const results = await Promise.allSettled(
        ['satisfied', 'very_satisfied', 'fairly_satisfied'].map((level) =>
          service.rate(applicant, view.id, { level, scores: GOOD }, client),
        ),
      );
      assert.equal(results.filter((r) => r.status === 'fulfilled').length, 1);
      for (const result of results)
        if (result.status === 'rejected')
          assert.ok(result.reason instanceof AppError && result.reason.code === 'CASES_ERR_ALREADY_RATED');
      const rows = await platform.kernel.db.select().from(ratings).where(eq(ratings.caseId, view.id));
      assert.equal(rows.length, 1);
      assert.equal((await eventsAbout('cases.case.rated', 'caseId', view.id)).length, 1);
    });

    it('checks the level, every score from 1 to 5 and the comment’s length, in the reader’s language', async (t) => {
      if (!needsEngine(t)) return;
      const view = await closed();
      await assert.rejects(
        service.rate(
          applicant,
          view.id,
          {
            level: 'meh',
            scores: { efficiency: 0, attitude: 6, convenience: 2.5 },
            comment: '长'.repeat(501),
          },
          client,
          'en',
        ),
        (error: unknown) => {
          assert.ok(error instanceof AppError);
          assert.equal(error.code, 'CASES_ERR_RATING_INVALID');
          assert.deepEqual(
            error.fields.map((f) => f.path),
            [
              'level',
              'scores.efficiency',
              'scores.attitude',
              'scores.convenience',
              'scores.transparency',
              'scores.integrity',
              'comment',
            ],
          );
          assert.equal(error.fields[2]?.message, 'Score “Attitude” from 1 to 5');
          return true;
        },
      );
      await rejects(
        service.rate(
          applicant,
          view.id,
          { level: 'satisfied', scores: { ...GOOD, integrity: Number.NaN } },
          client,
        ),
        'CASES_ERR_RATING_INVALID',
      );
      assert.equal(await service.ratingOf(view.id), undefined, 'nothing was stored');
      // Exactly 500 characters is allowed.
      const rating = await service.rate(
        applicant,
        view.id,
        { level: 'fairly_satisfied', scores: GOOD, comment: '好'.repeat(500) },
        client,
      );
      assert.equal(rating.comment?.length, 500);
    });

    it('opens a rectification for a dissatisfied rating of a refused case, due 15 working days later across National Day', async (t) => {
      if (!needsEngine(t)) return;
      const view = await closed('reject');
      // 10:00 on 30 September 2026 in Shanghai; 1–7 October are the holiday and Saturday 10 October is worked.
      const rating = await ratingsAt(new Date('2026-09-30T02:00:00Z')).rate(
        applicant,
        view.id,
        { level: 'dissatisfied', scores: POOR, comment: '等了很久才通知不予许可' },
        client,
      );
      const calendar = platform.kernel.calendar;
      assert.equal(calendar.addWorkingDays('2026-09-30', 15), '2026-10-27');
      assert.equal(calendar.workingDaysBetween('2026-09-30', '2026-10-27'), 15);
      const rectification = rating.rectification;
      assert.ok(rectification, 'a dissatisfied rating opens a rectification');
      assert.equal(rectification.dueOn, '2026-10-27');
      assert.equal(rectification.departmentCode, view.departmentCode);
      assert.equal(rectification.state, 'open');
      assert.equal(rectification.overdue, false);
      // The day after it fell due it shows as overdue, to the department and to the applicant.
      const late = ratingsAt(new Date('2026-10-28T02:00:00Z'));
      assert.equal((await late.ratingOf(view.id))?.rectification?.overdue, true);
      const [listed] = (await late.rectificationsFor(CG_CLERK)).filter((r) => r.caseId === view.id);
      assert.equal(listed?.overdue, true);
      assert.equal(
        (await ratingsAt(new Date('2026-10-27T15:59:00Z')).ratingOf(view.id))?.rectification?.overdue,
        false,
      );

      assert.equal((await audited('cases.rectification.opened', rectification.id)).length, 1);
      const [event] = await eventsAbout('cases.case.rated', 'caseId', view.id);
      assert.equal(
        (event?.payload as { rectificationId: string } | undefined)?.rectificationId,
        rectification.id,
      );
    });

    it('lets the department’s clerk record the outcome, which the applicant sees, and refuses other departments', async (t) => {
      if (!needsEngine(t)) return;
      const view = await closed();
      const rating = await service.rate(
        applicant,
        view.id,
        { level: 'very_dissatisfied', scores: POOR },
        client,
      );
      const id = rating.rectification?.id;
      assert.ok(id, 'a very dissatisfied rating opens a rectification');

      // Only the responsible department's clerk and head see it.
      const listed = (await service.rectificationsFor(CG_CLERK)).find((r) => r.id === id);
      assert.equal(listed?.caseNumber, view.number);
      assert.equal(listed?.level, 'very_dissatisfied');
      assert.ok((await service.rectificationsFor(CG_HEAD)).some((r) => r.id === id));
      assert.deepEqual(await service.rectificationsFor(SJ_CLERK), []);
      assert.deepEqual(await service.rectificationsFor(CG_REVIEWER), []);
      assert.deepEqual(await service.rectificationsFor(applicant), []);

      for (const outsider of [SJ_CLERK, CG_REVIEWER, applicant])
        await rejects(service.completeRectification(outsider, id, '已整改', client), 'AUTHZ_ERR_FORBIDDEN');
      assert.equal((await audited('cases.rectification.completed', id, 'denied')).length, 3);
      await rejects(
        service.completeRectification(CG_CLERK, id, '   ', client),
        'CASES_ERR_RECTIFICATION_OUTCOME',
      );
      await rejects(
        service.completeRectification(CG_CLERK, id, '改'.repeat(1001), client),
        'CASES_ERR_RECTIFICATION_OUTCOME',
      );
      await rejects(
        service.completeRectification(CG_CLERK, 'rect_nothing', '已整改', client),
        'CASES_ERR_RECTIFICATION_NOT_FOUND',
      );

      const outcome = '已约谈窗口工作人员，并在办事指南中补充了招牌尺寸要求。';
      const done = await service.completeRectification(CG_CLERK, id, outcome, client);
      assert.equal(done.state, 'done');
      assert.equal(done.outcome, outcome);
      assert.equal(done.completedBy, 'acct_cg_clerk');
      assert.ok(done.completedAt);
      // The head sending the same form afterwards is told it is done; nothing is recorded twice.
      await rejects(
        service.completeRectification(CG_HEAD, id, '重复', client),
        'CASES_ERR_RECTIFICATION_DONE',
      );
      assert.equal((await service.ratingOf(view.id))?.rectification?.outcome, outcome);
      assert.ok(!(await service.rectificationsFor(CG_CLERK)).some((r) => r.id === id), 'no longer open');
      assert.ok((await service.rectificationsFor(CG_CLERK, { state: 'done' })).some((r) => r.id === id));

      const [record] = await audited('cases.rectification.completed', id);
      assert.equal(record?.actorId, 'acct_cg_clerk');
      assert.equal(record?.department, 'CG');
      assert.equal(record?.subjectId, view.applicantId);
      assert.equal((await audited('cases.rectification.completed', id)).length, 1);
      const events = await eventsAbout('cases.rectification.completed', 'rectificationId', id);
      assert.equal(events.length, 1);
      assert.equal((events[0]?.payload as { number: string } | undefined)?.number, view.number);
    });
  });
}
