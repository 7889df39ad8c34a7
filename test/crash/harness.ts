import assert from 'node:assert/strict';
import { demoFormDefinition, sampleAnswers, type UploadedFile } from '../../src/modules/forms/index.ts';
import { DEMO_PASSWORD } from '../../src/modules/identity/index.ts';
import { SAMPLE_PDF } from '../support/materials.ts';
import { freePort, runYiwang, spawnYiwang, waitForOk, type YiwangProcess } from '../support/processes.ts';

/**
 * What the crash suites share: a citizen's cookie jar, real `yiwang serve` processes, bursts of idempotent
 * submissions, and the checks of what survived. Sizes come from the environment so CI runs a short version and
 * `npm run test:crash` the full one (issue 7: 20 iterations of 1,000 concurrent submissions per database mode).
 */
export const CRASH = {
  iterations: Number(process.env.CRASH_ITERATIONS ?? 2),
  submissions: Number(process.env.CRASH_SUBMISSIONS ?? 100),
};

/** The service every burst applies for: a short form with one upload, and a two-step process. */
export const SERVICE = 'SJ-0201';

/** A browser's cookies for fetch: enough for a session and the CSRF secret. */
export class Jar {
  cookies = new Map<string, string>();
  keep(response: Response) {
    for (const cookie of response.headers.getSetCookie()) {
      const [pair = ''] = cookie.split(';');
      const [name = '', value = ''] = pair.split('=');
      this.cookies.set(name.trim(), value.trim());
    }
  }
  header() {
    return [...this.cookies].map(([name, value]) => `${name}=${value}`).join('; ');
  }
}

export async function signIn(base: string, jar: Jar, username = 'zhangwei'): Promise<void> {
  const form = await fetch(`${base}/sign-in`, { headers: { cookie: jar.header() } });
  jar.keep(form);
  const token = /name="_csrf" value="([^"]+)"/.exec(await form.text())?.[1] ?? '';
  const res = await fetch(`${base}/sign-in`, {
    method: 'POST',
    redirect: 'manual',
    headers: { cookie: jar.header(), 'content-type': 'application/x-www-form-urlencoded' },
    body: new URLSearchParams({ username, password: DEMO_PASSWORD, _csrf: token }).toString(),
  });
  assert.equal(res.status, 303, `${username} signed in`);
  jar.keep(res);
}

/** Uploads the material the applications name (an application may name only its submitter's uploads). */
export async function upload(base: string, jar: Jar): Promise<UploadedFile> {
  const res = await fetch(`${base}/api/v1/uploads`, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/json' },
    body: JSON.stringify({ name: 'plan.pdf', content: SAMPLE_PDF.toString('base64') }),
  });
  assert.equal(res.status, 201);
  return (await res.json()) as UploadedFile;
}

const form = demoFormDefinition(SERVICE);

/** One submission with its idempotency key; `seed` varies the answers (a retry sends the same ones). */
export function submit(base: string, jar: Jar, key: string, seed: number, file: UploadedFile) {
  assert.ok(form);
  return fetch(`${base}/api/v1/cases`, {
    method: 'POST',
    headers: { cookie: jar.header(), 'content-type': 'application/json', 'idempotency-key': key },
    body: JSON.stringify({ serviceCode: SERVICE, answers: sampleAnswers(form, seed, undefined, file) }),
    signal: AbortSignal.timeout(120_000),
  });
}

/** A running `yiwang serve`. */
export interface Server {
  process: YiwangProcess;
  base: string;
}

export async function startServer(env: Record<string, string>): Promise<Server> {
  const port = await freePort();
  const process = spawnYiwang(['serve'], {
    ...env,
    PORT: String(port),
    // One address (the test) signs in once per start; the crash is what is tested, not the budgets.
    YIWANG_THROTTLE_SIGN_IN: '0',
  });
  const base = `http://127.0.0.1:${port}`;
  await waitForOk(`${base}/readyz`, process, 120_000);
  return { process, base };
}

export async function stopServer(server: Server, signal: 'SIGTERM' | 'SIGKILL' = 'SIGTERM'): Promise<void> {
  server.process.child.kill(signal);
  await server.process.exited;
}

/** The outcome of one burst: which keys were acknowledged (201 or 200) with which case number. */
export interface Burst {
  keys: string[];
  acknowledged: Map<string, string>;
  /** How many requests got each HTTP status (a request whose connection died has none). */
  statuses: Map<number, number>;
}

/**
 * Fires `count` concurrent submissions and calls `strike` once a random share of them (5–95 %) is acknowledged:
 * a moment with some cases written and others in flight. Resolves when every request has settled.
 */
export async function burst(
  server: Server,
  jar: Jar,
  file: UploadedFile,
  prefix: string,
  count: number,
  strike: () => void | Promise<void>,
): Promise<Burst> {
  const keys = Array.from({ length: count }, (_, i) => `${prefix}-${String(i).padStart(4, '0')}`);
  const acknowledged = new Map<string, string>();
  const statuses = new Map<number, number>();
  const threshold = Math.max(1, Math.floor(count * (0.05 + Math.random() * 0.9)));
  let struck = false;
  const requests = keys.map((key, i) =>
    submit(server.base, jar, key, i, file)
      .then(async (res) => {
        statuses.set(res.status, (statuses.get(res.status) ?? 0) + 1);
        if (res.status === 201 || res.status === 200) acknowledged.set(key, (await res.json()).number);
        else await res.body?.cancel();
      })
      .catch(() => undefined) // the connection died with the server: not acknowledged
      .finally(async () => {
        if (!struck && acknowledged.size >= threshold) {
          struck = true;
          await strike();
        }
      }),
  );
  await Promise.all(requests);
  if (!struck) {
    struck = true;
    await strike();
  }
  return { keys, acknowledged, statuses };
}

/**
 * Retries every key of a burst (as its client would, until it gets an answer) and checks that an acknowledged
 * submission gets its case back rather than a second one. Returns every key's case number.
 */
export async function retryAll(
  server: Server,
  jar: Jar,
  file: UploadedFile,
  { keys, acknowledged }: Burst,
): Promise<Map<string, string>> {
  const numbers = new Map<string, string>();
  const pending = [...keys.entries()];
  const worker = async () => {
    for (let next = pending.shift(); next; next = pending.shift()) {
      const [i, key] = next;
      for (let attempt = 1; ; attempt++) {
        const res = await submit(server.base, jar, key, i, file).catch(() => undefined);
        if (res && (res.status === 200 || res.status === 201)) {
          const body = (await res.json()) as { number: string };
          numbers.set(key, body.number);
          if (acknowledged.has(key)) {
            assert.equal(res.status, 200, `${key} was acknowledged: the retry replays it`);
            assert.equal(body.number, acknowledged.get(key), `${key} kept its case`);
          }
          break;
        }
        const status = res?.status ?? 'no answer';
        await res?.body?.cancel();
        // Only "not ready" (the database coming back) is worth waiting out; anything else is a failure.
        assert.ok(status === 503 || status === 'no answer', `${key}: ${status}`);
        assert.ok(attempt < 60, `${key}: still ${status} after ${attempt} attempts`);
        await new Promise((resolve) => setTimeout(resolve, 500));
      }
    }
  };
  await Promise.all(Array.from({ length: 20 }, worker));
  return numbers;
}

/** A SQL runner on the database a stopped (or still running, in server mode) platform used. */
export type Query = (text: string) => Promise<Record<string, unknown>[]>;

/**
 * What must hold after every crash: each submitted key names exactly one case, each case has a key (none
 * was written twice), and no case lacks the rows written with it (steps, timeline, audit record, outbox event).
 */
export async function assertNothingLostOrDoubled(query: Query, numbers: Map<string, string>): Promise<void> {
  const rows = await query(
    `select k.key, c.number from cases_submission_keys k join cases_cases c on c.id = k.case_id
      where k.key like 'crash-%'`,
  );
  const stored = new Map(rows.map((r) => [String(r.key), String(r.number)]));
  assert.equal(stored.size, numbers.size, 'one stored key for every submission');
  for (const [key, number] of numbers) assert.equal(stored.get(key), number, `${key}: its one case`);
  const [cases] = await query(`select count(*)::int as n from cases_cases where service_code = '${SERVICE}'`);
  assert.equal(Number(cases?.n), numbers.size, 'no case without its key: none doubled');
  const partial = await query(
    `select c.number,
            exists (select 1 from cases_tasks t where t.case_id = c.id) as steps,
            exists (select 1 from cases_timeline l where l.case_id = c.id) as timeline,
            exists (select 1 from kernel_audit_records a
                     where a.object_id = c.id and a.action = 'cases.case.submitted') as audit,
            exists (select 1 from kernel_outbox_events e
                     where e.name = 'cases.case.submitted' and e.payload->>'caseId' = c.id) as event
       from cases_cases c
      where c.service_code = '${SERVICE}'`,
  );
  const incomplete = partial.filter((r) => !(r.steps && r.timeline && r.audit && r.event));
  assert.deepEqual(incomplete, [], 'no partial case');
}

/** `yiwang audit verify` on the same database: the chain of every record verifies. */
export async function assertAuditChainVerifies(env: Record<string, string>): Promise<void> {
  const result = await runYiwang(['audit', 'verify'], env);
  assert.equal(result.code, 0, `audit verify:\n${result.output}`);
}
