// Issue 7: runs sqlmap against every API operation of docs/openapi.json and every HTML form reachable from the
// home page, on a platform started here on loopback, and reports injectable parameters and HTTP 500 answers.
//
//   node --import tsx scripts/injection-scan.ts [--database-url postgres://…] [--only <regex>] [--list]
//     [--parallel 2] [--crawl-depth 3] [--target-minutes 8] [--traffic] [--sqlmap-args='--level=3 …']
//
// Signs in the citizen 张伟 and, through TOTP, three staff (a clerk, a department head, the platform administrator),
// and calls each operation as someone allowed to; the sign-in and registration forms are sent anonymously.
// Without --database-url (or DATABASE_URL) the platform runs on a fresh embedded database; with it, on a throw-away
// database `yiwang_sqlmap_<random>` created next to the one named, and dropped afterwards. Output goes to
// .tmp/sqlmap/<mode>-<time>/. Exit 1 when a parameter is injectable or the platform answered 500; 2 when the scan
// itself could not run.

import { type ChildProcess, spawn } from 'node:child_process';
import { randomBytes } from 'node:crypto';
import { once } from 'node:events';
import { createWriteStream, mkdirSync, mkdtempSync, readFileSync, rmSync, writeFileSync } from 'node:fs';
import { createServer } from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { parseArgs } from 'node:util';
import { generate } from 'otplib';
import pg from 'pg';
import { DEMO_PASSWORD, DEMO_PEOPLE } from '../src/modules/identity/identity.seed.ts';

const ROOT = path.resolve(import.meta.dirname, '..');
const SQLMAP = process.env.SQLMAP ?? 'sqlmap';
// --smart is deliberately absent: it skips parameters whose heuristic test looks clean.
const SQLMAP_FLAGS = [
  '--batch',
  '--level=2', // level 2 also tests the cookies (the session token is looked up in the database)
  '--risk=1',
  '--dbms=PostgreSQL',
  '--technique=BEUST',
  '--threads=4',
  '--flush-session',
  '--drop-set-cookie', // keep the signed-in session's cookies, whatever the payloads make the server answer
  '--skip-waf',
  // Compare answers by their text: the pages' markup (the catalogue editor's is large) made sqlmap's comparisons,
  // not the platform, the bottleneck, at several seconds per parameter.
  '--text-only',
  '--disable-coloring',
  '--timeout=30',
  '--retries=1',
  // The default range, stated: otherwise an answer that changes after the first request (a certificate revoked, then
  // 409) looks like a usable ORDER BY, and sqlmap widens its UNION tests to hundreds of columns for many minutes.
  '--union-cols=1-10',
  // A payload in the session cookie makes the caller anonymous (401), an unknown id is 404: answers, not reasons to
  // stop (sqlmap gives up on a target whose plain request is 404, though the id was looked up in the database).
  '--ignore-code=401,404',
];

// ---------------------------------------------------------------------------------------------------------------
// Arguments, the platform and its database

const { values: args } = parseArgs({
  options: {
    'database-url': { type: 'string' },
    only: { type: 'string' },
    list: { type: 'boolean', default: false },
    // sqlmap's full traffic (every payload and answer) per target: large, for finding a reported 500's payload.
    traffic: { type: 'boolean', default: false },
    // More sqlmap options, space-separated (e.g. '--level=3'); they come last and so win.
    'sqlmap-args': { type: 'string', default: '' },
    // Two steps from the home page reach the citizen's forms; staff workbenches and case pages are a step further.
    'crawl-depth': { type: 'string', default: '3' },
    // sqlmap processes at a time: sqlmap's own work, not the platform's, is most of a scan (one core each).
    parallel: { type: 'string', default: '2' },
    // Most targets take seconds; the catalogue editor's forms (about fifty fields each) take longer than this on a busy
    // machine and are then reported as partial. A hung sqlmap must not stall the whole scan either.
    'target-minutes': { type: 'string', default: '8' },
  },
});
const adminUrl = args['database-url'] ?? process.env.DATABASE_URL;
const mode = adminUrl ? 'postgres' : 'embedded';
const TARGET_TIMEOUT_MS = Number(args['target-minutes']) * 60_000;
const outDir = path.join(ROOT, '.tmp/sqlmap', `${mode}-${new Date().toISOString().replace(/[:.]/g, '-')}`);

async function freePort(): Promise<number> {
  const server = createServer().listen(0, '127.0.0.1');
  await once(server, 'listening');
  const address = server.address();
  server.close();
  if (typeof address !== 'object' || !address) throw new Error('no free port');
  return address.port;
}

/** Answers 500 (or errors logged outside a request) of one kind: the same target, route and error. */
interface ServerError {
  target: string;
  request: string;
  error: string;
  /** The first request's full URL: payloads in the path or query show here (a body's do not). */
  example: string;
  count: number;
}

interface Platform {
  base: string;
  child: ChildProcess;
  errors: Map<string, ServerError>;
  /** Answers 500 or above, and errors logged without a request. */
  failures: number;
  /** Requests answered so far (every one is logged at level info). */
  requests: number;
  stop(): Promise<void>;
}

type LogEntry = {
  level?: number;
  reqId?: string;
  msg?: string;
  req?: { method: string; url: string };
  res?: { statusCode: number };
  err?: { type?: string; message?: string; stack?: string };
};

/** An error as one line: its type, message and where in the platform's source it was thrown. */
function describeError(entry: LogEntry | undefined): string {
  if (!entry) return '(no error logged)';
  const err = entry.err ?? {};
  const where = /\(?(\/[^\s()]*\/src\/[^\s()]+)\)?/.exec(err.stack ?? '')?.[1]?.replace(`${ROOT}/`, '') ?? '';
  const message = (err.message ?? entry.msg ?? '').replace(/\s+/g, ' ').slice(0, 300);
  return `${err.type ?? 'error'}: ${message}${where ? ` at ${where}` : ''}`;
}

/**
 * Starts `yiwang serve` on a fresh data directory; `attribute` names the target a failed request belongs to (the
 * platform logs every request, with its method and URL).
 */
async function startPlatform(
  env: Record<string, string>,
  attribute: (request: string) => string,
): Promise<Platform> {
  const port = await freePort();
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-sqlmap-'));
  const child = spawn(process.execPath, [path.join(ROOT, 'bin/yiwang.mjs'), 'serve'], {
    env: {
      PATH: process.env.PATH ?? '',
      HOME: process.env.HOME ?? '/tmp',
      // info logs every request with its status: the independent count of 500s, whatever sqlmap concluded.
      LOG_LEVEL: 'info',
      YIWANG_DATA_DIR: dataDir,
      PORT: String(port),
      // sqlmap is one address sending thousands of payloads: past the per-address budgets every one would get 429
      // and test nothing behind it.
      YIWANG_THROTTLE_SIGN_IN: '0',
      YIWANG_THROTTLE_LOOKUPS: '0',
      ...env,
    },
    stdio: ['ignore', 'pipe', 'pipe'],
  });
  const log = createWriteStream(path.join(outDir, 'platform.log'));
  const platform: Platform = {
    base: `http://127.0.0.1:${port}`,
    child,
    errors: new Map(),
    failures: 0,
    requests: 0,
    async stop() {
      if (child.exitCode === null) {
        child.kill('SIGTERM');
        await Promise.race([once(child, 'exit'), new Promise((r) => setTimeout(r, 15_000))]);
        if (child.exitCode === null) child.kill('SIGKILL');
      }
      log.end();
      rmSync(dataDir, { recursive: true, force: true });
    },
  };
  const requests = new Map<string, { url: string; error?: LogEntry }>(); // by request id, until completed
  const record = (request: string, error: string, example: string) => {
    platform.failures++;
    const target = attribute(request);
    const key = `${target}|${request}|${error}`;
    const known = platform.errors.get(key);
    if (known) known.count++;
    else platform.errors.set(key, { target, request, error, example, count: 1 });
  };
  let pending = '';
  const onData = (chunk: Buffer) => {
    log.write(chunk);
    pending += chunk.toString('utf8');
    const lines = pending.split('\n');
    pending = lines.pop() ?? '';
    for (const line of lines) {
      let entry: LogEntry;
      try {
        entry = JSON.parse(line);
      } catch {
        continue; // the seeding report and other plain text
      }
      const id = entry.reqId ?? '';
      if (entry.req) requests.set(id, { url: `${entry.req.method} ${entry.req.url}` });
      const request = requests.get(id);
      if (entry.res) {
        platform.requests++;
        if (entry.res.statusCode >= 500) {
          const url = request?.url ?? '?';
          record(url.split('?')[0] ?? url, describeError(request?.error), url);
        }
        requests.delete(id);
      } else if ((entry.level ?? 0) >= 50) {
        if (request) request.error = entry;
        else record('(no request)', describeError(entry), '');
      }
    }
  };
  child.stdout?.on('data', onData);
  child.stderr?.on('data', onData);

  const deadline = Date.now() + 180_000;
  while (Date.now() < deadline) {
    if (child.exitCode !== null)
      throw new Error(`the platform exited (${child.exitCode}); see ${outDir}/platform.log`);
    const status = await fetch(`${platform.base}/readyz`).then(
      (r) => r.status,
      () => 0,
    );
    if (status === 200) return platform;
    await new Promise((r) => setTimeout(r, 250));
  }
  await platform.stop();
  throw new Error('the platform did not become ready within 180 s');
}

// ---------------------------------------------------------------------------------------------------------------
// Sessions

/** A browser's cookies, as sqlmap will send them. */
class Session {
  cookies = new Map<string, string>();
  totpSecret = '';
  constructor(
    readonly base: string,
    readonly username: string | undefined, // undefined: anonymous
  ) {}
  keep(response: Response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const at = pair.indexOf('=');
      this.cookies.set(pair.slice(0, at).trim(), pair.slice(at + 1).trim());
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
  get label() {
    return this.username ?? 'anonymous';
  }
  fetch(url: string, init: RequestInit = {}) {
    const headers = { cookie: this.header(), ...(init.headers as Record<string, string>) };
    return fetch(new URL(url, this.base), { redirect: 'manual', ...init, headers });
  }
  async page(url: string): Promise<string> {
    const res = await this.fetch(url);
    this.keep(res);
    return res.text();
  }
  post(url: string, fields: Record<string, string>) {
    return this.fetch(url, {
      method: 'POST',
      headers: { 'content-type': 'application/x-www-form-urlencoded' },
      body: new URLSearchParams(fields).toString(),
    });
  }
  /** An API call; a body is sent as JSON, as the API's cross-site defence wants of a cookie-carrying client. */
  async json<T>(url: string, body?: unknown): Promise<T | undefined> {
    const res = await this.fetch(url, {
      headers: { accept: 'application/json', 'content-type': 'application/json' },
      ...(body === undefined ? {} : { method: 'POST', body: JSON.stringify(body) }),
    });
    return res.ok ? ((await res.json()) as T) : undefined;
  }

  /** Signs in through the pages; staff enrol an authenticator on their first sign-in and use it afterwards. */
  async signIn(): Promise<void> {
    if (!this.username) {
      await this.page('/sign-in'); // the CSRF cookie, which the anonymous forms need
      return;
    }
    const form = await this.page('/sign-in');
    const res = await this.post('/sign-in', {
      username: this.username,
      password: DEMO_PASSWORD,
      _csrf: csrfOf(form),
    });
    this.keep(res);
    const next = res.headers.get('location') ?? '';
    if (res.status !== 303) throw new Error(`${this.username}: sign-in answered ${res.status}`);
    if (next.startsWith('/sign-in/second-factor')) {
      const step = await this.page('/sign-in/second-factor');
      this.totpSecret ||= /<code>([A-Z2-7]{16,})<\/code>/.exec(step)?.[1] ?? '';
      // A code is accepted once: a second sign-in within its 30 s window waits for the next one.
      for (let attempt = 0; attempt < 2; attempt++) {
        const done = await this.post('/sign-in/second-factor', {
          code: await generate({ secret: this.totpSecret }),
          _csrf: csrfOf(step),
        });
        this.keep(done);
        if (await this.signedIn()) break;
        await new Promise((r) => setTimeout(r, 31_000 - (Date.now() % 30_000)));
      }
    }
    if (!(await this.signedIn())) throw new Error(`${this.username}: not signed in after the sign-in steps`);
  }
  async signedIn(): Promise<boolean> {
    return (await this.fetch('/account')).status === 200;
  }
}

function csrfOf(html: string): string {
  return /name="_csrf" value="([^"]+)"/.exec(html)?.[1] ?? '';
}

// ---------------------------------------------------------------------------------------------------------------
// Targets

interface Target {
  name: string;
  session: Session;
  method: string;
  /** Absolute; `*` marks the path parameters (sqlmap's custom injection points). */
  url: string;
  data?: string;
  headers: Record<string, string>;
  /** A form: the page it was found on, for a fresh CSRF token. */
  page?: string;
  /** Forms that sign in, register or reset: their failures lock the address, so they go last. */
  last?: boolean;
  /** A form: how many fields it has (the crawl keeps the fullest of a kind). */
  fields?: number;
}

/** The requests a target sends, as the platform logs them: its method and path, any value in a marked segment. */
function patternOf(target: Target): RegExp {
  const { pathname } = new URL(target.url.split('?')[0] ?? '');
  const route = pathname
    .split('/')
    .map((segment) => (segment.includes('*') ? '.*' : segment.replace(/[.+?^${}()|[\]\\]/g, '\\$&')))
    .join('/');
  return new RegExp(`^${target.method} ${route}$`);
}

type Schema = {
  $ref?: string;
  type?: string;
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  oneOf?: Schema[];
  anyOf?: Schema[];
  default?: unknown;
  example?: unknown;
  pattern?: string;
  minimum?: number;
  maximum?: number;
  minLength?: number;
};
type Operation = {
  parameters?: { in: string; name: string; schema: Schema }[];
  requestBody?: { content: Record<string, { schema: Schema }> };
};

/** Values the demo city really has, so that requests get past validation and lookups into the queries. */
interface DemoValues {
  caseId: string;
  taskId: string;
  taskRevision: number;
  definitionId: string;
  /** The active process of a service, which an administrator would edit and send back. */
  definition: unknown;
  certificateNumber: string;
  certificateType: string;
  bpmn: string;
}

// Strings the schemas constrain by pattern, and values by parameter name; anything else is a plain sample.
const BY_PATTERN: Record<string, string> = {
  '^[A-Za-z]{2,6}-\\d{4}$': 'SJ-0101',
  '^[A-Z]{2,6}-\\d{4}$': 'SJ-0101',
  '^[A-Za-z]{2,6}$': 'SJ',
  '^[A-Z]{2,6}$': 'SJ',
  '^[a-z][a-z0-9-]{1,40}$': 'business-start',
  '^#[0-9a-fA-F]{6}$': '#1f4e79',
  '^[a-z][a-zA-Z0-9]{0,39}$': 'holderName',
  '^[a-z][a-zA-Z0-9]*\\.[a-z][a-zA-Z0-9]*$': 'applicant.name',
  '^[\\w.:-]{8,100}$': 'sqlmap-probe-0001',
};
const BY_NAME: Record<string, string> = {
  q: '营业执照',
  serviceCode: 'GJJ-0103', // open for online applications, unlike SJ-0101 (409 before the answers are read)
  lifeEvent: 'having-a-baby',
  username: 'zhangwei',
  applicant: 'zhangwei',
  creditCode: '91990100MA0000001X',
  jws: 'eyJhbGciOiJFZERTQSJ9.eyJzdWIiOiJzYW1wbGUifQ.c2lnbmF0dXJl',
  // A minimal PDF: uploads are checked by their content.
  content: Buffer.from('%PDF-1.4\n1 0 obj<<>>endobj\ntrailer<<>>\n%%EOF\n').toString('base64'),
};

function sampleOf(
  doc: { components: { schemas: Record<string, Schema> } },
  schema: Schema,
  name: string,
): unknown {
  const s = schema.$ref ? (doc.components.schemas[schema.$ref.split('/').pop() ?? ''] ?? {}) : schema;
  if (s.example !== undefined) return s.example;
  if (s.enum) return s.enum[0];
  const alternatives = s.oneOf ?? s.anyOf;
  if (alternatives?.[0]) return sampleOf(doc, alternatives[0], name);
  if (s.type === 'object' || s.properties) {
    // What a client must send, plus what the server would default anyway.
    const keep = Object.entries(s.properties ?? {}).filter(
      ([key, p]) => s.required?.includes(key) || p.default !== undefined,
    );
    return Object.fromEntries(keep.map(([key, p]) => [key, sampleOf(doc, p, key)]));
  }
  // An empty default ('' for a note) would give sqlmap nothing to test: a sample instead.
  if (s.default !== undefined && s.default !== null && s.default !== '') return s.default;
  if (s.type === 'array') return s.items ? [sampleOf(doc, s.items, name)] : [];
  if (s.type === 'integer' || s.type === 'number')
    return Math.max(s.minimum ?? 1, Math.min(s.maximum ?? 5, 5));
  if (s.type === 'boolean') return true;
  if (s.type === 'string' || s.pattern) {
    const value = BY_NAME[name] ?? (s.pattern && BY_PATTERN[s.pattern]) ?? 'sample';
    return value.padEnd(s.minLength ?? 0, '0');
  }
  return 'sample';
}

/** A real value for a path parameter, where the demo city has one; sqlmap marks it as the injection point. */
function pathValue(route: string, name: string, demo: DemoValues): string {
  const table: [RegExp, string][] = [
    [/^\/api\/v1\/departments\//, 'SJ'],
    [/^\/api\/v1\/catalogue\/services\//, 'SJ-0101'],
    [/^\/api\/v1\/catalogue\/life-events\//, 'having-a-baby'],
    [/^\/api\/v1\/cases\//, demo.caseId],
    [/^\/api\/v1\/tasks\//, demo.taskId],
    [/^\/api\/v1\/services\//, 'ZWFW-0101'],
    [/^\/api\/v1\/process-definitions\//, demo.definitionId],
    [/^\/api\/v1\/certificates\//, demo.certificateNumber],
    [/^\/api\/v1\/certificate-types\//, demo.certificateType],
  ];
  return table.find(([pattern]) => pattern.test(route))?.[1] ?? `sample-${name}`;
}

/** Who calls an operation: the staff who hold its permission (cases/certificates policies), else the citizen. */
function callerOf(operation: string): string {
  if (/^(GET|POST) \/api\/v1\/(tasks|cases\/intake)/.test(operation)) return 'liuyang'; // SJ clerk
  if (/^POST \/api\/v1\/certificates(\/\{number\}\/(revoke|reissue))?$/.test(operation)) return 'wumin'; // SJ head
  if (
    /^(POST|PUT) \/api\/v1\/(services|process-definitions|certificate-types|certificates\/keys)/.test(
      operation,
    )
  )
    return 'machao'; // platform administrator
  return 'zhangwei';
}

function apiTargets(sessions: Map<string, Session>, demo: DemoValues): Target[] {
  const doc = JSON.parse(readFileSync(path.join(ROOT, 'docs/openapi.json'), 'utf8'));
  const targets: Target[] = [];
  for (const [route, operations] of Object.entries<Record<string, Operation>>(doc.paths)) {
    for (const [method, op] of Object.entries(operations)) {
      const name = `${method.toUpperCase()} ${route}`;
      const session = sessions.get(callerOf(name));
      if (!session) continue;
      const params = op.parameters ?? [];
      let urlPath = route;
      for (const p of params.filter((p) => p.in === 'path'))
        urlPath = urlPath.replace(`{${p.name}}`, `${encodeURIComponent(pathValue(route, p.name, demo))}*`);
      const marked = urlPath.includes('*');
      // With a marked path sqlmap tests only marked points: mark the query values too.
      const query = params
        .filter((p) => p.in === 'query')
        .map(
          (p) =>
            `${p.name}=${encodeURIComponent(String(sampleOf(doc, p.schema, p.name)))}${marked ? '*' : ''}`,
        );
      const headers: Record<string, string> = {};
      for (const p of params.filter((p) => p.in === 'header'))
        headers[p.name] = `${String(sampleOf(doc, p.schema, p.name))}*`;
      const target: Target = {
        name,
        session,
        method: method.toUpperCase(),
        url: `${session.base}${urlPath}${query.length ? `?${query.join('&')}` : ''}`,
        headers,
      };
      const content = op.requestBody?.content ?? {};
      if (content['application/xml']) {
        target.data = demo.bpmn; // sqlmap finds the XML and tests its values
        target.headers['content-type'] = 'application/xml';
      } else if (content['application/json'] || method !== 'get') {
        // The cross-site defence: a state-changing call with a session cookie must be JSON (server.ts).
        const body = content['application/json']
          ? (sampleOf(doc, content['application/json'].schema, '') as Record<string, unknown>)
          : {};
        const real: Record<string, unknown> = {
          revision: demo.taskRevision,
          definition: demo.definition,
          typeCode: demo.certificateType,
        };
        for (const key of Object.keys(body)) if (key in real) body[key] = real[key];
        target.data = JSON.stringify(body);
        target.headers['content-type'] = 'application/json';
      }
      targets.push(target);
    }
  }
  return targets;
}

// HTML forms, found the way a visitor would: following links from the home page, two steps deep.

const decode = (s: string) =>
  s
    .replace(/&quot;/g, '"')
    .replace(/&#x27;|&#39;/g, "'")
    .replace(/&lt;/g, '<')
    .replace(/&gt;/g, '>')
    .replace(/&amp;/g, '&');
/** An attribute's value; '' for a bare attribute (`checked`, `value`), undefined when absent. */
const attr = (tag: string, name: string) =>
  new RegExp(`\\s${name}="([^"]*)"`, 'i').exec(tag)?.[1] ??
  (new RegExp(`\\s${name}(?=[\\s>/=]|$)`, 'i').test(tag) ? '' : undefined);
/** Pages and forms that would end the session the scan depends on. */
const SESSION_ENDING = /sign-out|logout|\/sign-in\/second-factor|\/sign-in\/new-password/;

/** A value for an empty field; never the demo password, so a password change cannot succeed. */
function fieldSample(name: string, type: string): string {
  if (type === 'password' || /password/i.test(name)) return 'Wrong-password-0';
  if (type === 'email' || /e-?mail/i.test(name)) return 'sqlmap@example.com';
  if (type === 'tel' || /phone|mobile/i.test(name)) return '13900000099';
  if (type === 'number') return '1';
  if (type === 'date') return '2026-03-02';
  if (/user ?name/i.test(name)) return 'sqlmap-probe'; // no demo account is locked by the sign-in form's failures
  return 'sample';
}

interface Form {
  method: string;
  action: string;
  multipart: boolean;
  fields: [string, string, string][]; // name, value, type
}

function formsOf(html: string, pageUrl: string): Form[] {
  const forms: Form[] = [];
  for (const match of html.matchAll(/<form\b([^>]*)>([\s\S]*?)<\/form>/gi)) {
    const [, tag = '', inner = ''] = match;
    const fields: [string, string, string][] = [];
    const seen = new Set<string>();
    for (const el of inner.matchAll(/<(input|select|textarea|button)\b([^>]*)>([\s\S]*?<\/\1>)?/gi)) {
      const [, kind = '', attrs = '', body = ''] = el;
      const name = decode(attr(attrs, 'name') ?? '');
      const type = (attr(attrs, 'type') ?? kind).toLowerCase();
      if (!name || (type === 'checkbox' && attr(attrs, 'checked') === undefined)) continue;
      // Rows of a list (`counters.0.name` … `counters.6.name`) are read by the same code: the first row is enough,
      // and halves the catalogue editor's hundred-odd fields (sqlmap takes seconds per parameter on its big page).
      if (/\.[1-9]\d*(?=\.|$)/.test(name)) continue;
      // A form's first button may only add or remove a row: the button that submits is the one worth sending.
      if (seen.has(name)) {
        const field = fields.find(([n]) => n === name);
        const value = decode(attr(attrs, 'value') ?? '');
        if (
          field &&
          kind === 'button' &&
          /^(add|remove|delete|move)\b/.test(field[1]) &&
          !/^(add|remove)/.test(value)
        )
          field[1] = value;
        continue;
      }
      seen.add(name);
      let value = decode(attr(attrs, 'value') ?? '');
      if (kind === 'select') value = decode(attr(/<option\b([^>]*)>/i.exec(body)?.[1] ?? '', 'value') ?? '');
      if (kind === 'textarea') value = decode(body.replace(/<\/textarea>$/i, ''));
      if (!value && type !== 'file') value = fieldSample(name, type);
      fields.push([name, value, type]);
    }
    forms.push({
      method: (attr(tag, 'method') ?? 'get').toUpperCase(),
      action: new URL(decode(attr(tag, 'action') ?? ''), pageUrl).href,
      multipart: /multipart/i.test(attr(tag, 'enctype') ?? ''),
      fields,
    });
  }
  return forms;
}

/** The form as sqlmap sends it: urlencoded, or multipart (empty file parts, as a browser sends an empty input). */
function encodeForm(form: Form): { data: string; contentType: string } {
  if (!form.multipart) {
    const data = form.fields.map(([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}`).join('&');
    return { data, contentType: 'application/x-www-form-urlencoded' };
  }
  const boundary = `----sqlmap${randomBytes(8).toString('hex')}`;
  const parts = form.fields.map(([n, v, type]) =>
    type === 'file'
      ? `--${boundary}\r\nContent-Disposition: form-data; name="${n}"; filename=""\r\nContent-Type: application/octet-stream\r\n\r\n\r\n`
      : `--${boundary}\r\nContent-Disposition: form-data; name="${n}"\r\n\r\n${v}\r\n`,
  );
  return {
    data: `${parts.join('')}--${boundary}--\r\n`,
    contentType: `multipart/form-data; boundary=${boundary}`,
  };
}

/**
 * Ids and codes in a path (`case_01…`, `SJ-0101`, `GJJ-2026-0000001-Y`, a department's `WJ`): segments with
 * capitals or digits, where the platform's own words are lower case. Each is an injection point of its own.
 */
const PATH_ID = /(?<=\/)(?=[^/]*[A-Z0-9])[^/]+/g;
/** Ending a session by id would end the scan's own: a well-formed id of no session still reaches the query. */
const NO_SESSION = 'ses_00000000000000000000000000';

/** Forms that sign in, register or reset a password: sent anonymously, and last, as their failures lock the address. */
const SIGN_IN_FORM = /^\/(sign-in|register|password|forgot)/;

/**
 * The forms of the pages within `depth` links of the home page, as each session sees them; one target per form
 * (method and action, ids generalised), the one with the most fields. Links containing `avoid` (the scan's own
 * staff accounts, which the administrator's forms could disable) are not followed.
 */
async function formTargets(
  sessions: Session[],
  anonymous: Session,
  crawlDepth: number,
  avoid: string[],
): Promise<Target[]> {
  const targets = new Map<string, Target>();
  for (const session of [...sessions, anonymous]) {
    const seen = new Set<string>();
    let frontier = ['/', '/?lang=en'];
    for (let depth = 0; depth <= crawlDepth && frontier.length; depth++) {
      const next: string[] = [];
      for (const url of frontier) {
        if (seen.has(url) || seen.size > 1000) continue;
        seen.add(url);
        // Followed: some links (a service's "apply") redirect to the page that holds the form.
        const res = await session.fetch(url, { redirect: 'follow' });
        if (!res.headers.get('content-type')?.includes('text/html')) {
          await res.body?.cancel();
          continue;
        }
        const html = await res.text();
        const pageUrl = res.url;
        for (const link of html.matchAll(/<a\b[^>]*\shref="([^"#]+)/gi)) {
          const href = new URL(decode(link[1] ?? ''), pageUrl);
          if (href.origin !== session.base || /^\/(static|api)\//.test(href.pathname)) continue;
          if (SESSION_ENDING.test(href.pathname) || /[?&]mode=/.test(href.search)) continue;
          if (avoid.some((id) => href.pathname.includes(id))) continue;
          next.push(href.pathname + href.search);
        }
        for (const form of formsOf(html, pageUrl)) {
          const action = new URL(form.action);
          if (action.origin !== session.base || SESSION_ENDING.test(action.pathname)) continue;
          // One target per kind of form: the same form on another service's or case's page adds little.
          const shape = action.pathname.replace(PATH_ID, '{id}');
          const key = `${form.method} ${shape}`;
          if ((targets.get(key)?.fields ?? -1) >= form.fields.length) continue;
          const signIn = SIGN_IN_FORM.test(action.pathname);
          const marked = action.pathname
            .replace(/^\/account\/sessions\/[^/]+/, `/account/sessions/${NO_SESSION}`)
            .replace(PATH_ID, '$&*');
          const target: Target = {
            name: `form ${form.method} ${shape}`,
            session: signIn ? anonymous : session,
            method: form.method,
            url: `${session.base}${marked}`,
            headers: {},
            last: signIn,
            fields: form.fields.length,
          };
          if (form.method === 'GET') {
            // With a marked path sqlmap tests only marked points: mark the query values too.
            const star = marked.includes('*') ? '*' : '';
            const query = form.fields.map(
              ([n, v]) => `${encodeURIComponent(n)}=${encodeURIComponent(v)}${star}`,
            );
            if (query.length) target.url += `?${query.join('&')}`;
          } else {
            const { data, contentType } = encodeForm(form);
            // The CSRF token is refreshed from this page before the scan, with the session that will send it.
            const page = signIn ? new URL(action.pathname, session.base).href : pageUrl;
            Object.assign(target, { data, page, headers: { 'content-type': contentType } });
          }
          targets.set(key, target);
        }
      }
      frontier = next;
    }
    console.log(`  crawled ${seen.size} pages as ${session.label}`);
  }
  return [...targets.values()];
}

// ---------------------------------------------------------------------------------------------------------------
// Running sqlmap and reading its output

interface Result {
  target: Target;
  status: number;
  tested: Set<string>;
  injectable: Map<string, string[]>; // parameter → payloads
  sqlmap500: number;
  server500: number;
  notes: string[];
  seconds: number;
}

async function scan(target: Target, index: number): Promise<Result> {
  const started = Date.now();
  const notes: string[] = [];
  // A form of a previous target may have ended the session: sign in again rather than scan a sign-in page.
  if (target.session.username && !(await target.session.signedIn())) {
    notes.push('session had ended; signed in again');
    await target.session.signIn();
  }
  let data = target.data;
  if (data !== undefined && target.page) {
    const token = csrfOf(await target.session.page(target.page));
    if (token) data = data.replace(/(_csrf(?:"\r\n\r\n|=))[^&\r]*/, `$1${encodeURIComponent(token)}`);
  }
  // The unchanged request once, to show whether it reaches the handler at all (200/201 rather than 4xx).
  const plain = await target.session.fetch(target.url.replaceAll('*', ''), {
    method: target.method,
    headers: Object.fromEntries(Object.entries(target.headers).map(([k, v]) => [k, v.replaceAll('*', '')])),
    body: data,
  });
  await plain.body?.cancel();

  const slug = `${String(index + 1).padStart(3, '0')}-${target.name.replace(/[^\w]+/g, '_').slice(0, 80)}`;
  const headers = Object.entries(target.headers).map(([k, v]) => `${k}: ${v}`);
  const argv = [
    '-u',
    target.url,
    `--method=${target.method}`,
    ...(data !== undefined ? [`--data=${data}`] : []),
    ...(target.session.cookies.size ? [`--cookie=${target.session.header()}`] : []),
    ...(headers.length ? [`--headers=${headers.join('\n')}`] : []),
    `--output-dir=${path.join(outDir, 'sqlmap-output')}`,
    ...(args.traffic ? ['-t', path.join(outDir, `${slug}.traffic.txt`)] : []),
    ...SQLMAP_FLAGS,
    ...(args['sqlmap-args'] ?? '').split(/\s+/).filter(Boolean),
  ];
  writeFileSync(path.join(outDir, `${slug}.cmd.json`), JSON.stringify([SQLMAP, ...argv], null, 2));
  const child = spawn(SQLMAP, argv, { stdio: ['ignore', 'pipe', 'pipe'] });
  // Written as it comes, so that a target that hangs can be looked at while it does.
  const log = createWriteStream(path.join(outDir, `${slug}.log`));
  let output = '';
  const keep = (chunk: Buffer) => {
    output += chunk;
    log.write(chunk);
  };
  child.stdout.on('data', keep);
  child.stderr.on('data', keep);
  const timer = setTimeout(() => {
    notes.push(`sqlmap stopped after ${TARGET_TIMEOUT_MS / 60_000} min; results are partial`);
    child.kill('SIGKILL');
  }, TARGET_TIMEOUT_MS);
  const [code] = await once(child, 'exit');
  clearTimeout(timer);
  log.end();

  const tested = new Set(
    [...output.matchAll(/testing for SQL injection on (.+? parameter '.+?')/g)].map((m) => m[1] ?? ''),
  );
  const injectable = new Map<string, string[]>();
  for (const m of output.matchAll(/(.+? parameter '.+?') is '.+?' injectable/g))
    injectable.set(m[1] ?? '', []);
  // The report block: "Parameter: q (GET)" followed by its payloads.
  const block =
    output.split('sqlmap identified the following injection point(s)')[1]?.split(/\n---\n/)[1] ?? '';
  for (const m of block.matchAll(/Parameter: (.+)\n([\s\S]*?)(?=\nParameter:|$)/g))
    injectable.set(
      m[1] ?? '',
      [...(m[2] ?? '').matchAll(/Payload: (.+)/g)].map((p) => p[1] ?? ''),
    );
  const sqlmap500 = [...output.matchAll(/500 \(Internal Server Error\) - (\d+) times/g)].reduce(
    (n, m) => n + Number(m[1]),
    0,
  );
  for (const m of output.matchAll(/\[CRITICAL\] (.+)/g)) notes.push(`sqlmap: ${m[1]}`);
  if (code !== 0 && !notes.length) notes.push(`sqlmap exited ${code}`);
  return {
    target,
    status: plain.status,
    tested,
    injectable,
    sqlmap500,
    server500: 0, // filled in from the platform's log
    notes,
    seconds: (Date.now() - started) / 1000,
  };
}

// ---------------------------------------------------------------------------------------------------------------
// Main

async function discoverDemo(by: (user: string) => Session): Promise<DemoValues> {
  const citizen = by('zhangwei');
  type Task = { id: string; revision: number };
  const cases = (await citizen.json<{ id: string }[]>('/api/v1/cases')) ?? [];
  const detail = cases[0] ? await citizen.json<{ tasks: Task[] }>(`/api/v1/cases/${cases[0].id}`) : undefined;
  // A step of the clerk's own department if there is one, else any step of the demo case.
  const inbox = (await by('liuyang').json<{ items: Task[] }>('/api/v1/tasks?view=all'))?.items ?? [];
  const task = inbox[0] ?? detail?.tasks[0];
  const versions =
    (await citizen.json<{ id: string; definition: unknown }[]>('/api/v1/services/ZWFW-0101/process')) ?? [];
  type CertificateType = { code: string; departmentCode: string; fields: { id: string }[] };
  const types = (await citizen.json<CertificateType[]>('/api/v1/certificate-types')) ?? [];
  // The demo city has issued nothing yet: the head of Market Regulation issues 张伟 a licence by hand, so that the
  // certificate routes find a real number (else they stop at 404 before revoking, reissuing or sharing).
  const type = types.find((t) => t.departmentCode === 'SJ') ?? types[0];
  const fields = Object.fromEntries((type?.fields ?? []).map((f) => [f.id, '40']));
  await by('wumin').json('/api/v1/certificates', {
    typeCode: type?.code,
    holder: { username: 'zhangwei' },
    fields,
  });
  const held = (await citizen.json<{ number: string }[]>('/api/v1/certificates')) ?? [];
  const definitionId = versions[0]?.id ?? 'pdef_sample';
  const bpmn = await citizen.fetch(`/api/v1/process-definitions/${definitionId}/bpmn`);
  return {
    caseId: cases[0]?.id ?? 'case_sample',
    taskId: task?.id ?? 'task_sample',
    taskRevision: task?.revision ?? 1,
    definitionId,
    definition: versions[0]?.definition ?? {},
    certificateNumber: held[0]?.number ?? 'SJ-2026-000001',
    certificateType: type?.code ?? 'food-business-licence',
    bpmn: bpmn.ok ? await bpmn.text() : '<definitions><process id="sample" name="sample"/></definitions>',
  };
}

function table(rows: string[][]): string {
  const widths = rows[0]?.map((_, i) => Math.max(...rows.map((r) => (r[i] ?? '').length))) ?? [];
  return rows.map((r) => r.map((c, i) => c.padEnd(widths[i] ?? 0)).join('  ')).join('\n');
}

async function main(): Promise<number> {
  mkdirSync(outDir, { recursive: true });
  const began = Date.now();
  let database: { name: string; admin: string } | undefined;
  const env: Record<string, string> = {};
  if (adminUrl) {
    const name = `yiwang_sqlmap_${randomBytes(4).toString('hex')}`;
    const client = new pg.Client({ connectionString: adminUrl });
    await client.connect();
    // UTF-8 collation as the platform needs it (docs/operations.md), as the test suites create theirs.
    await client.query(
      `create database ${name} template template0 encoding 'UTF8' lc_collate 'C.UTF-8' lc_ctype 'C.UTF-8'`,
    );
    await client.end();
    database = { name, admin: adminUrl };
    const url = new URL(adminUrl);
    url.pathname = `/${name}`;
    Object.assign(env, {
      DATABASE_URL: url.href,
      YIWANG_SECRET: randomBytes(48).toString('base64'),
      YIWANG_DEMO: 'always',
    });
  }
  let platform: Platform | undefined;
  const stop = async () => {
    await platform?.stop();
    platform = undefined;
    if (database) {
      const client = new pg.Client({ connectionString: database.admin });
      await client.connect();
      await client.query(`drop database if exists ${database.name} with (force)`);
      await client.end();
      database = undefined;
    }
  };
  process.once('SIGINT', () => {
    void stop().finally(() => process.exit(130));
  });
  try {
    console.log(`Starting the platform (${mode}); output in ${path.relative(ROOT, outDir)}/`);
    // The platform's failures belong to the running target whose requests they match (or the only one running).
    const running = new Set<Target>();
    const attribute = (request: string) => {
      const all = [...running];
      const match = all.find((t) => patternOf(t).test(request)) ?? (all.length === 1 ? all[0] : undefined);
      return match?.name ?? `(unattributed; running: ${all.map((t) => t.name).join(', ') || 'none'})`;
    };
    platform = await startPlatform(env, attribute);
    const base = platform.base;
    const users = ['zhangwei', 'liuyang', 'wumin', 'machao'];
    const sessions = new Map(users.map((u) => [u, new Session(base, u)]));
    for (const s of sessions.values()) await s.signIn();
    const anonymous = new Session(base, undefined);
    await anonymous.signIn();
    console.log(`Signed in: ${users.join(', ')} (staff with TOTP); and an anonymous visitor`);
    const by = (u: string) => sessions.get(u) as Session;

    const demo = await discoverDemo(by);
    // The administrator's forms could disable the scan's own staff: their pages are left out of the crawl.
    const ours = new Set(DEMO_PEOPLE.filter((p) => users.includes(p.username)).map((p) => p.nameZh));
    const staffList = await by('machao').page('/admin/staff');
    const avoid = [...staffList.matchAll(/href="\/admin\/staff\/([^"?/]+)">([^<]+)</g)]
      .filter((m) => ours.has(m[2] ?? ''))
      .map((m) => m[1] ?? '');
    const forms = await formTargets([...sessions.values()], anonymous, Number(args['crawl-depth']), avoid);
    let targets = [...apiTargets(sessions, demo), ...forms].sort((a, b) => Number(a.last) - Number(b.last));
    if (args.only) targets = targets.filter((t) => new RegExp(args.only ?? '').test(t.name));
    const formCount = targets.filter((t) => t.fields !== undefined).length;
    console.log(
      `${targets.length} targets: ${targets.length - formCount} API operations, ${formCount} forms`,
    );
    if (args.list) {
      for (const t of targets)
        console.log(`  ${t.name}  [${t.session.label}]  ${t.url}${t.data ? `  ${t.data}` : ''}`);
      return 0;
    }

    // Targets run `parallel` at a time; the forms that sign in run last and alone (their failures lock the address).
    const results: Result[] = [];
    const scanAll = async (list: Target[], parallel: number) => {
      const queue = [...list];
      const worker = async () => {
        for (let target = queue.shift(); target; target = queue.shift()) {
          running.add(target);
          const result = await scan(target, targets.indexOf(target)).finally(() => running.delete(target));
          results.push(result);
          const found = result.injectable.size || result.sqlmap500 ? '  <-- FOUND' : '';
          console.log(
            `[${results.length}/${targets.length}] ${target.name} as ${target.session.label}: ` +
              `status ${result.status}, ${result.tested.size} parameters, ${result.injectable.size} injectable, ` +
              `${result.sqlmap500} answers 500, ${result.seconds.toFixed(1)} s${found}`,
          );
          for (const note of result.notes) console.log(`      ${note}`);
        }
      };
      await Promise.all(Array.from({ length: parallel }, worker));
    };
    await scanAll(
      targets.filter((t) => !t.last),
      Math.max(1, Number(args.parallel)),
    );
    await scanAll(
      targets.filter((t) => t.last),
      1,
    );
    results.sort((a, b) => targets.indexOf(a.target) - targets.indexOf(b.target));
    for (const r of results)
      for (const e of platform.errors.values()) if (e.target === r.target.name) r.server500 += e.count;

    const rows = [['target', 'as', 'status', 'tested', 'injectable', '500 (sqlmap)', '500 (server log)']];
    for (const r of results)
      rows.push([
        r.target.name,
        r.target.session.label,
        String(r.status),
        String(r.tested.size),
        String(r.injectable.size),
        String(r.sqlmap500),
        String(r.server500),
      ]);
    const sum = (f: (r: Result) => number) => String(results.reduce((n, r) => n + f(r), 0));
    rows.push([
      `TOTAL (${results.length} targets)`,
      '',
      '',
      sum((r) => r.tested.size),
      sum((r) => r.injectable.size),
      sum((r) => r.sqlmap500),
      String(platform.failures),
    ]);
    const lines = [
      '',
      `Injection scan, ${mode} mode, ${((Date.now() - began) / 60_000).toFixed(1)} min, ` +
        `${platform.requests} requests answered by the platform`,
      table(rows),
    ];
    for (const r of results)
      for (const [param, payloads] of r.injectable) {
        lines.push(`INJECTABLE: ${r.target.name} ${param}`);
        for (const p of payloads) lines.push(`    payload: ${p}`);
      }
    for (const e of platform.errors.values())
      lines.push(
        `SERVER 500 x${e.count} during ${e.target}: ${e.request}\n    ${e.error}` +
          (e.example !== e.request ? `\n    first: ${e.example}` : ''),
      );
    const summary = lines.join('\n');
    console.log(summary);
    writeFileSync(path.join(outDir, 'summary.txt'), `${summary}\n`);
    return results.some((r) => r.injectable.size) || platform.failures || Number(sum((r) => r.sqlmap500))
      ? 1
      : 0;
  } finally {
    await stop();
  }
}

main().then(
  (code) => process.exit(code),
  (error) => {
    console.error(error);
    process.exit(2);
  },
);
