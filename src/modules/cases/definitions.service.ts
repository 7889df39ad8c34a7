import { and, desc, eq, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  actorIdOf,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { keyedTtlCache } from '../../kernel/cache.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import { CasesErrors } from './cases.errors.ts';
import { casesMessages } from './cases.messages.ts';
import { CasesPermissions } from './cases.policy.ts';
import { type DefinitionState, processDefinitions } from './db/cases.tables.ts';
import {
  checkDefinition,
  type DefinitionContext,
  type ProcessDefinition,
  processDefinitionSchema,
} from './domain/process-definition.ts';

type ClientInfo = NonNullable<AuditEntry['request']>;

/** One version of a service's process. */
export interface DefinitionVersion {
  id: string;
  serviceCode: string;
  version: number;
  state: DefinitionState;
  definition: ProcessDefinition;
  note: string;
  createdBy: string;
  createdAt: Date;
  activatedAt: Date | null;
}

export interface DefinitionsService {
  /** Checks a definition without saving it: every problem at once, translated (the editor's preview). */
  check(definition: unknown, locale: Locale): Promise<FieldProblem[]>;
  /** Saves a new draft version of a service's process, refused with every problem when it cannot run. */
  saveDraft(
    actor: Actor,
    serviceCode: string,
    definition: unknown,
    note: string,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<DefinitionVersion>;
  /** Makes a draft the version new cases start with; the previous active version is retired (running cases keep theirs). */
  activate(actor: Actor, id: string, client: ClientInfo): Promise<DefinitionVersion>;
  /** The version new cases of this service start with (briefly cached; read afresh inside a transaction). */
  active(serviceCode: string, tx?: Db): Promise<DefinitionVersion | undefined>;
  get(id: string, tx?: Db): Promise<DefinitionVersion | undefined>;
  /** Every version of a service's process, newest first. */
  list(serviceCode: string): Promise<DefinitionVersion[]>;
  /** The services that have a process, with their active version's number (null while only drafts exist). */
  services(): Promise<{ serviceCode: string; activeVersion: number | null; versions: number }[]>;
}

/** How long another instance may go on starting cases on the version an activation retired. */
const ACTIVE_CACHE_MS = 5_000;

export function createDefinitionsService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  /** The departments and staff roles that exist now: a step must name one of each. */
  context: () => Promise<DefinitionContext>;
}): DefinitionsService {
  const { db, audit, authz } = deps;

  async function problemsOf(
    input: unknown,
    locale: Locale,
  ): Promise<{ problems: FieldProblem[]; definition?: ProcessDefinition }> {
    const parsed = processDefinitionSchema.safeParse(input);
    if (!parsed.success) {
      return {
        problems: parsed.error.issues.map((issue) => ({
          path: issue.path.join('.'),
          message: issue.message,
        })),
      };
    }
    const t = casesMessages.translator(locale);
    const problems = checkDefinition(parsed.data, await deps.context()).map((p) => ({
      path: `nodes.${p.nodeId}`,
      message: t(p.key, { node: p.nodeId, ...p.params }),
    }));
    return { problems, definition: parsed.data };
  }

  const toVersion = (row: typeof processDefinitions.$inferSelect): DefinitionVersion => ({
    id: row.id,
    serviceCode: row.serviceCode,
    version: row.version,
    state: row.state,
    definition: row.definition,
    note: row.note,
    createdBy: row.createdBy,
    createdAt: row.createdAt,
    activatedAt: row.activatedAt,
  });

  async function activeIn(tx: Db, serviceCode: string) {
    const [row] = await tx
      .select()
      .from(processDefinitions)
      .where(and(eq(processDefinitions.serviceCode, serviceCode), eq(processDefinitions.state, 'active')));
    return row ? toVersion(row) : undefined;
  }
  // Every application reads its service's active version: kept briefly (another instance starts new cases on a
  // newly activated version this late), and forgotten at once when this process activates one.
  const activeVersions = keyedTtlCache((serviceCode: string) => activeIn(db, serviceCode), ACTIVE_CACHE_MS);

  const authorise = (actor: Actor) => {
    const decision = authz.authorize(actor, CasesPermissions.definitionManage, { type: 'cases.definition' });
    assertAllowed(decision);
    return decision;
  };

  return {
    async check(definition, locale) {
      return (await problemsOf(definition, locale)).problems;
    },

    async saveDraft(actor, serviceCode, input, note, { locale, client }) {
      const decision = authorise(actor);
      const { problems, definition } = await problemsOf(input, locale);
      if (problems.length > 0 || !definition)
        throw new AppError(CasesErrors.definitionInvalid, { count: String(problems.length) }, problems);
      return db.transaction(async (tx) => {
        // Versions are numbered per service: drafts of one service saved at the same moment take their numbers one
        // after the other (a transaction lock per service), where they met the unique index as a 500 (found by the
        // injection scan's concurrent requests on PostgreSQL).
        await tx.execute(sql`select pg_advisory_xact_lock(hashtext(${`cases.definition:${serviceCode}`}))`);
        const [last] = await tx
          .select({ version: processDefinitions.version })
          .from(processDefinitions)
          .where(eq(processDefinitions.serviceCode, serviceCode))
          .orderBy(desc(processDefinitions.version))
          .limit(1);
        const [row] = await tx
          .insert(processDefinitions)
          .values({
            id: newId('pdef'),
            serviceCode,
            version: (last?.version ?? 0) + 1,
            state: 'draft',
            definition,
            note: note.trim().slice(0, 500),
            createdBy: actorIdOf(actor) ?? 'unknown',
          })
          .returning();
        if (!row) throw new Error('definition not written');
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'cases.definition.drafted',
          object: { type: 'cases.definition', id: row.id },
          request: client,
          details: { serviceCode, version: row.version },
        });
        return toVersion(row);
      });
    },

    async activate(actor, id, client) {
      const decision = authorise(actor);
      const version = await db.transaction(async (tx) => {
        const [row] = await tx
          .select()
          .from(processDefinitions)
          .where(eq(processDefinitions.id, id))
          .for('update');
        if (!row) throw new AppError(CasesErrors.definitionNotFound);
        if (row.state !== 'draft') throw new AppError(CasesErrors.definitionNotDraft, { state: row.state });
        await tx
          .update(processDefinitions)
          .set({ state: 'retired' })
          .where(
            and(eq(processDefinitions.serviceCode, row.serviceCode), eq(processDefinitions.state, 'active')),
          );
        const [activated] = await tx
          .update(processDefinitions)
          .set({ state: 'active', activatedAt: sql`now()` })
          .where(eq(processDefinitions.id, id))
          .returning();
        if (!activated) throw new Error('definition not activated');
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'cases.definition.activated',
          object: { type: 'cases.definition', id },
          request: client,
          details: { serviceCode: row.serviceCode, version: row.version },
        });
        return toVersion(activated);
      });
      activeVersions.invalidate();
      return version;
    },

    active(serviceCode, tx) {
      return tx ? activeIn(tx, serviceCode) : activeVersions.get(serviceCode);
    },

    async get(id, tx = db) {
      const [row] = await tx.select().from(processDefinitions).where(eq(processDefinitions.id, id));
      return row ? toVersion(row) : undefined;
    },

    async services() {
      const rows = await db
        .select({
          serviceCode: processDefinitions.serviceCode,
          activeVersion: sql<
            number | null
          >`max(case when ${processDefinitions.state} = 'active' then ${processDefinitions.version} end)`,
          versions: sql<number>`count(*)::int`,
        })
        .from(processDefinitions)
        .groupBy(processDefinitions.serviceCode)
        .orderBy(processDefinitions.serviceCode);
      return rows.map((r) => ({
        ...r,
        activeVersion: r.activeVersion === null ? null : Number(r.activeVersion),
      }));
    },

    async list(serviceCode) {
      const rows = await db
        .select()
        .from(processDefinitions)
        .where(eq(processDefinitions.serviceCode, serviceCode))
        .orderBy(desc(processDefinitions.version));
      return rows.map(toVersion);
    },
  };
}
