// `node --import tsx bench/cases.ts` (`npm run bench:cases`): the cases issue's two targets in one run on PostgreSQL —
// an application submitted through the real platform against a bare `INSERT … RETURNING` route (requests/s), and a
// staff member's inbox over 1,000,000 generated cases (latency), with the embedded database's figure beside it (see
// docs/benchmarks.md, "Cases", for the method). Run as `bench/cases.ts --load <json>`, the same file is the load
// generator: autocannon with a fresh Idempotency-Key on every request, which bench/load.ts cannot send.
import { execFileSync } from 'node:child_process';
import { randomBytes, randomUUID } from 'node:crypto';
import { mkdtempSync, readFileSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import autocannon from 'autocannon';
import { eq, sql } from 'drizzle-orm';
import pg from 'pg';
import { createPlatform, MODULES } from '../src/app.ts';
import type { StaffActor } from '../src/kernel/authz/authz.ts';
import { civilDate } from '../src/kernel/calendar/working-days.ts';
import { loadConfig } from '../src/kernel/config.ts';
import { type Database, openDatabase, queryRows } from '../src/kernel/db/database.ts';
import { startProgress } from '../src/kernel/progress.ts';
import { cases as casesTable } from '../src/modules/cases/db/cases.tables.ts';
import { DEMO_PROCESSES } from '../src/modules/cases/demo-processes.ts';
import { generateCases } from '../src/modules/cases/generate.ts';
import type { CasesModule } from '../src/modules/cases/index.ts';
import type { CatalogueContract } from '../src/modules/catalogue/contract.ts';
import { DEMO_FORMS } from '../src/modules/forms/demo-forms.ts';
import { type FormsService, sampleAnswers, type UploadedFile } from '../src/modules/forms/index.ts';
import { DEMO_PEOPLE } from '../src/modules/identity/identity.seed.ts';
import type { IdentityContract } from '../src/modules/identity/index.ts';
import {
  createTestPostgresDatabase,
  isPostgresReachable,
  POSTGRES_ADMIN_URL,
} from '../test/support/environment.ts';
import { testConfig } from '../test/support/platform.ts';
import { assertLoopback, fixedRateLoad } from './fixed-rate.ts';
import { type LoadResult, loadResultOf } from './load.ts';
import {
  type Cores,
  CPUS,
  cleanEnv,
  detectCores,
  freePort,
  onCore,
  ROOT,
  runChild,
  type Server,
  setting,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import { FIXED_RATE_TARGET, median, meetsFixedRateTarget, writeBenchSection } from './report.ts';
import { signInAs } from './sign-in.ts';

// What autocannon 8 offers beyond bench/autocannon.d.ts: a hook per request.
declare module 'autocannon' {
  interface Options {
    requests?: {
      setupRequest?: (request: { headers?: Record<string, string> }, context: object) => object | undefined;
    }[];
  }
}

const log = (line: string) => process.stderr.write(`${line}\n`);
const settings = {
  seconds: setting('BENCH_SECONDS', 10, 1),
  reps: Math.round(setting('BENCH_REPS', 5, 1)),
  warmupS: setting('BENCH_WARMUP', 3, 0),
  connections: Math.round(setting('BENCH_CONNECTIONS', 50, 1)),
  /** Generated cases on PostgreSQL, where the target is. */
  cases: Math.round(setting('BENCH_CASES', 1_000_000, 100)),
  /** Generated cases on embedded PGlite: as many as it writes in a few minutes. */
  embeddedCases: Math.round(setting('BENCH_CASES_EMBEDDED', 200_000, 100)),
  /** Rounds of every staff member's inbox in every view, after one warm-up round. */
  inboxRounds: Math.round(setting('BENCH_INBOX_ROUNDS', 50, 1)),
};
/** Which parts run (a comma list of submit, postgres, embedded); all by default. A partial run never writes docs. */
const PARTS = new Set(
  (process.env.BENCH_CASES_PARTS ?? 'submit,postgres,embedded').split(',').map((p) => p.trim()),
);
const TARGETS = { submitRatio: 0.35, inboxP95Ms: 50 } as const;
const SERVICE = 'SJ-0201';
const CITIZEN = 'zhangwei';
const VIEWS = ['all', 'soon', 'overdue', 'mine'] as const;
type View = (typeof VIEWS)[number];
/** Departments whose clerks' inboxes are measured, busiest first (by open clerk steps). */
const BUSIEST = 4;

// ---------------------------------------------------------------------------------------------------------------
// The load generator (a child process on the load core).

/** What the orchestrator asks the load generator for. */
interface SubmitLoad {
  url: string;
  seconds: number;
  connections: number;
  rate?: number;
  headers: Record<string, string>;
  body: string;
}

/** One load run, with the count of each status code (a replay would answer 200 instead of 201). */
interface SubmitResult extends LoadResult {
  statusCodes: Record<string, number>;
  /** CPU time per 2xx request, ms: of the server process, and of its PostgreSQL backends (filled in by the orchestrator). */
  cpuMs?: { server: number; postgres: number };
}

async function runSubmitLoad(request: SubmitLoad): Promise<SubmitResult> {
  assertLoopback(request.url);
  // A fresh key on every request: each is a new application, none a retry the server would replay.
  const freshKey = () => ({ 'idempotency-key': randomUUID() });
  if (request.rate) {
    const fixed = await fixedRateLoad({
      ...request,
      rate: request.rate,
      method: 'POST',
      headersPerRequest: freshKey,
    });
    return { ...fixed, statusCodes: fixed.statuses };
  }
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.seconds,
    pipelining: 1,
    timeout: 10,
    method: 'POST',
    headers: request.headers,
    body: request.body,
    requests: [
      {
        setupRequest(r) {
          r.headers = { ...r.headers, ...freshKey() };
          return r;
        },
      },
    ],
  });
  return {
    ...loadResultOf(request.url, result),
    statusCodes: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count]),
    ),
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Part 1: submission against the bare INSERT route.

interface SubmitRun {
  measured: boolean;
  reason?: string;
  postgres: string;
  poolSize: number;
  probe: string;
  repetitions: { submit: SubmitResult; bare: SubmitResult }[];
  rate: number;
  fixed?: SubmitResult;
  /**
   * Requests answered 2xx and requests sent (warm-ups, probe and fixed rate included), and the rows left: every 2xx
   * must have left its row, and no row may come from nowhere; requests still in flight when a run stopped count as
   * sent, not answered.
   */
  counts: {
    submitted: number;
    submitSent: number;
    cases: number;
    bareInserted: number;
    bareSent: number;
    bareRows: number;
  };
}

/** Every 2xx left a row, and every row came from a request sent. */
const rowsAccounted = (c: SubmitRun['counts']) =>
  c.cases >= c.submitted &&
  c.cases <= c.submitSent &&
  c.bareRows >= c.bareInserted &&
  c.bareRows <= c.bareSent;

const failures = (r: LoadResult) => r.non2xx + r.errors + r.timeouts;

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

async function countRows(url: string, table: string): Promise<number> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ n: string }>(`select count(*) as n from ${table}`);
    return Number(result.rows[0]?.n ?? 0);
  } finally {
    await client.end();
  }
}

const CLOCK_TICKS = (() => {
  try {
    return Number(execFileSync('getconf', ['CLK_TCK']).toString().trim()) || 100;
  } catch {
    return 100;
  }
})();

/** CPU seconds (user and system) a process has used, from /proc (NaN off Linux or once it has gone). */
function cpuSeconds(pid: number): number {
  try {
    // The command name (field 2) may hold spaces: count fields after its closing parenthesis.
    const fields = readFileSync(`/proc/${pid}/stat`, 'utf8').split(') ')[1]?.split(' ') ?? [];
    return (Number(fields[11]) + Number(fields[12])) / CLOCK_TICKS;
  } catch {
    return Number.NaN;
  }
}

/**
 * CPU seconds used so far by each PostgreSQL backend serving one application on the benchmark's database: the
 * server runs on this machine, so its share of the work per request can be read from /proc as well.
 */
async function backendCpu(url: string, application: string): Promise<Map<number, number>> {
  const client = new pg.Client({ connectionString: url });
  await client.connect();
  try {
    const result = await client.query<{ pid: number }>(
      'select pid from pg_stat_activity where datname = current_database() and application_name = $1',
      [application],
    );
    return new Map(
      result.rows.map((r) => [r.pid, cpuSeconds(r.pid)] as const).filter(([, cpu]) => !Number.isNaN(cpu)),
    );
  } finally {
    await client.end();
  }
}

async function measureSubmission(cores: Cores, version: string): Promise<SubmitRun> {
  // The platform's own default pool size, given to both servers explicitly.
  const poolSize = loadConfig({
    DATABASE_URL: 'postgres://bench@127.0.0.1/bench',
    YIWANG_SECRET: 'x'.repeat(40),
  }).dbPoolSize;
  const run: SubmitRun = {
    measured: false,
    postgres: `PostgreSQL ${version}`,
    poolSize,
    probe: '',
    repetitions: [],
    rate: 0,
    counts: { submitted: 0, submitSent: 0, cases: 0, bareInserted: 0, bareSent: 0, bareRows: 0 },
  };
  const database = await createTestPostgresDatabase();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-cases-'));
  let platform: Server | undefined;
  let bare: Server | undefined;
  try {
    const [platformPort, barePort] = [await freePort(), await freePort()];
    log('submission: starting the platform on a fresh PostgreSQL database (migrates, seeds the demo city)…');
    platform = spawnServer(
      onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
      platformPort,
      cleanEnv({
        DATABASE_URL: database.url,
        YIWANG_SECRET: randomBytes(30).toString('base64url'),
        YIWANG_DEMO: 'always',
        YIWANG_DATA_DIR: dataDir,
        YIWANG_DB_POOL_SIZE: String(poolSize),
        YIWANG_RUN_JOBS: process.env.BENCH_RUN_JOBS ?? 'true',
        PORT: String(platformPort),
      }),
    );
    bare = spawnServer(
      onCore(cores, cores.server, [
        process.execPath,
        '--import',
        'tsx',
        path.join(ROOT, 'bench', 'bare-insert.ts'),
      ]),
      barePort,
      cleanEnv({ DATABASE_URL: database.url, POOL_SIZE: String(poolSize), PORT: String(barePort) }),
    );
    await untilOk(platform, '/readyz', 240);
    await untilOk(bare, '/healthz', 60);
    const base = `http://127.0.0.1:${platformPort}`;
    // The demo city comes with cases of its own (张伟's supplement loop): only those added by the load count.
    const seeded = await countRows(database.url, 'cases_cases');
    const session = await signInAs(base, CITIZEN);
    const form = DEMO_FORMS[SERVICE];
    if (!form) throw new Error(`No demo form for ${SERVICE}`);
    const headers = { 'content-type': 'application/json', cookie: `yiwang_session=${session}` };
    // The material the applications name: uploaded once, as an applicant would before applying.
    const uploaded = await fetch(`${base}/api/v1/uploads`, {
      method: 'POST',
      headers,
      body: JSON.stringify({
        name: 'plan.pdf',
        content: Buffer.from('%PDF-1.7\n1 0 obj <<>> endobj\ntrailer <<>>\n%%EOF\n').toString('base64'),
      }),
    });
    if (uploaded.status !== 201) throw new Error(`Uploading the material gave ${uploaded.status}`);
    const body = JSON.stringify({
      serviceCode: SERVICE,
      answers: sampleAnswers(
        form,
        1,
        civilDate(new Date(), 'Asia/Shanghai'),
        (await uploaded.json()) as UploadedFile,
      ),
    });
    const submitUrl = `${base}/api/v1/cases`;
    const bareUrl = `http://127.0.0.1:${barePort}/insert`;
    // One application by hand first: a refusal here says why, where the load would only count non-2xx.
    const probe = await fetch(submitUrl, {
      method: 'POST',
      headers: { ...headers, 'idempotency-key': randomUUID() },
      body,
    });
    const probeBody = (await probe.json()) as { number?: string };
    if (probe.status !== 201)
      throw new Error(`The probe submission answered ${probe.status}: ${JSON.stringify(probeBody)}`);
    run.probe = probeBody.number ?? '';
    run.counts.submitted++;
    run.counts.submitSent++;
    log(`submission: ${CITIZEN} applied for ${SERVICE} as case ${run.probe}`);

    const load = async (target: 'submit' | 'bare', seconds: number, rate?: number) => {
      const request: SubmitLoad = {
        url: target === 'submit' ? submitUrl : bareUrl,
        seconds,
        connections: settings.connections,
        headers: target === 'submit' ? headers : { 'content-type': 'application/json' },
        body,
        ...(rate ? { rate } : {}),
      };
      const command = onCore(cores, cores.load, [
        process.execPath,
        '--import',
        'tsx',
        path.join(ROOT, 'bench', 'cases.ts'),
        '--load',
        JSON.stringify(request),
      ]);
      const server = (target === 'submit' ? platform : bare) as Server;
      const application = target === 'submit' ? 'yiwang' : 'bench-bare-insert';
      const before = {
        server: cpuSeconds(server.pid),
        postgres: await backendCpu(database.url, application),
      };
      const result = JSON.parse(
        (await runChild(command, seconds + 60)).trim().split('\n').at(-1) ?? '{}',
      ) as SubmitResult;
      const after = { server: cpuSeconds(server.pid), postgres: await backendCpu(database.url, application) };
      let postgres = 0;
      for (const [pid, cpu] of after.postgres) postgres += cpu - (before.postgres.get(pid) ?? 0);
      result.cpuMs = {
        server: ((after.server - before.server) * 1000) / Math.max(1, result.ok),
        postgres: (postgres * 1000) / Math.max(1, result.ok),
      };
      if (target === 'submit') {
        run.counts.submitted += result.ok;
        run.counts.submitSent += result.sent;
      } else {
        run.counts.bareInserted += result.ok;
        run.counts.bareSent += result.sent;
      }
      return result;
    };
    if (settings.warmupS > 0) {
      log(`warm-up submission and bare INSERT (${settings.warmupS} s each)…`);
      await load('submit', settings.warmupS);
      await load('bare', settings.warmupS);
    }
    for (let i = 1; i <= settings.reps; i++) {
      const order = i % 2 === 1 ? (['submit', 'bare'] as const) : (['bare', 'submit'] as const);
      const runs = {} as Record<'submit' | 'bare', SubmitResult>;
      for (const name of order) runs[name] = await load(name, settings.seconds);
      run.repetitions.push(runs);
      log(
        `submission rep ${i}/${settings.reps}: ${runs.submit.rps.toFixed(0)} / bare ${runs.bare.rps.toFixed(0)} req/s = ` +
          `${((runs.submit.rps / runs.bare.rps) * 100).toFixed(1)} %; non-2xx ${runs.submit.non2xx} / ${runs.bare.non2xx}`,
      );
    }
    run.rate = Math.max(1, Math.round(median(run.repetitions.map((r) => r.submit.rps)) / 2));
    log(`submission at a fixed ${run.rate} req/s (half the median maximum) for ${settings.seconds} s…`);
    run.fixed = await load('submit', settings.seconds, run.rate);
    run.counts.cases = (await countRows(database.url, 'cases_cases')) - seeded;
    run.counts.bareRows = await countRows(database.url, 'bench_bare_insert');
    run.measured = true;
    return run;
  } finally {
    if (platform) await stop(platform);
    if (bare) await stop(bare);
    await database.drop().catch((error: unknown) => log(`  warning: could not drop the database: ${error}`));
    rmSync(dataDir, { recursive: true, force: true });
  }
}

// ---------------------------------------------------------------------------------------------------------------
// Part 2: the staff inbox over generated cases, in this process.

interface InboxStaff {
  label: string;
  actor: StaffActor;
  /** Open steps the inbox chooses from (its departments and roles). */
  scope: number;
  byView: Record<View, { ms: number[]; items: number }>;
}

interface InboxRun {
  mode: 'PostgreSQL' | 'embedded';
  cases: number;
  openCases: number;
  tasks: number;
  openTasks: number;
  generateSeconds: number;
  staff: InboxStaff[];
  latencies: number[];
  pkRead: number[];
}

const percentile = (values: readonly number[], p: number) => {
  const sorted = [...values].sort((a, b) => a - b);
  return sorted[Math.min(sorted.length - 1, Math.ceil((p / 100) * sorted.length) - 1)] ?? Number.NaN;
};

/**
 * Staff who claim and decide the generated steps: the demo city's clerks, reviewers and heads, and a made-up member
 * of staff for every department and role of a demo process that no demo account holds (the provident fund's).
 */
async function benchStaff(identity: IdentityContract): Promise<{ actor: StaffActor; label: string }[]> {
  const staff: { actor: StaffActor; label: string }[] = [];
  for (const person of DEMO_PEOPLE) {
    if (person.kind !== 'staff' || !person.roles.some((r) => ['clerk', 'reviewer', 'head'].includes(r.role)))
      continue;
    const account = await identity.findAccount(person.username);
    if (!account) continue;
    const actor = await identity.actorOf(account.id);
    if (actor.kind !== 'staff') continue;
    const role = person.roles[0];
    staff.push({ actor, label: `${person.username} (${role?.departmentCode} ${role?.role})` });
  }
  const held = new Set(staff.flatMap((s) => s.actor.roles.map((r) => `${r.departmentCode}:${r.role}`)));
  for (const definition of Object.values(DEMO_PROCESSES)) {
    for (const node of definition.nodes) {
      if (node.type !== 'task' || held.has(`${node.department}:${node.role}`)) continue;
      held.add(`${node.department}:${node.role}`);
      staff.push({
        actor: {
          kind: 'staff',
          accountId: `acct_BENCH${node.department}${node.role.toUpperCase()}`,
          clearance: 'internal',
          roles: [{ departmentCode: node.department, role: node.role }],
        },
        label: `made-up ${node.department} ${node.role}`,
      });
    }
  }
  return staff;
}

/** Seeds the demo city, generates `count` cases, then times the inbox of the busiest departments' clerks. */
async function measureInbox(mode: InboxRun['mode'], database: Database, count: number): Promise<InboxRun> {
  const platform = await createPlatform({
    config: testConfig(),
    database,
    http: false,
    work: false,
    seedDemo: true,
    modules: MODULES,
  });
  try {
    const { db } = platform.kernel;
    const cases = platform.contracts.cases as CasesModule;
    const staff = await benchStaff(platform.contracts.identity as IdentityContract);
    const progress = startProgress(`Generating ${count.toLocaleString('en-US')} cases (${mode})`, count);
    const started = performance.now();
    const generated = await generateCases(db, count, {
      catalogue: platform.contracts.catalogue as CatalogueContract,
      forms: platform.contracts.forms as FormsService,
      staff: staff.map((s) => s.actor),
      progress,
    });
    progress.stop();
    const generateSeconds = (performance.now() - started) / 1000;
    log(
      `${mode}: ${generated.cases.toLocaleString('en-US')} cases (${generated.openCases} open), ` +
        `${generated.tasks.toLocaleString('en-US')} steps (${generated.openTasks} open) in ${generateSeconds.toFixed(0)} s`,
    );

    // The busiest departments by open clerk steps; their clerks, and every head (a head sees the whole department).
    const busiest = await queryRows<{ department_code: string; n: string }>(
      db,
      sql`select department_code, count(*) as n from cases_tasks where state = 'open' and role = 'clerk'
          group by department_code order by count(*) desc, department_code limit ${BUSIEST}`,
    );
    const measured = [
      ...busiest.flatMap((b) =>
        staff.filter((s) =>
          s.actor.roles.some((r) => r.departmentCode === b.department_code && r.role === 'clerk'),
        ),
      ),
      ...staff.filter((s) => s.actor.roles.some((r) => r.role === 'head') && !s.label.startsWith('made-up')),
    ];
    const inboxStaff: InboxStaff[] = [];
    for (const s of measured) {
      const [scope] = await queryRows<{ n: string }>(
        db,
        sql`select count(*) as n from cases_tasks where state = 'open' and (${sql.join(
          s.actor.roles.map((r) =>
            r.role === 'head'
              ? sql`department_code = ${r.departmentCode}`
              : sql`(department_code = ${r.departmentCode} and role = ${r.role})`,
          ),
          sql` or `,
        )})`,
      );
      inboxStaff.push({
        label: s.label,
        actor: s.actor,
        scope: Number(scope?.n ?? 0),
        byView: Object.fromEntries(
          VIEWS.map((v) => [v, { ms: [] as number[], items: 0 }]),
        ) as InboxStaff['byView'],
      });
    }

    const time = async (work: () => Promise<unknown>) => {
      const t = performance.now();
      await work();
      return performance.now() - t;
    };
    // A warm-up round (plans, caches), then the rounds, one query at a time.
    for (const s of inboxStaff) for (const view of VIEWS) await cases.inbox(s.actor, { view });
    const latencies: number[] = [];
    for (let round = 0; round < settings.inboxRounds; round++) {
      for (const s of inboxStaff) {
        for (const view of VIEWS) {
          let items = 0;
          const ms = await time(async () => {
            items = (await cases.inbox(s.actor, { view })).length;
          });
          s.byView[view].ms.push(ms);
          s.byView[view].items = items;
          latencies.push(ms);
        }
      }
    }
    // The baseline: one case by its primary key, on the same database, the same way (Drizzle, one round trip).
    const ids = (
      await queryRows<{ id: string }>(db, sql`select id from cases_cases order by random() limit 200`)
    ).map((r) => r.id);
    const read = (id: string) => db.select().from(casesTable).where(eq(casesTable.id, id));
    for (const id of ids) await read(id);
    const pkRead: number[] = [];
    for (let i = 0; i < latencies.length; i++) pkRead.push(await time(() => read(ids[i % ids.length] ?? '')));
    return {
      mode,
      cases: generated.cases,
      openCases: generated.openCases,
      tasks: generated.tasks,
      openTasks: generated.openTasks,
      generateSeconds,
      staff: inboxStaff,
      latencies,
      pkRead,
    };
  } finally {
    await platform.close();
  }
}

// ---------------------------------------------------------------------------------------------------------------
// The report.

const ms = (n: number) => (Number.isNaN(n) ? 'n/a' : `${n.toFixed(1)} ms`);
const int = (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const cpuPair = (r: SubmitResult) =>
  r.cpuMs ? `${r.cpuMs.server.toFixed(2)} / ${r.cpuMs.postgres.toFixed(2)}` : 'n/a';
const pct = (n: number) => (Number.isNaN(n) ? 'n/a' : `${(n * 100).toFixed(1)} %`);

interface Verdicts {
  submitRatio?: boolean;
  submitErrors?: boolean;
  submitLatency?: boolean;
  inbox?: boolean;
}

function verdicts(submission: SubmitRun | undefined, inboxes: InboxRun[]): Verdicts {
  const v: Verdicts = {};
  if (submission?.measured) {
    const ratios = submission.repetitions.map((r) => r.submit.rps / r.bare.rps);
    v.submitRatio = median(ratios) >= TARGETS.submitRatio;
    const all = [
      ...submission.repetitions.flatMap((r) => [r.submit, r.bare]),
      ...(submission.fixed ? [submission.fixed] : []),
    ];
    v.submitErrors = all.every((r) => failures(r) === 0) && rowsAccounted(submission.counts);
    if (submission.fixed) v.submitLatency = meetsFixedRateTarget(submission.fixed);
  }
  const pgInbox = inboxes.find((i) => i.mode === 'PostgreSQL');
  if (pgInbox) v.inbox = percentile(pgInbox.latencies, 95) <= TARGETS.inboxP95Ms;
  return v;
}

function markdown(
  cores: Cores,
  version: string,
  submission: SubmitRun | undefined,
  inboxes: InboxRun[],
): string {
  const v = verdicts(submission, inboxes);
  const verdict = (ok: boolean | undefined) => (ok === undefined ? '—' : ok ? 'PASS' : 'FAIL');
  const lines = [
    `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${CPUS} cores (${os.cpus()[0]?.model.trim()}), ` +
      `${(os.totalmem() / 1024 ** 3).toFixed(0)} GB, Node ${process.version}, PostgreSQL ${version} on the same machine; ` +
      `${cores.note}; PostgreSQL's own processes are not pinned. Load average ${(os.loadavg()[0] ?? 0).toFixed(2)} before the run.`,
    `Settings: ${settings.reps} interleaved repetitions of ${settings.seconds} s after ${settings.warmupS} s warm-up, ` +
      `${settings.connections} connections, a pool of ${submission?.poolSize ?? 'n/a'} connections in both servers; ` +
      `${settings.inboxRounds} rounds of every staff member's inbox in every view.`,
    '',
    '| Measure | Median | Range | Target | Result |',
    '| --- | --- | --- | --- | --- |',
  ];
  if (submission?.measured) {
    const reps = submission.repetitions;
    const submit = reps.map((r) => r.submit.rps);
    const bare = reps.map((r) => r.bare.rps);
    const ratios = reps.map((r) => r.submit.rps / r.bare.rps);
    const loadFailures = reps.reduce((n, r) => n + failures(r.submit) + failures(r.bare), 0);
    const fixed = submission.fixed;
    const cpu = (of: (r: (typeof reps)[number]) => number | undefined) =>
      median(reps.map((r) => of(r) ?? Number.NaN)).toFixed(2);
    const spread = (values: number[], format: (n: number) => string) =>
      `${format(Math.min(...values))} – ${format(Math.max(...values))}`;
    lines.push(
      `| Submission \`POST /api/v1/cases\` (${SERVICE}, signed-in citizen, ${submission.postgres}), req/s | ${int(median(submit))} | ${spread(submit, int)} | — | — |`,
      `| Bare Fastify \`INSERT … RETURNING\` route, same database, req/s | ${int(median(bare))} | ${spread(bare, int)} | — | — |`,
      `| Submission ÷ bare INSERT | ${pct(median(ratios))} | ${spread(ratios, pct)} | ≥ ${TARGETS.submitRatio * 100} % | ${verdict(v.submitRatio)} |`,
      `| Non-2xx, errors and timeouts in the throughput runs | ${loadFailures} | — | 0 | ${verdict(loadFailures === 0)} |`,
      fixed
        ? `| Submission at ${int(submission.rate)} req/s (½ max): achieved req/s; p50 / p99 latency; non-2xx | ${int(fixed.rps)}; ${ms(fixed.latencyMs.p50)} / ${ms(fixed.latencyMs.p99)}; ${failures(fixed)} | — | ${FIXED_RATE_TARGET} | ${verdict(meetsFixedRateTarget(fixed))} |`
        : '| Submission at ½ max | not measured | — | — | — |',
      `| Cases in the database against submissions answered 2xx … sent (warm-ups, probe and fixed rate included); bare rows likewise | ${int(submission.counts.cases)} in ${int(submission.counts.submitted)} … ${int(submission.counts.submitSent)}; ${int(submission.counts.bareRows)} in ${int(submission.counts.bareInserted)} … ${int(submission.counts.bareSent)} | — | every 2xx has its row | ${verdict(rowsAccounted(submission.counts))} |`,
      `| CPU per request of the server process: submission (platform) / bare INSERT route, ms | ${cpu((r) => r.submit.cpuMs?.server)} / ${cpu((r) => r.bare.cpuMs?.server)} | — | — | — |`,
      `| CPU per request of their PostgreSQL backends: submission / bare INSERT, ms | ${cpu((r) => r.submit.cpuMs?.postgres)} / ${cpu((r) => r.bare.cpuMs?.postgres)} | — | — | — |`,
    );
  } else {
    lines.push(
      `| Submission ÷ bare INSERT | not measured (${submission?.reason ?? 'not run'}) | — | ≥ ${TARGETS.submitRatio * 100} % | — |`,
    );
  }
  for (const run of inboxes) {
    const p95 = percentile(run.latencies, 95);
    const isPg = run.mode === 'PostgreSQL';
    lines.push(
      `| Inbox p50 / p95 / p99, ${run.mode}, ${int(run.cases)} cases (${int(run.openTasks)} of their steps open) | ${ms(percentile(run.latencies, 50))} / ${ms(p95)} / ${ms(percentile(run.latencies, 99))} | max ${ms(Math.max(...run.latencies))} | ${isPg ? `≤ ${TARGETS.inboxP95Ms} ms` : 'reported'} | ${isPg ? verdict(v.inbox) : '—'} |`,
      `| … baseline: one case by its primary key, p50 / p95, ${run.mode} | ${ms(percentile(run.pkRead, 50))} / ${ms(percentile(run.pkRead, 95))} | — | — | — |`,
      `| … generation of the cases and their ${int(run.tasks)} steps, ${run.mode} | ${run.generateSeconds.toFixed(0)} s (${int(run.cases / run.generateSeconds)} cases/s) | — | — | — |`,
    );
  }
  if (submission?.measured) {
    lines.push(
      '',
      'Submission repetitions (req/s and CPU ms per request of the server process and of its PostgreSQL backends, in the order they ran; status codes of the submission runs):',
      '',
      '| Rep | Submission | Bare INSERT | Ratio | CPU submission: server / PostgreSQL | CPU bare: server / PostgreSQL | Submission statuses |',
      '| ---: | ---: | ---: | ---: | ---: | ---: | --- |',
      ...submission.repetitions.map(
        (r, i) =>
          `| ${i + 1} | ${int(r.submit.rps)} | ${int(r.bare.rps)} | ${pct(r.submit.rps / r.bare.rps)} | ` +
          `${cpuPair(r.submit)} | ${cpuPair(r.bare)} | ${Object.entries(r.submit.statusCodes)
            .map(([code, n]) => `${code}: ${int(n)}`)
            .join(', ')} |`,
      ),
    );
  }
  for (const run of inboxes) {
    lines.push(
      '',
      `Inbox by staff member and view, ${run.mode} (p50 / p95; steps listed, at most 100):`,
      '',
      `| Staff member | Open steps in scope | ${VIEWS.join(' | ')} |`,
      `| --- | ---: | ${VIEWS.map(() => '---').join(' | ')} |`,
      ...run.staff.map(
        (s) =>
          `| ${s.label} | ${int(s.scope)} | ${VIEWS.map((view) => `${ms(percentile(s.byView[view].ms, 50))} / ${ms(percentile(s.byView[view].ms, 95))} (${s.byView[view].items})`).join(' | ')} |`,
      ),
    );
  }
  return lines.join('\n');
}

async function main(): Promise<number> {
  const cores = detectCores();
  log(`Yiwang cases benchmark: ${cores.note}`);
  const started = performance.now();
  const reachable = await isPostgresReachable();
  const version = reachable ? await postgresVersion() : 'unknown';
  let submission: SubmitRun | undefined;
  const inboxes: InboxRun[] = [];
  if (PARTS.has('submit')) {
    submission = reachable
      ? await measureSubmission(cores, version)
      : {
          measured: false,
          reason: 'PostgreSQL not reachable',
          postgres: '',
          poolSize: 0,
          probe: '',
          repetitions: [],
          rate: 0,
          counts: { submitted: 0, submitSent: 0, cases: 0, bareInserted: 0, bareSent: 0, bareRows: 0 },
        };
  }
  if (PARTS.has('postgres')) {
    if (reachable) {
      const database = await createTestPostgresDatabase();
      try {
        inboxes.push(
          await measureInbox(
            'PostgreSQL',
            await openDatabase({ mode: 'server', url: database.url }),
            settings.cases,
          ),
        );
      } finally {
        await database.drop();
      }
    } else log('PostgreSQL not reachable: the inbox target cannot be measured.');
  }
  if (PARTS.has('embedded')) {
    const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-bench-cases-embedded-'));
    try {
      inboxes.push(
        await measureInbox(
          'embedded',
          await openDatabase({ mode: 'embedded', dataDir }),
          settings.embeddedCases,
        ),
      );
    } finally {
      rmSync(dataDir, { recursive: true, force: true });
    }
  }
  const results = markdown(cores, version, submission, inboxes);
  process.stdout.write(`${results}\n`);
  log(`The run took ${((performance.now() - started) / 60_000).toFixed(1)} minutes.`);
  const standard =
    PARTS.size === 3 &&
    settings.reps >= 5 &&
    settings.seconds >= 10 &&
    settings.warmupS >= 3 &&
    settings.cases >= 1_000_000;
  const docs = process.env.BENCH_DOCS;
  if (docs === '1' || (docs !== '0' && standard)) {
    writeBenchSection(ROOT, 'cases', results);
    log('wrote docs/benchmarks.md (Cases)');
  } else
    log(
      'Not a standard run (all parts, BENCH_REPS ≥ 5, BENCH_SECONDS ≥ 10, BENCH_WARMUP ≥ 3, BENCH_CASES ≥ 1,000,000): docs/benchmarks.md left as it is (BENCH_DOCS=1 writes anyway).',
    );
  return Object.values(verdicts(submission, inboxes)).every(Boolean) ? 0 : 1;
}

if (process.argv[2] === '--load') {
  const result = await runSubmitLoad(JSON.parse(process.argv[3] ?? '{}') as SubmitLoad);
  process.stdout.write(`${JSON.stringify(result)}\n`);
} else {
  process.exitCode = await main();
}
