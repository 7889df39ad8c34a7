// `node --import tsx bench/certificates.ts` (`npm run bench:certificates`): the certificates issue's benchmark in one
// run — the public verification API of the real platform against the bare Fastify route (requests/s), with a real
// certificate issued through the API by a signed-in member of staff, on PostgreSQL in both signature suites and on the
// embedded database; then certificates issued per second in-process, with and without their PDF (see
// docs/benchmarks.md, "Certificates", for the method).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { sql } from 'drizzle-orm';
import type { FastifyInstance } from 'fastify';
import { createPlatform, MODULES } from '../src/app.ts';
import { type Database, openDatabase, queryRows } from '../src/kernel/db/database.ts';
import { startProgress } from '../src/kernel/progress.ts';
import { type SignatureSuite, verifyCompact } from '../src/kernel/signatures/index.ts';
import { DEMO_CERTIFICATE_TYPES } from '../src/modules/certificates/demo-types.ts';
import type { CertificatesModule } from '../src/modules/certificates/index.ts';
import { renderCertificatePdfFor } from '../src/modules/certificates/print.ts';
import type { IdentityContract } from '../src/modules/identity/index.ts';
import { createTestPostgresDatabase, isPostgresReachable } from '../test/support/environment.ts';
import { testConfig } from '../test/support/platform.ts';
import { enrolledStaff } from '../test/support/second-factor.ts';
import type { LoadRequest, LoadResult } from './load.ts';
import * as processes from './processes.ts';
import { FIXED_RATE_TARGET, median, meetsFixedRateTarget, range, writeBenchSection } from './report.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const cores = processes.detectCores();
const settings = {
  seconds: processes.setting('BENCH_SECONDS', 10, 1),
  reps: Math.round(processes.setting('BENCH_REPS', 5, 1)),
  warmupS: processes.setting('BENCH_WARMUP', 3, 0),
  connections: Math.round(processes.setting('BENCH_CONNECTIONS', 50, 1)),
  /** Certificates issued one after another per timed batch, in-process (with and without the PDF). */
  batch: Math.round(processes.setting('BENCH_ISSUE_BATCH', 30, 1)),
  /** In-process calls of the signature check and of the service's verification, per suite, for their cost. */
  verifyCalls: Math.round(processes.setting('BENCH_VERIFY_CALLS', 500, 10)),
};
/**
 * Which parts run (a comma list): `postgres` (verification, Ed25519, PostgreSQL: the target), `sm2` (the same
 * with SM2/SM3), `embedded` (Ed25519 on PGlite), `issue` (in-process issuance). All by default; a partial run
 * never writes docs.
 */
const ALL_PARTS = ['postgres', 'sm2', 'embedded', 'issue'] as const;
const PARTS = new Set(
  (process.env.BENCH_CERTIFICATES_PARTS ?? ALL_PARTS.join(',')).split(',').map((p) => p.trim()),
);
const TARGET_RATIO = 0.3;
/** The demo SJ clerk (market regulation): who issues, through the API and in-process. */
const STAFF = 'liuyang';
/** The demo citizen who holds the certificates. */
const HOLDER = 'zhangwei';
/** The demo city's food business licence, whatever code it has now: the type market regulation issues. */
const TYPE = DEMO_CERTIFICATE_TYPES.find((t) => t.departmentCode === 'SJ') ?? DEMO_CERTIFICATE_TYPES[0];
const SAMPLE: Record<string, string> = {
  businessName: '张记小面馆',
  creditCode: '91340100MA2N0G7X3B',
  premises: '示范市蜀山区长江西路 100 号',
  seats: '40',
};
/** A value for every field of the type, as the issuing clerk would type them. */
const FIELDS = Object.fromEntries(
  (TYPE?.fields ?? []).map((f) => [f.id, SAMPLE[f.id] ?? f.fallback ?? f.label['zh-CN']]),
);
const CLIENT = { clientAddress: '127.0.0.1', userAgent: 'bench/certificates', requestId: 'req_bench' };

// ---------------------------------------------------------------------------------------------------------------
// Part 1: the verification API against the bare route, on platforms started with `node bin/yiwang.mjs serve`.

type TargetKey = 'bare' | 'postgres' | 'sm2' | 'embedded';

interface Target {
  key: TargetKey;
  label: string;
  request: Omit<LoadRequest, 'seconds' | 'connections'>;
  server: processes.Server;
  /** The certificate the load verifies (none for the bare route). */
  certificate?: { number: string; alg: string; verdict: string; bytes: number };
  cleanup(): Promise<void>;
}

interface VerifyRun {
  targets: Omit<Target, 'server' | 'cleanup' | 'request'>[];
  repetitions: Partial<Record<TargetKey, LoadResult>>[];
  rate: number;
  fixed?: LoadResult;
}

/** `name=value; …` for a Cookie header. */
const cookieHeader = (cookies: Record<string, string>) =>
  Object.entries(cookies)
    .map(([name, value]) => `${name}=${value}`)
    .join('; ');

/**
 * Just enough of Fastify's `inject()`, done over real HTTP against a running server, for the tests' FormClient: so
 * the benchmark signs staff in exactly as the tests do (password, then enrolling the TOTP authenticator).
 */
function overHttp(base: string): FastifyInstance {
  const inject = async (options: {
    method?: string;
    url: string;
    headers?: Record<string, string>;
    cookies?: Record<string, string>;
    payload?: string;
  }) => {
    const cookie = cookieHeader(options.cookies ?? {});
    const response = await fetch(new URL(options.url, base), {
      method: options.method ?? 'GET',
      redirect: 'manual',
      headers: { ...options.headers, ...(cookie ? { cookie } : {}) },
      ...(options.payload === undefined ? {} : { body: options.payload }),
    });
    const cookies = response.headers.getSetCookie().map((line) => {
      const [pair = '', ...attributes] = line.split(';').map((part) => part.trim());
      const gone = attributes.some((a) => /^max-age=0$/i.test(a) || /^expires=.*1970/i.test(a));
      const at = pair.indexOf('=');
      return {
        name: pair.slice(0, at),
        value: pair.slice(at + 1),
        ...(gone ? { expires: new Date(0) } : {}),
      };
    });
    const headers: Record<string, string> = {};
    response.headers.forEach((value, name) => {
      headers[name] = value;
    });
    return { statusCode: response.status, headers, cookies, body: await response.text() };
  };
  return { inject } as unknown as FastifyInstance;
}

/**
 * Signs the demo SJ clerk in (password and TOTP second factor), issues a food business licence to 张伟 through
 * `POST /api/v1/certificates`, and checks once that `POST /api/v1/certificates/verify` finds it valid.
 */
async function issueThroughApi(base: string): Promise<{ jws: string; certificate: Target['certificate'] }> {
  const { client, codesPage } = await enrolledStaff(overHttp(base), STAFF, '127.0.0.1');
  if (codesPage.statusCode !== 200) throw new Error(`${STAFF} did not pass the second factor`);
  const issued = await fetch(`${base}/api/v1/certificates`, {
    method: 'POST',
    headers: { 'content-type': 'application/json', cookie: cookieHeader(client.cookies) },
    body: JSON.stringify({ typeCode: TYPE?.code, holder: { username: HOLDER }, fields: FIELDS }),
  });
  const body = (await issued.json()) as { number?: string; jws?: string };
  if (issued.status !== 201 || !body.jws)
    throw new Error(`Issuing gave ${issued.status}: ${JSON.stringify(body)}`);
  const check = await fetch(`${base}/api/v1/certificates/verify`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ jws: body.jws }),
  });
  const answer = await check.text();
  const verdict = (JSON.parse(answer) as { status?: string }).status ?? `HTTP ${check.status}`;
  if (check.status !== 200 || verdict !== 'valid') throw new Error(`Verification answered ${answer}`);
  const header = JSON.parse(Buffer.from(body.jws.split('.')[0] ?? '', 'base64url').toString()) as {
    alg: string;
  };
  const bytes = Buffer.byteLength(answer);
  return { jws: body.jws, certificate: { number: body.number ?? '', alg: header.alg, verdict, bytes } };
}

/** Starts `node bin/yiwang.mjs serve` with the demo city (pinned), issues a certificate, and returns the target. */
async function startPlatform(key: Exclude<TargetKey, 'bare'>): Promise<Target> {
  const port = await processes.freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), `yiwang-bench-certificates-${key}-`));
  // A throw-away database the platform migrates and seeds; this process only creates and drops it.
  const postgres = key === 'embedded' ? undefined : await createTestPostgresDatabase();
  const url = postgres?.url;
  const server = processes.spawnServer(
    processes.onCore(cores, cores.server, [
      process.execPath,
      path.join(processes.ROOT, 'bin', 'yiwang.mjs'),
      'serve',
    ]),
    port,
    processes.cleanEnv({
      YIWANG_DATA_DIR: dataDir,
      YIWANG_DEMO: 'always',
      YIWANG_SIGNATURE_SUITE: key === 'sm2' ? 'sm2' : 'ed25519',
      PORT: String(port),
      ...(url ? { DATABASE_URL: url, YIWANG_SECRET: randomBytes(30).toString('base64url') } : {}),
    }),
  );
  const cleanup = async () => {
    await processes.stop(server);
    await postgres?.drop().catch((error: unknown) => log(`  warning: could not drop the database: ${error}`));
    rmSync(dataDir, { recursive: true, force: true });
  };
  try {
    await processes.untilOk(server, '/readyz', 240);
    const base = `http://127.0.0.1:${port}`;
    const { jws, certificate } = await issueThroughApi(base);
    const suite = key === 'sm2' ? 'SM2/SM3' : 'Ed25519';
    return {
      key,
      label: `${suite}, ${key === 'embedded' ? 'embedded PGlite' : 'PostgreSQL'}`,
      server,
      certificate,
      request: {
        url: `${base}/api/v1/certificates/verify`,
        method: 'POST',
        headers: { 'content-type': 'application/json' },
        body: JSON.stringify({ jws }),
      },
      cleanup,
    };
  } catch (error) {
    await cleanup();
    throw error;
  }
}

async function startBare(): Promise<Target> {
  const port = await processes.freePort();
  const server = processes.spawnServer(
    processes.onCore(cores, cores.server, [
      process.execPath,
      '--import',
      'tsx',
      path.join(processes.ROOT, 'bench', 'bare.ts'),
    ]),
    port,
    processes.cleanEnv({ PORT: String(port) }),
  );
  await processes.untilOk(server, '/', 30);
  const cleanup = async () => void (await processes.stop(server));
  return { key: 'bare', label: 'bare', server, request: { url: `http://127.0.0.1:${port}/` }, cleanup };
}

/** One autocannon run from `bench/load.ts`, pinned to the load core. */
async function load(target: Target, seconds: number, rate?: number): Promise<LoadResult> {
  const request: LoadRequest = { ...target.request, seconds, connections: settings.connections };
  return processes.loadOnCore(cores, rate ? { ...request, rate } : request);
}

async function measureVerification(keys: Exclude<TargetKey, 'bare'>[]): Promise<VerifyRun> {
  log(
    `verification: starting the bare route and ${keys.length} platforms (demo city; issuing one certificate each)…`,
  );
  const started = await Promise.allSettled([startBare(), ...keys.map(startPlatform)]);
  const targets = started.flatMap((s) => (s.status === 'fulfilled' ? [s.value] : []));
  try {
    const failed = started.find((s) => s.status === 'rejected');
    if (failed) throw (failed as PromiseRejectedResult).reason;
    for (const t of targets)
      if (t.certificate)
        log(
          `  ${t.label}: ${STAFF} issued ${t.certificate.number} (${t.certificate.alg}); verify says valid`,
        );
    const runs = targets.length * (settings.reps + (settings.warmupS > 0 ? 1 : 0)) + 1;
    const progress = startProgress('Verification load runs', runs);
    if (settings.warmupS > 0)
      for (const t of targets) {
        await load(t, settings.warmupS);
        progress.tick(1, `warm-up ${t.key}`);
      }
    const run: VerifyRun = { targets, repetitions: [], rate: 0 };
    for (let i = 1; i <= settings.reps; i++) {
      const order = i % 2 === 1 ? targets : [...targets].reverse();
      const rep: VerifyRun['repetitions'][number] = {};
      for (const t of order) {
        rep[t.key] = await load(t, settings.seconds);
        progress.tick(1, `rep ${i} ${t.key}: ${Math.round(rep[t.key]?.rps ?? 0)} req/s`);
      }
      run.repetitions.push(rep);
    }
    // Latency at half the measured maximum, for the target's platform (the first one started).
    const main = targets.find((t) => t.key !== 'bare');
    if (main) {
      run.rate = Math.max(1, Math.round(median(run.repetitions.map((r) => r[main.key]?.rps ?? 0)) / 2));
      run.fixed = await load(main, settings.seconds, run.rate);
    }
    progress.tick(1, 'fixed rate');
    progress.stop();
    return run;
  } finally {
    for (const t of targets) await t.cleanup();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: issuance in-process, with and without the PDF; and what a verification costs in-process.

interface IssueRun {
  suite: SignatureSuite;
  mode: string;
  /** Certificates per second, one batch each, in the order they ran. */
  plain: number[];
  withPdf: number[];
  pdfMs: number[];
  pdfBytes: number[];
  /** Microseconds per call: the signature check alone, and the service's whole verification (two reads). */
  checkUs: number;
  verifyUs: number;
}

const since = (start: number) => performance.now() - start;

/** Issues on a fresh database of its own: a throw-away PostgreSQL one, or in-memory PGlite without PostgreSQL. */
async function measureIssuance(suite: SignatureSuite, onPostgres: boolean): Promise<IssueRun> {
  const postgres = onPostgres ? await createTestPostgresDatabase() : undefined;
  const database: Database = await openDatabase(
    postgres ? { mode: 'server', url: postgres.url } : { mode: 'memory' },
  );
  const mode = postgres ? 'PostgreSQL' : 'in-memory PGlite';
  const platform = await createPlatform({
    config: testConfig({ YIWANG_SIGNATURE_SUITE: suite }),
    database,
    http: false,
    work: false,
    seedDemo: true,
    modules: MODULES,
  }).catch(async (error: unknown) => {
    await postgres?.drop();
    throw error;
  });
  try {
    const certificates = platform.contracts.certificates as CertificatesModule;
    const identity = platform.contracts.identity as IdentityContract;
    const [clerk, holder] = [await identity.findAccount(STAFF), await identity.findAccount(HOLDER)];
    if (!clerk || !holder || !TYPE) throw new Error('The demo city lacks the clerk, the holder or the type');
    // The demo clerk as the platform knows them (their real roles), not an actor made up for the benchmark.
    const actor = await identity.actorOf(clerk.id);
    const input = { typeCode: TYPE.code, holder: { accountId: holder.id }, fields: FIELDS };
    const run: IssueRun = {
      suite,
      mode,
      plain: [],
      withPdf: [],
      pdfMs: [],
      pdfBytes: [],
      checkUs: 0,
      verifyUs: 0,
    };
    // Warm-up: plans, caches, the signing key, pdfkit and the font.
    for (let i = 0; i < 5; i++)
      await renderCertificatePdfFor(await certificates.issue(actor, input, CLIENT), 'zh-CN');
    const progress = startProgress(`Issuing (${suite}, ${mode})`, settings.reps * 2 * settings.batch);
    const batch = async (pdf: boolean) => {
      const start = performance.now();
      for (let i = 0; i < settings.batch; i++) {
        const issued = await certificates.issue(actor, input, CLIENT);
        if (pdf) {
          const rendering = performance.now();
          const bytes = await renderCertificatePdfFor(issued, 'zh-CN');
          run.pdfMs.push(since(rendering));
          run.pdfBytes.push(bytes.length);
        }
        progress.tick();
      }
      (pdf ? run.withPdf : run.plain).push((settings.batch * 1000) / since(start));
    };
    for (let i = 1; i <= settings.reps; i++)
      for (const pdf of i % 2 ? [false, true] : [true, false]) await batch(pdf);
    progress.stop();
    const last = await certificates.issue(actor, input, CLIENT);
    const jwks = await certificates.keys.jwks();
    const perCall = async (work: () => Promise<unknown>) => {
      for (let i = 0; i < 20; i++) await work();
      const start = performance.now();
      for (let i = 0; i < settings.verifyCalls; i++) await work();
      return (since(start) * 1000) / settings.verifyCalls;
    };
    run.checkUs = await perCall(() => verifyCompact(last.jws, jwks));
    run.verifyUs = await perCall(() => certificates.verify({ jws: last.jws }));
    if ((await certificates.verify({ jws: last.jws })).status !== 'valid')
      throw new Error('Not valid in-process');
    if (mode === 'PostgreSQL') {
      const [row] = await queryRows<{ v: string }>(
        platform.kernel.db,
        sql`select current_setting('server_version') as v`,
      );
      run.mode = `PostgreSQL ${row?.v.split(' ')[0] ?? ''}`.trim();
    }
    return run;
  } finally {
    await platform.close();
    await postgres?.drop();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The report.

const int = (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const pct = (n: number) => (Number.isNaN(n) ? 'n/a' : `${(n * 100).toFixed(1)} %`);
const dec = (digits: number) => (n: number) => (Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const failures = (r: LoadResult | undefined) => (r ? r.non2xx + r.errors + r.timeouts : 0);
const spread = (values: number[], format: (n: number) => string) => {
  const [low, high] = range(values);
  return values.length > 1 ? `${format(low)} – ${format(high)}` : '—';
};
const line = (measure: string, values: number[], format: (n: number) => string, target = '—', result = '—') =>
  `| ${measure} | ${format(median(values))} | ${spread(values, format)} | ${target} | ${result} |`;

function ratiosOf(run: VerifyRun, key: TargetKey): number[] {
  return run.repetitions.map((r) => (r[key]?.rps ?? Number.NaN) / (r.bare?.rps ?? Number.NaN));
}

/** The target's verdict: the default suite on PostgreSQL, or on the embedded database when PostgreSQL is missing. */
function targetKey(run: VerifyRun | undefined): TargetKey | undefined {
  return run?.targets.find((t) => t.key === 'postgres' || t.key === 'embedded')?.key;
}

function passes(run: VerifyRun | undefined): boolean {
  const key = targetKey(run);
  if (!run || !key) return true;
  const clean = run.repetitions.every((r) => Object.values(r).every((l) => failures(l) === 0));
  return median(ratiosOf(run, key)) >= TARGET_RATIO && clean && failures(run.fixed) === 0;
}

function markdown(verify: VerifyRun | undefined, issues: IssueRun[], pgNote: string): string {
  const pgVersion = issues.find((r) => r.mode.startsWith('PostgreSQL '))?.mode ?? 'PostgreSQL';
  const lines = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${processes.CPUS} cores (${os.cpus()[0]?.model.trim()}), ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}, ${pgVersion} on the same machine${pgNote}; ` +
      `${cores.note}; PostgreSQL's own processes are not pinned. Load average ${(os.loadavg()[0] ?? 0).toFixed(2)} before the run.`,
    `Settings: ${settings.reps} interleaved repetitions of ${settings.seconds} s after ${settings.warmupS} s warm-up, ` +
      `${settings.connections} connections; issuance in batches of ${settings.batch}, ${settings.reps} of each kind, ` +
      `one certificate at a time; ${int(settings.verifyCalls)} in-process verifications per suite.`,
    '',
    '| Measure | Median | Range | Target | Result |',
    '| --- | --- | --- | --- | --- |',
  ];
  const key = targetKey(verify);
  if (verify) {
    lines.push(
      line(
        'Bare Fastify `GET /` (`bench/bare.ts`), req/s',
        verify.repetitions.map((r) => r.bare?.rps ?? Number.NaN),
        int,
      ),
    );
    for (const t of verify.targets) {
      if (t.key === 'bare') continue;
      const isTarget = t.key === key;
      const name = t.label.replace('PostgreSQL', pgVersion);
      lines.push(
        line(
          `Verification \`POST /api/v1/certificates/verify\` (${name}), req/s`,
          verify.repetitions.map((r) => r[t.key]?.rps ?? Number.NaN),
          int,
        ),
        line(
          '… ÷ bare route',
          ratiosOf(verify, t.key),
          pct,
          isTarget ? `≥ ${TARGET_RATIO * 100} %` : 'reported',
          isTarget ? (median(ratiosOf(verify, t.key)) >= TARGET_RATIO ? 'PASS' : 'FAIL') : '—',
        ),
      );
    }
    const fixed = verify.fixed;
    const main = verify.targets.find((t) => t.key === key);
    if (fixed && main)
      lines.push(
        `| Verification (${main.label.replace('PostgreSQL', pgVersion)}) at ${int(verify.rate)} req/s (½ max): achieved req/s; p50 / p99 latency; non-2xx | ` +
          `${int(fixed.rps)}; ${fixed.latencyMs.p50.toFixed(1)} ms / ${fixed.latencyMs.p99.toFixed(1)} ms; ${failures(fixed)} | — | ${FIXED_RATE_TARGET} | ${meetsFixedRateTarget(fixed) ? 'PASS' : 'FAIL'} |`,
      );
    const bad = verify.repetitions.reduce(
      (n, r) => n + Object.values(r).reduce((m, l) => m + failures(l), 0),
      0,
    );
    lines.push(
      `| Non-2xx, errors and timeouts in the throughput runs | ${bad} | — | 0 | ${bad === 0 ? 'PASS' : 'FAIL'} |`,
    );
  } else lines.push('| Verification ÷ bare route | not measured | — | ≥ 30 % | — |');
  for (const r of issues) {
    const suite = r.suite === 'sm2' ? 'SM2/SM3' : 'Ed25519';
    const kb = (n: number) => (n / 1024).toFixed(1);
    lines.push(
      line(`Issued per second in-process (\`issue()\`, ${suite}, ${r.mode}), without the PDF`, r.plain, int),
      line('… with its PDF rendered (zh-CN, `renderCertificatePdfFor`)', r.withPdf, int),
      line('… PDF rendering alone, ms per certificate', r.pdfMs, dec(1)),
      line('… PDF size, KB', r.pdfBytes, kb),
      `| … one verification in-process: signature check alone (\`verifyCompact\`) / \`certificates.verify({ jws })\`, µs | ${int(r.checkUs)} / ${int(r.verifyUs)} | — | — | — |`,
    );
  }
  if (verify) {
    const shown = verify.targets.filter((t) => t.key !== 'bare');
    lines.push(
      '',
      `Certificates verified: ${shown.map((t) => `${t.label}: ${t.certificate?.number} (alg ${t.certificate?.alg}), issued through the API, answered \`${t.certificate?.verdict}\` (${int(t.certificate?.bytes ?? 0)} bytes of JSON)`).join('; ')}.`,
      '',
      'Verification repetitions (req/s, in the order they ran; odd repetitions in the order of the columns, even ones reversed):',
      '',
      `| Rep | ${verify.targets.map((t) => (t.key === 'bare' ? 'bare' : t.label)).join(' | ')} | ${shown.map((t) => `${t.key} ÷ bare`).join(' | ')} |`,
      `| ---: | ${[...verify.targets, ...shown].map(() => '---:').join(' | ')} |`,
      ...verify.repetitions.map(
        (r, i) =>
          `| ${i + 1} | ${verify.targets.map((t) => int(r[t.key]?.rps ?? Number.NaN)).join(' | ')} | ` +
          `${shown.map((t) => pct((r[t.key]?.rps ?? Number.NaN) / (r.bare?.rps ?? Number.NaN))).join(' | ')} |`,
      ),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  log(`Yiwang certificates benchmark: ${cores.note}`);
  const started = performance.now();
  const reachable = await isPostgresReachable();
  const pgNote = reachable ? '' : ' (not reachable: nothing measured on it)';
  const keys = (['postgres', 'sm2', 'embedded'] as const).filter(
    (k) => PARTS.has(k) && (k === 'embedded' || reachable),
  );
  const verify = keys.length > 0 ? await measureVerification(keys) : undefined;
  const issues: IssueRun[] = [];
  if (PARTS.has('issue')) {
    for (const suite of ['ed25519', 'sm2'] as const) issues.push(await measureIssuance(suite, reachable));
  }
  const results = markdown(verify, issues, pgNote);
  process.stdout.write(`${results}\n`);
  log(`The run took ${(since(started) / 60_000).toFixed(1)} minutes.`);
  // Only a run that follows the method replaces the committed figures (BENCH_DOCS=1 forces it, 0 forbids it).
  const standard = [
    ALL_PARTS.every((p) => PARTS.has(p)),
    settings.reps >= 5 && settings.seconds >= 10 && settings.warmupS >= 3 && settings.batch >= 30,
  ].every(Boolean);
  const write = process.env.BENCH_DOCS === '1' || (process.env.BENCH_DOCS !== '0' && standard);
  if (write) writeBenchSection(processes.ROOT, 'certificates', results);
  log(
    write
      ? 'wrote docs/benchmarks.md (Certificates)'
      : 'Not a standard run (all parts, BENCH_REPS ≥ 5, BENCH_SECONDS ≥ 10, BENCH_WARMUP ≥ 3, BENCH_ISSUE_BATCH ≥ 30): docs/benchmarks.md left as it is (BENCH_DOCS=1 writes anyway).',
  );
  return passes(verify) ? 0 : 1;
}

process.exitCode = await main();
