/*
 * Writing what the public sees. A published version becomes one row of `catalogue_published` with its search
 * documents and its rows in `catalogue_published_facets` (what lists by topic walk), and the news of it an outbox
 * event — many at once for an import, in the caller's transaction.
 */
import { eq, inArray, sql } from 'drizzle-orm';
import type { Db } from '../../kernel/db/database.ts';
import { publishEvents } from '../../kernel/events/events.ts';
import { hanPairs, tokenText } from '../../kernel/search/tokenizer.ts';
import {
  catalogueItems,
  catalogueItemVersions,
  cataloguePublished,
  cataloguePublishedFacets,
  catalogueVocabulary,
} from './db/catalogue.tables.ts';
import type { ServiceItemInput } from './domain/catalogue-file.ts';

/** A version to put before the public. */
export interface Publication {
  itemId: string;
  versionId: string;
  versionNumber: number;
  content: ServiceItemInput;
}

export const ITEM_PUBLISHED = 'catalogue.item.published';
export const ITEM_WITHDRAWN = 'catalogue.item.withdrawn';

// Rows per INSERT: large enough that an import of thousands is a handful of statements, small enough to stay far
// below PostgreSQL's 65,535 parameters.
const BATCH = 200;

/** The text of each weight class, per language: A the name, B the words people use, C the summary, D the rest. */
function weightedText(item: ServiceItemInput, language: 'zh' | 'en') {
  return {
    a: item.name[language],
    b: [...item.keywords[language], item.code].join(' '),
    c: item.summary[language],
    d: [
      item.description[language],
      ...item.conditions.map((c) => c[language]),
      ...item.materials.map((m) => m.name[language]),
      ...item.faq.map((f) => f.q[language]),
    ].join(' '),
  };
}

function publishedValues(p: Publication, now: Date) {
  const item = p.content;
  const zh = weightedText(item, 'zh');
  const en = weightedText(item, 'en');
  const simple = (text: string, weight: string) =>
    sql`setweight(to_tsvector('simple', ${tokenText(text)}), ${weight})`;
  const english = (text: string, weight: string) =>
    sql`setweight(to_tsvector('english', ${text.toLowerCase()}), ${weight})`;
  return {
    itemId: p.itemId,
    code: item.code,
    versionId: p.versionId,
    versionNumber: p.versionNumber,
    departmentCode: item.department,
    nameZh: item.name.zh,
    nameEn: item.name.en,
    audiences: item.audiences,
    topics: item.topics,
    lifeEvents: item.lifeEvents,
    content: item,
    searchZh: sql`${simple(zh.a, 'A')} || ${simple(zh.b, 'B')} || ${simple(zh.c, 'C')} || ${simple(zh.d, 'D')}`,
    searchEn: sql`${english(en.a, 'A')} || ${english(en.b, 'B')} || ${english(en.c, 'C')} || ${english(en.d, 'D')}`,
    titleZh: sql`to_tsvector('simple', ${tokenText(`${zh.a} ${zh.b}`)})`,
    titleEn: sql`to_tsvector('english', ${`${en.a} ${en.b}`.toLowerCase()})`,
    nameGrams: sql`to_tsvector('simple', ${hanPairs([item.name.zh, ...item.keywords.zh].join(' ')).join(' ')})`,
    publishedAt: now,
  } as unknown as typeof cataloguePublished.$inferInsert;
}

/** Latin words of names and keywords, the vocabulary spelling suggestions choose from. */
function vocabularyOf(item: ServiceItemInput): string[] {
  const text = [item.name.en, ...item.keywords.en].join(' ').toLowerCase();
  return (text.match(/[a-z][a-z-]{2,}/g) ?? []).filter((w) => w.length <= 40);
}

/**
 * Makes versions the public ones: marks them published (and the item's previous published version superseded),
 * rewrites the public rows, adds their words to the vocabulary and writes one outbox event per item.
 */
export async function publishVersions(
  tx: Db,
  publications: readonly Publication[],
  now: Date,
): Promise<void> {
  for (let start = 0; start < publications.length; start += BATCH) {
    const batch = publications.slice(start, start + BATCH);
    const itemIds = batch.map((p) => p.itemId);
    const versionIds = batch.map((p) => p.versionId);
    await tx
      .update(catalogueItemVersions)
      .set({ state: 'superseded', updatedAt: now })
      .where(
        sql`${catalogueItemVersions.itemId} in ${itemIds} and ${catalogueItemVersions.state} = 'published' and ${catalogueItemVersions.id} not in ${versionIds}`,
      );
    await tx
      .update(catalogueItemVersions)
      .set({ state: 'published', publishedAt: now, updatedAt: now })
      .where(inArray(catalogueItemVersions.id, versionIds));
    await tx.execute(sql`update catalogue_items as i set published_version_id = v.id, withdrawn_at = null
      from catalogue_item_versions as v where v.id in ${versionIds} and i.id = v.item_id`);
    const written = await tx
      .insert(cataloguePublished)
      .values(batch.map((p) => publishedValues(p, now)))
      .onConflictDoUpdate({
        target: cataloguePublished.itemId,
        set: {
          versionId: sql`excluded.version_id`,
          versionNumber: sql`excluded.version_number`,
          departmentCode: sql`excluded.department_code`,
          nameZh: sql`excluded.name_zh`,
          nameEn: sql`excluded.name_en`,
          audiences: sql`excluded.audiences`,
          topics: sql`excluded.topics`,
          lifeEvents: sql`excluded.life_events`,
          content: sql`excluded.content`,
          searchZh: sql`excluded.search_zh`,
          searchEn: sql`excluded.search_en`,
          titleZh: sql`excluded.title_zh`,
          titleEn: sql`excluded.title_en`,
          nameGrams: sql`excluded.name_grams`,
          publishedAt: sql`excluded.published_at`,
        },
      })
      // `xmax` is set on a row the statement updated rather than inserted: an item published before.
      .returning({ itemId: cataloguePublished.itemId, replaced: sql<boolean>`xmax::text <> '0'` });
    // The rows lists walk (catalogue_published_facets), from the versions themselves: an item published before loses
    // its old rows first. Nothing is read back from the tables written in this transaction, whose statistics are
    // those of before it: in an import of 100,000 items that made every batch read all the rows before it.
    const replaced = written.filter((row) => row.replaced).map((row) => row.itemId);
    if (replaced.length > 0)
      await tx.delete(cataloguePublishedFacets).where(inArray(cataloguePublishedFacets.itemId, replaced));
    const facets = batch.flatMap((p) =>
      [...new Set(p.content.topics)].flatMap((topic) =>
        [...new Set(p.content.audiences)].map((audience) => ({
          itemId: p.itemId,
          topic,
          audience,
          departmentCode: p.content.department,
          code: p.content.code,
        })),
      ),
    );
    if (facets.length > 0) await tx.insert(cataloguePublishedFacets).values(facets);
    const words = [...new Set(batch.flatMap((p) => vocabularyOf(p.content)))];
    if (words.length > 0)
      await tx
        .insert(catalogueVocabulary)
        .values(words.map((word) => ({ word })))
        .onConflictDoNothing();
    await publishEvents(
      tx,
      ITEM_PUBLISHED,
      batch.map((p) => ({ code: p.content.code, versionId: p.versionId, version: p.versionNumber })),
    );
  }
}

/** Takes an item off the portal: its versions stay, its public row goes. */
export async function withdrawItem(tx: Db, itemId: string, code: string, now: Date): Promise<void> {
  await tx.delete(cataloguePublished).where(eq(cataloguePublished.itemId, itemId));
  await tx
    .update(catalogueItemVersions)
    .set({ state: 'superseded', updatedAt: now })
    .where(sql`${catalogueItemVersions.itemId} = ${itemId} and ${catalogueItemVersions.state} = 'published'`);
  await tx
    .update(catalogueItems)
    .set({ publishedVersionId: null, withdrawnAt: now })
    .where(eq(catalogueItems.id, itemId));
  await publishEvents(tx, ITEM_WITHDRAWN, [{ code }]);
}
