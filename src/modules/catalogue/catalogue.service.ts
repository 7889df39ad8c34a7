/*
 * The public catalogue: reading published items, topics and life events, search, and popularity. Nothing here
 * needs a permission: the published catalogue is public information. Editing is in editing.service.ts.
 */
import { isDeepStrictEqual } from 'node:util';
import { and, asc, count, eq, inArray, type SQL, sql } from 'drizzle-orm';
import { keyedTtlCache, ttlCache } from '../../kernel/cache.ts';
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

/**
 * Topics, life events and synonyms change rarely and are read on every portal page, a service's published entry on
 * every application: another instance may show a change this late.
 */
const REFERENCE_CACHE_MS = 10_000;
/** How often counted views are written. */
const VIEW_FLUSH_MS = 5_000;
const MAX_LIMIT = 50;
/** Search counts matches up to this many; beyond, a page says "more than 1,000". */
const COUNT_LIMIT = 1000;
/** A search tier with at most this many matches is ranked by title as well as by popularity. */
const SMALL_TIER = 200;
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

/** Adds guide page views of one day to services (by code): the day's count and the running total that ranks them. */
export async function addViews(tx: Db, views: ReadonlyMap<string, number>, day: string): Promise<void> {
  if (views.size === 0) return;
  const rows = await tx
    .select({ itemId: cataloguePublished.itemId, code: cataloguePublished.code })
    .from(cataloguePublished)
    .where(inArray(cataloguePublished.code, [...views.keys()]));
  for (const row of rows) {
    const n = views.get(row.code) ?? 0;
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
}

/** The catalogue service, with the view counter a working process starts and stops. */
export interface CatalogueService extends CatalogueContract {
  /** Writes the views counted so far (also called on a timer while started). */
  flushViews(): Promise<void>;
  startViewCounter(): void;
  stopViewCounter(): Promise<void>;
  /** Forgets cached services, topics, life events and synonyms (after an import or an edit of them). */
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
  // Unchanged groups are handed out as the same array: the search planner keeps its compiled matcher per array
  // (search-plan.ts), and rebuilding it — normalising every word, a pattern per Latin one, the phrases' tokens —
  // stalled a search for about 70 ms each time this cache was refreshed (docs/benchmarks.md, Abuse).
  let lastSynonyms: string[][] = [];
  const synonyms = ttlCache(async () => {
    const rows = await db
      .select({ words: catalogueSynonyms.words })
      .from(catalogueSynonyms)
      .orderBy(asc(catalogueSynonyms.id));
    const groups = rows.map((r) => r.words);
    if (!isDeepStrictEqual(groups, lastSynonyms)) lastSynonyms = groups;
    return lastSynonyms;
  }, REFERENCE_CACHE_MS);

  // Every application reads its service's entry (identity level, limits, whether it is open): kept briefly, like
  // the reference lists, and forgotten when this process publishes.
  const published = keyedTtlCache(async (code: string) => {
    const [row] = await db.select().from(cataloguePublished).where(eq(cataloguePublished.code, code));
    return row ? toItem(row) : undefined;
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
      await db.transaction((tx) => addViews(tx, new Map(views), day));
    } catch (error) {
      // Counts are for ranking only: put them back and try again at the next flush rather than fail a page.
      for (const [code, n] of views) pendingViews.set(code, (pendingViews.get(code) ?? 0) + n);
      throw error;
    }
  }

  const filterOf = (filter: Parameters<CatalogueContract['listServices']>[0] = {}) => {
    const conditions: SQL[] = [];
    // Containment (`@>`), not `= any(…)`: only containment can use the arrays' GIN indexes; `= any` read every
    // published row, which at 100,000 items made each topic's list take tens of milliseconds (ADR 20).
    if (filter.audience)
      conditions.push(sql`${cataloguePublished.audiences} @> array[${filter.audience}]::text[]`);
    if (filter.topic) conditions.push(sql`${cataloguePublished.topics} @> array[${filter.topic}]::text[]`);
    if (filter.lifeEvent)
      conditions.push(sql`${cataloguePublished.lifeEvents} @> array[${filter.lifeEvent}]::text[]`);
    if (filter.department)
      conditions.push(eq(cataloguePublished.departmentCode, filter.department.toUpperCase()));
    if (filter.codes) conditions.push(inArray(cataloguePublished.code, [...filter.codes, '']));
    return conditions.length > 0 ? and(...conditions) : undefined;
  };

  /**
   * A page of one topic's services (for one audience, of one department) and how many there are, from the facet
   * rows (ADR 20): the page is an index walk that stops at its end, the count an index-only scan, and only the
   * page's own items are read from the public rows. An item for two audiences has a row for each: counted once.
   */
  async function listByTopic(
    topic: string,
    filter: { audience?: Audience; department?: string; offset?: number },
    limit: number,
  ) {
    const conditions = [sql`f.topic = ${topic}`];
    if (filter.audience) conditions.push(sql`f.audience = ${filter.audience}`);
    if (filter.department) conditions.push(sql`f.department_code = ${filter.department.toUpperCase()}`);
    const where = sql.join(conditions, sql` and `);
    const [rows, counted] = await Promise.all([
      queryRows<{ content: ServiceItemInput }>(
        db,
        sql`select p.content from (
              select f.department_code, f.code from catalogue_published_facets f where ${where}
              group by f.department_code, f.code order by f.department_code, f.code
              limit ${limit} offset ${filter.offset ?? 0}
            ) as page join catalogue_published p on p.code = page.code
            order by page.department_code, page.code`,
      ),
      queryRows<{ n: number }>(
        db,
        filter.audience
          ? sql`select count(*)::int as n from catalogue_published_facets f where ${where}`
          : sql`select count(distinct f.code)::int as n from catalogue_published_facets f where ${where}`,
      ),
    ]);
    return { items: rows.map((r) => toSummary(r.content)), total: counted[0]?.n ?? 0 };
  }

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
   * Runs `work` with the planner told which way to go (ADR 13): `bitmap` reads the matches from the GIN indexes and
   * sorts them (right for a few hundred); `walk` walks the popularity index and stops when the page is full (right
   * for tens of thousands). Left to itself, the planner guesses how many rows a rare word matches from statistics
   * and, guessing many, walked all 100,000 rows for a word nine services contain.
   */
  function planned<T>(way: 'bitmap' | 'walk', work: (tx: Db) => Promise<T>): Promise<T> {
    return db.transaction(async (tx) => {
      await tx.execute(sql`set local enable_seqscan = off`);
      await tx.execute(
        way === 'bitmap' ? sql`set local enable_indexscan = off` : sql`set local enable_bitmapscan = off`,
      );
      return work(tx);
    });
  }

  /**
   * The precise search: every concept of the query in the Chinese or in the English document. Three tiers, each in
   * popularity order: the title (name and keywords, in the language typed in) matches the words as typed; it
   * matches only through a synonym; the rest of the text matches (ADR 13). Each tier is counted first (from the
   * GIN indexes, stopping at COUNT_LIMIT), which decides how its page is read.
   */
  async function preciseSearch(
    tsquery: string,
    literal: string,
    language: 'zh' | 'en',
    filter: SQL | undefined,
    limit: number,
    offset: number,
  ): Promise<{ rows: HitRow[]; total: number; totalIsExact: boolean }> {
    const zq = sql`to_tsquery('simple', ${tsquery})`;
    const eq = sql`to_tsquery('english', ${tsquery})`;
    // The title in the language typed in: 营业执照 puts the services named 营业执照 first, not one whose English
    // name says "business licence"; and the words as typed before their synonyms (退休 before 养老).
    const title = (query: SQL) => (language === 'zh' ? sql`title_zh @@ ${query}` : sql`title_en @@ ${query}`);
    const asTyped = title(
      language === 'zh' ? sql`to_tsquery('simple', ${literal})` : sql`to_tsquery('english', ${literal})`,
    );
    const inTitle = title(language === 'zh' ? zq : eq);
    const matches = sql`(search_zh @@ ${zq} or search_en @@ ${eq})`;
    const and = filter ? sql`and ${filter}` : sql``;
    const wanted = offset + limit;
    const rankBy = sql`greatest(ts_rank(title_zh, ${zq}), ts_rank(title_en, ${eq}))`;
    const tiers = [asTyped, sql`${inTitle} and not (${asTyped})`, sql`${matches} and not (${inTitle})`];

    const countOf = async (where: SQL) => {
      const [row] = await planned('bitmap', (tx) =>
        queryRows<{ n: number }>(
          tx,
          sql`select count(*)::int as n from (
              select 1 from ${cataloguePublished} where ${where} ${and} limit ${COUNT_LIMIT + 1}
            ) s`,
        ),
      );
      return row?.n ?? 0;
    };
    // A tier is counted when its rows are needed, or while the total is not yet known to pass COUNT_LIMIT.
    const counts: number[] = [];
    const found: { code: string }[] = [];
    for (const where of tiers) {
      const sum = counts.reduce((a, c) => a + c, 0);
      if (found.length >= wanted && sum > COUNT_LIMIT) break;
      const count = await countOf(where);
      counts.push(count);
      if (found.length >= wanted || count === 0) continue;
      const need = wanted - found.length;
      // A tier of at most SMALL_TIER is read whole: among equally viewed services the closer title comes first.
      const take = count <= SMALL_TIER ? SMALL_TIER : need;
      const rows = await planned(count <= COUNT_LIMIT ? 'bitmap' : 'walk', (tx) =>
        queryRows<{ code: string; views: number; rank: number }>(
          tx,
          sql`select code, views, ${rankBy} as rank from ${cataloguePublished} where ${where} ${and}
            order by views desc nulls last, code limit ${take}`,
        ),
      );
      if (count <= SMALL_TIER)
        rows.sort(
          (a, b) => Number(b.views) - Number(a.views) || b.rank - a.rank || (a.code < b.code ? -1 : 1),
        );
      found.push(...rows.slice(0, need));
    }
    const codes = found.slice(offset, offset + limit).map((r) => r.code);
    // The tiers do not overlap: their counts add up. Counting stops at COUNT_LIMIT ("1000+").
    const n = counts.reduce((sum, c) => sum + c, 0);
    const total = Math.min(n, COUNT_LIMIT);
    const contents =
      codes.length === 0
        ? []
        : await db
            .select({ code: cataloguePublished.code, content: cataloguePublished.content })
            .from(cataloguePublished)
            .where(inArray(cataloguePublished.code, codes));
    const byCode = new Map(contents.map((r) => [r.code, r.content]));
    return {
      rows: codes.flatMap((code) => {
        const content = byCode.get(code);
        return content ? [{ code, content, total }] : [];
      }),
      total,
      totalIsExact: n <= COUNT_LIMIT,
    };
  }

  /** Names that share enough character pairs with the query (see `hanPairs`): a misspelt Chinese name. */
  async function similarChineseNames(
    query: string,
    filter: SQL | undefined,
    limit: number,
  ): Promise<HitRow[]> {
    // At most a dozen pairs (a long query is not a misspelt name); every two of them make one term of the tsquery,
    // so the GIN index itself finds the names sharing at least two.
    const pairs = hanPairs(query).slice(0, 12);
    if (pairs.length < 2) return [];
    // Two in five pairs: one wrong character in a four-character name still leaves two of its five pairs.
    const needed = Math.max(2, Math.ceil(pairs.length * 0.4));
    const twoOf = pairs.flatMap((a, x) => pairs.slice(x + 1).map((b) => `('${a}' & '${b}')`)).join(' | ');
    const candidates = sql`name_grams @@ to_tsquery('simple', ${twoOf}) ${filter ? sql`and ${filter}` : sql``}`;
    const [counted] = await planned('bitmap', (tx) =>
      queryRows<{ n: number }>(
        tx,
        sql`select count(*)::int as n from (
            select 1 from ${cataloguePublished} where ${candidates} limit ${COUNT_LIMIT + 1}
          ) s`,
      ),
    );
    const n = counted?.n ?? 0;
    if (n === 0) return [];
    // Many candidates: the most viewed of them. Few: those sharing most pairs first.
    const codes =
      n > COUNT_LIMIT
        ? await planned('walk', (tx) =>
            queryRows<{ code: string }>(
              tx,
              sql`select code from ${cataloguePublished} where ${candidates}
                order by views desc nulls last, code limit ${limit}`,
            ),
          )
        : await planned('bitmap', (tx) =>
            queryRows<{ code: string }>(
              tx,
              sql`select code from (
                  select code, views, (select count(*) from unnest(name_grams) g
                    where g.lexeme = any(string_to_array(${pairs.join(' ')}, ' '))) as shared
                  from ${cataloguePublished} where ${candidates}
                ) s where shared >= ${needed}
                order by shared desc, views desc nulls last, code limit ${limit}`,
            ),
          );
    if (codes.length === 0) return [];
    const contents = await db
      .select({ code: cataloguePublished.code, content: cataloguePublished.content })
      .from(cataloguePublished)
      .where(
        inArray(
          cataloguePublished.code,
          codes.map((c) => c.code),
        ),
      );
    const byCode = new Map(contents.map((r) => [r.code, r.content]));
    return codes.flatMap(({ code }) => {
      const content = byCode.get(code);
      return content ? [{ code, content, total: Math.min(n, COUNT_LIMIT) }] : [];
    });
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
    findService(code) {
      return published.get(code.toUpperCase());
    },

    async listServices(filter = {}) {
      const limit = Math.min(filter.limit ?? MAX_LIMIT, 1000);
      if (filter.topic && !filter.lifeEvent && !filter.codes) return listByTopic(filter.topic, filter, limit);
      const where = filterOf(filter);
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
        // In the popularity index's own order (`nulls last`, though views are never null): plain `desc` means nulls
        // first, which the index cannot give, and the home page read all 100,000 items to pick eight.
        .orderBy(sql`${cataloguePublished.views} desc nulls last`, asc(cataloguePublished.code))
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
        if (rows.length > 0)
          return { hits: toHits(rows, [text]), total: 1, totalIsExact: true, fuzzy: false };
      }
      const groups = await synonyms.get();
      const plan = planSearch(text, groups);
      if (!plan.zh) return { hits: [], total: 0, totalIsExact: true, fuzzy: false };
      const language = /\p{Script=Han}/u.test(text) ? 'zh' : 'en';
      const found = await preciseSearch(plan.zh, plan.literal ?? plan.zh, language, filter, limit, offset);
      if (found.total >= 3 || (offset > 0 && found.rows.length > 0)) {
        return {
          hits: toHits(found.rows, plan.terms),
          total: found.total,
          totalIsExact: found.totalIsExact,
          fuzzy: false,
        };
      }
      // Fewer than three hits: perhaps misspelt. Correct Latin words against the catalogue's vocabulary and search
      // again, and look for Chinese names sharing enough character pairs. The merged list (at most MAX_LIMIT) is
      // paged here.
      const precise =
        offset > 0
          ? (await preciseSearch(plan.zh, plan.literal ?? plan.zh, language, filter, MAX_LIMIT, 0)).rows
          : found.rows;
      const corrections = await correctSpelling(plan.latinWords);
      let corrected: { rows: HitRow[]; terms: string[]; query: string } | undefined;
      if (corrections.size > 0) {
        const correctedText = text
          .toLowerCase()
          .replace(/[a-z][a-z-]*/g, (word) => corrections.get(word) ?? word);
        const correctedPlan = planSearch(correctedText, groups);
        if (correctedPlan.zh)
          corrected = {
            rows: (
              await preciseSearch(
                correctedPlan.zh,
                correctedPlan.literal ?? correctedPlan.zh,
                language,
                filter,
                MAX_LIMIT,
                0,
              )
            ).rows,
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
        totalIsExact: true,
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
      published.invalidate();
      topics.invalidate();
      lifeEvents.invalidate();
      synonyms.invalidate();
    },
  };
}

function toItem(row: PublishedRow) {
  return { ...row.content, version: row.versionNumber, publishedAt: row.publishedAt };
}
