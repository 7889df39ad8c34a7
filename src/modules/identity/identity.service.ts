import { eq } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import type { AccountSummary, IdentityContract, StaffRole } from './contract.ts';
import { accounts, staffRoles } from './db/identity.tables.ts';
import { hashPassword } from './domain/passwords.ts';
import type { DemoPerson } from './identity.seed.ts';

/** Account look-ups for other modules. */
export function createIdentityService(db: Db): IdentityContract {
  return {
    async findAccount(username) {
      const [row] = await db.select().from(accounts).where(eq(accounts.username, username));
      if (!row) return undefined;
      const roles = await db.select().from(staffRoles).where(eq(staffRoles.accountId, row.id));
      const summary: AccountSummary = {
        id: row.id,
        username: row.username,
        displayName: { 'zh-CN': row.displayNameZh, en: row.displayNameEn },
        kind: row.kind,
        assuranceLevel: row.assuranceLevel as 1 | 2 | 3,
        roles: roles.map((r) => ({ departmentCode: r.departmentCode, role: r.role as StaffRole })),
      };
      return summary;
    },
  };
}

/** Creates the demo accounts that do not exist yet (by username); returns the usernames created. */
export async function addMissingDemoAccounts(
  tx: Db,
  audit: AuditLog,
  people: readonly DemoPerson[],
  password: string,
): Promise<string[]> {
  const created: string[] = [];
  const passwordHash = await hashPassword(password);
  for (const person of people) {
    const id = newId('acct');
    const inserted = await tx
      .insert(accounts)
      .values({
        id,
        username: person.username,
        displayNameZh: person.nameZh,
        displayNameEn: person.nameEn,
        kind: person.kind,
        assuranceLevel: person.assuranceLevel,
        passwordHash,
      })
      .onConflictDoNothing({ target: accounts.username })
      .returning({ id: accounts.id });
    if (inserted.length === 0) continue;
    if (person.roles.length > 0) {
      await tx.insert(staffRoles).values(person.roles.map((r) => ({ accountId: id, ...r })));
    }
    await audit.record(tx, {
      actor: { kind: 'system' },
      action: 'identity.account.created',
      object: { type: 'account', id },
      subjectId: id,
      details: { username: person.username, kind: person.kind, roles: person.roles, source: 'demo seed' },
    });
    created.push(person.username);
  }
  return created;
}
