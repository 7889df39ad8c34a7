// `node --import tsx bench/identity.ts` (`npm run bench:identity`): the identity issue's two performance targets in
// one run — a signed-in page against the same page anonymous, and a mutating route with and without its audit
// record (see docs/benchmarks.md, "Identity and audit", for the method).
import { randomBytes } from 'node:crypto';
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import pg from 'pg';
import {
  createTestPostgresDatabase,
  isPostgresReachable,
  POSTGRES_ADMIN_URL,
} from '../test/support/environment.ts';
import {
  type AuditRepetition,
  type AuditRun,
  type AuthRepetition,
  IDENTITY_TARGETS,
  type IdentityRun,
  type IdentitySettings,
  identityMarkdown,
  identityVerdicts,
  isStandardIdentityRun,
  type PageCheck,
  writeIdentityDocs,
} from './identity-report.ts';
import type { LoadRequest, LoadResult } from './load.ts';
import {
  type Cores,
  CPUS,
  cleanEnv,
  detectCores,
  freePort,
  loadOnCore,
  onCore,
  ROOT,
  type Server,
  setting,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import { median } from './report.ts';
import { signInAs } from './sign-in.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);

const cores: Cores = detectCores();
const cpus = os.cpus();
const settings: IdentitySettings = {
  seconds: setting('BENCH_SECONDS', 10, 1),
  reps: Math.round(setting('BENCH_REPS', 5, 1)),
  warmupS: setting('BENCH_WARMUP', 3, 0),
  connections: Math.round(setting('BENCH_CONNECTIONS', 50, 1)),
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

/** The trivial page: static text in the layout, no database read of its own, page-cached for anonymous visitors. */
const PAGE = '/accessibility';
/** Names no session, but bypasses the page cache (which serves only requests with no cookie but language and CSRF). */
const ANONYMOUS_COOKIE = 'bench_anonymous=1';
const DEMO_USER = 'lina';

/** A request to load: URL, headers, and for POSTs the JSON body. */
type Target = Omit<LoadRequest, 'seconds' | 'connections' | 'rate'>;

/** One autocannon run in its own process, on the load generator's core. */
async function load(target: Target, seconds: number): Promise<LoadResult> {
  return loadOnCore(cores, { ...target, seconds, connections: settings.connections });
}

/** Warms up every target, then runs `reps` repetitions of the pairs, each pair A B in odd and B A in even ones. */
async function interleaved<K extends string>(
  pairs: readonly [K, K][],
  targets: Record<K, Target>,
  label: string,
  run: (target: Target, seconds: number) => Promise<LoadResult> = load,
): Promise<Record<K, LoadResult>[]> {
  const s = settings;
  if (s.warmupS > 0) {
    for (const [name, target] of Object.entries(targets) as [K, Target][]) {
      log(`warm-up ${label} ${name} (${s.warmupS} s)…`);
      await run(target, s.warmupS);
    }
  }
  const repetitions: Record<K, LoadResult>[] = [];
  for (let i = 1; i <= s.reps; i++) {
    const runs = {} as Record<K, LoadResult>;
    for (const pair of pairs) {
      for (const name of i % 2 === 1 ? pair : [pair[1], pair[0]])
        runs[name] = await run(targets[name], s.seconds);
    }
    repetitions.push(runs);
    const ratios = pairs.map(
      ([a, b]) =>
        `${a} ${runs[a].rps.toFixed(0)} / ${b} ${runs[b].rps.toFixed(0)} = ${((runs[a].rps / runs[b].rps) * 100).toFixed(1)} %`,
    );
    log(`${label} rep ${i}/${s.reps}: ${ratios.join('; ')}`);
  }
  return repetitions;
}

async function stopChecked(server: Server, name: string): Promise<void> {
  const exit = await stop(server);
  if (exit !== '0') log(`  warning: ${name} exited with ${exit} after SIGTERM`);
}

/** Status, `x-cache` and whether the page shows the signed-in account link, for one request. */
async function inspect(url: string, cookie: string): Promise<PageCheck['signedIn']> {
  const response = await fetch(url, { headers: { cookie }, redirect: 'manual' });
  const body = await response.text();
  return {
    status: response.status,
    xCache: response.headers.get('x-cache') ?? '',
    showsAccount: body.includes('href="/account"'),
  };
}

/** Part 1: the trivial page signed in and anonymous, and `/healthz` with and without the session cookie. */
async function measureAuthentication(): Promise<{ pageCheck: PageCheck; auth: AuthRepetition[] }> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-identity-'));
  let platform: Server | undefined;
  try {
    const port = await freePort();
    log('platform: first start (creates and seeds the data directory)…');
    platform = spawnServer(
      onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
      port,
      cleanEnv({ YIWANG_DATA_DIR: dataDir, PORT: String(port) }),
    );
    await untilOk(platform, '/healthz', 180);
    const base = `http://127.0.0.1:${port}`;
    const token = await signInAs(base, DEMO_USER);
    const session = `yiwang_session=${token}`;
    const account = await fetch(`${base}/account`, { headers: { cookie: session }, redirect: 'manual' });
    await account.arrayBuffer();
    // A first anonymous request fills the page cache, so the checks below show that it is bypassed.
    await inspect(`${base}${PAGE}`, '');
    const pageCheck: PageCheck = {
      path: PAGE,
      anonymousCookie: ANONYMOUS_COOKIE,
      accountStatus: account.status,
      signedIn: await inspect(`${base}${PAGE}`, session),
      anonymous: await inspect(`${base}${PAGE}`, ANONYMOUS_COOKIE),
    };
    log(`signed in as ${DEMO_USER}: GET /account → ${account.status}; ${PAGE}: ${JSON.stringify(pageCheck)}`);
    if (pageCheck.signedIn.xCache || pageCheck.anonymous.xCache) log('  warning: the page cache answered');
    if (!pageCheck.signedIn.showsAccount || pageCheck.anonymous.showsAccount) {
      log('  warning: the two requests do not differ in being signed in');
    }

    const targets = {
      pageSignedIn: { url: `${base}${PAGE}`, headers: { cookie: session } },
      pageAnonymous: { url: `${base}${PAGE}`, headers: { cookie: ANONYMOUS_COOKIE } },
      healthzSignedIn: { url: `${base}/healthz`, headers: { cookie: session } },
      healthzAnonymous: { url: `${base}/healthz` },
    } satisfies Record<keyof AuthRepetition, Target>;
    const auth = await interleaved(
      [
        ['pageSignedIn', 'pageAnonymous'],
        ['healthzSignedIn', 'healthzAnonymous'],
      ],
      targets,
      'authentication',
    );
    return { pageCheck, auth };
  } finally {
    if (platform) await stopChecked(platform, 'the platform');
    rmSync(dataDir, { recursive: true, force: true });
  }
}

/** A realistic small application, the same for both routes. */
const SUBMISSION = JSON.stringify({
  service: 'residence-permit-renewal',
  applicantId: 'acc_01M80000000000000000000000',
  amount: 120,
  note: '续签居住证，材料已上传。Renewal of the residence permit; documents uploaded.',
});

/** Part 2: the audit pair on one database (the audit server stays up for all its runs). */
async function measureAudit(database: string, env: Record<string, string>): Promise<AuditRun> {
  const port = await freePort();
  const server = spawnServer(
    onCore(cores, cores.server, [
      process.execPath,
      '--import',
      'tsx',
      path.join(ROOT, 'bench', 'audit-server.ts'),
    ]),
    port,
    cleanEnv({ ...env, PORT: String(port), BENCH_SECRET: randomBytes(30).toString('base64url') }),
  );
  try {
    await untilOk(server, '/healthz', 120);
    const base = `http://127.0.0.1:${port}`;
    const post = (route: string): Target => ({
      url: `${base}${route}`,
      method: 'POST',
      headers: { 'content-type': 'application/json' },
      body: SUBMISSION,
    });
    const targets = {
      withAudit: post('/with-audit'),
      withoutAudit: post('/without-audit'),
      bareWithAudit: post('/bare/with-audit'),
      bareWithoutAudit: post('/bare/without-audit'),
    } satisfies Record<keyof AuditRepetition, Target>;
    // The warm-ups count too: every 201 must have left its row.
    const acknowledged = { withAudit: 0, withoutAudit: 0 };
    const counting = async (target: Target, seconds: number) => {
      const result = await load(target, seconds);
      if (target === targets.withAudit || target === targets.bareWithAudit)
        acknowledged.withAudit += result.ok;
      else acknowledged.withoutAudit += result.ok;
      return result;
    };
    const repetitions = await interleaved(
      [
        ['withAudit', 'withoutAudit'],
        ['bareWithAudit', 'bareWithoutAudit'],
      ],
      targets,
      database,
      counting,
    );
    const counts = (await (await fetch(`${base}/counts`)).json()) as {
      applications: number;
      audit_records: number;
    };
    const written = { applications: counts.applications, auditRecords: counts.audit_records };
    log(
      `${database}: ${written.applications} rows for ${acknowledged.withAudit + acknowledged.withoutAudit} ` +
        `201s; audit records ${written.auditRecords} for ${acknowledged.withAudit} audited 201s`,
    );
    return { measured: true, database, repetitions, acknowledged, written };
  } finally {
    await stopChecked(server, `the audit server (${database})`);
  }
}

/** Where the test PostgreSQL listens, without user name or password: for the report. */
function describePostgres(): string {
  try {
    const url = new URL(POSTGRES_ADMIN_URL);
    return `${url.hostname}:${url.port || '5432'}`;
  } catch {
    return 'YIWANG_TEST_DATABASE_URL';
  }
}

async function postgresVersion(): Promise<string> {
  const client = new pg.Client({ connectionString: POSTGRES_ADMIN_URL, connectionTimeoutMillis: 2000 });
  try {
    await client.connect();
    const result = await client.query<{ server_version: string }>('show server_version');
    return result.rows[0]?.server_version.split(' ')[0] ?? 'unknown';
  } catch {
    return 'unknown';
  } finally {
    await client.end().catch(() => {});
  }
}

/** The audit pair on a throw-away PostgreSQL database, or "not measured" when none answers. */
async function measureAuditOnPostgres(): Promise<AuditRun> {
  const where = describePostgres();
  if (!(await isPostgresReachable())) {
    log(`audit pair: PostgreSQL not reachable at ${where}, not measured`);
    return { measured: false, database: `PostgreSQL at ${where}`, reason: 'PostgreSQL not reachable' };
  }
  const name = `PostgreSQL ${await postgresVersion()}`;
  const database = await createTestPostgresDatabase();
  try {
    return await measureAudit(name, { DATABASE_URL: database.url });
  } finally {
    await database.drop().catch((error: unknown) => log(`  warning: could not drop the database: ${error}`));
  }
}

async function main(): Promise<number> {
  const s = settings;
  log(`Yiwang identity benchmark: ${s.cores}`);
  const { pageCheck, auth } = await measureAuthentication();
  const audit: AuditRun[] = [];
  const auditDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-audit-'));
  try {
    audit.push(await measureAudit('embedded (PGlite)', { BENCH_DATA_DIR: auditDir }));
  } finally {
    rmSync(auditDir, { recursive: true, force: true });
  }
  audit.push(await measureAuditOnPostgres());

  const run: IdentityRun = { settings: s, pageCheck, auth, audit };
  const markdown = identityMarkdown(run);
  process.stdout.write(`\n${markdown}`);
  const signedIn = median(auth.map((r) => r.pageSignedIn.rps / r.pageAnonymous.rps));
  log(
    `\nsigned in ÷ anonymous: ${(signedIn * 100).toFixed(1)} % (target ≥ ${IDENTITY_TARGETS.signedInRatio * 100} %)`,
  );

  const docs = process.env.BENCH_DOCS;
  if (docs === '1' || (docs !== '0' && isStandardIdentityRun(s))) {
    log(`wrote ${writeIdentityDocs(ROOT, markdown)}`);
  } else {
    log('docs/benchmarks.md left as it was (shorter than the standard method; BENCH_DOCS=1 writes anyway)');
  }
  return Object.values(identityVerdicts(run)).every(Boolean) ? 0 : 1;
}

process.exitCode = await main();
