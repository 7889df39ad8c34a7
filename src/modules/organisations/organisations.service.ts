import { asc } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { ttlCache } from '../../kernel/cache.ts';
import type { Db } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import type { Department, OrganisationsContract } from './contract.ts';
import { departments } from './db/organisations.tables.ts';

type DepartmentRow = typeof departments.$inferSelect;

function toDepartment(row: DepartmentRow): Department {
  return { id: row.id, code: row.code, name: { 'zh-CN': row.nameZh, en: row.nameEn } };
}

// The directory changes a few times a year and is read on every portal page: another instance may show a change
// up to this long after it was made.
const DIRECTORY_CACHE_MS = 10_000;

/** Department use cases. Reading needs no permission: the directory of departments is public information. */
export function createOrganisationsService(db: Db): OrganisationsContract {
  const directory = ttlCache(async () => {
    const rows = await db
      .select()
      .from(departments)
      .orderBy(asc(departments.sortOrder), asc(departments.code));
    return rows.map(toDepartment);
  }, DIRECTORY_CACHE_MS);
  return {
    listDepartments: () => directory.get(),
    async findDepartment(code) {
      const wanted = code.toUpperCase();
      return (await directory.get()).find((d) => d.code === wanted);
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
