// The audit server of `bench/identity.ts`: one mutating route twice, with and without the platform's audit record.
// No product route can switch the audit off, so this benchmark-only server uses the kernel's real pieces: the
// database (embedded PGlite in BENCH_DATA_DIR, or PostgreSQL at DATABASE_URL), its migrations and the audit log.
import { sql } from 'drizzle-orm';
import { integer, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import Fastify, { type FastifyRequest } from 'fastify';
import { createAuditLog } from '../src/kernel/audit/audit.ts';
import { type Db, openDatabase } from '../src/kernel/db/database.ts';
import { migrate } from '../src/kernel/db/migrations.ts';
import { publishEvent } from '../src/kernel/events/events.ts';
import { newId } from '../src/kernel/ids.ts';

/** What both routes accept: a small application as a citizen would submit it. */
interface Submission {
  service: string;
  applicantId: string;
  amount: number;
  note: string;
}

/** The bench table (created with raw SQL below: it is no part of the platform's schema). */
const benchApplications = pgTable('bench_applications', {
  id: text('id').primaryKey(),
  service: text('service').notNull(),
  applicantId: text('applicant_id').notNull(),
  amount: integer('amount').notNull(),
  note: text('note').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull(),
});

const port = Number(process.env.PORT ?? 3002);
const secret = process.env.BENCH_SECRET ?? 'bench-only-secret-bench-only-secret-0000';
const url = process.env.DATABASE_URL;
const dataDir = process.env.BENCH_DATA_DIR;
if (!url && !dataDir) throw new Error('Set DATABASE_URL (server mode) or BENCH_DATA_DIR (embedded mode).');

const database = await openDatabase(
  url
    ? { mode: 'server', url, applicationName: 'yiwang-bench' }
    : { mode: 'embedded', dataDir: dataDir as string },
);
await migrate(database.db);
await database.db.execute(sql`create table if not exists bench_applications (
  id text primary key,
  service text not null,
  applicant_id text not null,
  amount integer not null,
  note text not null,
  created_at timestamptz not null
)`);
const audit = createAuditLog(secret);
// As in every working platform process, the sealer binds appended records into blocks every second (ADR 10):
// its cost is part of "audit on".
const sealer = audit.startSealer(database.db, {
  onError: (error) => process.stderr.write(`audit sealing failed: ${String(error)}\n`),
});

const bodySchema = {
  type: 'object',
  required: ['service', 'applicantId', 'amount', 'note'],
  additionalProperties: false,
  properties: {
    service: { type: 'string', maxLength: 64 },
    applicantId: { type: 'string', maxLength: 64 },
    amount: { type: 'integer', minimum: 0 },
    note: { type: 'string', maxLength: 500 },
  },
} as const;

/**
 * Submits one application in a transaction. `shape` 'platform' is a mutating route as the platform builds them
 * (docs/architecture.md §4): the change and its outbox event, plus with `audited` its audit record, all in one
 * transaction. 'bare' is the change alone: the least a mutating route can do, so the audit's relative cost is at
 * its highest.
 */
async function submit(
  request: FastifyRequest,
  shape: 'platform' | 'bare',
  audited: boolean,
): Promise<{ id: string }> {
  const input = request.body as Submission;
  const id = newId('app');
  await database.db.transaction(async (tx: Db) => {
    await tx.insert(benchApplications).values({ id, ...input, createdAt: new Date() });
    if (shape === 'platform') {
      await publishEvent(tx, 'bench.application.submitted', { applicationId: id, service: input.service });
    }
    if (audited) {
      await audit.record(tx, {
        actor: { id: input.applicantId, kind: 'person' },
        action: 'bench.application.submitted',
        object: { type: 'application', id },
        subjectId: input.applicantId,
        request: {
          clientAddress: request.ip,
          userAgent: request.headers['user-agent'],
          requestId: String(request.id),
        },
        details: { service: input.service, amount: input.amount },
      });
    }
  });
  return { id };
}

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ status: 'ok', mode: database.mode }));
for (const [path, shape, audited] of [
  ['/with-audit', 'platform', true],
  ['/without-audit', 'platform', false],
  ['/bare/with-audit', 'bare', true],
  ['/bare/without-audit', 'bare', false],
] as const) {
  app.post(path, { schema: { body: bodySchema } }, async (request, reply) =>
    reply.status(201).send(await submit(request, shape, audited)),
  );
}
/** Rows written, for the orchestrator's check that every acknowledged request left one (and one audit record). */
app.get('/counts', async () => {
  const [row] = (
    await database.executeSql(
      'select (select count(*) from bench_applications)::int as applications, ' +
        '(select count(*) from kernel_audit_records)::int as audit_records',
    )
  ).rows;
  return row;
});

const stop = () => {
  app
    .close()
    .then(() => sealer.stop())
    .then(() => database.close())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await app.listen({ port, host: '127.0.0.1' });
