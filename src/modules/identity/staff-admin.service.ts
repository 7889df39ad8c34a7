import { randomBytes } from 'node:crypto';
import { and, asc, count, eq, exists, gt, inArray, isNull, ne, not, or, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  type Allowed,
  assertAllowed,
  auditActorOf,
  CLASSIFICATIONS,
  type Classification,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { MailOutbox } from '../../kernel/mail/mail.ts';
import { maskIdNumber, maskPhone } from '../../kernel/masking.ts';
import { STAFF_ROLES, type StaffRole } from './contract.ts';
import { accounts, sessions, staffRoles } from './db/identity.tables.ts';
import { hashPassword } from './domain/passwords.ts';
import { IdentityErrors } from './identity.errors.ts';
import { identityMessages } from './identity.messages.ts';
import { IdentityPermissions } from './identity.policy.ts';
import { queuePasswordLink } from './password-reset.service.ts';
import type { ClientInfo } from './sessions.service.ts';

/** One role of a member of staff in one department. */
export interface StaffRoleHeld {
  departmentCode: string;
  role: StaffRole;
}

/** A staff account as the administrator's list shows it. */
export interface StaffSummary {
  id: string;
  username: string;
  displayName: { 'zh-CN': string; en: string };
  roles: StaffRoleHeld[];
  clearance: Classification;
  /** Whether the authenticator app (TOTP) is set up. */
  secondFactor: boolean;
  disabled: boolean;
}

/** One staff account as its administration page shows it: identifiers masked, never whole. */
export interface StaffDetail extends StaffSummary {
  email: string | null;
  idNumberMasked: string | null;
  phoneMasked: string | null;
  createdAt: Date;
  disabledAt: Date | null;
}

/** One page of the staff list, by user name; `nextAfter` is the cursor of the next page, if there is one. */
export interface StaffPage {
  items: StaffSummary[];
  nextAfter?: string;
}

/** The new-staff form as posted: every field a string, checked by the service. */
export interface NewStaffInput {
  username: string;
  nameZh: string;
  nameEn: string;
  email: string;
  departmentCode: string;
  role: string;
  clearance: string;
}

/** The language of field messages and the request's origin for the audit record. */
export interface StaffAdminOptions {
  locale: Locale;
  client: ClientInfo;
}

const USERNAME = /^[a-z][a-z0-9_-]{2,31}$/;
const PERSON_NAME = /^\p{L}[\p{L}\p{M} ·.'-]{0,49}$/u;
const EMAIL = /^[^\s@]+@[^\s@]+\.[^\s@]+$/;
/** Serialises the changes that could leave the platform without an active platform administrator. */
const PLATFORM_ADMINS_LOCK = 7310031;
const DEFAULT_PAGE_SIZE = 25;

const isStaffRole = (value: string): value is StaffRole => (STAFF_ROLES as readonly string[]).includes(value);
const isClassification = (value: string): value is Classification =>
  (CLASSIFICATIONS as readonly string[]).includes(value);

/** True for a unique-constraint violation, whichever driver (and Drizzle's wrapping) reported it. */
function isUniqueViolation(error: unknown): boolean {
  const e = error as { code?: string; cause?: { code?: string } };
  return e?.code === '23505' || e?.cause?.code === '23505';
}

/**
 * The platform administrator's use cases on staff accounts: list, create (with a set-password link by e-mail),
 * roles in departments, clearance, disable and restore. Every call is checked against `identity.staff.manage`;
 * every change is audited in its transaction with what was before and after; refusals are audited too.
 */
export function createStaffAdminService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  mail: MailOutbox;
  /** The department of a code, from the organisations module's directory; staff belong only to real ones. */
  findDepartment: (code: string) => Promise<{ code: string } | undefined>;
  /** Where set-password links point: the public URL, never a request's Host header. */
  baseUrl: string;
  /** Forgets this process's cached sessions of an account whose sessions were just ended (ADR 9). */
  forgetSessions: (accountId: string) => void;
  now?: () => Date;
  pageSize?: number;
}) {
  const { db, audit, authz } = deps;
  const now = deps.now ?? (() => new Date());
  const pageSize = deps.pageSize ?? DEFAULT_PAGE_SIZE;

  /** Checks the permission; a refusal is recorded (with the action attempted) and thrown as the catalogue's 403. */
  async function authorise(
    actor: Actor,
    action: string,
    accountId: string | undefined,
    client: ClientInfo,
  ): Promise<Allowed> {
    const decision = authz.authorize(actor, IdentityPermissions.staffManage, {
      type: 'account',
      ...(accountId ? { id: accountId } : {}),
    });
    if (!decision.allowed) {
      await db.transaction((tx) =>
        audit.record(tx, {
          actor: auditActorOf(actor),
          action,
          // Only an id of the right shape goes into the log: the address is the caller's to choose.
          object:
            accountId && /^acct_[0-9A-Z]{26}$/.test(accountId)
              ? { type: 'account', id: accountId }
              : undefined,
          outcome: 'denied',
          request: client,
          details: { reason: decision.reason },
        }),
      );
    }
    assertAllowed(decision);
    return decision;
  }

  const invalid = (problems: FieldProblem[]) => new AppError(IdentityErrors.staffInvalid, {}, problems);
  const notFound = () => new AppError(IdentityErrors.staffNotFound);

  /** The staff account, locked for the rest of the transaction; a person's account is "not found" here. */
  async function lockStaff(tx: Db, accountId: string) {
    const [row] = await tx
      .select()
      .from(accounts)
      .where(and(eq(accounts.id, accountId), eq(accounts.kind, 'staff')))
      .for('update');
    if (!row) throw notFound();
    return row;
  }

  async function rolesOf(tx: Db, accountId: string): Promise<StaffRoleHeld[]> {
    const rows = await tx
      .select({ departmentCode: staffRoles.departmentCode, role: staffRoles.role })
      .from(staffRoles)
      .where(eq(staffRoles.accountId, accountId))
      .orderBy(asc(staffRoles.departmentCode), asc(staffRoles.role));
    return rows.map((r) => ({ departmentCode: r.departmentCode, role: r.role as StaffRole }));
  }

  /**
   * How many platform_admin roles of active staff remain once `excluded` is gone (one role, or every role of an
   * account). Call it under PLATFORM_ADMINS_LOCK: two administrators removing each other must not both succeed.
   */
  async function activeAdminRolesWithout(
    tx: Db,
    excluded: { accountId: string; departmentCode?: string },
  ): Promise<number> {
    const [row] = await tx
      .select({ n: count() })
      .from(staffRoles)
      .innerJoin(accounts, eq(accounts.id, staffRoles.accountId))
      .where(
        and(
          eq(staffRoles.role, 'platform_admin'),
          eq(accounts.kind, 'staff'),
          isNull(accounts.disabledAt),
          excluded.departmentCode === undefined
            ? ne(staffRoles.accountId, excluded.accountId)
            : not(
                and(
                  eq(staffRoles.accountId, excluded.accountId),
                  eq(staffRoles.departmentCode, excluded.departmentCode),
                ) as ReturnType<typeof eq>,
              ),
        ),
      );
    return Number(row?.n ?? 0);
  }

  const lockPlatformAdmins = (tx: Db) =>
    tx.execute(sql`select pg_advisory_xact_lock(${PLATFORM_ADMINS_LOCK})`);

  /** The department and role fields of a form: each must name a real department and a known role. */
  async function roleProblems(
    input: { departmentCode: string; role: string },
    locale: Locale,
  ): Promise<FieldProblem[]> {
    const m = identityMessages.translator(locale);
    const problems: FieldProblem[] = [];
    const code = input.departmentCode.trim().toUpperCase();
    if (!/^[A-Z]{2,8}$/.test(code) || !(await deps.findDepartment(code)))
      problems.push({ path: 'departmentCode', message: m('staffAdmin.error.department') });
    if (!isStaffRole(input.role)) problems.push({ path: 'role', message: m('staffAdmin.error.role') });
    return problems;
  }

  return {
    /** Whether the actor may administer staff (to offer the link); asks the policy, records nothing. */
    mayManage(actor: Actor): boolean {
      return authz.authorize(actor, IdentityPermissions.staffManage, { type: 'account' }).allowed;
    },

    /** Refuses (403, audited) anyone who may not administer staff: before a page of the staff admin shows. */
    async assertMayManage(actor: Actor, clientInfo: ClientInfo): Promise<void> {
      await authorise(actor, 'identity.staff.manage', undefined, clientInfo);
    },

    /** One page of staff accounts by user name, optionally only those with a role in one department. */
    async listStaff(
      actor: Actor,
      filter: { departmentCode?: string; after?: string },
      options: StaffAdminOptions,
    ): Promise<StaffPage> {
      await authorise(actor, 'identity.staff.manage', undefined, options.client);
      const department = filter.departmentCode?.trim().toUpperCase();
      if (department && !(await deps.findDepartment(department))) {
        const m = identityMessages.translator(options.locale);
        throw invalid([{ path: 'department', message: m('staffAdmin.error.department') }]);
      }
      const rows = await db
        .select({
          id: accounts.id,
          username: accounts.username,
          nameZh: accounts.displayNameZh,
          nameEn: accounts.displayNameEn,
          clearance: accounts.clearance,
          totpEnabledAt: accounts.totpEnabledAt,
          disabledAt: accounts.disabledAt,
        })
        .from(accounts)
        .where(
          and(
            eq(accounts.kind, 'staff'),
            filter.after ? gt(accounts.username, filter.after) : undefined,
            department
              ? exists(
                  db
                    .select({ one: sql`1` })
                    .from(staffRoles)
                    .where(
                      and(eq(staffRoles.accountId, accounts.id), eq(staffRoles.departmentCode, department)),
                    ),
                )
              : undefined,
          ),
        )
        .orderBy(asc(accounts.username))
        .limit(pageSize + 1);
      const page = rows.slice(0, pageSize);
      const roles =
        page.length === 0
          ? []
          : await db
              .select()
              .from(staffRoles)
              .where(
                inArray(
                  staffRoles.accountId,
                  page.map((r) => r.id),
                ),
              )
              .orderBy(asc(staffRoles.departmentCode), asc(staffRoles.role));
      return {
        items: page.map((r) => ({
          id: r.id,
          username: r.username,
          displayName: { 'zh-CN': r.nameZh, en: r.nameEn },
          roles: roles
            .filter((role) => role.accountId === r.id)
            .map((role) => ({ departmentCode: role.departmentCode, role: role.role as StaffRole })),
          clearance: r.clearance,
          secondFactor: r.totpEnabledAt !== null,
          disabled: r.disabledAt !== null,
        })),
        ...(rows.length > pageSize ? { nextAfter: page[page.length - 1]?.username } : {}),
      };
    },

    /** One staff account for its administration page, with ID number and phone masked. */
    async getStaff(actor: Actor, accountId: string, options: StaffAdminOptions): Promise<StaffDetail> {
      await authorise(actor, 'identity.staff.manage', accountId, options.client);
      const [row] = await db
        .select()
        .from(accounts)
        .where(and(eq(accounts.id, accountId), eq(accounts.kind, 'staff')));
      if (!row) throw notFound();
      return {
        id: row.id,
        username: row.username,
        displayName: { 'zh-CN': row.displayNameZh, en: row.displayNameEn },
        roles: await rolesOf(db, row.id),
        clearance: row.clearance,
        secondFactor: row.totpEnabledAt !== null,
        disabled: row.disabledAt !== null,
        email: row.email,
        idNumberMasked: row.idNumber ? maskIdNumber(row.idNumber) : null,
        phoneMasked: row.phone ? maskPhone(row.phone) : null,
        createdAt: row.createdAt,
        disabledAt: row.disabledAt,
      };
    },

    /**
     * Creates a staff account with its first role and clearance, and mails the person a single-use link to set
     * their password (queued in the same transaction). Until then nobody knows a password that opens it.
     */
    async createStaff(actor: Actor, input: NewStaffInput, options: StaffAdminOptions): Promise<string> {
      const decision = await authorise(actor, 'identity.staff.created', undefined, options.client);
      const m = identityMessages.translator(options.locale);
      const username = input.username.trim().toLowerCase();
      const email = input.email.trim().toLowerCase();
      const nameZh = input.nameZh.trim();
      const nameEn = input.nameEn.trim();
      const problems: FieldProblem[] = [];
      if (!USERNAME.test(username))
        problems.push({ path: 'username', message: m('register.error.username') });
      if (!PERSON_NAME.test(nameZh)) problems.push({ path: 'nameZh', message: m('staffAdmin.error.nameZh') });
      if (!PERSON_NAME.test(nameEn)) problems.push({ path: 'nameEn', message: m('staffAdmin.error.nameEn') });
      if (!EMAIL.test(email) || email.length > 254)
        problems.push({ path: 'email', message: m('staffAdmin.error.email') });
      problems.push(...(await roleProblems(input, options.locale)));
      if (!isClassification(input.clearance))
        problems.push({ path: 'clearance', message: m('staffAdmin.error.clearance') });
      if (problems.length > 0) throw invalid(problems);
      const clearance = input.clearance as Classification;
      const role = {
        departmentCode: input.departmentCode.trim().toUpperCase(),
        role: input.role as StaffRole,
      };

      const taken = async () => {
        const rows = await db
          .select({ username: accounts.username, email: accounts.email })
          .from(accounts)
          .where(or(eq(accounts.username, username), eq(accounts.email, email)));
        const fields: FieldProblem[] = [];
        if (rows.some((r) => r.username === username))
          fields.push({ path: 'username', message: m('staffAdmin.error.usernameTaken') });
        if (rows.some((r) => r.email === email))
          fields.push({ path: 'email', message: m('staffAdmin.error.emailTaken') });
        return fields;
      };
      const clash = await taken();
      if (clash.length > 0) throw new AppError(IdentityErrors.staffTaken, {}, clash);

      // A password nobody knows: the account opens only through the mailed link.
      const passwordHash = await hashPassword(randomBytes(32).toString('base64url'));
      const id = newId('acct');
      try {
        await db.transaction(async (tx) => {
          await tx.insert(accounts).values({
            id,
            username,
            displayNameZh: nameZh,
            displayNameEn: nameEn,
            kind: 'staff',
            email,
            clearance,
            passwordHash,
            createdAt: now(),
          });
          await tx.insert(staffRoles).values({ accountId: id, ...role });
          await queuePasswordLink(
            tx,
            { mail: deps.mail, baseUrl: deps.baseUrl, now },
            { id, username, email, displayNameZh: nameZh, preferredLocale: 'zh-CN' },
            'welcome',
          );
          await audit.record(tx, {
            actor: auditActorOf(actor, decision),
            action: 'identity.staff.created',
            object: { type: 'account', id },
            request: options.client,
            details: {
              after: { username, nameZh, nameEn, email, roles: [role], clearance, disabled: false },
            },
          });
        });
      } catch (error) {
        // Another administrator took the name a moment ago: the same answer as if it had been taken before.
        if (isUniqueViolation(error)) throw new AppError(IdentityErrors.staffTaken, {}, await taken());
        throw error;
      }
      return id;
    },

    /** Gives a member of staff a role in a department (which must exist). */
    async addRole(
      actor: Actor,
      accountId: string,
      input: { departmentCode: string; role: string },
      options: StaffAdminOptions,
    ): Promise<void> {
      const decision = await authorise(actor, 'identity.staff.roleAdded', accountId, options.client);
      const problems = await roleProblems(input, options.locale);
      if (problems.length > 0) throw invalid(problems);
      const role = {
        departmentCode: input.departmentCode.trim().toUpperCase(),
        role: input.role as StaffRole,
      };
      await db.transaction(async (tx) => {
        await lockStaff(tx, accountId);
        const before = await rolesOf(tx, accountId);
        const added = await tx
          .insert(staffRoles)
          .values({ accountId, ...role })
          .onConflictDoNothing()
          .returning({ role: staffRoles.role });
        if (added.length === 0) throw new AppError(IdentityErrors.staffRoleHeld);
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.staff.roleAdded',
          object: { type: 'account', id: accountId },
          request: options.client,
          details: { role, before: { roles: before }, after: { roles: await rolesOf(tx, accountId) } },
        });
      });
    },

    /** Takes a role away; never the platform's last platform_admin role held by an active account. */
    async removeRole(
      actor: Actor,
      accountId: string,
      input: { departmentCode: string; role: string },
      options: StaffAdminOptions,
    ): Promise<void> {
      const decision = await authorise(actor, 'identity.staff.roleRemoved', accountId, options.client);
      const role = { departmentCode: input.departmentCode.trim().toUpperCase(), role: input.role };
      await db.transaction(async (tx) => {
        if (role.role === 'platform_admin') await lockPlatformAdmins(tx);
        const account = await lockStaff(tx, accountId);
        const before = await rolesOf(tx, accountId);
        if (!before.some((r) => r.departmentCode === role.departmentCode && r.role === role.role))
          throw new AppError(IdentityErrors.staffRoleNotHeld);
        if (
          role.role === 'platform_admin' &&
          account.disabledAt === null &&
          (await activeAdminRolesWithout(tx, { accountId, departmentCode: role.departmentCode })) === 0
        )
          throw new AppError(IdentityErrors.lastPlatformAdmin);
        await tx
          .delete(staffRoles)
          .where(
            and(
              eq(staffRoles.accountId, accountId),
              eq(staffRoles.departmentCode, role.departmentCode),
              eq(staffRoles.role, role.role),
            ),
          );
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.staff.roleRemoved',
          object: { type: 'account', id: accountId },
          request: options.client,
          details: { role, before: { roles: before }, after: { roles: await rolesOf(tx, accountId) } },
        });
      });
    },

    /** Sets the highest classification the person may see. Setting the same clearance changes (and records) nothing. */
    async setClearance(
      actor: Actor,
      accountId: string,
      clearance: string,
      options: StaffAdminOptions,
    ): Promise<void> {
      const decision = await authorise(actor, 'identity.staff.clearanceChanged', accountId, options.client);
      if (!isClassification(clearance)) {
        const m = identityMessages.translator(options.locale);
        throw invalid([{ path: 'clearance', message: m('staffAdmin.error.clearance') }]);
      }
      await db.transaction(async (tx) => {
        const account = await lockStaff(tx, accountId);
        if (account.clearance === clearance) return;
        await tx.update(accounts).set({ clearance }).where(eq(accounts.id, accountId));
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.staff.clearanceChanged',
          object: { type: 'account', id: accountId },
          request: options.client,
          details: { before: { clearance: account.clearance }, after: { clearance } },
        });
      });
    },

    /**
     * Disables an account: sign-in is refused from now on (as for a wrong password) and every session ends at once.
     * Never one's own account, nor the last active platform administrator. Disabling a disabled account does nothing.
     */
    async disable(actor: Actor, accountId: string, options: StaffAdminOptions): Promise<void> {
      const decision = await authorise(actor, 'identity.staff.disabled', accountId, options.client);
      if (actor.kind === 'staff' && actor.accountId === accountId)
        throw new AppError(IdentityErrors.cannotDisableSelf);
      const disabled = await db.transaction(async (tx) => {
        await lockPlatformAdmins(tx);
        const account = await lockStaff(tx, accountId);
        if (account.disabledAt !== null) return false;
        const roles = await rolesOf(tx, accountId);
        if (
          roles.some((r) => r.role === 'platform_admin') &&
          (await activeAdminRolesWithout(tx, { accountId })) === 0
        )
          throw new AppError(IdentityErrors.lastPlatformAdmin);
        await tx.update(accounts).set({ disabledAt: now() }).where(eq(accounts.id, accountId));
        const closed = await tx
          .update(sessions)
          .set({ endedAt: now() })
          .where(and(eq(sessions.accountId, accountId), isNull(sessions.endedAt)))
          .returning({ id: sessions.id });
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.staff.disabled',
          object: { type: 'account', id: accountId },
          request: options.client,
          details: {
            before: { disabled: false },
            after: { disabled: true },
            sessionsEnded: closed.map((s) => s.id),
          },
        });
        return true;
      });
      // After the commit: forgotten earlier, a request in between could cache the session again (ADR 9).
      if (disabled) deps.forgetSessions(accountId);
    },

    /** Restores a disabled account: it may sign in again (its ended sessions stay ended). */
    async enable(actor: Actor, accountId: string, options: StaffAdminOptions): Promise<void> {
      const decision = await authorise(actor, 'identity.staff.enabled', accountId, options.client);
      await db.transaction(async (tx) => {
        const account = await lockStaff(tx, accountId);
        if (account.disabledAt === null) return;
        await tx.update(accounts).set({ disabledAt: null }).where(eq(accounts.id, accountId));
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.staff.enabled',
          object: { type: 'account', id: accountId },
          request: options.client,
          details: { before: { disabled: true, disabledAt: account.disabledAt }, after: { disabled: false } },
        });
      });
    },
  };
}

/** The staff administration service's type, for routes and tests. */
export type StaffAdminService = ReturnType<typeof createStaffAdminService>;
