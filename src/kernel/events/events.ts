import { and, asc, eq, gt, inArray, isNull, lt, notExists, sql } from 'drizzle-orm';
import { rowsFor, type TableRows } from '../db/claimed-insert.ts';
import type { Db } from '../db/database.ts';
import { newId } from '../ids.ts';
import type { Jobs } from '../jobs/jobs.ts';
import { eventReceipts, outboxEvents } from './events.tables.ts';

/** A fact that happened, named `<module>.<entity>.<past-tense>` (`cases.case.approved`). */
export interface DomainEvent<P = Record<string, unknown>> {
  id: string;
  name: string;
  payload: P;
  occurredAt: Date;
}

/** Handles one event inside the transaction that also records its receipt; must tolerate being called again after a crash. */
export type EventHandler = (tx: Db, event: DomainEvent) => Promise<void>;
/** Handles several events (in outbox order) inside the transaction that records their receipts; as tolerant. */
export type EventBatchHandler = (tx: Db, events: DomainEvent[]) => Promise<void>;

const EVENT_NAME = /^[a-z][a-z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;

/**
 * Writes an event to the outbox. Call it with the transaction of the change it reports, so that
 * the change and the news of it commit together or not at all.
 */
export async function publishEvent(tx: Db, name: string, payload: Record<string, unknown>): Promise<string> {
  const row = eventRow(name, payload);
  await tx.insert(outboxEvents).values(row);
  return row.id;
}

/**
 * The outbox row `publishEvent` would write, for a caller that writes it in one statement with its change
 * (insertIfClaimed): like publishEvent, only ever together with the change it reports.
 */
export function eventRows(name: string, payload: Record<string, unknown>): TableRows<typeof outboxEvents> {
  return rowsFor(outboxEvents, [eventRow(name, payload)]);
}

function eventRow(name: string, payload: Record<string, unknown>) {
  if (!EVENT_NAME.test(name)) throw new RangeError(`Event names are <module>.<entity>.<past-tense>: ${name}`);
  return { id: newId('evt'), name, payload };
}

/** Writes several events of one name in one statement (a bulk change reporting each thing it changed). */
export async function publishEvents(
  tx: Db,
  name: string,
  payloads: readonly Record<string, unknown>[],
): Promise<string[]> {
  if (!EVENT_NAME.test(name)) throw new RangeError(`Event names are <module>.<entity>.<past-tense>: ${name}`);
  if (payloads.length === 0) return [];
  const rows = payloads.map((payload) => ({ id: newId('evt'), name, payload }));
  await tx.insert(outboxEvents).values(rows);
  return rows.map((r) => r.id);
}

interface Subscription {
  subscriber: string;
  eventName: string;
  handler: EventBatchHandler;
}

/** Records when events were (last) handed to the job queue. */
async function markDispatched(tx: Db, ids: string[]): Promise<void> {
  await tx.update(outboxEvents).set({ dispatchedAt: sql`now()` }).where(inArray(outboxEvents.id, ids));
}

const eventIdOf = (job: { data: Record<string, unknown> }) => String(job.data.eventId);

const eventOf = (row: typeof outboxEvents.$inferSelect): DomainEvent => ({
  id: row.id,
  name: row.name,
  payload: row.payload as Record<string, unknown>,
  occurredAt: row.occurredAt,
});

/** Which queue carries a subscriber's deliveries. */
const queueOf = (subscriber: string) => `event.${subscriber}`;

/**
 * The events kernel: modules subscribe by event name; a dispatcher moves outbox rows onto one pg-boss queue
 * per subscriber; the queue's worker runs the handler at least once, and the receipt makes its effect happen once.
 */
export class EventBus {
  private readonly subscriptions: Subscription[] = [];
  private timer: NodeJS.Timeout | undefined;
  private running: Promise<void> | undefined;
  private stopped = true;

  constructor(
    private readonly db: Db,
    private readonly jobs: Jobs,
    private readonly options: {
      pollMs?: number;
      batchSize?: number;
      onError?: (e: unknown) => void;
      /** Told when events are sent again to a subscriber that never handled them (worth an alert). */
      onRedelivery?: (subscriber: string, count: number) => void;
      /**
       * How many of a batch subscriber's events (`subscribeBatch`) one transaction may handle (1 by default). More
       * saves a transaction, a read and a receipt statement per event; but the transaction holds its connection that
       * much longer, which on the embedded database's one connection every request would wait for.
       */
      deliveriesPerTransaction?: number;
      /** Told when a batch delivered together failed and is delivered again one event at a time. */
      onBatchRolledBack?: (subscriber: string, count: number, error: unknown) => void;
    } = {},
  ) {}

  /**
   * Subscribes `subscriber` (unique, e.g. `analytics.caseCounts`) to an event name. Call before `start`. Each event
   * is handled in a transaction of its own.
   */
  subscribe(subscriber: string, eventName: string, handler: EventHandler): void {
    this.register(
      subscriber,
      eventName,
      async (tx, events) => {
        for (const event of events) await handler(tx, event);
      },
      false,
    );
  }

  /**
   * As `subscribe`, with a handler given every event that one transaction delivers (up to
   * `deliveriesPerTransaction`), so that it can read and write for all of them in a few statements. The batch may be
   * rolled back and then delivered one event at a time: the handler's effects must be all in the transaction (no
   * sequence number it would mind losing, no cache it clears before the commit).
   */
  subscribeBatch(subscriber: string, eventName: string, handler: EventBatchHandler): void {
    this.register(subscriber, eventName, handler, true);
  }

  private register(subscriber: string, eventName: string, handler: EventBatchHandler, together: boolean) {
    if (this.subscriptions.some((s) => s.subscriber === subscriber)) {
      throw new Error(`Subscriber ${subscriber} is already registered.`);
    }
    const subscription = { subscriber, eventName, handler };
    this.jobs.defineBatch(queueOf(subscriber), async (jobs) => {
      const size = together ? Math.max(1, this.options.deliveriesPerTransaction ?? 1) : 1;
      const failed: { id: string; error: unknown }[] = [];
      for (let i = 0; i < jobs.length; i += size) {
        const chunk = jobs.slice(i, i + size);
        if (chunk.length > 1 && (await this.deliverTogether(subscription, chunk.map(eventIdOf)))) continue;
        // One at a time (also after a batch failed as a whole): the event whose handler fails fails alone.
        for (const job of chunk) {
          try {
            await this.deliver(subscriber, eventIdOf(job));
          } catch (error) {
            failed.push({ id: job.id, error });
          }
        }
      }
      return failed;
    });
    // Only once its queue exists (defining it after start throws): the dispatcher sends to every subscription's queue.
    this.subscriptions.push(subscription);
  }

  /**
   * Handles several events of one subscriber in ONE transaction: their rows read together, their receipts written
   * together, then the handler with the new ones in the outbox's order. True when it committed; false when anything
   * failed, and then nothing of it stays and the caller delivers them one by one.
   */
  private async deliverTogether(subscription: Subscription, eventIds: string[]): Promise<boolean> {
    try {
      await this.db.transaction(async (tx) => {
        const rows = await tx
          .select()
          .from(outboxEvents)
          .where(inArray(outboxEvents.id, [...new Set(eventIds)]))
          .orderBy(asc(outboxEvents.id));
        if (rows.length === 0) return;
        const inserted = await tx
          .insert(eventReceipts)
          .values(rows.map((row) => ({ eventId: row.id, subscriber: subscription.subscriber })))
          .onConflictDoNothing()
          .returning({ eventId: eventReceipts.eventId });
        const fresh = new Set(inserted.map((r) => r.eventId));
        const events = rows.filter((row) => fresh.has(row.id)).map(eventOf);
        if (events.length > 0) await subscription.handler(tx, events);
      });
      return true;
    } catch (error) {
      this.options.onBatchRolledBack?.(subscription.subscriber, eventIds.length, error);
      return false;
    }
  }

  /** Runs one subscriber's handler for one event, exactly once in effect. Exposed for the job worker and tests. */
  async deliver(subscriber: string, eventId: string): Promise<'handled' | 'duplicate' | 'missing'> {
    const subscription = this.subscriptions.find((s) => s.subscriber === subscriber);
    if (!subscription) throw new Error(`Unknown subscriber ${subscriber}.`);
    return this.db.transaction(async (tx) => {
      const [row] = await tx.select().from(outboxEvents).where(eq(outboxEvents.id, eventId));
      if (!row) return 'missing';
      const inserted = await tx
        .insert(eventReceipts)
        .values({ eventId, subscriber })
        .onConflictDoNothing()
        .returning({ eventId: eventReceipts.eventId });
      if (inserted.length === 0) return 'duplicate';
      await subscription.handler(tx, [eventOf(row)]);
      return 'handled';
    });
  }

  /**
   * Moves one batch of undispatched events onto the subscribers' queues, in one transaction: the rows are locked
   * (`SKIP LOCKED`, so dispatchers on several instances share the work), one job per subscriber is enqueued through
   * the same transaction (all in one statement), and the rows are marked dispatched — all of it commits, or none of it.
   */
  async dispatchBatch(): Promise<number> {
    return this.db.transaction(async (tx) => {
      const batch = await tx
        .select({ id: outboxEvents.id, name: outboxEvents.name })
        .from(outboxEvents)
        .where(isNull(outboxEvents.dispatchedAt))
        .orderBy(asc(outboxEvents.id))
        .limit(this.options.batchSize ?? 100)
        .for('update', { skipLocked: true });
      if (batch.length === 0) return 0;
      await this.jobs.sendMany(
        batch.flatMap((event) =>
          this.subscriptions
            .filter((sub) => sub.eventName === event.name)
            .map((s) => ({ name: queueOf(s.subscriber), data: { eventId: event.id } })),
        ),
        { tx },
      );
      await markDispatched(
        tx,
        batch.map((e) => e.id),
      );
      return batch.length;
    });
  }

  /**
   * Sends again every event a subscriber has not handled long after it was dispatched: its job failed all its
   * retries, expired, or was lost with the queue (the queue is not in backups). A handler that keeps failing is
   * retried this way for as long as the outbox keeps the event, and reported on each sweep.
   */
  async redeliverUnhandled(
    options: { olderThanMinutes?: number; withinDays?: number } = {},
  ): Promise<number> {
    const olderThan = options.olderThanMinutes ?? 15;
    const within = options.withinDays ?? 30;
    let count = 0;
    for (const s of this.subscriptions) {
      count += await this.db.transaction(async (tx) => {
        const stale = await tx
          .select({ id: outboxEvents.id })
          .from(outboxEvents)
          .where(
            and(
              eq(outboxEvents.name, s.eventName),
              lt(outboxEvents.dispatchedAt, sql`now() - make_interval(mins => ${olderThan})`),
              gt(outboxEvents.occurredAt, sql`now() - make_interval(days => ${within})`),
              notExists(
                tx
                  .select({ one: sql`1` })
                  .from(eventReceipts)
                  .where(
                    and(
                      eq(eventReceipts.eventId, outboxEvents.id),
                      eq(eventReceipts.subscriber, s.subscriber),
                    ),
                  ),
              ),
            ),
          )
          .limit(this.options.batchSize ?? 100);
        await this.jobs.sendMany(
          stale.map((event) => ({ name: queueOf(s.subscriber), data: { eventId: event.id } })),
          { tx },
        );
        // Push the next sweep of these events a full interval away.
        if (stale.length > 0) {
          await markDispatched(
            tx,
            stale.map((e) => e.id),
          );
          this.options.onRedelivery?.(s.subscriber, stale.length);
        }
        return stale.length;
      });
    }
    return count;
  }

  /** Starts the dispatcher loop (only in processes that work on jobs). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    let lastSweep = Date.now();
    const tick = async () => {
      try {
        // Drain: keep going while full batches come back.
        while (!this.stopped && (await this.dispatchBatch()) >= (this.options.batchSize ?? 100)) {}
        if (Date.now() - lastSweep > 60_000) {
          lastSweep = Date.now();
          await this.redeliverUnhandled();
        }
      } catch (error) {
        this.options.onError?.(error);
      }
      if (!this.stopped) {
        this.timer = setTimeout(() => {
          this.running = tick();
        }, this.options.pollMs ?? 500);
      }
    };
    this.running = tick();
  }

  /** Stops the dispatcher and waits for a batch in progress. */
  async stop(): Promise<void> {
    this.stopped = true;
    if (this.timer) clearTimeout(this.timer);
    await this.running;
  }
}
