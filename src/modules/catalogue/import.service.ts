/*
 * Bulk load and export of the catalogue (`yiwang catalogue import|export`, and the demo city's seed). An import is
 * one transaction: with any bad row nothing changes, unless the caller asks for the good rows only (`partial`).
 * Each changed item gets a new version, published at once: a file loaded by the platform administrator is the
 * city's approved list.
 */
import { isDeepStrictEqual } from 'node:util';
import { asc, inArray, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import type { Db } from '../../kernel/db/database.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import {
  catalogueItems,
  catalogueItemVersions,
  catalogueLifeEvents,
  cataloguePublished,
  catalogueSynonyms,
  catalogueTopics,
} from './db/catalogue.tables.ts';
import type { ServiceItemInput } from './domain/catalogue-file.ts';
import {
  type CatalogueFormat,
  checkCatalogue,
  type RowProblem,
  readCsvCatalogue,
  readJsonCatalogue,
  writeCsvCatalogue,
} from './domain/catalogue-rows.ts';
import { type Publication, publishVersions } from './publication.ts';

export interface ImportOptions {
  format: CatalogueFormat;
  /** Import the good rows and report the bad ones, instead of importing nothing when any row is bad. */
  partial?: boolean;
  /** The language of the problems reported. */
  locale: Locale;
  /** The file's name, for the audit record. */
  source?: string;
  /** Who loads it, for the versions and the audit record. */
  actor: AuditEntry['actor'];
  /** Told how many items have been written, of how many. */
  onProgress?: (done: number, total: number) => void;
  now?: Date;
}

export interface ImportReport {
  /** False when problems stopped the import: then nothing changed. */
  imported: boolean;
  items: { created: number; updated: number; unchanged: number; rejected: number };
  topics: number;
  lifeEvents: number;
  synonyms: number;
  problems: RowProblem[];
}

const CHUNK = 500;

/** Reads and checks a file against what the database holds, and writes it in the caller's transaction. */
export async function importCatalogueInto(
  tx: Db,
  audit: AuditLog,
  departments: ReadonlySet<string>,
  text: string,
  options: ImportOptions,
): Promise<ImportReport> {
  const now = options.now ?? new Date();
  const read =
    options.format === 'json'
      ? readJsonCatalogue(text, options.locale)
      : readCsvCatalogue(text, options.locale);
  options.onProgress?.(0, read.items.length);
  // One after the other: a transaction is one connection, which runs one query at a time.
  const codes = await tx.select({ code: catalogueItems.code }).from(catalogueItems);
  const topics = await tx.select({ code: catalogueTopics.code }).from(catalogueTopics);
  const events = await tx.select({ code: catalogueLifeEvents.code }).from(catalogueLifeEvents);
  const checked = checkCatalogue(
    read,
    {
      departments,
      itemCodes: new Set(codes.map((r) => r.code)),
      topics: new Set(topics.map((r) => r.code)),
      lifeEvents: new Set(events.map((r) => r.code)),
    },
    options.locale,
  );
  const rejectedLines = new Set(checked.problems.map((p) => p.line));
  const report: ImportReport = {
    imported: false,
    items: {
      created: 0,
      updated: 0,
      unchanged: 0,
      rejected: read.items.filter((r) => rejectedLines.has(r.line)).length + (read.rejectedRows ?? 0),
    },
    topics: 0,
    lifeEvents: 0,
    synonyms: 0,
    problems: checked.problems,
  };
  const unreadable = read.problems.some((p) => p.line === 0 || p.field === '') && read.items.length === 0;
  if (unreadable || (checked.problems.length > 0 && !options.partial)) return report;

  // Topics and life events are replaced by the file's when it has any (their order is the file's).
  for (const [index, { value }] of checked.topics.entries()) {
    await tx
      .insert(catalogueTopics)
      .values({ code: value.code, nameZh: value.name.zh, nameEn: value.name.en, sortOrder: index })
      .onConflictDoUpdate({
        target: catalogueTopics.code,
        set: { nameZh: value.name.zh, nameEn: value.name.en, sortOrder: index },
      });
  }
  report.topics = checked.topics.length;
  if (checked.synonyms.length > 0) {
    await tx.delete(catalogueSynonyms);
    await tx.insert(catalogueSynonyms).values(checked.synonyms.map((words) => ({ id: newId('syn'), words })));
  }
  report.synonyms = checked.synonyms.length;

  const items = checked.items.map((i) => i.value);
  const publications: Publication[] = [];
  const created: string[] = [];
  const updated: string[] = [];
  for (let start = 0; start < items.length; start += CHUNK) {
    const chunk = items.slice(start, start + CHUNK);
    const existing = await tx
      .select({
        id: catalogueItems.id,
        code: catalogueItems.code,
        content: cataloguePublished.content,
        lastNumber: sql<number>`(select max(v.number) from ${catalogueItemVersions} v where v.item_id = ${catalogueItems.id})`,
      })
      .from(catalogueItems)
      .leftJoin(cataloguePublished, sql`${cataloguePublished.itemId} = ${catalogueItems.id}`)
      .where(
        inArray(
          catalogueItems.code,
          chunk.map((i) => i.code),
        ),
      );
    const byCode = new Map(existing.map((row) => [row.code, row]));
    const newItems: (typeof catalogueItems.$inferInsert)[] = [];
    const versions: (typeof catalogueItemVersions.$inferInsert)[] = [];
    for (const item of chunk) {
      const row = byCode.get(item.code);
      if (row?.content && isDeepStrictEqual(row.content, item)) {
        report.items.unchanged++;
        continue;
      }
      const itemId = row?.id ?? newId('svc');
      if (!row) newItems.push({ id: itemId, code: item.code, departmentCode: item.department });
      const number = Number(row?.lastNumber ?? 0) + 1;
      const versionId = newId('svv');
      versions.push({
        id: versionId,
        itemId,
        number,
        state: 'submitted',
        content: item,
        changeNote: options.source ? `import: ${options.source}` : 'import',
        source: 'import',
        createdBy: options.actor.id ?? options.actor.kind,
        createdAt: now,
        updatedAt: now,
        submittedBy: options.actor.id ?? options.actor.kind,
        submittedAt: now,
        reviewedBy: options.actor.id ?? options.actor.kind,
        reviewedAt: now,
      });
      publications.push({ itemId, versionId, versionNumber: number, content: item });
      (row ? updated : created).push(item.code);
    }
    if (newItems.length > 0) await tx.insert(catalogueItems).values(newItems);
    if (versions.length > 0) await tx.insert(catalogueItemVersions).values(versions);
    options.onProgress?.(Math.min(start + chunk.length, items.length) / 2, items.length);
  }
  for (let start = 0; start < publications.length; start += CHUNK) {
    await publishVersions(tx, publications.slice(start, start + CHUNK), now);
    options.onProgress?.(
      items.length / 2 +
        (Math.min(start + CHUNK, publications.length) / Math.max(publications.length, 1)) *
          (items.length / 2),
      items.length,
    );
  }
  report.items.created = created.length;
  report.items.updated = updated.length;

  // Life events last: their steps name services that now exist.
  for (const [index, { value }] of checked.lifeEvents.entries()) {
    await tx
      .insert(catalogueLifeEvents)
      .values({ code: value.code, audience: value.audience, content: value, sortOrder: index })
      .onConflictDoUpdate({
        target: catalogueLifeEvents.code,
        set: { audience: value.audience, content: value, sortOrder: index },
      });
  }
  report.lifeEvents = checked.lifeEvents.length;
  report.imported = true;
  await audit.record(tx, {
    actor: options.actor,
    action: 'catalogue.catalogue.imported',
    object: { type: 'catalogue', id: 'catalogue' },
    details: {
      source: options.source ?? null,
      format: options.format,
      partial: options.partial === true,
      created: created.slice(0, 1000),
      updated: updated.slice(0, 1000),
      unchanged: report.items.unchanged,
      rejected: report.items.rejected,
      topics: report.topics,
      lifeEvents: report.lifeEvents,
      synonyms: report.synonyms,
    },
  });
  return report;
}

/** The published catalogue as a file: JSON with topics, life events and synonyms, or CSV of the items. */
export async function exportCatalogue(db: Db, format: CatalogueFormat): Promise<string> {
  const rows = await db
    .select({ content: cataloguePublished.content })
    .from(cataloguePublished)
    .orderBy(asc(cataloguePublished.code));
  const items: ServiceItemInput[] = rows.map((r) => r.content);
  if (format === 'csv') return writeCsvCatalogue(items);
  const [topics, lifeEvents, synonyms] = await Promise.all([
    db.select().from(catalogueTopics).orderBy(asc(catalogueTopics.sortOrder)),
    db.select().from(catalogueLifeEvents).orderBy(asc(catalogueLifeEvents.sortOrder)),
    db.select().from(catalogueSynonyms),
  ]);
  return `${JSON.stringify(
    {
      format: 'yiwang-catalogue',
      version: 1,
      topics: topics.map((t) => ({ code: t.code, name: { zh: t.nameZh, en: t.nameEn } })),
      lifeEvents: lifeEvents.map((e) => e.content),
      synonyms: synonyms.map((s) => s.words),
      items,
    },
    null,
    2,
  )}\n`;
}
