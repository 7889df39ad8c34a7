import { asc, eq } from 'drizzle-orm';
import type { Db } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import type { Department, OrganisationsContract } from './contract.ts';
import { departments } from './db/organisations.tables.ts';

type DepartmentRow = typeof departments.$inferSelect;

function toDepartment(row: DepartmentRow): Department {
  return { id: row.id, code: row.code, name: { 'zh-CN': row.nameZh, en: row.nameEn } };
}

/** Department use cases. Reading needs no permission: the directory of departments is public information. */
export function createOrganisationsService(db: Db): OrganisationsContract {
  return {
    async listDepartments() {
      const rows = await db
        .select()
        .from(departments)
        .orderBy(asc(departments.sortOrder), asc(departments.code));
      return rows.map(toDepartment);
    },
    async findDepartment(code) {
      const [row] = await db.select().from(departments).where(eq(departments.code, code.toUpperCase()));
      return row ? toDepartment(row) : undefined;
    },
  };
}

/** Inserts departments that are not there yet (by code); returns how many were added. */
export async function addMissingDepartments(
  tx: Db,
  list: readonly { code: string; nameZh: string; nameEn: string }[],
): Promise<number> {
  const added = await tx
    .insert(departments)
    .values(list.map((d, index) => ({ id: newId('dep'), sortOrder: index + 1, ...d })))
    .onConflictDoNothing({ target: departments.code })
    .returning({ id: departments.id });
  return added.length;
}
