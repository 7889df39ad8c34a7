import { and, desc, eq, isNull, or, sql } from 'drizzle-orm';
import type { Actor } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import type { DomainEvent, EventBus } from '../../kernel/events/events.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailOutbox } from '../../kernel/mail/mail.ts';
import type { PersonDetails } from '../identity/index.ts';
import { casesMessages } from './cases.messages.ts';
import { cases } from './db/cases.tables.ts';
import { caseNotifications } from './db/notifications.tables.ts';

/** A notice as pages show it. */
export interface CaseNotification {
  id: string;
  caseId: string;
  caseNumber: string;
  kind: string;
  details: Record<string, unknown>;
  createdAt: Date;
  readAt: Date | null;
  /** For a department's role, not one person. */
  departmentCode: string | null;
}

/** What happened to a person's case that they are told about, in the site and by e-mail. */
const APPLICANT_EVENTS = {
  'cases.case.submitted': 'submitted',
  'cases.case.supplementRequested': 'supplementRequested',
  'cases.case.approved': 'approved',
  'cases.case.rejected': 'rejected',
} as const;

export interface NotificationsService {
  /** Tells the applicant of each case event worth telling, once per event (the event bus's receipts). */
  subscribe(events: EventBus): void;
  /** Puts a notice in the site for the holders of a role in a department. */
  notifyDepartment(
    tx: Db,
    input: {
      departmentCode: string;
      role: string;
      caseId: string;
      caseNumber: string;
      kind: string;
      details?: Record<string, unknown>;
    },
  ): Promise<void>;
  /** The actor's notices, newest first: a person's own; staff's own and their departments' roles'. */
  list(actor: Actor, limit?: number): Promise<CaseNotification[]>;
  /** Marks a person's own notices read. */
  markRead(accountId: string): Promise<number>;
  /** How many of a person's own notices are unread. */
  unread(accountId: string): Promise<number>;
}

export function createNotificationsService(deps: {
  db: Db;
  mail: MailOutbox;
  /** The applicant's details: their e-mail address and language. */
  details: (accountId: string, tx: Db) => Promise<PersonDetails | undefined>;
  /** Where the public site is, for the link in the mail. */
  baseUrl: string;
}): NotificationsService {
  const { db } = deps;

  async function notifyApplicant(tx: Db, event: DomainEvent, kind: string): Promise<void> {
    const caseId = String(event.payload.caseId ?? '');
    const [row] = await tx
      .select({ id: cases.id, number: cases.number, applicantId: cases.applicantId })
      .from(cases)
      .where(eq(cases.id, caseId));
    if (!row) return;
    const details = {
      ...(Array.isArray(event.payload.missing) ? { missing: event.payload.missing } : {}),
    };
    await tx.insert(caseNotifications).values({
      id: newId('ntf'),
      accountId: row.applicantId,
      caseId: row.id,
      caseNumber: row.number,
      kind,
      details,
    });
    const person = await deps.details(row.applicantId, tx);
    if (!person?.email) return;
    const locale = person.preferredLocale;
    const t = casesMessages.translator(locale) as (key: string, params?: Record<string, string>) => string;
    const link = new URL(`/cases/${row.number}`, deps.baseUrl).toString();
    const missing = Array.isArray(details.missing)
      ? `\n\n${(details.missing as string[]).map((m) => `- ${m}`).join('\n')}`
      : '';
    await deps.mail.queue(tx, {
      to: person.email,
      locale,
      subject: t(`notice.${kind}.subject`, { number: row.number }),
      text: `${t(`notice.${kind}.text`, { number: row.number })}${missing}\n\n${link}`,
    });
  }

  const toNotification = (row: typeof caseNotifications.$inferSelect): CaseNotification => ({
    id: row.id,
    caseId: row.caseId,
    caseNumber: row.caseNumber,
    kind: row.kind,
    details: row.details,
    createdAt: row.createdAt,
    readAt: row.readAt,
    departmentCode: row.departmentCode,
  });

  return {
    subscribe(events) {
      for (const [name, kind] of Object.entries(APPLICANT_EVENTS))
        events.subscribe(`cases.notify.${kind}`, name, (tx, event) => notifyApplicant(tx, event, kind));
    },

    async notifyDepartment(tx, input) {
      await tx.insert(caseNotifications).values({
        id: newId('ntf'),
        departmentCode: input.departmentCode,
        role: input.role,
        caseId: input.caseId,
        caseNumber: input.caseNumber,
        kind: input.kind,
        details: input.details ?? {},
      });
    },

    async list(actor, limit = 50) {
      const own = actor.kind === 'person' || actor.kind === 'staff' ? actor.accountId : undefined;
      if (!own) return [];
      const roles =
        actor.kind === 'staff'
          ? actor.roles.map((r) =>
              and(eq(caseNotifications.departmentCode, r.departmentCode), eq(caseNotifications.role, r.role)),
            )
          : [];
      const rows = await db
        .select()
        .from(caseNotifications)
        .where(or(eq(caseNotifications.accountId, own), ...roles))
        .orderBy(desc(caseNotifications.createdAt), desc(caseNotifications.id))
        .limit(Math.min(limit, 200));
      return rows.map(toNotification);
    },

    async markRead(accountId) {
      const rows = await db
        .update(caseNotifications)
        .set({ readAt: sql`now()` })
        .where(and(eq(caseNotifications.accountId, accountId), isNull(caseNotifications.readAt)))
        .returning({ id: caseNotifications.id });
      return rows.length;
    },

    async unread(accountId) {
      const [row] = await db
        .select({ n: sql<number>`count(*)::int` })
        .from(caseNotifications)
        .where(and(eq(caseNotifications.accountId, accountId), isNull(caseNotifications.readAt)));
      return row?.n ?? 0;
    },
  };
}
