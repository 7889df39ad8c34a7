/*
 * Keeping the catalogue right: drafts, review and publication by role, every version kept with who changed what.
 * A department's clerks, reviewers and head edit its own items; a reviewer or the head publishes — never a version
 * they submitted (four eyes); the platform administrator may do all of it for every department. Publication is now
 * or at a set time (a job, enqueued in the same transaction).
 */
import { and, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  actorIdOf,
  assertAllowed,
  auditActorOf,
  type Decision,
  type Permission,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import type { Jobs } from '../../kernel/jobs/jobs.ts';
import { CatalogueErrors } from './catalogue.errors.ts';
import { CataloguePermissions } from './catalogue.policy.ts';
import {
  catalogueItems,
  catalogueItemVersions,
  catalogueLifeEvents,
  catalogueTopics,
  type VersionState,
} from './db/catalogue.tables.ts';
import type { ServiceItemInput } from './domain/catalogue-file.ts';
import { checkCatalogue } from './domain/catalogue-rows.ts';
import { publishVersions, withdrawItem } from './publication.ts';

/** Where a request came from, for the audit record. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

/** One version as editors and reviewers see it. */
export interface ItemVersion {
  id: string;
  code: string;
  number: number;
  state: VersionState;
  content: ServiceItemInput;
  changeNote: string;
  source: 'editor' | 'import';
  createdBy: string;
  createdAt: Date;
  submittedBy: string | null;
  submittedAt: Date | null;
  reviewedBy: string | null;
  reviewedAt: Date | null;
  reviewNote: string | null;
  publishAt: Date | null;
  publishedAt: Date | null;
  /** Top-level fields that differ from the version before (all of them for the first). */
  changedFields: string[];
}

/** An item on an editor's list: what the public sees and what is being worked on. */
export interface EditorItem {
  code: string;
  department: string;
  name: { zh: string; en: string };
  published: { number: number; at: Date } | null;
  withdrawnAt: Date | null;
  /** The newest version when it is not the published one: a draft, submitted, scheduled or sent back. */
  pending: { id: string; number: number; state: VersionState } | null;
}

/** What an editor's list can be narrowed to: every item, items with work pending (or in one state of it), items
 * published with nothing pending, items taken off the portal. */
export const EDITOR_LIST_FILTERS = [
  'all',
  'pending',
  'draft',
  'submitted',
  'scheduled',
  'rejected',
  'current',
  'withdrawn',
] as const;
export type EditorListFilter = (typeof EDITOR_LIST_FILTERS)[number];
/** Items on one page of an editor's list: a department has thousands at a city's scale. */
export const EDITOR_PAGE_SIZE = 100;

export type ReviewDecision =
  | { outcome: 'publish'; note?: string }
  | { outcome: 'schedule'; publishAt: Date; note?: string }
  | { outcome: 'reject'; note: string };

export const PUBLISH_SCHEDULED_JOB = 'catalogue.publish-scheduled';
const OPEN_STATES: VersionState[] = ['draft', 'rejected'];
const PENDING_STATES: VersionState[] = ['draft', 'submitted', 'scheduled', 'rejected'];

type VersionRow = typeof catalogueItemVersions.$inferSelect;

const changedFields = (content: ServiceItemInput, previous: ServiceItemInput | undefined): string[] =>
  (Object.keys(content) as (keyof ServiceItemInput)[]).filter(
    (key) => !previous || JSON.stringify(content[key]) !== JSON.stringify(previous[key]),
  );

export interface EditingService {
  /**
   * One page of the items the actor may edit (their departments'; all for the administrator) by code, with their
   * pending versions, optionally only those in one state of work; `nextAfter` continues the list.
   */
  listForEditor(
    actor: Actor,
    client: ClientInfo,
    page?: { filter?: EditorListFilter; after?: string; limit?: number },
  ): Promise<{ items: EditorItem[]; nextAfter?: string }>;
  /** Submitted versions the actor may review, oldest first. */
  reviewQueue(actor: Actor, client: ClientInfo): Promise<ItemVersion[]>;
  /** Every version of an item, newest first. */
  history(actor: Actor, code: string, client: ClientInfo): Promise<ItemVersion[]>;
  /** The content to start editing from: the open draft, else the newest version. */
  editable(
    actor: Actor,
    code: string,
    client: ClientInfo,
  ): Promise<{ content: ServiceItemInput; draftId: string | null }>;
  /** Creates a new item as a draft (version 1). */
  createItem(
    actor: Actor,
    content: unknown,
    note: string,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<ItemVersion>;
  /** Saves the item's open draft, or starts a new one from the given content. Refused while a version awaits review. */
  saveDraft(
    actor: Actor,
    code: string,
    content: unknown,
    note: string,
    options: { locale: Locale; client: ClientInfo },
  ): Promise<ItemVersion>;
  /** Sends a draft for review. */
  submit(actor: Actor, versionId: string, client: ClientInfo): Promise<ItemVersion>;
  /** A reviewer's decision on a submitted version. */
  review(actor: Actor, versionId: string, decision: ReviewDecision, client: ClientInfo): Promise<ItemVersion>;
  /** Takes an item off the portal (its versions stay); publishing a version brings it back. */
  withdraw(actor: Actor, code: string, note: string, client: ClientInfo): Promise<void>;
  /** Publishes scheduled versions that are due (the job's work; also safe to call at any time). */
  publishDue(now?: Date): Promise<number>;
}

export function createEditingService(kernel: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  jobs: Jobs;
  /** Department codes that exist now. */
  departments: () => Promise<ReadonlySet<string>>;
  /** Called after anything public changed (caches to forget). */
  onPublished?: () => void;
  now?: () => Date;
}): EditingService {
  const { db, audit, authz, jobs } = kernel;
  const now = kernel.now ?? (() => new Date());

  async function authorise(
    actor: Actor,
    permission: Permission,
    action: string,
    department: string | undefined,
    client: ClientInfo,
    object?: { type: string; id: string },
  ): Promise<Decision> {
    const decision = authz.authorize(actor, permission, {
      type: 'catalogue.item',
      ...(department ? { departmentCode: department } : {}),
    });
    if (!decision.allowed) {
      await db.transaction((tx) =>
        audit.record(tx, {
          actor: auditActorOf(actor),
          action,
          outcome: 'denied',
          request: client,
          ...(object ? { object } : {}),
          details: { reason: decision.reason, ...(department ? { department } : {}) },
        }),
      );
      assertAllowed(decision);
    }
    return decision;
  }

  /** The departments in which the actor holds a permission (all, for an any-department grant). */
  function departmentsWith(actor: Actor, permission: Permission): 'all' | string[] {
    if (actor.kind !== 'staff') return [];
    const scopes = permission.grantedTo.roles ?? {};
    const codes: string[] = [];
    for (const { role, departmentCode } of actor.roles) {
      const scope = (scopes as Record<string, string | undefined>)[role];
      if (scope === 'any-department') return 'all';
      if (scope === 'own-department') codes.push(departmentCode);
    }
    return codes;
  }

  async function checkContent(content: unknown, locale: Locale): Promise<ServiceItemInput> {
    const [departments, topics, events, codes] = await Promise.all([
      kernel.departments(),
      db.select({ code: catalogueTopics.code }).from(catalogueTopics),
      db.select({ code: catalogueLifeEvents.code }).from(catalogueLifeEvents),
      db.select({ code: catalogueItems.code }).from(catalogueItems),
    ]);
    const checked = checkCatalogue(
      { topics: [], lifeEvents: [], synonyms: [], items: [{ line: 1, value: content }], problems: [] },
      {
        departments,
        itemCodes: new Set(codes.map((c) => c.code)),
        topics: new Set(topics.map((t) => t.code)),
        lifeEvents: new Set(events.map((e) => e.code)),
      },
      locale,
    );
    const problems: FieldProblem[] = checked.problems.map((p) => ({ path: p.field, message: p.message }));
    const item = checked.items[0]?.value;
    if (problems.length > 0 || !item) throw new AppError(CatalogueErrors.itemInvalid, {}, problems);
    return item;
  }

  async function versionsOf(itemIds: string[]): Promise<Map<string, VersionRow[]>> {
    if (itemIds.length === 0) return new Map();
    const rows = await db
      .select()
      .from(catalogueItemVersions)
      .where(inArray(catalogueItemVersions.itemId, itemIds))
      .orderBy(catalogueItemVersions.itemId, catalogueItemVersions.number);
    const byItem = new Map<string, VersionRow[]>();
    for (const row of rows) byItem.set(row.itemId, [...(byItem.get(row.itemId) ?? []), row]);
    return byItem;
  }

  function toVersion(row: VersionRow, code: string, previous: VersionRow | undefined): ItemVersion {
    return {
      id: row.id,
      code,
      number: row.number,
      state: row.state,
      content: row.content,
      changeNote: row.changeNote,
      source: row.source,
      createdBy: row.createdBy,
      createdAt: row.createdAt,
      submittedBy: row.submittedBy,
      submittedAt: row.submittedAt,
      reviewedBy: row.reviewedBy,
      reviewedAt: row.reviewedAt,
      reviewNote: row.reviewNote,
      publishAt: row.publishAt,
      publishedAt: row.publishedAt,
      changedFields: changedFields(row.content, previous?.content),
    };
  }

  async function loadVersion(versionId: string) {
    const [row] = await db
      .select({
        version: catalogueItemVersions,
        code: catalogueItems.code,
        department: catalogueItems.departmentCode,
      })
      .from(catalogueItemVersions)
      .innerJoin(catalogueItems, eq(catalogueItems.id, catalogueItemVersions.itemId))
      .where(eq(catalogueItemVersions.id, versionId));
    if (!row) throw new AppError(CatalogueErrors.serviceNotFound, { code: versionId });
    return row;
  }

  async function loadItem(code: string) {
    const [item] = await db.select().from(catalogueItems).where(eq(catalogueItems.code, code.toUpperCase()));
    if (!item) throw new AppError(CatalogueErrors.serviceNotFound, { code: code.toUpperCase() });
    return item;
  }

  async function previousOf(tx: Db, itemId: string, number: number): Promise<VersionRow | undefined> {
    const [row] = await tx
      .select()
      .from(catalogueItemVersions)
      .where(and(eq(catalogueItemVersions.itemId, itemId), sql`${catalogueItemVersions.number} < ${number}`))
      .orderBy(desc(catalogueItemVersions.number))
      .limit(1);
    return row;
  }

  /** Moves a version from one of `from` to `to` only if nobody moved it first: the loser gets a 409. */
  async function transition(
    tx: Db,
    versionId: string,
    from: VersionState[],
    set: Partial<typeof catalogueItemVersions.$inferInsert>,
  ): Promise<VersionRow> {
    const [row] = await tx
      .update(catalogueItemVersions)
      .set({ ...set, updatedAt: now() })
      .where(and(eq(catalogueItemVersions.id, versionId), inArray(catalogueItemVersions.state, from)))
      .returning();
    if (row) return row;
    const [current] = await tx
      .select({ state: catalogueItemVersions.state })
      .from(catalogueItemVersions)
      .where(eq(catalogueItemVersions.id, versionId));
    throw new AppError(CatalogueErrors.versionConflict, { state: current?.state ?? 'unknown' });
  }

  async function publishNow(tx: Db, row: VersionRow, content: ServiceItemInput) {
    await publishVersions(
      tx,
      [{ itemId: row.itemId, versionId: row.id, versionNumber: row.number, content }],
      now(),
    );
  }

  return {
    async listForEditor(actor, client, page = {}) {
      const scope = departmentsWith(actor, CataloguePermissions.itemEdit);
      if (scope !== 'all' && scope.length === 0)
        await authorise(actor, CataloguePermissions.itemEdit, 'catalogue.item.list', undefined, client);
      const limit = Math.max(1, Math.min(page.limit ?? EDITOR_PAGE_SIZE, 500));
      const filter = page.filter ?? 'all';
      // The newest version of each item, by its (item, number) index; it is pending when it is not the public one.
      const pending = sql`(n.id is distinct from i.published_version_id and n.state in ${PENDING_STATES})`;
      const conditions = [
        scope === 'all' ? undefined : sql`i.department_code in ${scope}`,
        page.after ? sql`i.code > ${page.after}` : undefined,
        filter === 'pending'
          ? pending
          : filter === 'current'
            ? sql`i.published_version_id is not null and not ${pending}`
            : filter === 'withdrawn'
              ? sql`i.withdrawn_at is not null`
              : filter === 'all'
                ? undefined
                : sql`${pending} and n.state = ${filter}`,
      ].filter((c): c is SQL => c !== undefined);
      const rows = await queryRows<{
        code: string;
        department_code: string;
        withdrawn_at: string | null;
        published_number: number | null;
        published_at: string | null;
        published_name: { zh: string; en: string } | null;
        newest_id: string | null;
        newest_number: number | null;
        newest_state: VersionState | null;
        newest_name: { zh: string; en: string } | null;
        is_pending: boolean;
      }>(
        db,
        sql`select i.code, i.department_code, i.withdrawn_at,
              p.number as published_number, coalesce(p.published_at, p.updated_at) as published_at,
              p.content -> 'name' as published_name,
              n.id as newest_id, n.number as newest_number, n.state as newest_state, n.content -> 'name' as newest_name,
              coalesce(${pending}, false) as is_pending
            from catalogue_items i
            left join catalogue_item_versions p on p.id = i.published_version_id
            left join lateral (
              select v.id, v.number, v.state, v.content from catalogue_item_versions v
              where v.item_id = i.id order by v.number desc limit 1
            ) n on true
            ${conditions.length > 0 ? sql`where ${sql.join(conditions, sql` and `)}` : sql``}
            order by i.code
            limit ${limit + 1}`,
      );
      const items = rows.slice(0, limit).map((row) => ({
        code: row.code,
        department: row.department_code,
        name: row.published_name ?? row.newest_name ?? { zh: row.code, en: row.code },
        published:
          row.published_number !== null && row.published_at !== null
            ? { number: row.published_number, at: new Date(row.published_at) }
            : null,
        withdrawnAt: row.withdrawn_at === null ? null : new Date(row.withdrawn_at),
        pending:
          row.is_pending && row.newest_id !== null && row.newest_number !== null && row.newest_state !== null
            ? { id: row.newest_id, number: row.newest_number, state: row.newest_state }
            : null,
      }));
      return rows.length > limit ? { items, nextAfter: items.at(-1)?.code } : { items };
    },

    async reviewQueue(actor, client) {
      const scope = departmentsWith(actor, CataloguePermissions.itemPublish);
      if (scope !== 'all' && scope.length === 0)
        await authorise(actor, CataloguePermissions.itemPublish, 'catalogue.item.list', undefined, client);
      const rows = await db
        .select({ version: catalogueItemVersions, code: catalogueItems.code })
        .from(catalogueItemVersions)
        .innerJoin(catalogueItems, eq(catalogueItems.id, catalogueItemVersions.itemId))
        .where(
          and(
            inArray(catalogueItemVersions.state, ['submitted', 'scheduled']),
            scope === 'all' ? undefined : inArray(catalogueItems.departmentCode, scope),
          ),
        )
        .orderBy(catalogueItemVersions.submittedAt);
      const result: ItemVersion[] = [];
      for (const { version, code } of rows)
        result.push(toVersion(version, code, await previousOf(db, version.itemId, version.number)));
      return result;
    },

    async history(actor, code, client) {
      const item = await loadItem(code);
      await authorise(
        actor,
        CataloguePermissions.itemEdit,
        'catalogue.item.history',
        item.departmentCode,
        client,
        {
          type: 'catalogue.item',
          id: item.id,
        },
      );
      const list = (await versionsOf([item.id])).get(item.id) ?? [];
      return list.map((row, i) => toVersion(row, item.code, list[i - 1])).reverse();
    },

    async editable(actor, code, client) {
      const item = await loadItem(code);
      await authorise(
        actor,
        CataloguePermissions.itemEdit,
        'catalogue.item.edit',
        item.departmentCode,
        client,
        {
          type: 'catalogue.item',
          id: item.id,
        },
      );
      const list = (await versionsOf([item.id])).get(item.id) ?? [];
      const newest = list.at(-1);
      if (!newest) throw new AppError(CatalogueErrors.serviceNotFound, { code });
      return { content: newest.content, draftId: OPEN_STATES.includes(newest.state) ? newest.id : null };
    },

    async createItem(actor, content, note, { locale, client }) {
      const department = (content as { department?: unknown })?.department;
      const decision = await authorise(
        actor,
        CataloguePermissions.itemEdit,
        'catalogue.item.created',
        typeof department === 'string' ? department : undefined,
        client,
      );
      const item = await checkContent(content, locale);
      return db.transaction(async (tx) => {
        const itemId = newId('svc');
        const [created] = await tx
          .insert(catalogueItems)
          .values({ id: itemId, code: item.code, departmentCode: item.department })
          .onConflictDoNothing({ target: catalogueItems.code })
          .returning();
        if (!created) throw new AppError(CatalogueErrors.itemCodeTaken, { code: item.code });
        const [row] = await tx
          .insert(catalogueItemVersions)
          .values({
            id: newId('svv'),
            itemId,
            number: 1,
            state: 'draft',
            content: item,
            changeNote: note.trim().slice(0, 500),
            source: 'editor',
            createdBy: actorIdOf(actor) ?? 'unknown',
          })
          .returning();
        if (!row) throw new Error('version not written');
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'catalogue.item.created',
          object: { type: 'catalogue.item', id: itemId },
          request: client,
          details: { code: item.code, version: 1 },
        });
        return toVersion(row, item.code, undefined);
      });
    },

    async saveDraft(actor, code, content, note, { locale, client }) {
      const item = await loadItem(code);
      const decision = await authorise(
        actor,
        CataloguePermissions.itemEdit,
        'catalogue.item.drafted',
        item.departmentCode,
        client,
        {
          type: 'catalogue.item',
          id: item.id,
        },
      );
      // The code and the responsible department identify the item: a draft cannot move it.
      const body = { ...(content as object), code: item.code, department: item.departmentCode };
      const checked = await checkContent(body, locale);
      return db.transaction(async (tx) => {
        // One editor at a time per item: the row lock orders two saves of the same item.
        await tx
          .select({ id: catalogueItems.id })
          .from(catalogueItems)
          .where(eq(catalogueItems.id, item.id))
          .for('update');
        const [newest] = await tx
          .select()
          .from(catalogueItemVersions)
          .where(eq(catalogueItemVersions.itemId, item.id))
          .orderBy(desc(catalogueItemVersions.number))
          .limit(1);
        if (newest && (newest.state === 'submitted' || newest.state === 'scheduled'))
          throw new AppError(CatalogueErrors.versionConflict, { state: newest.state });
        let row: VersionRow | undefined;
        if (newest && OPEN_STATES.includes(newest.state)) {
          row = await transition(tx, newest.id, OPEN_STATES, {
            state: 'draft',
            content: checked,
            changeNote: note.trim().slice(0, 500),
            createdBy: actorIdOf(actor) ?? 'unknown',
          });
        } else {
          [row] = await tx
            .insert(catalogueItemVersions)
            .values({
              id: newId('svv'),
              itemId: item.id,
              number: (newest?.number ?? 0) + 1,
              state: 'draft',
              content: checked,
              changeNote: note.trim().slice(0, 500),
              source: 'editor',
              createdBy: actorIdOf(actor) ?? 'unknown',
            })
            .returning();
        }
        if (!row) throw new Error('version not written');
        const previous = await previousOf(tx, item.id, row.number);
        const version = toVersion(row, item.code, previous);
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'catalogue.item.drafted',
          object: { type: 'catalogue.item', id: item.id },
          request: client,
          details: { code: item.code, version: row.number, changed: version.changedFields },
        });
        return version;
      });
    },

    async submit(actor, versionId, client) {
      const { version, code, department } = await loadVersion(versionId);
      const decision = await authorise(
        actor,
        CataloguePermissions.itemEdit,
        'catalogue.item.submitted',
        department,
        client,
        {
          type: 'catalogue.item',
          id: version.itemId,
        },
      );
      return db.transaction(async (tx) => {
        const row = await transition(tx, versionId, ['draft'], {
          state: 'submitted',
          submittedBy: actorIdOf(actor) ?? 'unknown',
          submittedAt: now(),
        });
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'catalogue.item.submitted',
          object: { type: 'catalogue.item', id: version.itemId },
          request: client,
          details: { code, version: row.number },
        });
        return toVersion(row, code, await previousOf(tx, row.itemId, row.number));
      });
    },

    async review(actor, versionId, decisionInput, client) {
      const { version, code, department } = await loadVersion(versionId);
      const action =
        decisionInput.outcome === 'reject'
          ? 'catalogue.item.rejected'
          : decisionInput.outcome === 'schedule'
            ? 'catalogue.item.scheduled'
            : 'catalogue.item.published';
      const decision = await authorise(actor, CataloguePermissions.itemPublish, action, department, client, {
        type: 'catalogue.item',
        id: version.itemId,
      });
      const reviewer = actorIdOf(actor) ?? 'unknown';
      if (version.submittedBy === reviewer || version.createdBy === reviewer) {
        await db.transaction((tx) =>
          audit.record(tx, {
            actor: auditActorOf(actor, decision),
            action,
            outcome: 'denied',
            object: { type: 'catalogue.item', id: version.itemId },
            request: client,
            details: { code, version: version.number, reason: 'own-version' },
          }),
        );
        throw new AppError(CatalogueErrors.ownReview);
      }
      const result = await db.transaction(async (tx) => {
        const reviewed = {
          reviewedBy: reviewer,
          reviewedAt: now(),
          reviewNote: decisionInput.note?.trim().slice(0, 1000) ?? null,
        };
        let row: VersionRow;
        if (decisionInput.outcome === 'reject') {
          row = await transition(tx, versionId, ['submitted', 'scheduled'], {
            state: 'rejected',
            publishAt: null,
            ...reviewed,
          });
        } else if (
          decisionInput.outcome === 'schedule' &&
          decisionInput.publishAt.getTime() > now().getTime()
        ) {
          row = await transition(tx, versionId, ['submitted', 'scheduled'], {
            state: 'scheduled',
            publishAt: decisionInput.publishAt,
            ...reviewed,
          });
          const delay = Math.ceil((decisionInput.publishAt.getTime() - now().getTime()) / 1000);
          await jobs.send(PUBLISH_SCHEDULED_JOB, { versionId }, { tx, startAfterSeconds: delay });
        } else {
          row = await transition(tx, versionId, ['submitted', 'scheduled'], reviewed);
          await publishNow(tx, row, row.content);
        }
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action,
          object: { type: 'catalogue.item', id: version.itemId },
          request: client,
          details: {
            code,
            version: row.number,
            ...(row.publishAt ? { publishAt: row.publishAt.toISOString() } : {}),
            ...(decisionInput.note ? { note: decisionInput.note.slice(0, 1000) } : {}),
          },
        });
        const [after] = await tx
          .select()
          .from(catalogueItemVersions)
          .where(eq(catalogueItemVersions.id, versionId));
        return toVersion(after ?? row, code, await previousOf(tx, row.itemId, row.number));
      });
      if (result.state === 'published') kernel.onPublished?.();
      return result;
    },

    async withdraw(actor, code, note, client) {
      const item = await loadItem(code);
      const decision = await authorise(
        actor,
        CataloguePermissions.itemPublish,
        'catalogue.item.withdrawn',
        item.departmentCode,
        client,
        {
          type: 'catalogue.item',
          id: item.id,
        },
      );
      await db.transaction(async (tx) => {
        const [locked] = await tx
          .select()
          .from(catalogueItems)
          .where(eq(catalogueItems.id, item.id))
          .for('update');
        if (!locked?.publishedVersionId)
          throw new AppError(CatalogueErrors.notPublished, { code: item.code });
        await withdrawItem(tx, item.id, item.code, now());
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'catalogue.item.withdrawn',
          object: { type: 'catalogue.item', id: item.id },
          request: client,
          details: { code: item.code, note: note.trim().slice(0, 1000) },
        });
      });
      kernel.onPublished?.();
    },

    async publishDue(at = now()) {
      const due = await db
        .select({ id: catalogueItemVersions.id })
        .from(catalogueItemVersions)
        .where(
          and(eq(catalogueItemVersions.state, 'scheduled'), sql`${catalogueItemVersions.publishAt} <= ${at}`),
        );
      let published = 0;
      for (const { id } of due) {
        const done = await db.transaction(async (tx) => {
          const [row] = await tx
            .update(catalogueItemVersions)
            .set({ updatedAt: at })
            .where(and(eq(catalogueItemVersions.id, id), eq(catalogueItemVersions.state, 'scheduled')))
            .returning();
          if (!row) return false;
          await publishVersions(
            tx,
            [{ itemId: row.itemId, versionId: row.id, versionNumber: row.number, content: row.content }],
            at,
          );
          await audit.record(tx, {
            actor: { kind: 'system', id: 'scheduled-publication' },
            action: 'catalogue.item.published',
            object: { type: 'catalogue.item', id: row.itemId },
            details: {
              code: row.content.code,
              version: row.number,
              scheduledFor: row.publishAt?.toISOString() ?? null,
            },
          });
          return true;
        });
        if (done) published++;
      }
      if (published > 0) kernel.onPublished?.();
      return published;
    },
  };
}
