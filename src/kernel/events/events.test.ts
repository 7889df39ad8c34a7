import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { count, eq, sql } from 'drizzle-orm';
import { createTestPostgresDatabase, needPostgres } from '../../../test/support/environment.ts';
import { type Database, openDatabase, queryRows } from '../db/database.ts';
import { migrate } from '../db/migrations.ts';
import { createJobs } from '../jobs/jobs.ts';
import { outboxEvents } from './events.tables.ts';
import { type DomainEvent, EventBus, publishEvent } from './events.ts';

async function freshDatabase(): Promise<Database> {
  const database = await openDatabase({ mode: 'memory' });
  await migrate(database.db);
  return database;
}

async function waitFor(condition: () => boolean, timeoutMs = 15_000): Promise<void> {
  const deadline = Date.now() + timeoutMs;
  while (!condition()) {
    if (Date.now() > deadline) throw new Error('timed out waiting for the condition');
    await new Promise((resolve) => setTimeout(resolve, 50));
  }
}

/** A scenario on a fresh embedded database, and again on a fresh PostgreSQL database when the suite has one. */
function onBothEngines(
  title: string,
  postgresTitle: string,
  scenario: (database: Database) => Promise<void>,
) {
  it(title, async () => {
    await scenario(await freshDatabase());
  });
  it(postgresTitle, async (t) => {
    if (!(await needPostgres(t))) return;
    const pgDb = await createTestPostgresDatabase();
    try {
      const database = await openDatabase({ mode: 'server', url: pgDb.url });
      await migrate(database.db);
      await scenario(database);
    } finally {
      await pgDb.drop();
    }
  });
}

describe('events kernel', () => {
  it('writes an event only if the transaction that reports it commits', async () => {
    const database = await freshDatabase();
    try {
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await publishEvent(tx, 'cases.case.approved', { caseId: 'case_1' });
          throw new Error('the change failed');
        }),
      );
      const [none] = await database.db.select({ n: count() }).from(outboxEvents);
      assert.equal(none?.n, 0);
      await database.db.transaction((tx) => publishEvent(tx, 'cases.case.approved', { caseId: 'case_2' }));
      const [one] = await database.db.select({ n: count() }).from(outboxEvents);
      assert.equal(one?.n, 1);
    } finally {
      await database.close();
    }
  });

  it('refuses event names that are not <module>.<entity>.<past-tense>', async () => {
    const database = await freshDatabase();
    try {
      await assert.rejects(publishEvent(database.db, 'CaseApproved', {}), RangeError);
    } finally {
      await database.close();
    }
  });

  async function deliversOnce(database: Database) {
    const jobs = createJobs(database, { work: true });
    const bus = new EventBus(database.db, jobs, { pollMs: 100 });
    const seen: { subscriber: string; event: DomainEvent }[] = [];
    bus.subscribe('analytics.approvals', 'cases.case.approved', async (_tx, event) => {
      seen.push({ subscriber: 'analytics.approvals', event });
    });
    bus.subscribe('certificates.issueOnApproval', 'cases.case.approved', async (_tx, event) => {
      seen.push({ subscriber: 'certificates.issueOnApproval', event });
    });
    bus.subscribe('other.unrelated', 'cases.case.rejected', async (_tx, event) => {
      seen.push({ subscriber: 'other.unrelated', event });
    });
    await jobs.start();
    bus.start();
    try {
      const id = await database.db.transaction((tx) =>
        publishEvent(tx, 'cases.case.approved', { caseId: 'case_9' }),
      );
      await waitFor(() => seen.length >= 2);
      assert.deepEqual(seen.map((s) => s.subscriber).sort(), [
        'analytics.approvals',
        'certificates.issueOnApproval',
      ]);
      assert.deepEqual(seen[0]?.event.payload, { caseId: 'case_9' });
      assert.equal(seen[0]?.event.id, id);
      // At-least-once transport: the same delivery again (a retried job) must not repeat the effect.
      assert.equal(await bus.deliver('analytics.approvals', id), 'duplicate');
      assert.equal(seen.length, 2);
    } finally {
      await bus.stop();
      await jobs.stop();
      await database.close();
    }
  }

  onBothEngines(
    'delivers through pg-boss jobs to every subscriber on PGlite, and a redelivery takes effect once',
    'delivers the same way on PostgreSQL',
    deliversOnce,
  );

  /**
   * Six events waiting when the worker starts, so its first fetch holds them all; the handler of the fourth fails
   * once. Together, in one transaction (three at a time here): that chunk rolls back and is delivered one by one, the
   * fourth failing alone until its retry. Each event's effect (an event the handler writes) exists exactly once.
   * The queue hands the six out in its own order (random ids), so which chunk holds the fourth varies.
   */
  async function deliversTogether(database: Database) {
    const jobs = createJobs(database, { work: true });
    const bus = new EventBus(database.db, jobs, { pollMs: 100, deliveriesPerTransaction: 3 });
    const calls: string[] = [];
    bus.subscribeBatch('analytics.approvals', 'cases.case.approved', async (tx, events) => {
      for (const event of events) {
        const n = String(event.payload.n);
        calls.push(n);
        const [row] = await queryRows<{ xid: string }>(tx, sql`select pg_current_xact_id()::text as xid`);
        await publishEvent(tx, 'analytics.approval.counted', { n, xid: row?.xid });
        if (n === '4' && calls.filter((c) => c === '4').length <= 2) throw new Error('temporary failure');
      }
    });
    await jobs.start();
    try {
      for (const n of [1, 2, 3, 4, 5, 6]) await publishEvent(database.db, 'cases.case.approved', { n });
      await bus.dispatchBatch();
      bus.start();
      const effects = async () =>
        (
          await database.db
            .select({ payload: outboxEvents.payload })
            .from(outboxEvents)
            .where(eq(outboxEvents.name, 'analytics.approval.counted'))
        ).map((r) => r.payload as { n: string; xid: string });
      const deadline = Date.now() + 20_000;
      while ((await effects()).length < 6 && Date.now() < deadline)
        await new Promise((r) => setTimeout(r, 100));
      const made = await effects();
      assert.deepEqual(made.map((e) => e.n).sort(), ['1', '2', '3', '4', '5', '6']);
      // The chunk without the fourth committed in one transaction; the fourth's effect in one of its own.
      const byTransaction = new Map<string, typeof made>();
      for (const e of made) byTransaction.set(e.xid, [...(byTransaction.get(e.xid) ?? []), e]);
      const xidOf4 = made.find((e) => e.n === '4')?.xid;
      assert.equal(byTransaction.get(xidOf4 ?? '')?.length, 1);
      assert.ok(
        [...byTransaction.values()].some((group) => group.length === 3),
        `three events handled in one transaction: ${JSON.stringify(made)}`,
      );
      const { rows } = await database.executeSql(
        `select count(*)::int as n from kernel_event_receipts where subscriber = 'analytics.approvals'`,
      );
      assert.equal(rows[0]?.n, 6);
      // The fourth: together with its chunk (rolled back), alone (failed), then its retry.
      assert.equal(calls.filter((c) => c === '4').length, 3);
      for (const n of ['1', '2', '3', '5', '6']) {
        const times = calls.filter((c) => c === n).length;
        assert.ok(times === 1 || times === 2, `event ${n} was handled ${times} times`);
      }
    } finally {
      await bus.stop();
      await jobs.stop();
      await database.close();
    }
  }

  onBothEngines(
    'delivers a batch of events in one transaction, and one that fails alone after the batch rolled back',
    'delivers a batch in one transaction the same way on PostgreSQL',
    deliversTogether,
  );

  it('gives a batch subscriber the events of one delivery together, in outbox order, and others one each', async () => {
    const database = await freshDatabase();
    const jobs = createJobs(database, { work: true });
    const bus = new EventBus(database.db, jobs, { pollMs: 100, deliveriesPerTransaction: 5 });
    const calls: string[][] = [];
    bus.subscribeBatch('analytics.approvals', 'cases.case.approved', async (_tx, events) => {
      calls.push(events.map((e) => e.id));
    });
    // A plain subscriber of the same events keeps a transaction per event, whatever deliveriesPerTransaction says.
    const transactions = new Set<string>();
    bus.subscribe('certificates.issueOnApproval', 'cases.case.approved', async (tx) => {
      const [row] = await queryRows<{ xid: string }>(tx, sql`select pg_current_xact_id()::text as xid`);
      transactions.add(row?.xid ?? '');
    });
    await jobs.start();
    try {
      const ids: string[] = [];
      for (const n of [1, 2, 3]) ids.push(await publishEvent(database.db, 'cases.case.approved', { n }));
      await bus.dispatchBatch();
      bus.start();
      await waitFor(() => calls.flat().length >= 3 && transactions.size >= 3);
      assert.deepEqual(calls, [[...ids].sort()]);
      assert.equal(transactions.size, 3);
    } finally {
      await bus.stop();
      await jobs.stop();
      await database.close();
    }
  });

  it('sends again an event whose job was lost, until the subscriber has handled it', async () => {
    const database = await freshDatabase();
    const jobs = createJobs(database, { work: true });
    const redelivered: string[] = [];
    const bus = new EventBus(database.db, jobs, {
      onRedelivery: (subscriber) => redelivered.push(subscriber),
    });
    const handled: string[] = [];
    bus.subscribe('analytics.approvals', 'cases.case.approved', async (_tx, event) => {
      handled.push(event.id);
    });
    await jobs.start();
    try {
      // An event dispatched 20 minutes ago whose job vanished (say, with a restore): no receipt, no job.
      const id = await publishEvent(database.db, 'cases.case.approved', {});
      await database.db
        .update(outboxEvents)
        .set({ dispatchedAt: sql`now() - interval '20 minutes'` })
        .where(eq(outboxEvents.id, id));
      assert.equal(await bus.redeliverUnhandled(), 1);
      assert.deepEqual(redelivered, ['analytics.approvals']);
      await waitFor(() => handled.length === 1);
      assert.deepEqual(handled, [id]);
      assert.equal(await bus.redeliverUnhandled({ olderThanMinutes: 0 }), 0, 'handled events are left alone');
    } finally {
      await jobs.stop();
      await database.close();
    }
  });

  it('enqueues a job only if the transaction that sends it commits', async () => {
    const database = await freshDatabase();
    const jobs = createJobs(database, { work: false });
    jobs.define('mail.send', async () => {});
    await jobs.start();
    try {
      await assert.rejects(
        database.db.transaction(async (tx) => {
          await jobs.send('mail.send', { to: 'a@example.test' }, { tx });
          throw new Error('the change failed');
        }),
      );
      await database.db.transaction((tx) => jobs.send('mail.send', { to: 'b@example.test' }, { tx }));
      const { rows } = await database.executeSql(`select data from pgboss.job where name = 'mail.send'`);
      assert.deepEqual(
        rows.map((r) => r.data),
        [{ to: 'b@example.test' }],
      );
    } finally {
      await jobs.stop();
      await database.close();
    }
  });

  it('rolls back a failed handler together with its receipt, so the retry runs it again', async () => {
    const database = await freshDatabase();
    const jobs = createJobs(database, { work: false });
    const bus = new EventBus(database.db, jobs);
    let attempts = 0;
    bus.subscribe('flaky.handler', 'cases.case.approved', async () => {
      attempts++;
      if (attempts === 1) throw new Error('temporary failure');
    });
    try {
      const id = await publishEvent(database.db, 'cases.case.approved', {});
      await assert.rejects(bus.deliver('flaky.handler', id), /temporary failure/);
      assert.equal(await bus.deliver('flaky.handler', id), 'handled');
      assert.equal(await bus.deliver('flaky.handler', id), 'duplicate');
      assert.equal(attempts, 2);
    } finally {
      await database.close();
    }
  });
});
