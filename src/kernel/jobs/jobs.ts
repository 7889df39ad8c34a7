import PgBoss from 'pg-boss';
import type { Database } from '../db/database.ts';

/** A job's data is plain JSON. */
export type JobData = Record<string, unknown>;
export type JobHandler = (data: JobData, job: { id: string; name: string }) => Promise<void>;

/** The jobs kernel: pg-boss on the platform's own database, so jobs and business data share one backup and one truth. */
export interface Jobs {
  /** Declares a queue and, when this process works on jobs, the handler for it. Call before `start`. */
  define(
    name: string,
    handler: JobHandler,
    options?: { retryLimit?: number; retryDelaySeconds?: number },
  ): void;
  /** Enqueues a job. Never call inside an open transaction on the embedded database (one connection): publish an event instead. */
  send(
    name: string,
    data: JobData,
    options?: { singletonKey?: string; startAfterSeconds?: number },
  ): Promise<string | null>;
  start(): Promise<void>;
  stop(): Promise<void>;
  readonly working: boolean;
}

/**
 * Runs pg-boss's start (which installs or migrates its schema) one instance at a time. Its own advisory lock does
 * not stop two instances starting together on one PostgreSQL from colliding on `CREATE SCHEMA` (seen in CI:
 * duplicate key on pg_namespace). The embedded database has one process, so nothing to serialise there.
 */
async function startSerialised(database: Database, start: () => Promise<unknown>): Promise<void> {
  if (!database.pool) {
    await start();
    return;
  }
  const client = await database.pool.connect();
  try {
    await client.query('select pg_advisory_lock(7310023)');
    await start();
  } finally {
    await client.query('select pg_advisory_unlock(7310023)').catch(() => {});
    client.release();
  }
}

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
    { handler: JobHandler; retryLimit: number; retryDelaySeconds: number }
  >();
  let started = false;

  return {
    get working() {
      return options.work;
    },
    define(name, handler, opts = {}) {
      if (started) throw new Error(`Job queue ${name} defined after start.`);
      definitions.set(name, {
        handler,
        retryLimit: opts.retryLimit ?? 5,
        retryDelaySeconds: opts.retryDelaySeconds ?? 5,
      });
    },
    async send(name, data, opts = {}) {
      const definition = definitions.get(name);
      return boss.send(name, data, {
        singletonKey: opts.singletonKey,
        startAfter: opts.startAfterSeconds,
        retryLimit: definition?.retryLimit,
        retryDelay: definition?.retryDelaySeconds,
        retryBackoff: true,
      });
    },
    async start() {
      await startSerialised(database, () => boss.start());
      started = true;
      for (const [name, definition] of definitions) {
        await boss.createQueue(name);
        if (options.work) {
          await boss.work<JobData>(name, { pollingIntervalSeconds: 1 }, async (jobs) => {
            for (const job of jobs) await definition.handler(job.data, { id: job.id, name: job.name });
          });
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
