import {
  type AuditOutcome,
  type AuditSearchPage,
  searchAuditRecords,
} from '../../kernel/audit/audit.search.ts';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
  type Refused,
} from '../../kernel/authz/authz.ts';
import { endOfCivilDay, startOfCivilDay } from '../../kernel/calendar/civil-day.ts';
import type { Db } from '../../kernel/db/database.ts';
import { SupervisionPermissions } from './supervision.policy.ts';

/** What an auditor searches by; dates are civil days (YYYY-MM-DD) in the platform's time zone, both included. */
export interface AuditSearchFilters {
  actorId?: string;
  /** The beginning of an action code, e.g. `identity.` */
  action?: string;
  objectType?: string;
  objectId?: string;
  subjectId?: string;
  from?: string;
  to?: string;
  outcome?: AuditOutcome;
  /** The `nextBefore` of the previous page. */
  before?: number;
}

/** The request's origin, for the audit record of the search. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

/** The auditor's use cases. */
export interface SupervisionService {
  /**
   * Refuses (throws the catalogue's 403) anyone who could not search even with a purpose, and records the refusal:
   * only those who may search are shown the form.
   */
  assertMaySearch(actor: Actor, client: ClientInfo): Promise<void>;
  /** Searches the audit log for a stated purpose, and records the search (purpose and filters) in the same transaction. */
  searchAuditLog(
    actor: Actor,
    input: { filters: AuditSearchFilters; purpose: string },
    client: ClientInfo,
  ): Promise<AuditSearchPage>;
}

/** The audit record of a search, whatever its answer. */
const SEARCHED = 'supervision.audit.searched';
/** Records shown per page: one screen for a person reading them. */
const PAGE_SIZE = 50;
// The audit log as a whole: no department, and no owner, so only a role with 'any-department' reaches it.
const AUDIT_LOG = { type: 'audit-log' } as const;

/** The filters as recorded: only those given, dates with the time zone that gave them meaning. */
function describeFilters(filters: AuditSearchFilters, timeZone: string): Record<string, unknown> {
  const given = Object.fromEntries(Object.entries(filters).filter(([, value]) => value !== undefined));
  return filters.from !== undefined || filters.to !== undefined ? { ...given, timeZone } : given;
}

/** Creates the supervision service over the kernel's audit log and its one authorisation policy. */
export function createSupervisionService(kernel: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  timeZone: string;
}): SupervisionService {
  const { db, audit, authz, timeZone } = kernel;

  // A refused attempt on the audit log is itself worth an auditor's attention.
  async function recordRefusal(
    actor: Actor,
    decision: Refused,
    client: ClientInfo,
    details: Record<string, unknown>,
  ): Promise<void> {
    await db.transaction((tx) =>
      audit.record(tx, {
        actor: auditActorOf(actor),
        action: SEARCHED,
        outcome: 'denied',
        request: client,
        details: { reason: decision.reason, ...details },
      }),
    );
  }

  return {
    async assertMaySearch(actor, client) {
      const decision = authz.authorize(actor, SupervisionPermissions.auditSearch, AUDIT_LOG);
      // 'purpose-required' is the policy's "allowed once you say why": exactly who may see the form.
      if (decision.allowed || decision.reason === 'purpose-required') return;
      await recordRefusal(actor, decision, client, {});
      assertAllowed(decision);
    },

    async searchAuditLog(actor, { filters, purpose }, client) {
      const decision = authz.authorize(actor, SupervisionPermissions.auditSearch, AUDIT_LOG, { purpose });
      const details = { filters: describeFilters(filters, timeZone) };
      if (!decision.allowed) await recordRefusal(actor, decision, client, details);
      assertAllowed(decision);
      return db.transaction(async (tx) => {
        const page = await searchAuditRecords(tx, {
          actorId: filters.actorId,
          action: filters.action,
          objectType: filters.objectType,
          objectId: filters.objectId,
          subjectId: filters.subjectId,
          from: filters.from !== undefined ? startOfCivilDay(filters.from, timeZone) : undefined,
          to: filters.to !== undefined ? endOfCivilDay(filters.to, timeZone) : undefined,
          outcome: filters.outcome,
          before: filters.before,
          limit: PAGE_SIZE,
        });
        // Recorded last, to hold the chain's head lock briefly (ADR 8); the search does not see its own record.
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: SEARCHED,
          // Searching by one person is a read of that person's records: it shows in their "who looked at my data".
          subjectId: filters.subjectId,
          purpose: decision.purpose,
          request: client,
          details: { ...details, returned: page.records.length },
        });
        return page;
      });
    },
  };
}
