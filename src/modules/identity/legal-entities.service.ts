import { and, asc, desc, eq, ilike, inArray, isNull } from 'drizzle-orm';
import { type AuditRecordView, searchAuditRecords } from '../../kernel/audit/audit.search.ts';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  AuthorizationError,
  actorIdOf,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { endOfCivilDay, isCivilDate } from '../../kernel/calendar/civil-day.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { BusinessRegister } from './business-register.ts';
import { accounts, legalEntities, mandates } from './db/identity.tables.ts';
import { isValidCreditCode } from './domain/identifiers.ts';
import { IdentityErrors } from './identity.errors.ts';
import { IdentityPermissions } from './identity.policy.ts';
import { legalEntityMessages } from './legal-entities.messages.ts';

/** The longest a mandate may run: a person renews it rather than holding authority for ever. */
export const MANDATE_MAX_DAYS = 3 * 366;
const DAY_MS = 24 * 3600 * 1000;

/** Where a request came from, for the audit log. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

/** A legal entity as its pages show it. */
export interface LegalEntityView {
  id: string;
  creditCode: string;
  name: { 'zh-CN': string; en: string };
  kind: 'enterprise' | 'social_organisation' | 'public_institution' | 'other';
  legalRepresentative: { accountId: string; displayName: { 'zh-CN': string; en: string } };
  verifiedBy: 'business_register' | 'administrator';
}

/** A mandate as its pages show it. */
export interface MandateView {
  id: string;
  legalEntityId: string;
  grantee: { accountId: string; username: string; displayName: { 'zh-CN': string; en: string } };
  scope: string[];
  grantedAs: 'legal_representative' | 'administrator';
  note: string | null;
  validFrom: Date;
  validUntil: Date;
  revokedAt: Date | null;
  revokeReason: string | null;
  /** Active now: not revoked, not expired. */
  active: boolean;
}

/** What a person sees of their legal entities and of the mandates they hold. */
export interface MyLegalEntities {
  represented: LegalEntityView[];
  mandatesHeld: (MandateView & { legalEntity: LegalEntityView })[];
}

/** The legal entity page: the record, and for its representative and administrators the mandates and their use. */
export interface LegalEntityPage {
  entity: LegalEntityView;
  /** Present when the actor may grant mandates for the entity (its representative, an administrator). */
  mandates?: MandateView[];
  /** Actions taken under the entity's mandates, newest first (same condition). */
  actionsUnderMandates?: AuditRecordView[];
  /** The actor's own mandate for the entity, when acting under one. */
  myMandate?: MandateView;
}

/** A grant as a form submits it. */
export interface GrantInput {
  granteeUsername: string;
  /** The grantee's name as on their ID document: granting to a mistyped user name is refused. */
  granteeName: string;
  scope: string[];
  /** The last day (inclusive), YYYY-MM-DD, in the platform's time zone. */
  validUntil: string;
  /** Required of administrators: the written authorisation they saw. */
  note?: string;
}

type EntityRow = typeof legalEntities.$inferSelect;
type AccountRow = typeof accounts.$inferSelect;
type MandateRow = typeof mandates.$inferSelect;

const nameOf = (a: Pick<AccountRow, 'displayNameZh' | 'displayNameEn'>) => ({
  'zh-CN': a.displayNameZh,
  en: a.displayNameEn,
});

/** Inserts a legal entity with its audit record; false (and nothing written) when its credit code is linked already. */
async function insertLegalEntity(
  tx: Db,
  audit: AuditLog,
  row: typeof legalEntities.$inferInsert,
  entry: AuditEntry,
): Promise<boolean> {
  const inserted = await tx
    .insert(legalEntities)
    .values(row)
    .onConflictDoNothing({ target: legalEntities.creditCode })
    .returning({ id: legalEntities.id });
  if (inserted.length === 0) return false;
  await audit.record(tx, entry);
  return true;
}

/** Legal entities (法人) and mandates (授权/代办): who may act for whom, granted, revoked and visible. */
export function createLegalEntitiesService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  register: BusinessRegister;
  /** The platform's time zone: a mandate ends at the end of its last day there. */
  timeZone: string;
  now?: () => Date;
}) {
  const { db } = deps;
  const now = deps.now ?? (() => new Date());

  const entityResource = (entity: EntityRow) => ({
    type: 'legalEntity',
    id: entity.id,
    ownerId: entity.legalRepresentativeId,
    organisationId: entity.id,
  });

  async function viewOf(entity: EntityRow): Promise<LegalEntityView> {
    const [rep] = await db.select().from(accounts).where(eq(accounts.id, entity.legalRepresentativeId));
    return {
      id: entity.id,
      creditCode: entity.creditCode,
      name: { 'zh-CN': entity.nameZh, en: entity.nameEn ?? entity.nameZh },
      kind: entity.kind,
      legalRepresentative: {
        accountId: entity.legalRepresentativeId,
        displayName: rep ? nameOf(rep) : { 'zh-CN': '—', en: '—' },
      },
      verifiedBy: entity.verifiedBy,
    };
  }

  function mandateView(row: MandateRow, grantee: AccountRow): MandateView {
    const at = now();
    return {
      id: row.id,
      legalEntityId: row.legalEntityId,
      grantee: { accountId: grantee.id, username: grantee.username, displayName: nameOf(grantee) },
      scope: row.scope,
      grantedAs: row.grantedAs,
      note: row.note,
      validFrom: row.validFrom,
      validUntil: row.validUntil,
      revokedAt: row.revokedAt,
      revokeReason: row.revokeReason,
      active: row.revokedAt === null && row.validFrom <= at && row.validUntil > at,
    };
  }

  async function mandatesWithGrantees(where: ReturnType<typeof eq>) {
    return db
      .select({ mandate: mandates, grantee: accounts })
      .from(mandates)
      .innerJoin(accounts, eq(accounts.id, mandates.granteeId))
      .where(where)
      .orderBy(desc(mandates.createdAt));
  }

  /** Permissions a mandate can carry: those some module grants to mandate holders. */
  const grantablePermissions = () => deps.authz.list().filter((p) => p.grantedTo.mandate);

  /** The end of a civil day (YYYY-MM-DD) in the platform's time zone, or undefined for no such day. */
  const endOfDay = (day: string) => (isCivilDate(day) ? endOfCivilDay(day, deps.timeZone) : undefined);

  return {
    grantablePermissions,

    /**
     * Links a legal entity to the signed-in person when the business register names them its legal representative
     * (their identity verified at least to L2, as the check compares ID numbers). Every problem is reported.
     */
    async claim(actor: Actor, creditCodeInput: string, locale: Locale, client: ClientInfo): Promise<string> {
      const m = legalEntityMessages.translator(locale);
      if (actor.kind !== 'person') throw new AuthorizationError('not-granted', 'identity.legalEntity.claim');
      const creditCode = creditCodeInput.trim().toUpperCase();
      if (!isValidCreditCode(creditCode)) {
        throw new AppError(IdentityErrors.legalEntityInvalid, {}, [
          { path: 'creditCode', message: m('error.creditCode') },
        ]);
      }
      if (actor.assuranceLevel < 2) throw new AppError(IdentityErrors.assuranceTooLow, { level: 2 });
      const registered = await deps.register.lookup(creditCode);
      if (!registered) {
        throw new AppError(IdentityErrors.legalEntityInvalid, {}, [
          { path: 'creditCode', message: m('error.notRegistered') },
        ]);
      }
      const [me] = await db.select().from(accounts).where(eq(accounts.id, actor.accountId));
      const representative = me?.idNumber === registered.legalRepresentativeIdNumber ? me : undefined;
      const decision = deps.authz.authorize(actor, IdentityPermissions.legalEntityClaim, {
        type: 'legalEntity',
        ownerId: representative?.id,
      });
      if (!decision.allowed) throw new AppError(IdentityErrors.notLegalRepresentative);
      const id = newId('org');
      await db.transaction(async (tx) => {
        const linked = await insertLegalEntity(
          tx,
          deps.audit,
          {
            id,
            creditCode,
            nameZh: registered.nameZh,
            nameEn: registered.nameEn ?? null,
            kind: registered.kind,
            legalRepresentativeId: actor.accountId,
            verifiedBy: 'business_register',
          },
          {
            actor: auditActorOf(actor, decision),
            action: 'identity.legalEntity.claimed',
            object: { type: 'legalEntity', id },
            subjectId: actor.accountId,
            request: client,
            details: { creditCode, verifiedBy: deps.register.name },
          },
        );
        if (!linked) throw new AppError(IdentityErrors.legalEntityAlreadyLinked);
      });
      return id;
    },

    /** Records a legal entity and its representative after staff checked the papers at a counter (administrators). */
    async recordByAdministrator(
      actor: Actor,
      input: {
        creditCode: string;
        nameZh: string;
        nameEn?: string;
        kind: LegalEntityView['kind'];
        legalRepresentativeUsername: string;
      },
      locale: Locale,
      client: ClientInfo,
    ): Promise<string> {
      const decision = deps.authz.authorize(actor, IdentityPermissions.legalEntityManage, {
        type: 'legalEntity',
      });
      assertAllowed(decision);
      const m = legalEntityMessages.translator(locale);
      const creditCode = input.creditCode.trim().toUpperCase();
      const problems: FieldProblem[] = [];
      if (!isValidCreditCode(creditCode))
        problems.push({ path: 'creditCode', message: m('error.creditCode') });
      if (!input.nameZh.trim() || input.nameZh.trim().length > 100)
        problems.push({ path: 'nameZh', message: m('error.name') });
      if ((input.nameEn?.trim().length ?? 0) > 200)
        problems.push({ path: 'nameEn', message: m('error.name') });
      const [rep] = await db
        .select()
        .from(accounts)
        .where(eq(accounts.username, input.legalRepresentativeUsername.trim().toLowerCase()));
      if (rep?.kind !== 'public')
        problems.push({ path: 'legalRepresentativeUsername', message: m('error.representative') });
      if (problems.length > 0) throw new AppError(IdentityErrors.legalEntityInvalid, {}, problems);
      const representative = rep as AccountRow;
      const id = newId('org');
      await db.transaction(async (tx) => {
        const recorded = await insertLegalEntity(
          tx,
          deps.audit,
          {
            id,
            creditCode,
            nameZh: input.nameZh.trim(),
            nameEn: input.nameEn?.trim() || null,
            kind: input.kind,
            legalRepresentativeId: representative.id,
            verifiedBy: 'administrator',
          },
          {
            actor: auditActorOf(actor, decision),
            action: 'identity.legalEntity.recorded',
            object: { type: 'legalEntity', id },
            subjectId: representative.id,
            request: client,
            details: { creditCode, legalRepresentative: representative.username },
          },
        );
        if (!recorded) throw new AppError(IdentityErrors.legalEntityAlreadyLinked);
      });
      return id;
    },

    /** The legal entities a person represents and the mandates they hold (active ones first). */
    async mine(accountId: string): Promise<MyLegalEntities> {
      const represented = await db
        .select()
        .from(legalEntities)
        .where(eq(legalEntities.legalRepresentativeId, accountId))
        .orderBy(asc(legalEntities.nameZh));
      const held = await mandatesWithGrantees(eq(mandates.granteeId, accountId));
      const entityIds = [...new Set(held.map((h) => h.mandate.legalEntityId))];
      const entities =
        entityIds.length > 0
          ? await db.select().from(legalEntities).where(inArray(legalEntities.id, entityIds))
          : [];
      const views = new Map<string, LegalEntityView>();
      for (const e of entities) views.set(e.id, await viewOf(e));
      const mandatesHeld = held
        .map((h) => ({
          ...mandateView(h.mandate, h.grantee),
          legalEntity: views.get(h.mandate.legalEntityId) as LegalEntityView,
        }))
        .sort((a, b) => Number(b.active) - Number(a.active));
      return { represented: await Promise.all(represented.map(viewOf)), mandatesHeld };
    },

    /**
     * One legal entity's page, as far as the actor may see it; refused like a missing one otherwise. A look under a
     * mandate is an action in the entity's name, so it is recorded for the legal representative to see.
     */
    async page(actor: Actor, entityId: string, client: ClientInfo): Promise<LegalEntityPage> {
      const [entity] = await db.select().from(legalEntities).where(eq(legalEntities.id, entityId));
      const resource = entity ? entityResource(entity) : { type: 'legalEntity', id: entityId };
      const decision = deps.authz.authorize(actor, IdentityPermissions.legalEntityRead, resource);
      if (!entity || !decision.allowed)
        throw new AuthorizationError('not-granted', 'identity.legalEntity.read');
      const result: LegalEntityPage = { entity: await viewOf(entity) };
      const mandateId = decision.via?.mandateId;
      if (mandateId) {
        const [mine] = await mandatesWithGrantees(eq(mandates.id, mandateId));
        if (mine) result.myMandate = mandateView(mine.mandate, mine.grantee);
        await db.transaction((tx) =>
          deps.audit.record(tx, {
            actor: auditActorOf(actor, decision),
            action: 'identity.legalEntity.read',
            object: { type: 'legalEntity', id: entity.id },
            request: client,
          }),
        );
      }
      if (deps.authz.authorize(actor, IdentityPermissions.mandateGrant, resource).allowed) {
        const rows = await mandatesWithGrantees(eq(mandates.legalEntityId, entity.id));
        result.mandates = rows.map((r) => mandateView(r.mandate, r.grantee));
        // What was done under the entity's mandates: the record the representative is owed (visible on every action).
        const actions: AuditRecordView[] = [];
        for (const row of rows.slice(0, 20)) {
          actions.push(...(await searchAuditRecords(db, { mandateId: row.mandate.id, limit: 50 })).records);
        }
        result.actionsUnderMandates = actions.sort((a, b) => b.seq - a.seq).slice(0, 100);
      }
      return result;
    },

    /** Grants a mandate: by the entity's legal representative, or by an administrator with a note of the papers. */
    async grant(
      actor: Actor,
      entityId: string,
      input: GrantInput,
      locale: Locale,
      client: ClientInfo,
    ): Promise<string> {
      const [entity] = await db.select().from(legalEntities).where(eq(legalEntities.id, entityId));
      const resource = entity ? entityResource(entity) : { type: 'legalEntity', id: entityId };
      const decision = deps.authz.authorize(actor, IdentityPermissions.mandateGrant, resource);
      if (!entity || !decision.allowed) throw new AuthorizationError('not-granted', 'identity.mandate.grant');
      const byAdministrator = decision.reason === 'granted-by-role';
      const m = legalEntityMessages.translator(locale);
      const problems: FieldProblem[] = [];
      const [grantee] = await db
        .select()
        .from(accounts)
        .where(eq(accounts.username, input.granteeUsername.trim().toLowerCase()));
      const nameMatches =
        grantee !== undefined &&
        [grantee.displayNameZh, grantee.displayNameEn].includes(input.granteeName.trim());
      if (grantee?.kind !== 'public' || !nameMatches) {
        // One message for an unknown user name and a wrong name: the form does not reveal who has an account.
        problems.push({ path: 'granteeUsername', message: m('error.grantee') });
      } else if (grantee.id === entity.legalRepresentativeId) {
        problems.push({ path: 'granteeUsername', message: m('error.granteeIsRepresentative') });
      }
      const grantable = new Set(grantablePermissions().map((p) => p.name));
      const scope = [...new Set(input.scope)];
      if (scope.length === 0 || scope.some((name) => !grantable.has(name))) {
        problems.push({ path: 'scope', message: m('error.scope') });
      }
      const validUntil = endOfDay(input.validUntil.trim());
      const at = now();
      if (
        !validUntil ||
        validUntil <= at ||
        validUntil.getTime() - at.getTime() > MANDATE_MAX_DAYS * DAY_MS
      ) {
        problems.push({ path: 'validUntil', message: m('error.validUntil', { years: 3 }) });
      }
      const note = input.note?.trim() ?? '';
      if (byAdministrator && (note.length < 4 || note.length > 500)) {
        problems.push({ path: 'note', message: m('error.note') });
      }
      if (problems.length > 0) throw new AppError(IdentityErrors.mandateInvalid, {}, problems);
      const id = newId('mnd');
      await db.transaction(async (tx) => {
        await tx.insert(mandates).values({
          id,
          legalEntityId: entity.id,
          granteeId: (grantee as AccountRow).id,
          scope,
          grantedBy: actorIdOf(actor) as string,
          grantedAs: byAdministrator ? 'administrator' : 'legal_representative',
          note: byAdministrator ? note : null,
          validFrom: at,
          validUntil: validUntil as Date,
        });
        await deps.audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.mandate.granted',
          object: { type: 'mandate', id },
          subjectId: (grantee as AccountRow).id,
          request: client,
          details: {
            legalEntityId: entity.id,
            creditCode: entity.creditCode,
            scope,
            validUntil: (validUntil as Date).toISOString(),
            grantedAs: byAdministrator ? 'administrator' : 'legal_representative',
          },
        });
      });
      return id;
    },

    /** Ends a mandate at once, with a reason; the holder loses the authority on their next request. */
    async revoke(
      actor: Actor,
      entityId: string,
      mandateId: string,
      reason: string,
      locale: Locale,
      client: ClientInfo,
    ): Promise<void> {
      const [entity] = await db.select().from(legalEntities).where(eq(legalEntities.id, entityId));
      const resource = entity ? entityResource(entity) : { type: 'legalEntity', id: entityId };
      const decision = deps.authz.authorize(actor, IdentityPermissions.mandateRevoke, resource);
      if (!entity || !decision.allowed)
        throw new AuthorizationError('not-granted', 'identity.mandate.revoke');
      const m = legalEntityMessages.translator(locale);
      const text = reason.trim();
      if (text.length < 2 || text.length > 500) {
        throw new AppError(IdentityErrors.mandateInvalid, {}, [
          { path: 'reason', message: m('error.reason') },
        ]);
      }
      await db.transaction(async (tx) => {
        const revoked = await tx
          .update(mandates)
          .set({
            revokedAt: now(),
            revokedBy: actorIdOf(actor) ?? null,
            revokeReason: text,
          })
          .where(
            and(
              eq(mandates.id, mandateId),
              eq(mandates.legalEntityId, entity.id),
              isNull(mandates.revokedAt),
            ),
          )
          .returning({ granteeId: mandates.granteeId });
        // Unknown, another entity's, or already revoked: nothing to end, and nothing said about which.
        if (revoked.length === 0) throw new AuthorizationError('not-granted', 'identity.mandate.revoke');
        await deps.audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'identity.mandate.revoked',
          object: { type: 'mandate', id: mandateId },
          subjectId: revoked[0]?.granteeId,
          request: client,
          details: { legalEntityId: entity.id, reason: text },
        });
      });
    },

    /** Every legal entity, for administrators, found by credit code or name; newest first, at most 100. */
    async list(actor: Actor, query: string): Promise<LegalEntityView[]> {
      assertAllowed(
        deps.authz.authorize(actor, IdentityPermissions.legalEntityManage, { type: 'legalEntity' }),
      );
      const q = query.trim();
      const rows = await db
        .select()
        .from(legalEntities)
        .where(
          q === ''
            ? undefined
            : /^[0-9A-Z]{18}$/i.test(q)
              ? eq(legalEntities.creditCode, q.toUpperCase())
              : ilike(legalEntities.nameZh, `%${q.replace(/[\\%_]/g, (c) => `\\${c}`)}%`),
        )
        .orderBy(desc(legalEntities.createdAt))
        .limit(100);
      return Promise.all(rows.map(viewOf));
    },
  };
}

/** The legal entities service's type, for routes and tests. */
export type LegalEntitiesService = ReturnType<typeof createLegalEntitiesService>;

/**
 * The demo city's legal entities that have a representative with an account (the restaurant company of 王芳), each
 * checked against the business register, and the core story's mandate: 王芳 lets 张伟 act for the company.
 * Idempotent: what exists is left alone.
 */
export async function addMissingDemoLegalEntities(
  tx: Db,
  audit: AuditLog,
  register: BusinessRegister,
  scope: readonly string[],
  creditCodes: readonly string[],
  mandate: { granteeUsername: string; days: number },
): Promise<string[]> {
  const added: string[] = [];
  for (const creditCode of creditCodes) {
    const registered = await register.lookup(creditCode);
    if (!registered) continue;
    const [rep] = await tx
      .select()
      .from(accounts)
      .where(eq(accounts.idNumber, registered.legalRepresentativeIdNumber));
    if (!rep) continue;
    const id = newId('org');
    const linked = await insertLegalEntity(
      tx,
      audit,
      {
        id,
        creditCode: registered.creditCode,
        nameZh: registered.nameZh,
        nameEn: registered.nameEn ?? null,
        kind: registered.kind,
        legalRepresentativeId: rep.id,
        verifiedBy: 'business_register',
      },
      {
        actor: { kind: 'system' },
        action: 'identity.legalEntity.claimed',
        object: { type: 'legalEntity', id },
        subjectId: rep.id,
        details: { creditCode: registered.creditCode, verifiedBy: register.name, source: 'demo seed' },
      },
    );
    if (!linked) continue;
    const [grantee] = await tx.select().from(accounts).where(eq(accounts.username, mandate.granteeUsername));
    if (grantee && scope.length > 0) {
      const mandateId = newId('mnd');
      const from = new Date();
      await tx.insert(mandates).values({
        id: mandateId,
        legalEntityId: id,
        granteeId: grantee.id,
        scope: [...scope],
        grantedBy: rep.id,
        grantedAs: 'legal_representative',
        validFrom: from,
        validUntil: new Date(from.getTime() + mandate.days * DAY_MS),
      });
      await audit.record(tx, {
        actor: { id: rep.id, kind: 'person' },
        action: 'identity.mandate.granted',
        object: { type: 'mandate', id: mandateId },
        subjectId: grantee.id,
        details: { legalEntityId: id, creditCode: registered.creditCode, scope, source: 'demo seed' },
      });
    }
    added.push(registered.nameZh);
  }
  return added;
}
