/*
 * The public catalogue: reading published items, topics and life events, search, and popularity. Nothing here
 * needs a permission: the published catalogue is public information. Editing is in editing.service.ts.
 */
import { and, asc, count, desc, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { ttlCache } from '../../kernel/cache.ts';
import { civilDate } from '../../kernel/calendar/working-days.ts';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { hanPairs } from '../../kernel/search/tokenizer.ts';
import type {
  CatalogueContract,
  LifeEvent,
  SearchHit,
  SearchResult,
  ServiceSummary,
  Topic,
} from './contract.ts';
import {
  catalogueLifeEvents,
  cataloguePublished,
  catalogueSynonyms,
  catalogueTopics,
  catalogueViewCounts,
} from './db/catalogue.tables.ts';
import type { Audience, ServiceItemInput } from './domain/catalogue-file.ts';
import { highlight, planSearch } from './domain/search-plan.ts';

/** Topics, life events and synonyms change rarely and are read on every portal page: another instance may show a change this late. */
const REFERENCE_CACHE_MS = 10_000;
/** How often counted views are written. */
const VIEW_FLUSH_MS = 5_000;
const MAX_LIMIT = 50;
const CODE = /^[A-Z]{2,6}-\d{4}$/;

type PublishedRow = typeof cataloguePublished.$inferSelect;

const summaryColumns = {
  code: cataloguePublished.code,
  content: cataloguePublished.content,
};

function toSummary(content: ServiceItemInput): ServiceSummary {
  return {
    code: content.code,
    name: content.name,
    summary: content.summary,
    department: content.department,
    audiences: content.audiences,
    onlineDepth: content.onlineDepth,
  };
}

/** The catalogue service, with the view counter a working process starts and stops. */
export interface CatalogueService extends CatalogueContract {
  /** Writes the views counted so far (also called on a timer while started). */
  flushViews(): Promise<void>;
  startViewCounter(): void;
  stopViewCounter(): Promise<void>;
  /** Forgets cached topics, life events and synonyms (after an import or an edit of them). */
  invalidate(): void;
}

export function createCatalogueService(kernel: {
  db: Db;
  timeZone: string;
  now?: () => Date;
}): CatalogueService {
  const { db } = kernel;
  const now = kernel.now ?? (() => new Date());
  const topics = ttlCache(async (): Promise<Topic[]> => {
    const rows = await db
      .select()
      .from(catalogueTopics)
      .orderBy(asc(catalogueTopics.sortOrder), asc(catalogueTopics.code));
    return rows.map((r) => ({ code: r.code, name: { zh: r.nameZh, en: r.nameEn } }));
  }, REFERENCE_CACHE_MS);
  const lifeEvents = ttlCache(async (): Promise<LifeEvent[]> => {
    const rows = await db
      .select()
      .from(catalogueLifeEvents)
      .orderBy(asc(catalogueLifeEvents.sortOrder), asc(catalogueLifeEvents.code));
    return rows.map((r) => r.content as LifeEvent);
  }, REFERENCE_CACHE_MS);
  const synonyms = ttlCache(async () => {
    const rows = await db.select({ words: catalogueSynonyms.words }).from(catalogueSynonyms);
    return rows.map((r) => r.words);
  }, REFERENCE_CACHE_MS);

  const pendingViews = new Map<string, number>();
  let timer: NodeJS.Timeout | undefined;
  let flushing: Promise<void> | undefined;

  async function flushViews(): Promise<void> {
    if (pendingViews.size === 0) return;
    const views = [...pendingViews];
    pendingViews.clear();
    const day = civilDate(now(), kernel.timeZone);
    try {
      await db.transaction(async (tx) => {
        const rows = await tx
          .select({ itemId: cataloguePublished.itemId, code: cataloguePublished.code })
          .from(cataloguePublished)
          .where(
            inArray(
              cataloguePublished.code,
              views.map(([code]) => code),
            ),
          );
        const byCode = new Map(views);
        for (const row of rows) {
          const n = byCode.get(row.code) ?? 0;
          await tx
            .insert(catalogueViewCounts)
            .values({ itemId: row.itemId, day, views: n })
            .onConflictDoUpdate({
              target: [catalogueViewCounts.itemId, catalogueViewCounts.day],
              set: { views: sql`${catalogueViewCounts.views} + ${n}` },
            });
          await tx
            .update(cataloguePublished)
            .set({ views: sql`${cataloguePublished.views} + ${n}` })
            .where(eq(cataloguePublished.itemId, row.itemId));
        }
      });
    } catch (error) {
      // Counts are for ranking only: put them back and try again at the next flush rather than fail a page.
      for (const [code, n] of views) pendingViews.set(code, (pendingViews.get(code) ?? 0) + n);
      throw error;
    }
  }

  const filterOf = (filter: Parameters<CatalogueContract['listServices']>[0] = {}) => {
    const conditions: SQL[] = [];
    if (filter.audience) conditions.push(sql`${filter.audience} = any(${cataloguePublished.audiences})`);
    if (filter.topic) conditions.push(sql`${filter.topic} = any(${cataloguePublished.topics})`);
    if (filter.lifeEvent) conditions.push(sql`${filter.lifeEvent} = any(${cataloguePublished.lifeEvents})`);
    if (filter.department)
      conditions.push(eq(cataloguePublished.departmentCode, filter.department.toUpperCase()));
    if (filter.codes) conditions.push(inArray(cataloguePublished.code, [...filter.codes, '']));
    return conditions.length > 0 ? and(...conditions) : undefined;
  };

  type HitRow = { code: string; content: ServiceItemInput; total: number };
  const toHits = (rows: HitRow[], terms: string[]): SearchHit[] =>
    rows.map(({ content }) => ({
      ...toSummary(content),
      highlighted: {
        name: { zh: highlight(content.name.zh, terms), en: highlight(content.name.en, terms) },
        summary: { zh: highlight(content.summary.zh, terms), en: highlight(content.summary.en, terms) },
      },
    }));

  /**
   * The precise search: every concept of the query in the Chinese or in the English document. The matches are
   * ranked on narrow columns first and only the page's rows are read in full (ADR 12).
   */
  async function preciseSearch(
    tsquery: string,
    language: 'zh' | 'en',
    filter: SQL | undefined,
    limit: number,
    offset: number,
  ) {
    // The title in the language the person typed in: 营业执照 puts services named 营业执照 first, not the one whose
    // English name happens to contain "business licence".
    const inTitle = language === 'zh' ? sql`title_zh @@ zq` : sql`title_en @@ eq`;
    return queryRows<HitRow>(
      db,
      sql`with ranked as (
          select item_id, code, views,
            ${inTitle} as in_title,
            greatest(ts_rank(title_zh, zq), ts_rank(title_en, eq)) * (1 + ln(1 + views) / 20) as score,
            count(*) over () as total
          from ${cataloguePublished}, to_tsquery('simple', ${tsquery}) zq, to_tsquery('english', ${tsquery}) eq
          where (search_zh @@ zq or search_en @@ eq) ${filter ? sql`and ${filter}` : sql``}
          -- A match in the title (name and keywords) first, by how well it matches; then by popularity.
          order by in_title desc, score desc, views desc, code
          limit ${limit} offset ${offset}
        )
        select ranked.code, p.content, ranked.total::int as total
        from ranked join ${cataloguePublished} p on p.item_id = ranked.item_id
        order by ranked.in_title desc, ranked.score desc, ranked.views desc, ranked.code`,
    );
  }

  /** Names that share enough character pairs with the query (see `hanPairs`): a misspelt Chinese name. */
  async function similarChineseNames(query: string, filter: SQL | undefined, limit: number) {
    const pairs = hanPairs(query);
    if (pairs.length === 0) return [];
    // Two in five pairs: one wrong character in a four-character name still leaves two of its five pairs.
    const needed = Math.max(2, Math.ceil(pairs.length * 0.4));
    const tsquery = pairs.map((p) => `'${p}'`).join(' | ');
    return queryRows<HitRow>(
      db,
      sql`select code, content, count(*) over ()::int as total from (
          select code, content, views,
            (select count(*) from unnest(name_grams) g where g.lexeme = any(string_to_array(${pairs.join(' ')}, ' '))) as shared
          from ${cataloguePublished}
          where name_grams @@ to_tsquery('simple', ${tsquery}) ${filter ? sql`and ${filter}` : sql``}
        ) s where shared >= ${needed}
        order by shared desc, views desc, code limit ${limit}`,
    );
  }

  /** The nearest vocabulary word to each Latin word that is not itself a word of the catalogue. */
  async function correctSpelling(words: string[]): Promise<Map<string, string>> {
    const corrections = new Map<string, string>();
    for (const word of words) {
      const [row] = await queryRows<{ word: string; exact: boolean }>(
        db,
        // Closest by trigrams, a little against a different length: "busines" is "business", not "businesses".
        sql`select word, word = ${word} as exact from catalogue_vocabulary
          where word % ${word}
          order by word = ${word} desc,
            similarity(word, ${word}) - 0.02 * abs(length(word) - ${word.length}) desc, word
          limit 1`,
      );
      if (row && !row.exact) corrections.set(word, row.word);
    }
    return corrections;
  }

  return {
    async findService(code) {
      const [row] = await db
        .select()
        .from(cataloguePublished)
        .where(eq(cataloguePublished.code, code.toUpperCase()));
      return row ? toItem(row) : undefined;
    },

    async listServices(filter = {}) {
      const where = filterOf(filter);
      const limit = Math.min(filter.limit ?? MAX_LIMIT, 1000);
      const [rows, [total]] = await Promise.all([
        db
          .select(summaryColumns)
          .from(cataloguePublished)
          .where(where)
          .orderBy(asc(cataloguePublished.departmentCode), asc(cataloguePublished.code))
          .limit(limit)
          .offset(filter.offset ?? 0),
        db.select({ n: count() }).from(cataloguePublished).where(where),
      ]);
      return { items: rows.map((r) => toSummary(r.content)), total: total?.n ?? 0 };
    },

    async popularServices(limit) {
      const rows = await db
        .select(summaryColumns)
        .from(cataloguePublished)
        .orderBy(desc(cataloguePublished.views), asc(cataloguePublished.code))
        .limit(Math.min(limit, MAX_LIMIT));
      return rows.map((r) => toSummary(r.content));
    },

    async search(query): Promise<SearchResult> {
      const limit = Math.min(query.limit ?? 20, MAX_LIMIT);
      const offset = query.offset ?? 0;
      const filter = filterOf({ audience: query.audience, department: query.department });
      const text = query.q.trim();
      // A service code typed in (SJ-0101) goes straight to that service.
      if (CODE.test(text.toUpperCase())) {
        const rows = await queryRows<HitRow>(
          db,
          sql`select code, content, 1 as total from ${cataloguePublished}
            where code = ${text.toUpperCase()} ${filter ? sql`and ${filter}` : sql``}`,
        );
        if (rows.length > 0) return { hits: toHits(rows, [text]), total: 1, fuzzy: false };
      }
      const groups = await synonyms.get();
      const plan = planSearch(text, groups);
      if (!plan.zh) return { hits: [], total: 0, fuzzy: false };
      const language = /\p{Script=Han}/u.test(text) ? 'zh' : 'en';
      const rows = await preciseSearch(plan.zh, language, filter, limit, offset);
      const preciseTotal = rows[0]?.total ?? 0;
      if (preciseTotal >= 3 || (offset > 0 && rows.length > 0)) {
        return { hits: toHits(rows, plan.terms), total: preciseTotal, fuzzy: false };
      }
      // Fewer than three hits: perhaps misspelt. Correct Latin words against the catalogue's vocabulary and search
      // again, and look for Chinese names sharing enough character pairs. The merged list (at most MAX_LIMIT) is
      // paged here.
      const precise = offset > 0 ? await preciseSearch(plan.zh, language, filter, MAX_LIMIT, 0) : rows;
      const corrections = await correctSpelling(plan.latinWords);
      let corrected: { rows: HitRow[]; terms: string[]; query: string } | undefined;
      if (corrections.size > 0) {
        const correctedText = text
          .toLowerCase()
          .replace(/[a-z][a-z-]*/g, (word) => corrections.get(word) ?? word);
        const correctedPlan = planSearch(correctedText, groups);
        if (correctedPlan.zh)
          corrected = {
            rows: await preciseSearch(correctedPlan.zh, language, filter, MAX_LIMIT, 0),
            terms: correctedPlan.terms,
            query: correctedText,
          };
      }
      const similar = await similarChineseNames(text, filter, MAX_LIMIT);
      const seen = new Set<string>();
      const merged: { row: HitRow; terms: string[] }[] = [];
      for (const [list, terms] of [
        [precise, plan.terms],
        [corrected?.rows ?? [], corrected?.terms ?? []],
        [similar, hanPairs(text)],
      ] as [HitRow[], string[]][]) {
        for (const row of list) {
          if (seen.has(row.code) || merged.length >= MAX_LIMIT) continue;
          seen.add(row.code);
          merged.push({ row, terms });
        }
      }
      const hits = merged.slice(offset, offset + limit).flatMap(({ row, terms }) => toHits([row], terms));
      return {
        hits,
        total: merged.length,
        fuzzy: merged.length > precise.length,
        ...(corrected && corrected.rows.length > 0 ? { correctedQuery: corrected.query } : {}),
      };
    },

    listTopics: () => topics.get(),
    async listLifeEvents(audience?: Audience) {
      const all = await lifeEvents.get();
      return audience ? all.filter((e) => e.audience === audience) : all;
    },
    async findLifeEvent(code) {
      return (await lifeEvents.get()).find((e) => e.code === code);
    },

    countView(code) {
      pendingViews.set(code, (pendingViews.get(code) ?? 0) + 1);
    },
    flushViews: () => {
      flushing = flushViews().finally(() => {
        flushing = undefined;
      });
      return flushing;
    },
    startViewCounter() {
      timer ??= setInterval(() => {
        if (!flushing) void this.flushViews().catch(() => {});
      }, VIEW_FLUSH_MS);
      timer.unref();
    },
    async stopViewCounter() {
      if (timer) clearInterval(timer);
      timer = undefined;
      await flushing;
      await flushViews().catch(() => {});
    },
    invalidate() {
      topics.invalidate();
      lifeEvents.invalidate();
      synonyms.invalidate();
    },
  };
}

function toItem(row: PublishedRow) {
  return { ...row.content, version: row.versionNumber, publishedAt: row.publishedAt };
}
