import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import { and, eq, sql } from 'drizzle-orm';
import { ENGINES, type OpenedDatabase } from '../../../test/support/environment.ts';
import { uploadSample } from '../../../test/support/materials.ts';
import { startTestPlatform } from '../../../test/support/platform.ts';
import type { Platform } from '../../app.ts';
import { auditRecords } from '../../kernel/audit/audit.tables.ts';
import { type Actor, actorIdOf } from '../../kernel/authz/authz.ts';
import { startOfCivilDay } from '../../kernel/calendar/civil-day.ts';
import { outboxEvents } from '../../kernel/events/events.tables.ts';
import { mailRecords } from '../../kernel/mail/mail.tables.ts';
import { type FormsService, sampleAnswers } from '../forms/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import type { CasesModule } from './index.ts';

const client = { clientAddress: '192.0.2.3' };
const staff = (accountId: string, departmentCode: string, role: string): Actor => ({
  kind: 'staff',
  accountId,
  clearance: 'internal',
  roles: [{ departmentCode, role }],
});
/** Ten in the morning, city time, of a civil date. */
const at = (date: string) => new Date(startOfCivilDay(date, 'Asia/Shanghai').getTime() + 10 * 3600 * 1000);

for (const engine of ENGINES) {
  describe(`deadlines and notices (${engine.name})`, () => {
    let opened: OpenedDatabase | undefined;
    let platform: Platform;
    let cases: CasesModule;
    let zhang: Actor;
    let zhangId: string;

    before(async () => {
      opened = await engine.open();
      if (!opened) return;
      platform = await startTestPlatform({ database: opened.database });
      cases = platform.contracts.cases as CasesModule;
      const identity = platform.contracts.identity as IdentityContract;
      const account = await identity.findAccount('zhangwei');
      assert.ok(account);
      zhangId = account.id;
      zhang = await identity.actorOf(account.id);
      await platform.kernel.db.execute(
        sql`update identity_accounts set email = 'zhang.wei@example.cn' where id = ${account.id}`,
      );
    });
    after(async () => {
      if (!opened) return;
      await platform.close();
      await opened.drop();
    });

    async function submit(serviceCode: string, key: string) {
      const form = await (platform.contracts.forms as FormsService).activeForm(serviceCode);
      assert.ok(form);
      return (
        await cases.submit(
          zhang,
          {
            serviceCode,
            answers: sampleAnswers(
              form.definition,
              5,
              undefined,
              await uploadSample(platform, actorIdOf(zhang) ?? ''),
            ),
            idempotencyKey: key,
          },
          client,
        )
      ).case;
    }

    /** Hands every undelivered event of the case to the notification subscribers, as the job worker would. */
    async function deliver(caseId: string) {
      const events = await platform.kernel.db.select().from(outboxEvents);
      for (const event of events) {
        if ((event.payload as { caseId?: string }).caseId !== caseId) continue;
        const kind = event.name.split('.').at(-1);
        if (['submitted', 'supplementRequested', 'approved', 'rejected'].includes(kind ?? ''))
          await platform.kernel.events.deliver(`cases.notify.${kind}`, event.id);
      }
    }

    it('tells the applicant in the site and by e-mail when a case is submitted, needs material and closes', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const submitted = await submit('GJJ-0103', 'notice-1');
      const [accept] = submitted.tasks;
      assert.ok(accept);
      const clerk = staff('acct_gjj_clerk', 'GJJ', 'clerk');
      await cases.decide(
        clerk,
        accept.id,
        { outcome: 'supplement', revision: accept.revision, missing: ['购房发票'] },
        client,
      );
      await deliver(submitted.id);
      await deliver(submitted.id); // delivered again (a redelivery after a crash): no second notice
      const notices = await cases.notifications.list(zhang);
      assert.deepEqual(
        notices
          .filter((n) => n.caseId === submitted.id)
          .map((n) => n.kind)
          .sort(),
        ['submitted', 'supplementRequested'],
      );
      assert.equal(await cases.notifications.unread(zhangId), 2);
      const mails = await platform.kernel.db
        .select()
        .from(mailRecords)
        .where(eq(mailRecords.recipient, 'zhang.wei@example.cn'));
      assert.equal(mails.length, 2);
      const supplement = mails.find((m) => m.subject.includes('补正'));
      assert.match(supplement?.text ?? '', /- 购房发票/);
      assert.match(supplement?.text ?? '', new RegExp(`/cases/${submitted.number}`));
      assert.equal(await cases.notifications.markRead(zhangId), 2);
      assert.equal(await cases.notifications.unread(zhangId), 0);
    });

    it('warns a step’s holders a working day ahead, escalates it to the head when overdue, once each', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const submitted = await submit('SJ-0201', 'deadline-1');
      const [accept] = submitted.tasks;
      assert.ok(accept?.dueOn && submitted.dueOn);
      const calendar = platform.kernel.calendar;
      // On the day it falls due at the latest, the step is announced to its role in the department.
      const dayBefore = accept.dueOn;
      const warn = await cases.checkDeadlines(at(dayBefore));
      assert.ok(warn.warned >= 1, 'the acceptance step is due within a working day');
      assert.equal((await cases.checkDeadlines(at(dayBefore))).warned, 0, 'a second run warns no one again');
      const clerk = staff('acct_sj_clerk', 'SJ', 'clerk');
      const clerkNotices = await cases.notifications.list(clerk);
      assert.ok(clerkNotices.some((n) => n.caseId === submitted.id && n.kind === 'taskDueSoon'));

      const late = calendar.addWorkingDays(accept.dueOn, 1);
      const run = await cases.checkDeadlines(at(late));
      assert.ok(run.overdue >= 1);
      const head = staff('acct_sj_head', 'SJ', 'head');
      assert.ok(
        (await cases.notifications.list(head)).some(
          (n) => n.caseId === submitted.id && n.kind === 'taskOverdue',
        ),
      );
      assert.equal((await cases.checkDeadlines(at(late))).overdue, 0, 'escalated once');
      const [record] = await platform.kernel.db
        .select()
        .from(auditRecords)
        .where(and(eq(auditRecords.action, 'cases.task.overdue'), eq(auditRecords.objectId, accept.id)));
      assert.equal(record?.actorKind, 'system');
    });

    it('leaves a case waiting for the applicant alone: its clock is stopped', async (t) => {
      if (!opened) return t.skip('PostgreSQL not reachable');
      const submitted = await submit('XF-0101', 'deadline-paused');
      const [accept] = submitted.tasks;
      assert.ok(accept?.dueOn);
      await cases.decide(
        staff('acct_xf_clerk', 'XF', 'clerk'),
        accept.id,
        { outcome: 'supplement', revision: accept.revision, missing: ['消防平面图'] },
        client,
      );
      await cases.checkDeadlines(at(platform.kernel.calendar.addWorkingDays(accept.dueOn, 5)));
      const head = staff('acct_xf_head', 'XF', 'head');
      assert.ok(!(await cases.notifications.list(head)).some((n) => n.caseId === submitted.id));
    });
  });
}
