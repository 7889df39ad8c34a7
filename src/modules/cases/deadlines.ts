import { and, eq, isNotNull, isNull, lt, lte, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { civilDate, type WorkingDayCalendar } from '../../kernel/calendar/working-days.ts';
import type { Db } from '../../kernel/db/database.ts';
import { publishEvent } from '../../kernel/events/events.ts';
import { cases, caseTasks } from './db/cases.tables.ts';
import type { NotificationsService } from './notifications.service.ts';

/** How many working days ahead the holders of a step are warned. */
export const WARN_WORKING_DAYS = 1;

export interface DeadlineRun {
  warned: number;
  overdue: number;
  casesWarned: number;
  casesOverdue: number;
}

/**
 * The deadline watch: steps due within a working day are announced to their role in the department; steps past due
 * are marked overdue and escalated to the department head; cases past their promised date are announced to the
 * responsible department's head. Each fact is marked on its row in the same statement that finds it
 * (`warned_on`, `overdue_on`), so several instances running the watch at once announce it once, and a crashed run
 * repeats nothing that committed. Paused cases (waiting for the applicant) have no due dates and are skipped.
 */
export async function checkDeadlines(
  deps: {
    db: Db;
    audit: AuditLog;
    calendar: WorkingDayCalendar;
    timeZone: string;
    notifications: NotificationsService;
  },
  now: Date = new Date(),
): Promise<DeadlineRun> {
  const today = civilDate(now, deps.timeZone);
  const soon = deps.calendar.addWorkingDays(today, WARN_WORKING_DAYS);
  return deps.db.transaction(async (tx) => {
    // Cases before their steps: the order every decision takes its locks in, so the watch and a decision on the
    // same case never wait for each other in a circle.
    const running = and(eq(cases.state, 'in_progress'), isNotNull(cases.dueOn));
    const casesWarned = await tx
      .update(cases)
      .set({ warnedOn: today })
      .where(and(running, isNull(cases.warnedOn), lte(cases.dueOn, soon), sql`${cases.dueOn} >= ${today}`))
      .returning({
        id: cases.id,
        number: cases.number,
        departmentCode: cases.departmentCode,
        dueOn: cases.dueOn,
      });
    const casesOverdue = await tx
      .update(cases)
      .set({ overdueOn: today })
      .where(and(running, isNull(cases.overdueOn), lt(cases.dueOn, today)))
      .returning({
        id: cases.id,
        number: cases.number,
        departmentCode: cases.departmentCode,
        dueOn: cases.dueOn,
      });

    const open = and(eq(caseTasks.state, 'open'), isNotNull(caseTasks.dueOn));
    const warned = await tx
      .update(caseTasks)
      .set({ warnedOn: today })
      .where(
        and(
          open,
          isNull(caseTasks.warnedOn),
          lte(caseTasks.dueOn, soon),
          sql`${caseTasks.dueOn} >= ${today}`,
        ),
      )
      .returning();
    const overdue = await tx
      .update(caseTasks)
      .set({ overdueOn: today })
      .where(and(open, isNull(caseTasks.overdueOn), lt(caseTasks.dueOn, today)))
      .returning();
    const numbers = new Map<string, string>();
    const numberOf = async (caseId: string) => {
      if (!numbers.has(caseId)) {
        const [row] = await tx.select({ number: cases.number }).from(cases).where(eq(cases.id, caseId));
        numbers.set(caseId, row?.number ?? caseId);
      }
      return numbers.get(caseId) as string;
    };
    for (const task of warned)
      await deps.notifications.notifyDepartment(tx, {
        departmentCode: task.departmentCode,
        role: task.role,
        caseId: task.caseId,
        caseNumber: await numberOf(task.caseId),
        kind: 'taskDueSoon',
        details: { due: task.dueOn, taskId: task.id },
      });
    for (const task of overdue) {
      const caseNumber = await numberOf(task.caseId);
      await deps.notifications.notifyDepartment(tx, {
        departmentCode: task.departmentCode,
        role: 'head',
        caseId: task.caseId,
        caseNumber,
        kind: 'taskOverdue',
        details: { due: task.dueOn, taskId: task.id, role: task.role },
      });
      await deps.audit.record(tx, {
        actor: { kind: 'system', id: 'deadline-watch' },
        action: 'cases.task.overdue',
        object: { type: 'cases.task', id: task.id },
        details: { due: task.dueOn, department: task.departmentCode },
      });
      await publishEvent(tx, 'cases.task.overdue', {
        taskId: task.id,
        caseId: task.caseId,
        department: task.departmentCode,
      });
    }
    for (const row of casesWarned)
      await deps.notifications.notifyDepartment(tx, {
        departmentCode: row.departmentCode,
        role: 'head',
        caseId: row.id,
        caseNumber: row.number,
        kind: 'caseDueSoon',
        details: { due: row.dueOn },
      });
    for (const row of casesOverdue) {
      await deps.notifications.notifyDepartment(tx, {
        departmentCode: row.departmentCode,
        role: 'head',
        caseId: row.id,
        caseNumber: row.number,
        kind: 'caseOverdue',
        details: { due: row.dueOn },
      });
      await publishEvent(tx, 'cases.case.overdue', { caseId: row.id, number: row.number });
    }
    return {
      warned: warned.length,
      overdue: overdue.length,
      casesWarned: casesWarned.length,
      casesOverdue: casesOverdue.length,
    };
  });
}

/**
 * Runs the watch every `everyMs` in a process that works on jobs (and once at start). A timer rather than a queue:
 * the watch is idempotent and cheap, every worker may run it, and nothing is lost if one stops.
 */
export function startDeadlineWatch(
  run: () => Promise<unknown>,
  everyMs: number,
  onError: (error: unknown) => void,
) {
  const tick = () => run().catch(onError);
  const timer = setInterval(tick, everyMs);
  timer.unref();
  void tick();
  return { stop: () => clearInterval(timer) };
}
