import { type SQL, sql } from 'drizzle-orm';
import pg from 'pg';
import PgBoss from 'pg-boss';
import { type Database, type Db, queryRows } from '../db/database.ts';

/** A job's data is plain JSON. */
export type JobData = Record<string, unknown>;
export type JobHandler = (data: JobData, job: { id: string; name: string }) => Promise<void>;
/**
 * Handles every job of one fetch at once and settles each: it resolves with the jobs that failed (and why), and
 * the others complete. For work that is cheaper together (the event bus delivers a batch in one transaction).
 */
export type BatchJobHandler = (
  jobs: { id: string; name: string; data: JobData }[],
) => Promise<{ id: string; error: unknown }[]>;
type JobOptions = { retryLimit?: number; retryDelaySeconds?: number };

/** The jobs kernel: pg-boss on the platform's own database, so a job can be enqueued in the business transaction. */
export interface Jobs {
  /**
   * Declares a queue and, when this process works on jobs, the handler for it (one job per fetch). Call before
   * `start`.
   */
  define(name: string, handler: JobHandler, options?: JobOptions): void;
  /**
   * As `define`, with a handler given up to WORK_BATCH jobs of one fetch together (in no set order). All of them are
   * this process's until settled: they share one expiry, and a shutdown that times out fails (and charges a retry to)
   * those not yet tried, so a queue whose jobs are slow or few retries keeps to `define`.
   */
  defineBatch(name: string, handler: BatchJobHandler, options?: JobOptions): void;
  /**
   * Enqueues a job. Pass the open transaction as `tx` to enqueue it as part of that transaction (it exists only if
   * the transaction commits). Inside a transaction, `tx` is required: on the embedded database a send outside it
   * would wait for the transaction's own connection for ever.
   */
  send(
    name: string,
    data: JobData,
    options?: { tx?: Db; startAfterSeconds?: number },
  ): Promise<string | null>;
  /**
   * Enqueues several jobs, of any queues, in ONE statement (pg-boss's `insert`): what a dispatcher handing a batch
   * of events to their subscribers needs, where a statement per job was the largest cost after the submission
   * itself. `tx` as for `send`; a job whose queue was never defined is refused before anything is written.
   */
  sendMany(jobs: { name: string; data: JobData }[], options?: { tx?: Db }): Promise<void>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly working: boolean;
}

/** JSON-encodes objects and arrays, so Drizzle passes them as one parameter (it would expand an array into a list). */
function toParameter(value: unknown): unknown {
  if (value === null || value === undefined || value instanceof Date || Buffer.isBuffer(value))
    return value ?? null;
  return typeof value === 'object' ? JSON.stringify(value) : value;
}

/**
 * pg-boss's `db` contract (`executeSql(text, values)` with `$1` placeholders) on a Drizzle transaction, so a job can
 * be enqueued atomically with the change that causes it, on PGlite and on PostgreSQL alike.
 */
export function transactionExecutor(tx: Db): {
  executeSql(text: string, values?: unknown[]): Promise<{ rows: unknown[] }>;
} {
  return {
    async executeSql(text, values = []) {
      // "a $1 b $2" → ['a ', '1', ' b ', '2', '']: text at even positions, parameter numbers at odd ones.
      const parts = text.split(/\$(\d+)/);
      const chunks: SQL[] = parts.map((part, i) =>
        i % 2 === 0 ? sql.raw(part) : sql`${toParameter(values[Number(part) - 1])}`,
      );
      return { rows: await queryRows(tx, sql.join(chunks)) };
    },
  };
}

/**
 * Runs pg-boss's start and queue creation one instance at a time: its own advisory lock does not stop instances
 * starting together on one PostgreSQL from colliding. The embedded database has one process: nothing to serialise.
 */
async function startSerialised(database: Database, start: () => Promise<unknown>): Promise<void> {
  if (!database.pool) {
    await start();
    return;
  }
  // A connection of its own, outside the pool: pg-boss needs the pool's connections while the lock is held.
  const client = new pg.Client(database.pool.options);
  await client.connect();
  try {
    await client.query('select pg_advisory_lock(7310023)');
    await start();
  } finally {
    await client.end().catch(() => {});
  }
}

/** How many jobs of a batch queue (`defineBatch`) a worker takes at a time. */
const WORK_BATCH = 20;

/** Creates the jobs kernel; `work` false makes a process that only enqueues (a web instance in server mode). */
export function createJobs(
  database: Database,
  options: { work: boolean; onError?: (error: Error) => void },
): Jobs {
  const boss = new PgBoss({
    // The embedded database has one connection: pg-boss must share it rather than open its own pool.
    db: { executeSql: (text: string, values: unknown[]) => database.executeSql(text, values) },
    supervise: options.work,
    schedule: options.work,
    migrate: true,
  });
  boss.on('error', (error: Error) => options.onError?.(error));
  const definitions = new Map<
    string,
    { run: BatchJobHandler; batchSize: number; retryLimit: number; retryDelaySeconds: number }
  >();
  let started = false;
  const declare = (name: string, run: BatchJobHandler, batchSize: number, opts: JobOptions) => {
    if (started) throw new Error(`Job queue ${name} defined after start.`);
    definitions.set(name, {
      run,
      batchSize,
      retryLimit: opts.retryLimit ?? 5,
      retryDelaySeconds: opts.retryDelaySeconds ?? 5,
    });
  };

  return {
    get working() {
      return options.work;
    },
    define(name, handler, opts = {}) {
      // One job per fetch, as pg-boss does by default.
      declare(
        name,
        async (jobs) => {
          const failed: { id: string; error: unknown }[] = [];
          for (const job of jobs) {
            try {
              await handler(job.data, { id: job.id, name: job.name });
            } catch (error) {
              failed.push({ id: job.id, error });
            }
          }
          return failed;
        },
        1,
        opts,
      );
    },
    defineBatch(name, handler, opts = {}) {
      declare(name, handler, WORK_BATCH, opts);
    },
    async send(name, data, opts = {}) {
      const definition = definitions.get(name);
      return boss.send(name, data, {
        ...(opts.tx ? { db: transactionExecutor(opts.tx) } : {}),
        // As an instant, not a number of seconds: pg-boss's insert reads its start-after parameter both as text and as
        // a timestamp, and in a transaction each use is a parameter of its own, so "60" would be refused as a time.
        startAfter:
          opts.startAfterSeconds === undefined
            ? undefined
            : new Date(Date.now() + opts.startAfterSeconds * 1000),
        retryLimit: definition?.retryLimit,
        retryDelay: definition?.retryDelaySeconds,
        retryBackoff: true,
      });
    },
    async sendMany(jobs, opts = {}) {
      if (jobs.length === 0) return;
      const rows = jobs.map(({ name, data }) => {
        const definition = definitions.get(name);
        // pg-boss's insert joins each job to its queue and drops, silently, one whose queue does not exist.
        if (!definition) throw new Error(`Job queue ${name} is not defined.`);
        return {
          name,
          data,
          retryLimit: definition.retryLimit,
          retryDelay: definition.retryDelaySeconds,
          retryBackoff: true,
        };
      });
      await boss.insert(rows, opts.tx ? { db: transactionExecutor(opts.tx) } : {});
    },
    async start() {
      // Installing the schema and creating queues (which adds partitions) both collide when instances start
      // together (seen: duplicate pg_namespace key, then a deadlock in createQueue), so both go under the lock.
      await startSerialised(database, async () => {
        await boss.start();
        for (const name of definitions.keys()) await boss.createQueue(name);
      });
      started = true;
      for (const [name, definition] of definitions) {
        if (options.work) {
          // A batch queue takes up to WORK_BATCH jobs per fetch: pg-boss fetches and completes them in one statement
          // each, where one job at a time cost two statements per job. The jobs that failed are failed alone, at
          // once (each retried by its own settings); pg-boss then completes those of the fetch still active. If a
          // failure cannot be recorded, the whole fetch is failed instead (its handled jobs run again, which their
          // handlers allow), so that pg-boss never completes a job that failed.
          await boss.work<JobData>(
            name,
            { pollingIntervalSeconds: 1, batchSize: definition.batchSize },
            async (jobs) => {
              const failed = await definition.run(
                jobs.map((job) => ({ id: job.id, name: job.name, data: job.data })),
              );
              let unrecorded: unknown;
              for (const { id, error } of failed) {
                await boss.fail(name, id, error as object).catch((e: unknown) => {
                  unrecorded = e;
                });
              }
              if (unrecorded !== undefined) throw unrecorded;
            },
          );
        }
      }
    },
    async stop() {
      if (!started) return;
      started = false;
      await boss.stop({ graceful: true, wait: true, timeout: 10_000 });
    },
  };
}
