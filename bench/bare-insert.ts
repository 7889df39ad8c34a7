// The baseline of `bench/cases.ts`: a bare Fastify route doing one `INSERT … RETURNING` per request into a scratch
// table, on the PostgreSQL database the platform uses, through a pg Pool as large as the platform's. Nothing else:
// no session, no validation beyond JSON parsing, no audit record. What a submission is compared with.
import Fastify from 'fastify';
import pg from 'pg';

const port = Number(process.env.PORT ?? 3002);
const url = process.env.DATABASE_URL;
if (!url) throw new Error('DATABASE_URL is required');
const pool = new pg.Pool({
  connectionString: url,
  max: Number(process.env.POOL_SIZE ?? 10),
  application_name: 'bench-bare-insert',
});
pool.on('error', () => {});
// The key people send is the row's key, as a submission's idempotency key is; the body is stored as JSON.
await pool.query(
  `create table if not exists bench_bare_insert (
     id text primary key,
     body jsonb not null,
     created_at timestamptz not null default now()
   )`,
);

const app = Fastify({ logger: false });
app.get('/healthz', async () => ({ ok: true }));
app.post('/insert', async (request, reply) => {
  const key = request.headers['idempotency-key'];
  if (typeof key !== 'string' || key === '') return reply.code(400).send({ error: 'Idempotency-Key' });
  const result = await pool.query<{ id: string; created_at: Date }>({
    name: 'bare-insert',
    text: 'insert into bench_bare_insert (id, body) values ($1, $2) returning id, created_at',
    values: [key, JSON.stringify(request.body)],
  });
  return reply.code(201).send(result.rows[0]);
});
app.get('/count', async () => {
  const result = await pool.query<{ n: string }>('select count(*) as n from bench_bare_insert');
  return { rows: Number(result.rows[0]?.n ?? 0) };
});

const stop = () => {
  app
    .close()
    .then(() => pool.end())
    .then(
      () => process.exit(0),
      () => process.exit(1),
    );
};
process.on('SIGTERM', stop);
process.on('SIGINT', stop);

await app.listen({ port, host: '127.0.0.1' });
