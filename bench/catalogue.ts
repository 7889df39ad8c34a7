// `node --import tsx bench/catalogue.ts` (`npm run bench:catalogue`): the catalogue issue's two targets in one run —
// a service guide page against a bare Fastify route (requests/s), and search latency over 100,000 generated items on
// PostgreSQL, with the embedded database's figure beside it (see docs/benchmarks.md, "Catalogue", for the method).
import { mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import { createPlatform, MODULES } from '../src/app.ts';
import { type Database, openDatabase, queryRows } from '../src/kernel/db/database.ts';
import { startProgress, tickTo } from '../src/kernel/progress.ts';
import { generateItems } from '../src/modules/catalogue/domain/generate.ts';
import type { CatalogueModule } from '../src/modules/catalogue/index.ts';
import { DEMO_DEPARTMENT_CODES } from '../src/modules/organisations/index.ts';
import { createTestPostgresDatabase, isPostgresReachable } from '../test/support/environment.ts';
import { testConfig } from '../test/support/platform.ts';
import type { LoadRequest, LoadResult } from './load.ts';
import {
  BROWSER_HEADERS,
  type Cores,
  CPUS,
  cleanEnv,
  detectCores,
  freePort,
  loadOnCore,
  onCore,
  ROOT,
  setting,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import { median, writeBenchSection } from './report.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const cores: Cores = detectCores();
const settings = {
  seconds: setting('BENCH_SECONDS', 10, 1),
  reps: Math.round(setting('BENCH_REPS', 5, 1)),
  warmupS: setting('BENCH_WARMUP', 3, 0),
  connections: Math.round(setting('BENCH_CONNECTIONS', 50, 1)),
  items: Math.round(setting('BENCH_CATALOGUE_ITEMS', 100_000, 1000)),
  /** Items for the embedded run, whose search figure is reported beside the target, not judged (default: the same). */
  embeddedItems: Math.round(
    setting('BENCH_CATALOGUE_EMBEDDED_ITEMS', setting('BENCH_CATALOGUE_ITEMS', 100_000, 1000), 1000),
  ),
  /** Times each search query runs, one at a time, after one warm-up round. */
  queryRounds: Math.round(setting('BENCH_QUERY_ROUNDS', 20, 1)),
};
/** Which parts to run (a comma list of guide, postgres, embedded); all by default. A partial run never writes docs. */
const PARTS = new Set(
  (process.env.BENCH_CATALOGUE_PARTS ?? 'guide,postgres,embedded').split(',').map((p) => p.trim()),
);
const TARGETS = { guideRatio: 0.5, searchP95Ms: 50 } as const;
const GUIDE = '/services/SJ-0101';

/**
 * The search mix: the issue's queries, broad ones that match tens of thousands of generated items, narrow ones,
 * filters and misspellings (which take the slower correction path).
 */
const QUERIES: { q: string; audience?: 'citizen' | 'business' | 'international'; department?: string }[] = [
  { q: '营业执照' },
  { q: '公积金提取' },
  { q: '身份证' },
  { q: '新生儿' },
  { q: '退休' },
  { q: 'business licence' },
  { q: 'provident fund withdrawal' },
  { q: 'ID card' },
  { q: '食品经营许可证 核发' },
  { q: '排污许可证 南湖区' },
  { q: 'taxi driver certificate' },
  { q: '许可证', audience: 'business' },
  { q: 'licence', department: 'SJ' },
  { q: '营业职照' },
  { q: 'busines licence' },
  { q: 'provdent fund' },
];

async function load(url: string, seconds: number): Promise<LoadResult> {
  const request: LoadRequest = {
    url,
    seconds,
    connections: settings.connections,
    headers: { ...BROWSER_HEADERS },
  };
  return loadOnCore(cores, request);
}

interface GuideRun {
  cache: string;
  repetitions: { guide: LoadResult; bare: LoadResult }[];
}

/** The guide page (embedded demo city, page cache on) against the bare route, interleaved. */
async function measureGuide(): Promise<GuideRun> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-catalogue-'));
  const [platformPort, barePort] = [await freePort(), await freePort()];
  const platform = spawnServer(
    onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
    platformPort,
    cleanEnv({ YIWANG_DATA_DIR: dataDir, PORT: String(platformPort) }),
  );
  const bare = spawnServer(
    onCore(cores, cores.server, [process.execPath, '--import', 'tsx', path.join(ROOT, 'bench', 'bare.ts')]),
    barePort,
    { ...process.env, PORT: String(barePort) },
  );
  try {
    await untilOk(platform, GUIDE, 120);
    await untilOk(bare, '/', 30);
    const guideUrl = `http://127.0.0.1:${platformPort}${GUIDE}`;
    const bareUrl = `http://127.0.0.1:${barePort}/`;
    await fetch(guideUrl, { headers: BROWSER_HEADERS });
    const second = await fetch(guideUrl, { headers: BROWSER_HEADERS });
    const cache = `\`x-cache: ${second.headers.get('x-cache') ?? 'none'}\`, \`content-encoding: ${second.headers.get('content-encoding') ?? 'none'}\``;
    if (settings.warmupS > 0) {
      log(`warm-up guide and bare (${settings.warmupS} s each)…`);
      await load(guideUrl, settings.warmupS);
      await load(bareUrl, settings.warmupS);
    }
    const repetitions: GuideRun['repetitions'] = [];
    for (let i = 1; i <= settings.reps; i++) {
      const order = i % 2 === 1 ? (['guide', 'bare'] as const) : (['bare', 'guide'] as const);
      const runs = {} as Record<'guide' | 'bare', LoadResult>;
      for (const name of order)
        runs[name] = await load(name === 'guide' ? guideUrl : bareUrl, settings.seconds);
      repetitions.push(runs);
      log(
        `guide rep ${i}/${settings.reps}: ${runs.guide.rps.toFixed(0)} / ${runs.bare.rps.toFixed(0)} req/s`,
      );
    }
    return { cache, repetitions };
  } finally {
    await stop(platform);
    await stop(bare);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

interface SearchRun {
  mode: 'PostgreSQL' | 'embedded';
  items: number;
  importSeconds: number;
  latencies: number[];
  byQuery: { q: string; total: number; p50: number; max: number }[];
  pkRead: number[];
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/** Loads the demo city and the mode's generated items, then times the query mix one query at a time. */
async function measureSearch(mode: SearchRun['mode'], database: Database): Promise<SearchRun> {
  const platform = await createPlatform({
    config: testConfig(),
    database,
    http: false,
    work: false,
    seedDemo: true,
    modules: MODULES,
  });
  try {
    const catalogue = platform.contracts.catalogue as CatalogueModule;
    const topics = (await catalogue.listTopics()).map((t) => t.code);
    const file = path.join(os.tmpdir(), `yiwang-bench-catalogue-${process.pid}.json`);
    const count = mode === 'embedded' ? settings.embeddedItems : settings.items;
    const items = generateItems(count, DEMO_DEPARTMENT_CODES, topics);
    writeFileSync(file, JSON.stringify({ format: 'yiwang-catalogue', version: 1, items }));
    const progress = startProgress(`Importing ${count} items (${mode})`, count);
    const started = performance.now();
    const report = await catalogue.importFile(readFileSync(file, 'utf8'), {
      format: 'json',
      locale: 'en',
      source: 'bench',
      onProgress: tickTo(progress),
    });
    progress.stop();
    rmSync(file, { force: true });
    const importSeconds = (performance.now() - started) / 1000;
    if (!report.imported)
      throw new Error(`the generated catalogue was refused: ${report.problems[0]?.message}`);
    await queryRows(platform.kernel.db, sql`analyze`);

    const time = async (work: () => Promise<unknown>) => {
      const t = performance.now();
      await work();
      return performance.now() - t;
    };
    for (const query of QUERIES) await catalogue.search(query); // warm-up: caches, plans, jieba
    const latencies: number[] = [];
    const perQuery = new Map<string, number[]>();
    const totals = new Map<string, number>();
    for (let round = 0; round < settings.queryRounds; round++) {
      for (const query of QUERIES) {
        let total = 0;
        const ms = await time(async () => {
          total = (await catalogue.search(query)).total;
        });
        latencies.push(ms);
        perQuery.set(query.q, [...(perQuery.get(query.q) ?? []), ms]);
        totals.set(query.q, total);
      }
    }
    // The baseline: reading one published service by its key, on the same database, the same way.
    const codes = items.slice(0, 200).map((i) => i.code);
    const pkRead: number[] = [];
    for (const code of codes) await catalogue.findService(code);
    for (let round = 0; round < settings.queryRounds; round++)
      for (const code of codes.slice(0, QUERIES.length))
        pkRead.push(await time(() => catalogue.findService(code)));
    return {
      mode,
      items: count,
      importSeconds,
      latencies,
      byQuery: QUERIES.map(({ q }) => ({
        q,
        total: totals.get(q) ?? 0,
        p50: median(perQuery.get(q) ?? []),
        max: Math.max(...(perQuery.get(q) ?? [Number.NaN])),
      })),
      pkRead,
    };
  } finally {
    await platform.close();
  }
}

const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(1)} ms`);

function markdown(guide: GuideRun, searches: SearchRun[]): string {
  const ratios = guide.repetitions.map((r) => r.guide.rps / r.bare.rps);
  if (ratios.length === 0) ratios.push(Number.NaN);
  const ratio = median(ratios);
  const failures = guide.repetitions.reduce(
    (n, r) => n + r.guide.non2xx + r.guide.errors + r.guide.timeouts,
    0,
  );
  const lines = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${CPUS} cores (${os.cpus()[0]?.model.trim()}), ${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}; ${cores.note}.`,
    `Settings: ${settings.reps} interleaved repetitions of ${settings.seconds} s after ${settings.warmupS} s warm-up, ${settings.connections} connections; ${settings.items.toLocaleString('en-US')} generated items on PostgreSQL, ${settings.embeddedItems.toLocaleString('en-US')} embedded; ${settings.queryRounds} rounds of ${QUERIES.length} queries.`,
    '',
    `Before the load a second anonymous \`GET ${GUIDE}\` (sent with a browser's \`accept-encoding\`) answered ${guide.cache}.`,
    '',
    '| Measure | Median | Range | Target | Result |',
    '| --- | --- | --- | --- | --- |',
    `| Service guide \`GET ${GUIDE}\` (embedded, demo city), req/s | ${median(guide.repetitions.map((r) => r.guide.rps)).toFixed(0)} | ${Math.min(...guide.repetitions.map((r) => r.guide.rps)).toFixed(0)} – ${Math.max(...guide.repetitions.map((r) => r.guide.rps)).toFixed(0)} | — | — |`,
    `| Bare Fastify route, req/s | ${median(guide.repetitions.map((r) => r.bare.rps)).toFixed(0)} | ${Math.min(...guide.repetitions.map((r) => r.bare.rps)).toFixed(0)} – ${Math.max(...guide.repetitions.map((r) => r.bare.rps)).toFixed(0)} | — | — |`,
    `| Guide ÷ bare | ${(ratio * 100).toFixed(1)} % | ${(Math.min(...ratios) * 100).toFixed(1)} – ${(Math.max(...ratios) * 100).toFixed(1)} % | ≥ ${TARGETS.guideRatio * 100} % | ${ratio >= TARGETS.guideRatio && failures === 0 ? 'PASS' : 'FAIL'} |`,
  ];
  for (const s of searches) {
    const p95 = percentile(s.latencies, 95);
    const target = s.mode === 'PostgreSQL' ? `≤ ${TARGETS.searchP95Ms} ms` : 'reported';
    const result = s.mode === 'PostgreSQL' ? (p95 <= TARGETS.searchP95Ms ? 'PASS' : 'FAIL') : '—';
    lines.push(
      `| Search p50 / p95 / p99, ${s.mode}, ${s.items.toLocaleString('en-US')} items + demo | ${ms(percentile(s.latencies, 50))} / ${ms(p95)} / ${ms(percentile(s.latencies, 99))} | max ${ms(Math.max(...s.latencies))} | ${target} | ${result} |`,
      `| … baseline: one service by its code, p50 / p95, ${s.mode} | ${ms(percentile(s.pkRead, 50))} / ${ms(percentile(s.pkRead, 95))} | — | — | — |`,
      `| … import of the generated items, ${s.mode} | ${s.importSeconds.toFixed(0)} s | — | — | — |`,
    );
  }
  lines.push('', 'Per query (median and slowest of the rounds; results found):', '');
  lines.push(`| Query | ${searches.map((s) => `${s.mode} p50 / max`).join(' | ')} | Results |`);
  lines.push(`| --- | ${searches.map(() => '---').join(' | ')} | --- |`);
  for (const [i, query] of QUERIES.entries()) {
    const filters = [
      query.audience && `audience ${query.audience}`,
      query.department && `department ${query.department}`,
    ]
      .filter(Boolean)
      .join(', ');
    lines.push(
      `| ${query.q}${filters ? ` (${filters})` : ''} | ${searches.map((s) => `${ms(s.byQuery[i]?.p50 ?? Number.NaN)} / ${ms(s.byQuery[i]?.max ?? Number.NaN)}`).join(' | ')} | ${searches[0]?.byQuery[i]?.total.toLocaleString('en-US') ?? ''} |`,
    );
  }
  return lines.join('\n');
}

const guide: GuideRun = PARTS.has('guide')
  ? await measureGuide()
  : { cache: 'not measured', repetitions: [] };
const searches: SearchRun[] = [];
if (PARTS.has('postgres')) {
  if (await isPostgresReachable()) {
    const pg = await createTestPostgresDatabase();
    try {
      searches.push(await measureSearch('PostgreSQL', await openDatabase({ mode: 'server', url: pg.url })));
    } finally {
      await pg.drop();
    }
  } else log('PostgreSQL not reachable: the search target cannot be measured.');
}
if (PARTS.has('embedded')) {
  const embeddedDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-embedded-'));
  try {
    searches.push(
      await measureSearch('embedded', await openDatabase({ mode: 'embedded', dataDir: embeddedDir })),
    );
  } finally {
    rmSync(embeddedDir, { recursive: true, force: true });
  }
}
const results = markdown(guide, searches);
process.stdout.write(`${results}\n`);
const standard =
  PARTS.size === 3 && settings.reps >= 5 && settings.seconds >= 10 && settings.items >= 100_000;
if (standard || process.env.BENCH_DOCS === '1') writeBenchSection(ROOT, 'catalogue', results);
else
  log(
    'Not a standard run (all parts, BENCH_REPS ≥ 5, BENCH_SECONDS ≥ 10, 100,000 items): docs/benchmarks.md left as it is.',
  );
