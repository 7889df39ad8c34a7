// `npm run bench`: the foundation issue's performance targets in one run (see docs/benchmarks.md for the method).
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
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
  probe,
  ROOT,
  rssMb,
  type Server,
  setting,
  sleep,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import {
  type BenchRun,
  isStandard,
  median,
  type Repetition,
  resultsMarkdown,
  type Settings,
  SIGNED_IN_COOKIE,
  verdicts,
  writeDocs,
} from './report.ts';
import { measureServerMode } from './server-mode.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

const cores: Cores = detectCores();
const cpus = os.cpus();
const settings: Settings = {
  seconds: setting('BENCH_SECONDS', 10, 1),
  reps: Math.round(setting('BENCH_REPS', 5, 1)),
  warmupS: setting('BENCH_WARMUP', 3, 0),
  connections: Math.round(setting('BENCH_CONNECTIONS', 50, 1)),
  starts: Math.round(setting('BENCH_STARTS', 5, 1)),
  idleS: setting('BENCH_IDLE_SECONDS', 5, 0),
  rateReps: Math.round(setting('BENCH_RATE_REPS', 3, 1)),
  cores: cores.note,
  machine: {
    cpus: CPUS,
    cpuModel: cpus[0]?.model.trim() ?? 'unknown CPU',
    memoryGb: os.totalmem() / 1024 ** 3,
    node: process.version,
    date: new Date().toISOString().replace(/\.\d+Z$/, 'Z'),
    loadAverage: os.loadavg()[0] ?? Number.NaN,
  },
};

/** A URL to load, with the request headers to send (none for an anonymous visitor). */
interface Target {
  url: string;
  headers?: Record<string, string>;
}

/** One autocannon run in its own process, on the load generator's core. */
async function load(target: Target, seconds: number, rate?: number): Promise<LoadResult> {
  const request: LoadRequest = {
    url: target.url,
    seconds,
    connections: settings.connections,
    ...(rate ? { rate } : {}),
    ...(target.headers ? { headers: target.headers } : {}),
  };
  return loadOnCore(cores, request);
}

function platformEnv(dataDir: string, port: number): NodeJS.ProcessEnv {
  return cleanEnv({ YIWANG_DATA_DIR: dataDir, PORT: String(port) });
}

async function startPlatform(dataDir: string, limitS: number): Promise<{ server: Server; seconds: number }> {
  const port = await freePort();
  const server = spawnServer(
    onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
    port,
    platformEnv(dataDir, port),
  );
  const seconds = await untilOk(server, '/healthz', limitS);
  return { server, seconds };
}

async function stopChecked(server: Server, name: string): Promise<void> {
  const exit = await stop(server);
  if (exit !== '0') log(`  warning: ${name} exited with ${exit} after SIGTERM`);
}

async function main(): Promise<number> {
  const s = settings;
  log(`Yiwang benchmark: ${s.cores}`);
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-'));
  const servers: Server[] = [];
  try {
    // 1. Cold start on an existing data directory, and idle memory.
    log('first start (creates and seeds the data directory)…');
    const first = await startPlatform(dataDir, 180);
    await stopChecked(first.server, 'the first start');
    const coldStartsS: number[] = [];
    const idleRssMb: number[] = [];
    let platform: Server | undefined;
    for (let i = 1; i <= s.starts; i++) {
      const { server, seconds } = await startPlatform(dataDir, 60);
      await sleep(s.idleS * 1000);
      const rss = rssMb(server.pid);
      coldStartsS.push(seconds);
      idleRssMb.push(rss);
      log(`restart ${i}/${s.starts}: first 200 after ${seconds.toFixed(2)} s, idle RSS ${rss.toFixed(0)} MB`);
      if (i < s.starts) await stopChecked(server, `restart ${i}`);
      else platform = server;
    }
    if (!platform) throw new Error('no platform process');
    servers.push(platform);

    // 1b. The same in server mode, on a throw-away PostgreSQL database (the embedded platform stays idle meanwhile).
    const serverMode = await measureServerMode(cores, s.starts, s.idleS, log);

    // 2. The baseline server, next to the platform on the server core.
    const barePort = await freePort();
    const bare = spawnServer(
      onCore(cores, cores.server, [process.execPath, '--import', 'tsx', path.join(ROOT, 'bench', 'bare.ts')]),
      barePort,
      { ...process.env, PORT: String(barePort) },
    );
    servers.push(bare);
    await untilOk(bare, '/', 60);

    const home = `http://127.0.0.1:${platform.port}/`;
    const targets: Record<keyof Repetition, Target> = {
      bare: { url: `http://127.0.0.1:${barePort}/` },
      // As a browser asks: the page cache's compressed copy (14.6 KB uncompressed; read 24,000 times a second, its
      // bytes made autocannon, parsing them on its one core, the limit of the run).
      home: { url: home, headers: { ...BROWSER_HEADERS } },
      plain: { url: home },
      // Any cookie but the language choice makes the platform render the page instead of serving its page cache.
      rendered: { url: home, headers: { cookie: SIGNED_IN_COOKIE } },
      healthz: { url: `http://127.0.0.1:${platform.port}/healthz` },
    };

    // What the page cache does for the two home page targets (the second anonymous request should be a HIT).
    await probe(platform.port, '/', { ...BROWSER_HEADERS });
    const anonymous = await probe(platform.port, '/', { ...BROWSER_HEADERS });
    const rendered = await probe(platform.port, '/', { cookie: SIGNED_IN_COOKIE });
    const cacheCheck = { anonymous: anonymous.xCache || 'none', rendered: rendered.xCache || 'none' };
    log(
      `page cache: anonymous GET / → ${anonymous.status}, x-cache ${cacheCheck.anonymous}; ` +
        `with ${SIGNED_IN_COOKIE} → ${rendered.status}, x-cache ${cacheCheck.rendered}`,
    );
    if (cacheCheck.anonymous !== 'HIT') log('  warning: anonymous GET / was not a cache HIT');
    if (cacheCheck.rendered === 'HIT') log('  warning: the cookie did not bypass the page cache');

    // 3. Warm-up, then interleaved repetitions.
    if (s.warmupS > 0) {
      for (const [name, target] of Object.entries(targets)) {
        log(`warm-up ${name} (${s.warmupS} s)…`);
        await load(target, s.warmupS);
      }
    }
    const repetitions: Repetition[] = [];
    for (let i = 1; i <= s.reps; i++) {
      const bareRun = await load(targets.bare, s.seconds);
      const homeRun = await load(targets.home, s.seconds);
      const plainRun = await load(targets.plain, s.seconds);
      const renderedRun = await load(targets.rendered, s.seconds);
      const healthzRun = await load(targets.healthz, s.seconds);
      repetitions.push({
        bare: bareRun,
        home: homeRun,
        plain: plainRun,
        rendered: renderedRun,
        healthz: healthzRun,
      });
      log(
        `rep ${i}/${s.reps}: bare ${bareRun.rps.toFixed(0)}, home ${homeRun.rps.toFixed(0)}, ` +
          `rendered ${renderedRun.rps.toFixed(0)}, /healthz ${healthzRun.rps.toFixed(0)} req/s`,
      );
    }

    // 4. Latency at half the home page's maximum.
    const rate = Math.max(1, Math.round(median(repetitions.map((r) => r.home.rps)) / 2));
    const fixed: LoadResult[] = [];
    for (let i = 1; i <= s.rateReps; i++) {
      const run = await load(targets.home, s.seconds, rate);
      fixed.push(run);
      log(
        `fixed rate ${rate} req/s ${i}/${s.rateReps}: p50 ${run.latencyMs.p50} ms, p99 ${run.latencyMs.p99} ms, ${run.errors + run.timeouts + run.non2xx} failures`,
      );
    }

    const run: BenchRun = {
      settings: s,
      repetitions,
      rate,
      fixed,
      cacheCheck,
      firstStartS: first.seconds,
      coldStartsS,
      idleRssMb,
      rssAfterLoadMb: rssMb(platform.pid),
      peakRssMb: rssMb(platform.pid, 'VmHWM'),
      serverMode,
    };
    const markdown = resultsMarkdown(run);
    process.stdout.write(`\n${markdown}`);

    const docs = process.env.BENCH_DOCS;
    if (docs === '1' || (docs !== '0' && isStandard(s))) {
      log(`\nwrote ${writeDocs(ROOT, markdown)}`);
    } else {
      log(
        '\ndocs/benchmarks.md left as it was (shorter than the standard method; BENCH_DOCS=1 writes anyway)',
      );
    }
    return Object.values(verdicts(run)).every(Boolean) ? 0 : 1;
  } finally {
    for (const server of servers) await stopChecked(server, `pid ${server.pid}`);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
