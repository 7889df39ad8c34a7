import { sql } from 'drizzle-orm';
import {
  bigint,
  customType,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';
import type { ServiceItemInput } from '../domain/catalogue-file.ts';

/** PostgreSQL's full-text document type; written with `to_tsvector` from tokens the application segmented. */
const tsvector = customType<{ data: string }>({ dataType: () => 'tsvector' });

/** The states a version goes through: edited, sent for review, accepted (now or at a set time), or not. */
export const VERSION_STATES = [
  'draft',
  'submitted',
  'scheduled',
  'published',
  'rejected',
  'superseded',
] as const;
export type VersionState = (typeof VERSION_STATES)[number];

/**
 * A service item (事项): its stable identity. The content lives in versions; the public sees only the published
 * projection (`catalogue_published`).
 */
export const catalogueItems = pgTable(
  'catalogue_items',
  {
    id: text('id').primaryKey(),
    code: text('code').notNull().unique(),
    /** The responsible department: the one whose staff may edit it. Fixed by the code's prefix. */
    departmentCode: text('department_code').notNull(),
    /** The version the public sees, if any. */
    publishedVersionId: text('published_version_id'),
    /** Set when the item was taken off the portal; a new publication clears it. */
    withdrawnAt: timestamp('withdrawn_at', { withTimezone: true }),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  // An editor's list: their department's items by code, a page at a time.
  (t) => [index('catalogue_items_department_idx').on(t.departmentCode, t.code)],
);

/** Every version of every item, never changed after it left the draft state except for its review outcome. */
export const catalogueItemVersions = pgTable(
  'catalogue_item_versions',
  {
    id: text('id').primaryKey(),
    itemId: text('item_id')
      .notNull()
      .references(() => catalogueItems.id),
    /** 1, 2, 3… per item. */
    number: integer('number').notNull(),
    state: text('state').$type<VersionState>().notNull(),
    content: jsonb('content').$type<ServiceItemInput>().notNull(),
    /** What the editor says changed, for the reviewer and the history. */
    changeNote: text('change_note').notNull().default(''),
    /** Where it came from: an editor's draft, or a bulk import. */
    source: text('source').$type<'editor' | 'import'>().notNull(),
    createdBy: text('created_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
    submittedBy: text('submitted_by'),
    submittedAt: timestamp('submitted_at', { withTimezone: true }),
    reviewedBy: text('reviewed_by'),
    reviewedAt: timestamp('reviewed_at', { withTimezone: true }),
    reviewNote: text('review_note'),
    /** For a scheduled version: when it goes live. */
    publishAt: timestamp('publish_at', { withTimezone: true }),
    publishedAt: timestamp('published_at', { withTimezone: true }),
  },
  (t) => [
    uniqueIndex('catalogue_item_versions_number_idx').on(t.itemId, t.number),
    index('catalogue_item_versions_state_idx').on(t.state, t.publishAt),
  ],
);

/**
 * What the portal, the API and search read: one row per published item, with its search documents. Rewritten on
 * every publication, deleted on withdrawal.
 */
export const cataloguePublished = pgTable(
  'catalogue_published',
  {
    itemId: text('item_id')
      .primaryKey()
      .references(() => catalogueItems.id),
    code: text('code').notNull().unique(),
    versionId: text('version_id').notNull(),
    versionNumber: integer('version_number').notNull(),
    departmentCode: text('department_code').notNull(),
    nameZh: text('name_zh').notNull(),
    nameEn: text('name_en').notNull(),
    audiences: text('audiences').array().notNull(),
    topics: text('topics').array().notNull(),
    lifeEvents: text('life_events').array().notNull(),
    content: jsonb('content').$type<ServiceItemInput>().notNull(),
    /** jieba tokens of the Chinese text, weighted A name, B keywords, C summary, D the rest. */
    searchZh: tsvector('search_zh').notNull(),
    /** The English text, stemmed by PostgreSQL's English configuration, weighted as above. */
    searchEn: tsvector('search_en').notNull(),
    /**
     * The name and the words people use for it, in each language: small documents that rank the matches (a match
     * in the title first, by how well; then by popularity) without reading the whole text of each match.
     */
    titleZh: tsvector('title_zh').notNull(),
    titleEn: tsvector('title_en').notNull(),
    /** Pairs of neighbouring Chinese characters of the name and keywords: finds misspelt Chinese names. */
    nameGrams: tsvector('name_grams').notNull(),
    /** Views in the last counting period, folded in by the view counter: ranks popular services first. */
    views: bigint('views', { mode: 'number' }).notNull().default(0),
    publishedAt: timestamp('published_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    // Without GIN's pending list (fastupdate): entries go straight into the index, so a search right after an
    // import of 100,000 items does not scan an unmerged list until the next vacuum (ADR 13).
    index('catalogue_published_search_zh_idx').using('gin', t.searchZh).with({ fastupdate: false }),
    index('catalogue_published_search_en_idx').using('gin', t.searchEn).with({ fastupdate: false }),
    index('catalogue_published_name_grams_idx').using('gin', t.nameGrams).with({ fastupdate: false }),
    index('catalogue_published_audiences_idx').using('gin', t.audiences),
    index('catalogue_published_topics_idx').using('gin', t.topics),
    index('catalogue_published_life_events_idx').using('gin', t.lifeEvents),
    index('catalogue_published_department_idx').on(t.departmentCode, t.code),
    // Search: titles found by GIN; a broad query walks the popularity order and stops at a page (ADR 12).
    index('catalogue_published_title_zh_idx').using('gin', t.titleZh).with({ fastupdate: false }),
    index('catalogue_published_title_en_idx').using('gin', t.titleEn).with({ fastupdate: false }),
    index('catalogue_published_popularity_idx').on(t.views.desc(), t.code),
    // The same walk within one department (the search filter, and a department's page).
    index('catalogue_published_department_popularity_idx').on(t.departmentCode, t.views.desc(), t.code),
  ],
);

/**
 * One row per published item, topic and audience: what lists of a topic's services (the audience pages, topic
 * pages, a department's page) walk and count. The arrays of `catalogue_published` can say which rows contain a
 * topic only through GIN, which can neither return them in order nor count them without reading every matching
 * row; at 100,000 items a topic's few thousand rows took 150 ms per list (ADR 20). Written with the public row
 * (publication.ts), removed with it (the foreign key cascades).
 */
export const cataloguePublishedFacets = pgTable(
  'catalogue_published_facets',
  {
    itemId: text('item_id')
      .notNull()
      .references(() => cataloguePublished.itemId, { onDelete: 'cascade' }),
    topic: text('topic').notNull(),
    audience: text('audience').notNull(),
    departmentCode: text('department_code').notNull(),
    code: text('code').notNull(),
  },
  (t) => [
    primaryKey({ columns: [t.itemId, t.topic, t.audience] }),
    // A topic for one audience, in the lists' order (department, code): a page is a walk that stops at its end.
    index('catalogue_published_facets_audience_idx').on(t.topic, t.audience, t.departmentCode, t.code),
    // A topic for everyone, or one department's services on a topic.
    index('catalogue_published_facets_department_idx').on(t.topic, t.departmentCode, t.code),
  ],
);

/** Topics (主题) the portal groups services by. */
export const catalogueTopics = pgTable('catalogue_topics', {
  code: text('code').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
});

/** Life events (人生大事): ordered journeys through services of several departments. */
export const catalogueLifeEvents = pgTable('catalogue_life_events', {
  code: text('code').primaryKey(),
  audience: text('audience').notNull(),
  /** The life event as the catalogue file gives it (names, summary, ordered steps naming service codes). */
  content: jsonb('content').notNull(),
  sortOrder: integer('sort_order').notNull().default(0),
});

/** Groups of words that mean the same to a person searching; editable by the platform administrator. */
export const catalogueSynonyms = pgTable('catalogue_synonyms', {
  id: text('id').primaryKey(),
  words: text('words').array().notNull(),
});

/**
 * The Latin-script words of published names and keywords, for spelling suggestions ("provdent" → "provident") by
 * pg_trgm similarity.
 */
export const catalogueVocabulary = pgTable(
  'catalogue_vocabulary',
  { word: text('word').primaryKey() },
  (t) => [index('catalogue_vocabulary_trgm_idx').using('gin', sql`${t.word} gin_trgm_ops`)],
);

/** Guide page views per item and day, added up in memory and written every few seconds. */
export const catalogueViewCounts = pgTable(
  'catalogue_view_counts',
  {
    itemId: text('item_id').notNull(),
    day: text('day').notNull(),
    views: bigint('views', { mode: 'number' }).notNull(),
  },
  (t) => [primaryKey({ columns: [t.itemId, t.day] })],
);
