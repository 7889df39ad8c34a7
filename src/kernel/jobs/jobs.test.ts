import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { type Database, openDatabase } from '../db/database.ts';
import { createJobs, type JobData } from './jobs.ts';

const pgDatabase = <T>(list: T[]): T => {
  const [first] = list;
  if (!first) throw new Error('no database');
  return first;
};

describe('jobs kernel', () => {
  it('runs a job on the embedded database, sharing its one connection', async () => {
    const database = await openDatabase({ mode: 'memory' });
    const jobs = createJobs(database, { work: true });
    const received: JobData[] = [];
    jobs.define('mail.send', async (data) => {
      received.push(data);
    });
    await jobs.start();
    try {
      await jobs.send('mail.send', { to: 'zhangwei@example.test' });
      const deadline = Date.now() + 15_000;
      while (received.length === 0 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 50));
      assert.deepEqual(received, [{ to: 'zhangwei@example.test' }]);
    } finally {
      await jobs.stop();
      await database.close();
    }
  });

  it('gives a batch queue its waiting jobs together; one that failed is retried alone', async () => {
    const database = await openDatabase({ mode: 'memory' });
    const jobs = createJobs(database, { work: false });
    const worker = createJobs(database, { work: true });
    const batches: string[][] = [];
    for (const kernel of [jobs, worker])
      kernel.defineBatch(
        'event.batch',
        async (batch) => {
          batches.push(batch.map((job) => String(job.data.n)));
          const firstTry = batches.length === 1;
          return batch
            .filter((job) => firstTry && job.data.n === 2)
            .map((job) => ({ id: job.id, error: new Error('temporary failure') }));
        },
        { retryDelaySeconds: 1 },
      );
    await jobs.start();
    try {
      // All five wait in the queue before the worker starts, so its first fetch takes them together.
      await jobs.sendMany([1, 2, 3, 4, 5].map((n) => ({ name: 'event.batch', data: { n } })));
      await worker.start();
      const deadline = Date.now() + 20_000;
      const states = async () =>
        (
          await database.executeSql(
            `select data->>'n' as n, state, retry_count from pgboss.job where name = 'event.batch' order by 1`,
          )
        ).rows as { n: string; state: string; retry_count: number }[];
      while ((await states()).some((r) => r.state !== 'completed') && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(await states(), [
        { n: '1', state: 'completed', retry_count: 0 },
        { n: '2', state: 'completed', retry_count: 1 },
        { n: '3', state: 'completed', retry_count: 0 },
        { n: '4', state: 'completed', retry_count: 0 },
        { n: '5', state: 'completed', retry_count: 0 },
      ]);
      // One fetch of all five (the queue's order within one insert is its random ids'), then the retry alone.
      assert.equal(batches.length, 2);
      assert.deepEqual(batches[0]?.slice().sort(), ['1', '2', '3', '4', '5']);
      assert.deepEqual(batches[1], ['2']);
    } finally {
      await worker.stop();
      await jobs.stop();
      await database.close();
    }
  });

  it('retries a job of a queue defined with define that failed, and completes the others', async () => {
    const database = await openDatabase({ mode: 'memory' });
    const jobs = createJobs(database, { work: true });
    const runs: number[] = [];
    jobs.define(
      'mail.send',
      async (data) => {
        runs.push(Number(data.n));
        if (data.n === 2 && runs.filter((n) => n === 2).length === 1) throw new Error('temporary failure');
      },
      { retryDelaySeconds: 1 },
    );
    await jobs.start();
    try {
      await jobs.sendMany([1, 2, 3].map((n) => ({ name: 'mail.send', data: { n } })));
      const deadline = Date.now() + 20_000;
      while (runs.length < 4 && Date.now() < deadline) await new Promise((r) => setTimeout(r, 100));
      assert.deepEqual(runs.slice().sort(), [1, 2, 2, 3]);
      const { rows } = await database.executeSql(
        `select count(*)::int as n from pgboss.job where name = 'mail.send' and state = 'completed'`,
      );
      assert.equal(rows[0]?.n, 3);
    } finally {
      await jobs.stop();
      await database.close();
    }
  });

  async function sendsManyInOneTransaction(database: Database) {
    const jobs = createJobs(database, { work: false });
    jobs.define('event.one', async () => {});
    jobs.define('event.two', async () => {}, { retryLimit: 7, retryDelaySeconds: 3 });
    await jobs.start();
    try {
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await jobs.sendMany([{ name: 'event.one', data: { eventId: 'rolled-back' } }], { tx });
          throw new Error('the change failed');
        }),
      );
      await assert.rejects(
        jobs.sendMany([
          { name: 'event.one', data: { eventId: 'a' } },
          { name: 'event.never-defined', data: { eventId: 'b' } },
        ]),
        /event\.never-defined is not defined/,
      );
      await database.db.transaction((tx) =>
        jobs.sendMany(
          [
            { name: 'event.one', data: { eventId: 'e1', text: `'; drop table pgboss.job; --` } },
            { name: 'event.two', data: { eventId: 'e1' } },
            { name: 'event.one', data: { eventId: 'e2' } },
          ],
          { tx },
        ),
      );
      await jobs.sendMany([]);
      const { rows } = await database.executeSql(
        `select name, data, retry_limit, retry_delay, retry_backoff, state from pgboss.job
          where name like 'event.%' order by name, data->>'eventId'`,
      );
      assert.deepEqual(rows, [
        {
          name: 'event.one',
          data: { eventId: 'e1', text: `'; drop table pgboss.job; --` },
          retry_limit: 5,
          retry_delay: 5,
          retry_backoff: true,
          state: 'created',
        },
        {
          name: 'event.one',
          data: { eventId: 'e2' },
          retry_limit: 5,
          retry_delay: 5,
          retry_backoff: true,
          state: 'created',
        },
        {
          name: 'event.two',
          data: { eventId: 'e1' },
          retry_limit: 7,
          retry_delay: 3,
          retry_backoff: true,
          state: 'created',
        },
      ]);
    } finally {
      await jobs.stop();
      await database.close();
    }
  }

  it('enqueues several jobs of several queues in one transaction, or none, on the embedded database', async () => {
    await sendsManyInOneTransaction(await openDatabase({ mode: 'memory' }));
  });

  it('enqueues several jobs the same way on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    try {
      await sendsManyInOneTransaction(await openDatabase({ mode: 'server', url: pg.url }));
    } finally {
      await pg.drop();
    }
  });

  it('installs its schema once when several instances start together on PostgreSQL', async (t) => {
    if (!(await needPostgres(t))) return;
    const pg = await createTestPostgresDatabase();
    const databases = await Promise.all(
      [1, 2, 3, 4].map(() => openDatabase({ mode: 'server', url: pg.url, poolSize: 1 })),
    );
    const instances = databases.map((database) => {
      const jobs = createJobs(database, { work: false });
      // Queues are created at start too, and collided (a deadlock) before that was serialised.
      for (const name of ['mail.send', 'event.one', 'event.two']) jobs.define(name, async () => {});
      return jobs;
    });
    try {
      await Promise.all(instances.map((jobs) => jobs.start()));
      const { rows } = await pgDatabase(databases).executeSql(
        'select count(*)::int as n from pgboss.version',
      );
      assert.equal(rows[0]?.n, 1, 'one schema, installed once');
    } finally {
      await Promise.all(instances.map((jobs) => jobs.stop()));
      await Promise.all(databases.map((d) => d.close()));
      await pg.drop();
    }
  });
});
