// The Markdown report of `bench/identity.ts` and the rewrite of its own section of docs/benchmarks.md.
import { existsSync, mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { LoadResult } from './load.ts';
import { median, range } from './report.ts';

/** How a run was made. */
export interface IdentitySettings {
  seconds: number;
  reps: number;
  warmupS: number;
  connections: number;
  cores: string;
  machine: {
    cpus: number;
    cpuModel: string;
    memoryGb: number;
    node: string;
    date: string;
    /** 1-minute load average before the run. */
    loadAverage: number;
  };
}

/** One repetition of the authentication pairs (the order within each pair alternates between repetitions). */
export interface AuthRepetition {
  /** The trivial page with the session cookie of a signed-in citizen. */
  pageSignedIn: LoadResult;
  /** The same page with no session, with a cookie that only bypasses the page cache: rendered every time. */
  pageAnonymous: LoadResult;
  /** `/healthz` with the same session cookie: the session lookup on a route that does nothing. */
  healthzSignedIn: LoadResult;
  healthzAnonymous: LoadResult;
}

/** One repetition of the audit pairs. */
export interface AuditRepetition {
  /** A mutating route as the platform builds them: the change and its outbox event, with its audit record. */
  withAudit: LoadResult;
  withoutAudit: LoadResult;
  /** The change alone (one INSERT), with and without its audit record: the audit's relative cost at its highest. */
  bareWithAudit: LoadResult;
  bareWithoutAudit: LoadResult;
}

/** The audit pair on one database, or why it was not measured. */
export type AuditRun =
  | {
      measured: true;
      /** "embedded (PGlite)" or "PostgreSQL 15.x at host:port". */
      database: string;
      repetitions: AuditRepetition[];
      /** Responses 201 over every run on this database, warm-ups included. */
      acknowledged: { withAudit: number; withoutAudit: number };
      /** Rows in the bench table and the audit chain's length after the runs. */
      written: { applications: number; auditRecords: number };
    }
  | { measured: false; database: string; reason: string };

/** What the pages answered before the load: proof that the two requests differ only in being signed in. */
export interface PageCheck {
  path: string;
  /** The cookie the anonymous requests carry (no session, but it bypasses the page cache). */
  anonymousCookie: string;
  /** `GET /account` with the session cookie (200 when the sign-in worked). */
  accountStatus: number;
  signedIn: { status: number; xCache: string; showsAccount: boolean };
  anonymous: { status: number; xCache: string; showsAccount: boolean };
}

/** Everything one run measured. */
export interface IdentityRun {
  settings: IdentitySettings;
  pageCheck: PageCheck;
  auth: AuthRepetition[];
  audit: AuditRun[];
}

/** The targets of the identity issue (issue 3, section "Benchmark"). */
export const IDENTITY_TARGETS = { signedInRatio: 0.6, auditRatio: 0.75 } as const;

const int = (n: number) => (Number.isNaN(n) ? 'n/a' : Math.round(n).toLocaleString('en-US'));
const dec = (n: number, digits = 1) => (Number.isNaN(n) ? 'n/a' : n.toFixed(digits));
const pct = (n: number) => (Number.isNaN(n) ? 'n/a' : `${(n * 100).toFixed(1)} %`);
const verdict = (ok: boolean) => (ok ? 'PASS' : 'FAIL');
const failures = (r: LoadResult) => r.errors + r.timeouts + r.non2xx;
const xCache = (value: string) => (value === '' ? 'without `x-cache`' : `with \`x-cache: ${value}\``);

function row(
  measure: string,
  values: readonly number[],
  format: (n: number) => string,
  target = '—',
  result = '—',
) {
  const [low, high] = range(values);
  const spread = values.length > 1 ? `${format(low)} – ${format(high)}` : '—';
  return `| ${measure} | ${format(median(values))} | ${spread} | ${target} | ${result} |`;
}

const authRuns = (r: AuthRepetition) => [
  r.pageSignedIn,
  r.pageAnonymous,
  r.healthzSignedIn,
  r.healthzAnonymous,
];
const auditRuns = (run: AuditRun) =>
  run.measured
    ? run.repetitions.flatMap((r) => [r.withAudit, r.withoutAudit, r.bareWithAudit, r.bareWithoutAudit])
    : [];

/** The verdicts of a run, keyed by target, for the exit code. */
export function identityVerdicts(run: IdentityRun): Record<string, boolean> {
  const all = [...run.auth.flatMap(authRuns), ...run.audit.flatMap(auditRuns)];
  const result: Record<string, boolean> = {
    signedInRatio:
      median(run.auth.map((r) => r.pageSignedIn.rps / r.pageAnonymous.rps)) >= IDENTITY_TARGETS.signedInRatio,
    signedInForReal: run.pageCheck.accountStatus === 200 && run.pageCheck.signedIn.showsAccount,
    noErrors: all.every((r) => failures(r) === 0),
  };
  run.audit.forEach((audit, i) => {
    if (!audit.measured) return;
    result[`auditRatio${i}`] =
      median(audit.repetitions.map((r) => r.withAudit.rps / r.withoutAudit.rps)) >=
      IDENTITY_TARGETS.auditRatio;
    result[`nothingLost${i}`] =
      audit.written.applications >= audit.acknowledged.withAudit + audit.acknowledged.withoutAudit &&
      audit.written.auditRecords >= audit.acknowledged.withAudit;
  });
  return result;
}

/** The results of a run as Markdown: machine, summary table with targets, and the repetitions. */
export function identityMarkdown(run: IdentityRun): string {
  const { settings: s, pageCheck: check, auth } = run;
  const v = identityVerdicts(run);
  const m = s.machine;
  const page = `\`GET ${check.path}\``;
  const authFailures = auth.flatMap(authRuns).reduce((sum, r) => sum + failures(r), 0);
  const auditFailures = run.audit.flatMap(auditRuns).reduce((sum, r) => sum + failures(r), 0);
  const auditRows = run.audit.flatMap((audit, i) => {
    const target = `≥ ${pct(IDENTITY_TARGETS.auditRatio)}`;
    if (!audit.measured) {
      return [
        `| audit on ÷ audit off, ${audit.database} | not measured (${audit.reason}) | — | ${target} | — |`,
      ];
    }
    const reps = audit.repetitions;
    const { acknowledged: ack, written } = audit;
    const lost = verdict(v[`nothingLost${i}`] ?? false);
    return [
      row(
        `\`POST /with-audit\`, ${audit.database}, req/s`,
        reps.map((r) => r.withAudit.rps),
        int,
      ),
      row(
        `\`POST /without-audit\`, ${audit.database}, req/s`,
        reps.map((r) => r.withoutAudit.rps),
        int,
      ),
      row(
        `**audit on ÷ audit off**, ${audit.database}`,
        reps.map((r) => r.withAudit.rps / r.withoutAudit.rps),
        pct,
        target,
        verdict(v[`auditRatio${i}`] ?? false),
      ),
      row(
        `\`POST /bare/with-audit\` (one INSERT and its record), ${audit.database}, req/s`,
        reps.map((r) => r.bareWithAudit.rps),
        int,
      ),
      row(
        `\`POST /bare/without-audit\` (one INSERT), ${audit.database}, req/s`,
        reps.map((r) => r.bareWithoutAudit.rps),
        int,
      ),
      row(
        `bare route: audit on ÷ audit off, ${audit.database}`,
        reps.map((r) => r.bareWithAudit.rps / r.bareWithoutAudit.rps),
        pct,
      ),
      `| … rows written ÷ 201 responses (bench table; audit chain) | ` +
        `${int(written.applications)} ÷ ${int(ack.withAudit + ack.withoutAudit)}; ` +
        `${int(written.auditRecords)} ÷ ${int(ack.withAudit)} | — | rows ≥ 201s | ${lost} |`,
    ];
  });
  const auditSetup = run.audit
    .map((a) => (a.measured ? a.database : `${a.database}: not measured (${a.reason})`))
    .join('; ');
  const lines = [
    `Run ${m.date}: ${m.cpus} CPUs (${m.cpuModel}), ${dec(m.memoryGb)} GB memory, Node ${m.node}; ${s.cores}; ` +
      `load average ${dec(m.loadAverage, 2)} before the run.`,
    `${s.reps} interleaved repetitions of ${s.seconds} s after a ${s.warmupS} s warm-up per target, ` +
      `${s.connections} connections, the order within each pair alternating; audit pair on: ${auditSetup}.`,
    `Signed in as \`lina\` through the \`/sign-in\` form: \`GET /account\` with the session cookie answered ` +
      `${check.accountStatus}. Before the load, ${page} signed in answered ${check.signedIn.status} ` +
      `${xCache(check.signedIn.xCache)}, ${check.signedIn.showsAccount ? 'showing' : 'NOT showing'} the account ` +
      `link; with only \`cookie: ${check.anonymousCookie}\` it answered ${check.anonymous.status} ` +
      `${xCache(check.anonymous.xCache)}, ${check.anonymous.showsAccount ? 'SHOWING' : 'without'} the account link.`,
    '',
    '| measure | median | min – max | target | result |',
    '| --- | ---: | ---: | --- | --- |',
    row(
      `${page} signed in (session cookie), req/s`,
      auth.map((r) => r.pageSignedIn.rps),
      int,
    ),
    row(
      `${page} anonymous (rendered: page cache bypassed), req/s`,
      auth.map((r) => r.pageAnonymous.rps),
      int,
    ),
    row(
      '**signed in ÷ anonymous**',
      auth.map((r) => r.pageSignedIn.rps / r.pageAnonymous.rps),
      pct,
      `≥ ${pct(IDENTITY_TARGETS.signedInRatio)}`,
      verdict(v.signedInRatio ?? false),
    ),
    row(
      '`GET /healthz` with the session cookie, req/s',
      auth.map((r) => r.healthzSignedIn.rps),
      int,
    ),
    row(
      '`GET /healthz` without a cookie, req/s',
      auth.map((r) => r.healthzAnonymous.rps),
      int,
    ),
    row(
      '`/healthz` with ÷ without the session cookie (the session lookup alone)',
      auth.map((r) => r.healthzSignedIn.rps / r.healthzAnonymous.rps),
      pct,
    ),
    ...auditRows,
    `| errors, timeouts and non-2xx in all runs | ${authFailures + auditFailures} | — | 0 | ` +
      `${verdict(v.noErrors ?? false)} |`,
    '',
    'Repetitions (req/s, in the order they ran within each pair):',
    '',
    `| rep | ${check.path} signed in | ${check.path} anonymous | ratio | /healthz with session | /healthz without | ratio |`,
    '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
    ...auth.map(
      (r, i) =>
        `| ${i + 1}${i % 2 === 1 ? ' (B A)' : ''} | ${int(r.pageSignedIn.rps)} | ${int(r.pageAnonymous.rps)} | ` +
        `${pct(r.pageSignedIn.rps / r.pageAnonymous.rps)} | ${int(r.healthzSignedIn.rps)} | ` +
        `${int(r.healthzAnonymous.rps)} | ${pct(r.healthzSignedIn.rps / r.healthzAnonymous.rps)} |`,
    ),
    ...run.audit.flatMap((audit) =>
      audit.measured
        ? [
            '',
            `| rep | with audit, ${audit.database} | without audit | ratio | bare with audit | bare without | ratio |`,
            '| ---: | ---: | ---: | ---: | ---: | ---: | ---: |',
            ...audit.repetitions.map(
              (r, i) =>
                `| ${i + 1}${i % 2 === 1 ? ' (B A)' : ''} | ${int(r.withAudit.rps)} | ${int(r.withoutAudit.rps)} | ` +
                `${pct(r.withAudit.rps / r.withoutAudit.rps)} | ${int(r.bareWithAudit.rps)} | ` +
                `${int(r.bareWithoutAudit.rps)} | ${pct(r.bareWithAudit.rps / r.bareWithoutAudit.rps)} |`,
            ),
          ]
        : [],
    ),
  ];
  return `${lines.join('\n')}\n`;
}

const START = '<!-- bench:identity:start -->';
const END = '<!-- bench:identity:end -->';

/** The section's heading and method, used when docs/benchmarks.md does not have the section yet. */
const SECTION = `## Identity and audit

\`node --import tsx bench/identity.ts\` (\`npm run bench:identity\`) measures the two targets of the identity issue
in one run of about eight minutes and rewrites the results below; the HTTP benchmark's section above is left
alone. The same knobs apply (\`BENCH_SECONDS\`, \`BENCH_REPS\`, \`BENCH_WARMUP\`, \`BENCH_CONNECTIONS\`,
\`BENCH_DOCS\`); a run shorter than 5 × 10 s after a 3 s warm-up does not rewrite this file unless \`BENCH_DOCS=1\`.

- **Signed in against anonymous**: the real platform (\`node bin/yiwang.mjs serve\`, embedded PGlite in a
  temporary data directory with the demo city, pinned to core 0, load from core 1) serves \`GET /accessibility\`,
  a static page that reads nothing from the database, to two kinds of visitor. The signed-in one sends the
  \`yiwang_session\` cookie of the demo citizen \`lina\`, obtained once through the real form flow (\`GET /sign-in\`
  for the CSRF cookie and token, then \`POST /sign-in\`); the anonymous one sends only \`bench_anonymous=1\`.
  That cookie names no session but, like any cookie other than the language and CSRF ones, makes the page cache
  step aside, so both requests render the same page and the ratio is exactly the cost of being signed in (the
  session lookup, one indexed read, and the account link in the layout) rather than the cost of a render
  against a cache hit. For comparison the same session cookie is also sent to \`GET /healthz\`, a route that
  does nothing, against \`/healthz\` with no cookie: the session lookup without a page around it. The report
  records, before the load, that the signed-in page shows the account link and the anonymous one does not.
- **Audit on against audit off**: no product route can turn the audit off, so \`bench/audit-server.ts\` is a
  benchmark-only Fastify server built from the platform's kernel (\`openDatabase\`, \`migrate\`,
  \`createAuditLog\` with its sealer running, as in every working process) with two pairs of routes. Each
  validates a small JSON application and inserts it into a bench table in a transaction. \`POST /with-audit\` and
  \`POST /without-audit\` are shaped as the platform's mutating routes are (docs/architecture.md §4): the change
  and its outbox event, and for the first its audit record (actor, action, object, subject, client address, user
  agent, request id, details), all in one transaction; this pair carries the target. \`POST /bare/with-audit\`
  and \`POST /bare/without-audit\` do the change alone, the least a mutating route can do, where the record
  weighs most: reported, without a target. It runs on embedded PGlite (a temporary data directory) and, when
  PostgreSQL answers at \`YIWANG_TEST_DATABASE_URL\` (default \`postgres://postgres@127.0.0.1:5432/postgres\`),
  again on a throw-away database with the platform's default pool of 10 connections, dropped afterwards. After the
  runs the report compares the rows written with the 201 responses counted: every acknowledged request must have
  left its row and its audit record.
- Every pair runs interleaved (A B, then B A, …) so that drift on the shared machine, or a table that grows,
  falls on both sides; ratios are computed within a repetition and their median is compared with the target.

**What limits these ratios.** Signed-in pages used to pay a session lookup (a join through Drizzle, about a
millisecond on PGlite's thread) on every request and reached 5 % of the anonymous render; resolved sessions are
now trusted for five seconds per process (ADR 9), hence about 95 %. The audit record used to take a lock on the
chain head until COMMIT (ADR 8), so audited transactions committed one at a time: 17 % on PostgreSQL. Since ADR 10
it is one INSERT without a lock (sent past Drizzle, as a prepared statement on PostgreSQL and one engine call on
PGlite), its chaining and search keys written by the sealer a second later in batches. What remains is the cost
of one more wide row in the transaction: on these two shared cores that is about a quarter of a route that does
little else, and the measured ratios move by ten points from run to run.

### Latest identity run

`;

/** Whether a run follows the method closely enough for its numbers to replace the committed ones. */
export function isStandardIdentityRun(s: IdentitySettings): boolean {
  return s.seconds >= 10 && s.reps >= 5 && s.warmupS >= 3;
}

/** Rewrites this benchmark's section of docs/benchmarks.md, appending the section when it is missing. */
export function writeIdentityDocs(root: string, results: string): string {
  const file = path.join(root, 'docs', 'benchmarks.md');
  const block = `${START}\n\n${results}\n${END}\n`;
  const current = existsSync(file) ? readFileSync(file, 'utf8') : '# Benchmarks\n';
  const start = current.indexOf(START);
  const end = current.indexOf(END);
  const text =
    start >= 0 && end > start
      ? `${current.slice(0, start)}${block}${current.slice(end + END.length).replace(/^\n/, '')}`
      : `${current.replace(/\n*$/, '\n')}\n${SECTION}${block}`;
  mkdirSync(path.dirname(file), { recursive: true });
  writeFileSync(file, text);
  return file;
}
