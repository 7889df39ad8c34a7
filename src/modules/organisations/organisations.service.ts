import { asc, eq, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  assertAllowed,
  auditActorOf,
  type Decision,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { ttlCache } from '../../kernel/cache.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { Department, OrganisationsContract } from './contract.ts';
import { departments } from './db/organisations.tables.ts';
import { OrganisationsErrors } from './organisations.errors.ts';
import { organisationsMessages } from './organisations.messages.ts';
import { OrganisationsPermissions } from './organisations.policy.ts';

type DepartmentRow = typeof departments.$inferSelect;

function toDepartment(row: DepartmentRow): Department {
  return {
    id: row.id,
    code: row.code,
    name: { 'zh-CN': row.nameZh, en: row.nameEn },
    sortOrder: row.sortOrder,
    website: row.websiteUrl,
  };
}

// The directory changes a few times a year and is read on every portal page: another instance may show a change
// up to this long after it was made.
const DIRECTORY_CACHE_MS = 10_000;

/** A department code: 2–6 capital letters, unique, and never changed once created (other records name it). */
export const DEPARTMENT_CODE = /^[A-Z]{2,6}$/;
const NAME_MAX_LENGTH = 100;
const WEBSITE_MAX_LENGTH = 300;
const SORT_ORDER_MAX = 9999;

/** The department form as posted: every field a string, checked by the service. */
export interface DepartmentInput {
  /** Only when creating: the code cannot be changed afterwards. */
  code?: string;
  nameZh: string;
  nameEn: string;
  sortOrder: string;
  /** Blank for none. */
  website: string;
}

/** Where a request came from, for the audit record. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

/** Department fields after checking: what is stored. */
interface DepartmentValues {
  nameZh: string;
  nameEn: string;
  sortOrder: number;
  websiteUrl: string | null;
}

/** The web site as stored (normalised by the URL parser), or undefined when it is not an http(s) address. */
function websiteOf(value: string): string | undefined {
  if (value.length > WEBSITE_MAX_LENGTH || !/^https?:\/\//i.test(value)) return undefined;
  try {
    const url = new URL(value);
    // No user:password@ — a directory link must never carry credentials, nor hide the host behind them.
    if (!['http:', 'https:'].includes(url.protocol) || url.username || url.password || !url.hostname)
      return undefined;
    return url.href;
  } catch {
    return undefined;
  }
}

/** Checks a department form and lists every problem at once, in the administrator's language. */
export function departmentProblems(
  input: DepartmentInput,
  locale: Locale,
): { problems: FieldProblem[]; values: DepartmentValues & { code?: string } } {
  const m = organisationsMessages.translator(locale);
  const problems: FieldProblem[] = [];
  const code = input.code?.trim().toUpperCase();
  if (input.code !== undefined && !DEPARTMENT_CODE.test(code ?? ''))
    problems.push({ path: 'code', message: m('admin.error.code') });
  const nameZh = input.nameZh.trim();
  if (nameZh === '' || nameZh.length > NAME_MAX_LENGTH)
    problems.push({ path: 'nameZh', message: m('admin.error.nameZh') });
  const nameEn = input.nameEn.trim();
  if (nameEn === '' || nameEn.length > NAME_MAX_LENGTH)
    problems.push({ path: 'nameEn', message: m('admin.error.nameEn') });
  const sortText = input.sortOrder.trim();
  const sortOrder = /^\d{1,4}$/.test(sortText) ? Number(sortText) : Number.NaN;
  if (!(sortOrder >= 0 && sortOrder <= SORT_ORDER_MAX))
    problems.push({ path: 'sortOrder', message: m('admin.error.sortOrder') });
  const websiteText = input.website.trim();
  const websiteUrl = websiteText === '' ? null : websiteOf(websiteText);
  if (websiteUrl === undefined) problems.push({ path: 'website', message: m('admin.error.website') });
  return { problems, values: { code, nameZh, nameEn, sortOrder, websiteUrl: websiteUrl ?? null } };
}

/** The module's service: the public directory (the contract) and the platform administrator's use cases. */
export interface OrganisationsService extends OrganisationsContract {
  /** Refuses (the catalogue's 403, audited) anyone who may not manage departments: before an admin page shows. */
  assertMayManage(actor: Actor, client: ClientInfo): Promise<void>;
  /** A department as stored now (not the cached directory), for its edit form; 404 when there is none. */
  departmentForEdit(actor: Actor, code: string, client: ClientInfo): Promise<Department>;
  /** The sort order after the last department: the default for a new one. */
  nextSortOrder(): Promise<number>;
  /** Creates a department; audited with what was created. */
  createDepartment(
    actor: Actor,
    input: DepartmentInput,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<Department>;
  /** Changes a department's names, sort order and web site (never its code); audited with before and after. */
  updateDepartment(
    actor: Actor,
    code: string,
    input: Omit<DepartmentInput, 'code'>,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<Department>;
}

const MANAGE = 'organisations.department.manage';
const CREATED = 'organisations.department.created';
const UPDATED = 'organisations.department.updated';

/**
 * Department use cases. Reading needs no permission: the directory of departments is public information. Changing
 * it is the platform administrator's (`organisations.department.manage`), checked on every call.
 */
export function createOrganisationsService(kernel: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
}): OrganisationsService {
  const { db, audit, authz } = kernel;
  const directory = ttlCache(async () => {
    const rows = await db
      .select()
      .from(departments)
      .orderBy(asc(departments.sortOrder), asc(departments.code));
    return rows.map(toDepartment);
  }, DIRECTORY_CACHE_MS);

  /** Authorises the actor for a department (or the directory), recording and throwing a refusal. */
  async function authorise(
    actor: Actor,
    action: string,
    code: string | undefined,
    client: ClientInfo,
  ): Promise<Decision> {
    const decision = authz.authorize(actor, OrganisationsPermissions.departmentManage, {
      type: 'department',
      ...(code ? { departmentCode: code } : {}),
    });
    if (!decision.allowed) {
      await db.transaction((tx) =>
        audit.record(tx, {
          actor: auditActorOf(actor),
          action,
          outcome: 'denied',
          request: client,
          details: { reason: decision.reason, ...(code ? { code } : {}) },
        }),
      );
      assertAllowed(decision);
    }
    return decision;
  }

  const invalid = (problems: FieldProblem[]) =>
    new AppError(OrganisationsErrors.departmentInvalid, {}, problems);

  return {
    listDepartments: () => directory.get(),
    async findDepartment(code) {
      const wanted = code.toUpperCase();
      return (await directory.get()).find((d) => d.code === wanted);
    },

    async assertMayManage(actor, client) {
      await authorise(actor, MANAGE, undefined, client);
    },

    async departmentForEdit(actor, code, client) {
      const wanted = code.trim().toUpperCase();
      await authorise(actor, MANAGE, wanted, client);
      const [row] = await db.select().from(departments).where(eq(departments.code, wanted));
      if (!row) throw new AppError(OrganisationsErrors.departmentNotFound, { code: wanted });
      return toDepartment(row);
    },

    async nextSortOrder() {
      const [row] = await db
        .select({ last: sql<number | null>`max(${departments.sortOrder})` })
        .from(departments);
      return Math.min(Number(row?.last ?? 0) + 1, SORT_ORDER_MAX);
    },

    async createDepartment(actor, input, { locale, client }) {
      const decision = await authorise(actor, CREATED, undefined, client);
      const { problems, values } = departmentProblems({ ...input, code: input.code ?? '' }, locale);
      if (problems.length > 0) throw invalid(problems);
      const code = values.code ?? '';
      const { code: _code, ...fields } = values;
      const created = await db.transaction(async (tx) => {
        // The unique code decides, even between two administrators creating the same code at once.
        const [row] = await tx
          .insert(departments)
          .values({ id: newId('dep'), code, ...fields })
          .onConflictDoNothing({ target: departments.code })
          .returning();
        if (!row) throw new AppError(OrganisationsErrors.departmentCodeTaken, { code });
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: CREATED,
          object: { type: 'department', id: row.id },
          request: client,
          details: { code, after: fields },
        });
        return row;
      });
      directory.invalidate();
      return toDepartment(created);
    },

    async updateDepartment(actor, code, input, { locale, client }) {
      const wanted = code.trim().toUpperCase();
      const decision = await authorise(actor, UPDATED, wanted, client);
      const { problems, values } = departmentProblems(input, locale);
      if (problems.length > 0) throw invalid(problems);
      const { code: _code, ...fields } = values;
      const updated = await db.transaction(async (tx) => {
        const [row] = await tx.select().from(departments).where(eq(departments.code, wanted)).for('update');
        if (!row) throw new AppError(OrganisationsErrors.departmentNotFound, { code: wanted });
        const before: DepartmentValues = {
          nameZh: row.nameZh,
          nameEn: row.nameEn,
          sortOrder: row.sortOrder,
          websiteUrl: row.websiteUrl,
        };
        // Saving an unchanged form changes nothing, so there is nothing to record.
        if (JSON.stringify(before) === JSON.stringify(fields)) return row;
        const [after] = await tx
          .update(departments)
          .set(fields)
          .where(eq(departments.id, row.id))
          .returning();
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: UPDATED,
          object: { type: 'department', id: row.id },
          request: client,
          details: { code: wanted, before, after: fields },
        });
        return after ?? row;
      });
      directory.invalidate();
      return toDepartment(updated);
    },
  };
}

/** Inserts departments that are not there yet (by code), each with its audit record; returns how many were added. */
export async function addMissingDepartments(
  tx: Db,
  audit: AuditLog,
  list: readonly { code: string; nameZh: string; nameEn: string }[],
): Promise<number> {
  const added = await tx
    .insert(departments)
    .values(list.map((d, index) => ({ id: newId('dep'), sortOrder: index + 1, ...d })))
    .onConflictDoNothing({ target: departments.code })
    .returning({ id: departments.id, code: departments.code });
  for (const department of added) {
    await audit.record(tx, {
      actor: { kind: 'system' },
      action: 'organisations.department.created',
      object: { type: 'department', id: department.id },
      details: { code: department.code, source: 'demo seed' },
    });
  }
  return added.length;
}
