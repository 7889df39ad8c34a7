import { and, eq, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { civilDate, type WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import { askedAnswers, type FormDefinition, sampleAnswers } from '../forms/index.ts';
import {
  CASE_NUMBER_SEQUENCE,
  cases,
  caseTasks,
  caseTimeline,
  processDefinitions,
} from './db/cases.tables.ts';
import { formatCaseNumber } from './domain/case-number.ts';
import { type Pause, readClock } from './domain/clock.ts';
import { finishStep, startFlow } from './domain/flow.ts';

/**
 * The demo city's case with a supplement loop (demo-city.md): 张伟's provident fund withdrawal for his new flat
 * (GJJ-0103). The clerk asked for the contract's missing signature page, he supplied it the next working day, the
 * acceptance went through, and the review is open now — so the workbench and "my cases" show a paused and resumed
 * clock from the first start. Written as the engine would have written it, dated back from today.
 */
export async function seedSupplementLoopCase(
  tx: Db,
  deps: { audit: AuditLog; calendar: WorkingDayCalendar; timeZone: string; form: FormDefinition | undefined },
): Promise<string | undefined> {
  const [definition] = await tx
    .select()
    .from(processDefinitions)
    .where(and(eq(processDefinitions.serviceCode, 'GJJ-0103'), eq(processDefinitions.state, 'active')));
  // The identity module seeded 张伟 earlier in this same transaction; its contract reads outside it, so the seed
  // reads his id directly.
  const [zhang] = await queryRows<{ id: string }>(
    tx,
    sql`select id from identity_accounts where username = 'zhangwei'`,
  );
  if (!definition || !zhang) return undefined;

  const calendar = deps.calendar;
  const today = civilDate(new Date(), deps.timeZone);
  // Working days back from today: submitted 4 working days ago, supplement asked 3, answered 2, accepted 1.
  const back = (n: number) => {
    let day = today;
    for (let i = 0; i < n; i++) day = previousWorkingDay(calendar, day);
    return day;
  };
  const [submitted, asked, answered, accepted] = [back(4), back(3), back(2), back(1)];
  const pauses: Pause[] = [{ from: asked, to: answered }];
  const answers = deps.form ? askedAnswers(deps.form, sampleAnswers(deps.form, 8, submitted)) : {};
  const [{ sequence } = { sequence: '1' }] = await queryRows<{ sequence: string }>(
    tx,
    sql`select nextval(${CASE_NUMBER_SEQUENCE}) as sequence`,
  );
  const caseId = newId('case');
  const number = formatCaseNumber('GJJ', Number(submitted.slice(0, 4)), Number(sequence));
  const started = startFlow(definition.definition, answers);
  const afterAccept = finishStep(definition.definition, started.state, 'accept', answers);
  const review = afterAccept.open[0];
  await tx.insert(cases).values({
    id: caseId,
    number,
    serviceCode: 'GJJ-0103',
    departmentCode: 'GJJ',
    definitionId: definition.id,
    applicantId: zhang.id,
    channel: 'online',
    submittedBy: zhang.id,
    answers,
    state: 'in_progress',
    flow: afterAccept.state,
    startedOn: submitted,
    statutoryDays: 3,
    promisedDays: 1,
    pauses,
    dueOn: readClock(calendar, submitted, 1, pauses).due ?? null,
  });
  const acceptId = newId('task');
  await tx.insert(caseTasks).values([
    {
      id: acceptId,
      caseId,
      nodeId: 'accept',
      kind: 'accept',
      departmentCode: 'GJJ',
      role: 'clerk',
      state: 'done',
      outcome: 'approved',
      openedOn: submitted,
      limitDays: 1,
      dueOn: readClock(calendar, submitted, 1, pauses).due ?? null,
      decidedBy: 'demo-seed',
      decidedAt: new Date(),
      revision: 4,
    },
    ...(review
      ? [
          {
            id: newId('task'),
            caseId,
            nodeId: review.id,
            kind: review.kind,
            departmentCode: review.department,
            role: review.role,
            state: 'open' as const,
            openedOn: accepted,
            limitDays: review.limitDays,
            dueOn: readClock(calendar, accepted, review.limitDays, []).due ?? null,
          },
        ]
      : []),
  ]);
  const missing = ['购房合同第 3 页（双方签字页）'];
  const steps: { kind: string; details: Record<string, unknown>; taskId?: string }[] = [
    { kind: 'submitted', details: { number } },
    { kind: 'step_opened', details: { step: 'accept' }, taskId: acceptId },
    { kind: 'supplement_requested', details: { missing }, taskId: acceptId },
    { kind: 'supplement_answered', details: { note: '已上传签字页' } },
    { kind: 'step_approved', details: { step: 'accept' }, taskId: acceptId },
    { kind: 'step_opened', details: { step: 'review' } },
  ];
  const days = [submitted, submitted, asked, answered, accepted, accepted];
  await tx.insert(caseTimeline).values(
    steps.map((step, i) => ({
      id: newId('tl'),
      caseId,
      at: new Date(`${days[i]}T0${i + 1}:30:00Z`),
      kind: step.kind,
      departmentCode: 'GJJ',
      ...(step.taskId ? { taskId: step.taskId } : {}),
      details: step.details,
    })),
  );
  await deps.audit.record(tx, {
    actor: { kind: 'system', id: 'demo-seed' },
    action: 'cases.case.submitted',
    object: { type: 'cases.case', id: caseId },
    subjectId: zhang.id,
    details: { number, demo: true },
  });
  return number;
}

function previousWorkingDay(calendar: WorkingDayCalendar, date: string): string {
  let day = new Date(`${date}T00:00:00Z`);
  do day = new Date(day.getTime() - 24 * 3600 * 1000);
  while (!calendar.isWorkingDay(day.toISOString().slice(0, 10)));
  return day.toISOString().slice(0, 10);
}
