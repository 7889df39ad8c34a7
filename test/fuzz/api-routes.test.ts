import assert from 'node:assert/strict';
import { after, before, describe, it } from 'node:test';
import fc from 'fast-check';
import type { FastifyInstance } from 'fastify';
import type { Platform } from '../../src/app.ts';
import type { FormClient } from '../support/form-client.ts';
import { startTestPlatform } from '../support/platform.ts';
import { signInPerson, signInStaff } from '../support/staff-session.ts';

// Issue 7, fuzzing: fast-check drives every mutating route of the API — taken from the OpenAPI document, so a new
// route joins by being declared — with generated bodies (shaped by the route's own schema, or anything at all),
// headers and ids, as an anonymous caller, a citizen, a clerk and the administrator. No answer is a 5xx, and a
// refused request adds or removes no row anywhere (row counts of every table; an update in place would pass
// unseen) and audits no success (refusals themselves are audited on purpose, ASVS 7.1.3). FUZZ_RUNS sets the number of
// requests per route and caller: a few in CI, `npm run test:fuzz` (500) for the full run.

const RUNS = Number(process.env.FUZZ_RUNS ?? 12);
const SEED = process.env.FUZZ_SEED ? Number(process.env.FUZZ_SEED) : undefined;

type Schema = {
  $ref?: string;
  type?: string | string[];
  properties?: Record<string, Schema>;
  required?: string[];
  items?: Schema;
  enum?: unknown[];
  const?: unknown;
  anyOf?: Schema[];
  oneOf?: Schema[];
  allOf?: Schema[];
  nullable?: boolean;
  minimum?: number;
  maximum?: number;
  minLength?: number;
  maxLength?: number;
  format?: string;
};

interface Operation {
  method: 'POST' | 'PUT' | 'PATCH' | 'DELETE';
  path: string;
  body: Schema | undefined;
  contentTypes: string[];
}

// Strings a hostile client tries first: injections, separators, overlong and odd text.
const NASTY = [
  "' or '1'='1",
  "'; drop table cases_cases; --",
  '" onmouseover="alert(1)',
  '<script>alert(1)</script>',
  '../../../../etc/passwd',
  '%00',
  '\u0000',
  '𠀀𠀁',
  '١٢٣',
  'x'.repeat(5000),
  '{"$ne":null}',
  // biome-ignore lint/suspicious/noTemplateCurlyInString: a template-injection probe, sent as plain text
  '${7*7}',
  '-1',
  '1e309',
  '',
  ' ',
];

const nastyString = fc.oneof(
  fc.constantFrom(...NASTY),
  fc.string(),
  fc.string({ unit: 'grapheme', maxLength: 40 }),
);

/** Values shaped by a JSON schema, now and then wrong (missing, null, another type) to reach the refusals too. */
function fromSchema(schema: Schema, components: Record<string, Schema>, depth = 0): fc.Arbitrary<unknown> {
  if (schema.$ref) {
    const name = schema.$ref.replace('#/components/schemas/', '');
    return fromSchema(components[name] ?? {}, components, depth);
  }
  const wrong = fc.oneof(fc.constant(null), nastyString, fc.integer(), fc.boolean(), fc.constant({}));
  const right = (): fc.Arbitrary<unknown> => {
    if (depth > 5) return fc.constant(null);
    if (schema.const !== undefined) return fc.constant(schema.const);
    if (schema.enum) return fc.constantFrom(...schema.enum);
    const variants = schema.anyOf ?? schema.oneOf;
    if (variants?.length) return fc.oneof(...variants.map((v) => fromSchema(v, components, depth + 1)));
    if (schema.allOf?.length) return fromSchema(schema.allOf[0] as Schema, components, depth + 1);
    const type = Array.isArray(schema.type) ? schema.type[0] : schema.type;
    switch (type) {
      case 'object': {
        const properties = schema.properties ?? {};
        const shape = Object.fromEntries(
          Object.entries(properties).map(([key, value]) => [key, fromSchema(value, components, depth + 1)]),
        );
        return fc.record(shape, { requiredKeys: schema.required?.filter((k) => k in properties) ?? [] });
      }
      case 'array':
        return fc.array(fromSchema(schema.items ?? {}, components, depth + 1), { maxLength: 4 });
      case 'string':
        if (schema.format === 'date')
          return fc.constantFrom('2026-12-01', '2027-02-30', '1900-01-01', 'tomorrow');
        return fc.oneof(
          fc.string({ minLength: schema.minLength ?? 0, maxLength: Math.min(schema.maxLength ?? 40, 200) }),
          nastyString,
        );
      case 'integer':
        return fc.integer({ min: schema.minimum ?? -1_000_000, max: schema.maximum ?? 1_000_000 });
      case 'number':
        return fc.double({ noNaN: true });
      case 'boolean':
        return fc.boolean();
      default:
        return fc.jsonValue({ maxDepth: 2 });
    }
  };
  return fc.oneof({ arbitrary: right(), weight: 19 }, { arbitrary: wrong, weight: 1 });
}

/** The mutating operations the platform's OpenAPI document declares. */
function mutatingOperations(document: {
  paths: Record<string, Record<string, { requestBody?: { content?: Record<string, { schema?: Schema }> } }>>;
}): Operation[] {
  const operations: Operation[] = [];
  for (const [path, methods] of Object.entries(document.paths)) {
    for (const [method, operation] of Object.entries(methods)) {
      const upper = method.toUpperCase();
      if (!['POST', 'PUT', 'PATCH', 'DELETE'].includes(upper)) continue;
      const content = operation.requestBody?.content ?? {};
      const contentTypes = Object.keys(content);
      operations.push({
        method: upper as Operation['method'],
        path,
        body: contentTypes[0] ? content[contentTypes[0]]?.schema : undefined,
        contentTypes,
      });
    }
  }
  return operations;
}

describe('fuzzing every mutating API route', () => {
  let platform: Platform;
  let app: FastifyInstance;
  const callers: Record<string, FormClient | undefined> = { anonymous: undefined };
  const knownIds: string[] = [];
  let tables: string[] = [];

  before(async () => {
    platform = await startTestPlatform();
    app = platform.app as FastifyInstance;
    callers.citizen = await signInPerson(app, 'zhangwei', '198.51.100.171');
    callers.clerk = await signInStaff(app, 'liuyang', '198.51.100.172');
    callers.administrator = await signInStaff(app, 'machao', '198.51.100.173');
    const rows = async (text: string) => (await platform.database.executeSql(text)).rows;
    // Real ids, so generated requests also reach the code behind the "not found" checks.
    for (const text of [
      'select id as v from cases_cases limit 3',
      'select number as v from cases_cases limit 3',
      "select id as v from cases_tasks where state = 'open' limit 3",
      'select number as v from certificates_certificates limit 3',
      'select code as v from certificates_types limit 3',
      'select id as v from cases_process_definitions limit 3',
      "select code as v from catalogue_items where code in ('ZWFW-0101', 'SJ-0201', 'CG-0101')",
    ]) {
      for (const row of await rows(text)) knownIds.push(String(row.v));
    }
    tables = (
      await rows(
        "select table_name as t from information_schema.tables where table_schema = 'public' and table_type = 'BASE TABLE' order by 1",
      )
    ).map((r) => String(r.t));
  });
  after(() => platform.close());

  const AUDIT_TABLES = new Set([
    'kernel_audit_records',
    'kernel_audit_lookup',
    'kernel_audit_blocks',
    'kernel_audit_head',
  ]);

  /** Row counts of every table but the audit log's, and the audit log's last record number. */
  async function snapshot(): Promise<{ counts: Record<string, number>; lastAudit: number }> {
    const counted = tables.filter((t) => !AUDIT_TABLES.has(t));
    const query = counted
      .map((t) => `select '${t}' as t, count(*)::int as n from "${t}"`)
      .join(' union all ');
    const { rows } = await platform.database.executeSql(query);
    const [last] = (
      await platform.database.executeSql('select coalesce(max(seq), 0)::int as s from kernel_audit_records')
    ).rows;
    return {
      counts: Object.fromEntries(rows.map((r) => [String(r.t), Number(r.n)])),
      lastAudit: Number(last?.s),
    };
  }

  it('refuses a NUL character anywhere (which PostgreSQL text cannot hold) with 400 naming where', async () => {
    const citizen = callers.citizen as FormClient;
    const probes = [
      { method: 'POST' as const, url: '/api/v1/cases/%00/withdraw', payload: {} },
      {
        method: 'POST' as const,
        url: '/api/v1/cases',
        payload: { serviceCode: 'SJ-0201', answers: { 'a\u0000': 1 } },
      },
      { method: 'POST' as const, url: '/api/v1/certificates/verify', payload: { number: 'JY\u0000' } },
    ];
    for (const probe of probes) {
      const before = await snapshot();
      const res = await app.inject({
        ...probe,
        cookies: citizen.cookies,
        headers: { 'accept-language': 'en' },
      });
      assert.equal(res.statusCode, 400, `${probe.url}: ${res.body}`);
      assert.equal(res.json().code, 'KERNEL_ERR_NUL_CHARACTER');
      assert.match(res.json().title, /null character \(U\+0000\)/);
      assert.deepEqual((await snapshot()).counts, before.counts);
    }
    const page = await app.inject({ url: '/search?q=%00', headers: { 'accept-language': 'en' } });
    assert.equal(page.statusCode, 400);
    assert.match(page.body, /空字符|null character/);
  });

  it('answers every generated request below 500, and a refused one adds or removes no row', async (t) => {
    const document = app.swagger() as unknown as Parameters<typeof mutatingOperations>[0] & {
      components?: { schemas?: Record<string, Schema> };
    };
    const components = document.components?.schemas ?? {};
    const operations = mutatingOperations(document);
    assert.ok(operations.length >= 15, `found ${operations.length} mutating routes`);

    const idArbitrary = fc.oneof(fc.constantFrom(...knownIds), nastyString, fc.uuid());
    let requests = 0;
    const statuses = new Map<number, number>();
    for (const operation of operations) {
      const body = operation.body
        ? fc.oneof(
            { arbitrary: fromSchema(operation.body, components), weight: 4 },
            { arbitrary: fc.jsonValue({ maxDepth: 3 }), weight: 1 },
          )
        : fc.option(fc.jsonValue({ maxDepth: 2 }), { nil: undefined });
      const request = fc.record({
        caller: fc.constantFrom(...Object.keys(callers)),
        ids: fc.array(idArbitrary, { minLength: 3, maxLength: 3 }),
        body,
        raw: fc.option(nastyString, { nil: undefined, freq: 6 }),
        contentType: fc.oneof(
          { arbitrary: fc.constant(operation.contentTypes[0] ?? 'application/json'), weight: 6 },
          {
            arbitrary: fc.constantFrom(
              'text/plain',
              'application/x-www-form-urlencoded',
              'application/xml',
              'multipart/form-data; boundary=x',
              'application/json; charset=latin1',
            ),
            weight: 1,
          },
        ),
        idempotencyKey: fc.option(nastyString, { nil: undefined }),
        language: fc.constantFrom('zh-CN', 'en', 'fr', '*', 'en;q=abc'),
      });
      await fc.assert(
        fc.asyncProperty(request, async (r) => {
          let i = 0;
          const url = operation.path.replace(/\{[^}]+\}/g, () => encodeURIComponent(r.ids[i++] ?? 'x'));
          const payload =
            r.raw !== undefined ? r.raw : r.body === undefined ? undefined : JSON.stringify(r.body);
          const headers: Record<string, string> = { 'accept-language': r.language };
          if (payload !== undefined) headers['content-type'] = r.contentType;
          if (r.idempotencyKey !== undefined) headers['idempotency-key'] = r.idempotencyKey.slice(0, 200);
          const before = await snapshot();
          const res = await app.inject({
            method: operation.method,
            url,
            headers,
            cookies: callers[r.caller]?.cookies ?? {},
            remoteAddress: '203.0.113.200',
            ...(payload !== undefined ? { payload } : {}),
          });
          requests++;
          statuses.set(res.statusCode, (statuses.get(res.statusCode) ?? 0) + 1);
          const what = `${operation.method} ${url} as ${r.caller}`;
          assert.ok(res.statusCode < 500, `${what}: ${res.statusCode} ${res.body.slice(0, 500)}`);
          if (res.statusCode >= 400) {
            const after = await snapshot();
            assert.deepEqual(
              after.counts,
              before.counts,
              `${what} was refused (${res.statusCode}) but wrote`,
            );
            const { rows } = await platform.database.executeSql(
              `select action, outcome from kernel_audit_records where seq > ${before.lastAudit} and outcome = 'success'`,
            );
            assert.deepEqual(rows, [], `${what} was refused (${res.statusCode}) but audited a success`);
          }
        }),
        { numRuns: RUNS * Object.keys(callers).length, ...(SEED !== undefined ? { seed: SEED } : {}) },
      );
    }
    assert.ok(requests >= operations.length * RUNS, `${requests} requests`);
    const tally = [...statuses].sort(([a], [b]) => a - b).map(([status, n]) => `${status}: ${n}`);
    t.diagnostic(`${requests} requests to ${operations.length} routes; answers ${tally.join(', ')}`);
  });
});
