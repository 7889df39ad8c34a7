import { and, desc, eq, inArray, isNull, or, sql } from 'drizzle-orm';
import type { Actor } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import type { DomainEvent, EventBus } from '../../kernel/events/events.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailMessage, MailOutbox } from '../../kernel/mail/mail.ts';
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
  /** The applicants' details, by account id: their e-mail addresses and languages. */
  details: (accountIds: string[], tx: Db) => Promise<Map<string, PersonDetails>>;
  /** Where the public site is, for the link in the mail. */
  baseUrl: string;
}): NotificationsService {
  const { db } = deps;

  /**
   * Tells the applicants of several cases of one kind, in a few statements whatever their number (the event bus
   * hands a batch to one transaction): the cases and their applicants read together, the notices and the mails
   * written together.
   */
  async function notifyApplicants(tx: Db, events: DomainEvent[], kind: string): Promise<void> {
    const caseIds = [...new Set(events.map((event) => String(event.payload.caseId ?? '')))];
    const rows = await tx
      .select({ id: cases.id, number: cases.number, applicantId: cases.applicantId })
      .from(cases)
      .where(inArray(cases.id, caseIds));
    if (rows.length === 0) return;
    const caseById = new Map(rows.map((row) => [row.id, row]));
    const people = await deps.details([...new Set(rows.map((row) => row.applicantId))], tx);
    const notices: (typeof caseNotifications.$inferInsert)[] = [];
    const mails: MailMessage[] = [];
    for (const event of events) {
      const row = caseById.get(String(event.payload.caseId ?? ''));
      if (!row) continue;
      const details = {
        ...(Array.isArray(event.payload.missing) ? { missing: event.payload.missing } : {}),
      };
      notices.push({
        id: newId('ntf'),
        accountId: row.applicantId,
        caseId: row.id,
        caseNumber: row.number,
        kind,
        details,
      });
      const person = people.get(row.applicantId);
      if (!person?.email) continue;
      const locale = person.preferredLocale;
      const t = casesMessages.translator(locale) as (key: string, params?: Record<string, string>) => string;
      const link = new URL(`/cases/${row.number}`, deps.baseUrl).toString();
      const missing = Array.isArray(details.missing)
        ? `\n\n${(details.missing as string[]).map((m) => `- ${m}`).join('\n')}`
        : '';
      mails.push({
        to: person.email,
        locale,
        subject: t(`notice.${kind}.subject`, { number: row.number }),
        text: `${t(`notice.${kind}.text`, { number: row.number })}${missing}\n\n${link}`,
      });
    }
    if (notices.length > 0) await tx.insert(caseNotifications).values(notices);
    await deps.mail.queueMany(tx, mails);
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
        events.subscribeBatch(`cases.notify.${kind}`, name, (tx, batch) => notifyApplicants(tx, batch, kind));
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
