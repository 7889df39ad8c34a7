import { and, eq, inArray, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { type Db, preparedPerDatabase } from '../../kernel/db/database.ts';
import { AppError } from '../../kernel/errors.ts';
import { newId } from '../../kernel/ids.ts';
import { maskIdNumber, maskPhone } from '../../kernel/masking.ts';
import type { AccountSummary, IdentityContract, PersonDetails, StaffRole } from './contract.ts';
import { accounts, legalEntities, mandates, staffRoles } from './db/identity.tables.ts';
import { residentIdCheckCharacter } from './domain/identifiers.ts';
import { hashPassword } from './domain/passwords.ts';
import { IdentityErrors } from './identity.errors.ts';
import { IdentityPermissions } from './identity.policy.ts';
import type { DemoPerson } from './identity.seed.ts';

/** A person's profile as staff see it: identifiers masked, because the task rarely needs them whole. */
export interface ProfileView {
  accountId: string;
  username: string;
  displayName: { 'zh-CN': string; en: string };
  idNumberMasked: string | null;
  phoneMasked: string | null;
  assuranceLevel: number;
}

/** What a person's account tells about them, for their own use (the profile a form is filled from, a notice). */
function personDetailsOf(row: typeof accounts.$inferSelect): PersonDetails {
  return {
    name: { 'zh-CN': row.displayNameZh, en: row.displayNameEn },
    idType: row.idType,
    idNumber: row.idNumber,
    phone: row.phone,
    email: row.email,
    assuranceLevel: row.assuranceLevel as 1 | 2 | 3,
    preferredLocale: row.preferredLocale,
  };
}

/**
 * The actor's statement, built once per database (preparedPerDatabase): it runs on every signed-in request that
 * acts, and building its SQL anew each time was a visible share of a submission's CPU (docs/benchmarks.md, Cases).
 */
const actorQuery = preparedPerDatabase((db) => {
  // Drizzle writes a column in a select's own SQL unqualified, which inside a subquery would name the subquery's.
  const outerAccountId = sql`${accounts}.${sql.identifier(accounts.id.name)}`;
  const at = sql`${sql.placeholder('at')}::timestamptz`;
  return db
    .select({
      kind: accounts.kind,
      assuranceLevel: accounts.assuranceLevel,
      disabledAt: accounts.disabledAt,
      clearance: accounts.clearance,
      mandates: sql<{ id: string; organisationId: string; scope: string[] }[]>`coalesce((
        select json_agg(json_build_object('id', ${mandates.id}, 'organisationId', ${mandates.legalEntityId},
          'scope', ${mandates.scope}))
        from ${mandates}
        where ${mandates.granteeId} = ${outerAccountId} and ${mandates.revokedAt} is null
          and ${mandates.validFrom} <= ${at} and ${mandates.validUntil} > ${at}), '[]'::json)`,
      roles: sql<{ departmentCode: string; role: string }[]>`coalesce((
        select json_agg(json_build_object('departmentCode', ${staffRoles.departmentCode}, 'role', ${staffRoles.role}))
        from ${staffRoles} where ${staffRoles.accountId} = ${outerAccountId}), '[]'::json)`,
    })
    .from(accounts)
    .where(eq(accounts.id, sql.placeholder('accountId')))
    .prepare('identity_actor');
});

/**
 * Builds the authorisation actor of a signed-in account: roles and clearance for staff; for a person, the mandates
 * active now (revoked and expired ones are left out, so a revocation takes effect on the next request).
 */
export async function actorOf(db: Db, accountId: string, now: Date = new Date()): Promise<Actor> {
  // One statement, the account with its live mandates and its roles.
  const [account] = await actorQuery(db).execute({ accountId, at: now.toISOString() });
  // A disabled account holds no roles and owns nothing: whatever asks in its name is refused.
  if (!account || account.disabledAt) return { kind: 'anonymous' };
  if (account.kind === 'public') {
    return {
      kind: 'person',
      accountId,
      assuranceLevel: account.assuranceLevel as 1 | 2 | 3,
      mandates: account.mandates.map((m) => ({
        id: m.id,
        organisationId: m.organisationId,
        scope: [...m.scope],
      })),
    };
  }
  return {
    kind: 'staff',
    accountId,
    clearance: account.clearance,
    roles: account.roles.map((r) => ({ departmentCode: r.departmentCode, role: r.role })),
  };
}

/**
 * Opens a person's profile for a member of staff: authorised by the one policy, refused without a stated purpose,
 * and recorded in the audit log (granted or refused) so the person can see who looked and why.
 */
export async function readProfileForStaff(
  db: Db,
  kernel: { authz: PermissionRegistry; audit: AuditLog },
  actor: Actor,
  input: {
    username: string;
    purpose: string;
    client: { clientAddress?: string; userAgent?: string; requestId?: string };
  },
): Promise<ProfileView> {
  const [account] = await db
    .select()
    .from(accounts)
    .where(eq(accounts.username, input.username.trim().toLowerCase()));
  const resource = { type: 'account', id: account?.id, ownerId: account?.id };
  const decision = kernel.authz.authorize(actor, IdentityPermissions.profileRead, resource, {
    purpose: input.purpose.trim(),
  });
  if (!decision.allowed || !account) {
    await db.transaction((tx) =>
      kernel.audit.record(tx, {
        actor: auditActorOf(actor),
        action: 'identity.profile.read',
        object: account ? { type: 'account', id: account.id } : undefined,
        outcome: 'denied',
        purpose: input.purpose.trim() || undefined,
        request: input.client,
        details: { reason: decision.allowed ? 'not-found' : decision.reason },
      }),
    );
    // A missing account is refused like a forbidden one: the answer never confirms that someone exists.
    assertAllowed(
      decision.allowed && !account
        ? { allowed: false, permission: decision.permission, reason: 'not-granted' }
        : decision,
    );
    throw new Error('unreachable');
  }
  await db.transaction((tx) =>
    kernel.audit.record(tx, {
      actor: auditActorOf(actor, decision),
      action: 'identity.profile.read',
      object: { type: 'account', id: account.id },
      subjectId: account.id,
      purpose: decision.purpose,
      request: input.client,
    }),
  );
  return {
    accountId: account.id,
    username: account.username,
    displayName: { 'zh-CN': account.displayNameZh, en: account.displayNameEn },
    idNumberMasked: account.idNumber ? maskIdNumber(account.idNumber) : null,
    phoneMasked: account.phone ? maskPhone(account.phone) : null,
    assuranceLevel: account.assuranceLevel,
  };
}

/** One's own details as the account page shows them (masked as everywhere; the e-mail is one's own login). */
export interface OwnProfile {
  assuranceLevel: 1 | 2 | 3;
  idNumberMasked: string | null;
  phoneMasked: string | null;
  email: string | null;
}

/** A person's own details, for their account page: the owner reading their own data, so nothing to record. */
export async function ownProfile(db: Db, accountId: string): Promise<OwnProfile | undefined> {
  const [account] = await db.select().from(accounts).where(eq(accounts.id, accountId));
  if (!account) return undefined;
  return {
    assuranceLevel: account.assuranceLevel as 1 | 2 | 3,
    idNumberMasked: account.idNumber ? maskIdNumber(account.idNumber) : null,
    phoneMasked: account.phone ? maskPhone(account.phone) : null,
    email: account.email,
  };
}

/** What a counter clerk records on verifying a person in person. */
export interface InPersonCheck {
  username: string;
  /** The number on the original document the person presented, as the clerk reads it. */
  documentNumber: string;
  client: { clientAddress?: string; userAgent?: string; requestId?: string };
}

/** The purpose every in-person check is recorded with: the check is its own reason. */
export const IN_PERSON_CHECK_PURPOSE = '窗口核验身份 / identity verified in person at a counter';

/**
 * Raises a person's account to L3 after a counter clerk checked their original document in person: the number the
 * clerk reads from the card must match the account's. Authorised by the one policy and audited (refusals too); the
 * person sees it under "who looked at my data". Idempotent: an account already at L3 stays there.
 */
export async function verifyInPerson(
  db: Db,
  kernel: { authz: PermissionRegistry; audit: AuditLog },
  actor: Actor,
  input: InPersonCheck,
): Promise<ProfileView> {
  const [account] = await db
    .select()
    .from(accounts)
    .where(eq(accounts.username, input.username.trim().toLowerCase()));
  const decision = kernel.authz.authorize(
    actor,
    IdentityPermissions.assuranceVerify,
    { type: 'account', id: account?.id, ownerId: account?.id },
    { purpose: IN_PERSON_CHECK_PURPOSE },
  );
  const matches =
    account?.kind === 'public' &&
    account.idNumber !== null &&
    account.idNumber === input.documentNumber.trim().toUpperCase();
  if (!decision.allowed || !account || account.kind !== 'public' || !matches) {
    await db.transaction((tx) =>
      kernel.audit.record(tx, {
        actor: auditActorOf(actor, decision.allowed ? decision : undefined),
        action: 'identity.assurance.verified',
        object: account ? { type: 'account', id: account.id } : undefined,
        ...(account && decision.allowed ? { subjectId: account.id } : {}),
        outcome: 'denied',
        purpose: IN_PERSON_CHECK_PURPOSE,
        request: input.client,
        details: {
          reason: !decision.allowed ? decision.reason : !account ? 'not-found' : 'document-mismatch',
        },
      }),
    );
    // Nobody learns from the answer whether an account exists: an unknown user name is refused as forbidden.
    if (!decision.allowed || !account || account.kind !== 'public')
      assertAllowed(
        decision.allowed
          ? { allowed: false, permission: decision.permission, reason: 'not-granted' }
          : decision,
      );
    throw new AppError(IdentityErrors.identityCheckFailed);
  }
  await db.transaction(async (tx) => {
    await tx.update(accounts).set({ assuranceLevel: 3 }).where(eq(accounts.id, account.id));
    await kernel.audit.record(tx, {
      actor: auditActorOf(actor, decision),
      action: 'identity.assurance.verified',
      object: { type: 'account', id: account.id },
      subjectId: account.id,
      purpose: IN_PERSON_CHECK_PURPOSE,
      request: input.client,
      details: { from: account.assuranceLevel, to: 3 },
    });
  });
  return {
    accountId: account.id,
    username: account.username,
    displayName: { 'zh-CN': account.displayNameZh, en: account.displayNameEn },
    idNumberMasked: account.idNumber ? maskIdNumber(account.idNumber) : null,
    phoneMasked: account.phone ? maskPhone(account.phone) : null,
    assuranceLevel: 3,
  };
}

const organisationOf = (row: typeof legalEntities.$inferSelect) => ({
  id: row.id,
  name: { 'zh-CN': row.nameZh, en: row.nameEn ?? row.nameZh },
  creditCode: row.creditCode,
  legalRepresentativeId: row.legalRepresentativeId,
});

/** Account look-ups for other modules. */
export function createIdentityService(db: Db, apiTokens: IdentityContract['apiTokens']): IdentityContract {
  return {
    apiTokens,
    actorOf: (accountId) => actorOf(db, accountId),
    // The session hook (http/session-cookie.ts) sets it; without HTTP there is none.
    sessionOf: (request) => request.identitySession,
    async ownDetails(accountId, tx = db) {
      const [row] = await tx.select().from(accounts).where(eq(accounts.id, accountId));
      return row?.kind === 'public' ? personDetailsOf(row) : undefined;
    },
    async ownDetailsOf(accountIds, tx = db) {
      if (accountIds.length === 0) return new Map();
      const rows = await tx
        .select()
        .from(accounts)
        .where(and(inArray(accounts.id, [...new Set(accountIds)]), eq(accounts.kind, 'public')));
      return new Map(rows.map((row) => [row.id, personDetailsOf(row)]));
    },
    async organisationDetails(organisationId, tx = db) {
      const [row] = await tx.select().from(legalEntities).where(eq(legalEntities.id, organisationId));
      return row ? organisationOf(row) : undefined;
    },
    async findOrganisation(creditCode) {
      const [row] = await db
        .select()
        .from(legalEntities)
        .where(eq(legalEntities.creditCode, creditCode.trim().toUpperCase()));
      return row ? organisationOf(row) : undefined;
    },
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
        idType: 'resident_id',
        idNumber: person.idFirst17 + residentIdCheckCharacter(person.idFirst17),
        phone: person.phone,
        email: `${person.username}@shifan.example`,
        clearance: person.kind === 'staff' ? 'internal' : 'public',
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
