import { and, asc, eq, inArray, isNull, lt, or, sql } from 'drizzle-orm';
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

const EVENT_NAME = /^[a-z][a-z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;

/**
 * Writes an event to the outbox. Call it with the transaction of the change it reports, so that
 * the change and the news of it commit together or not at all.
 */
export async function publishEvent(tx: Db, name: string, payload: Record<string, unknown>): Promise<string> {
  if (!EVENT_NAME.test(name)) throw new RangeError(`Event names are <module>.<entity>.<past-tense>: ${name}`);
  const id = newId('evt');
  await tx.insert(outboxEvents).values({ id, name, payload });
  return id;
}

interface Subscription {
  subscriber: string;
  eventName: string;
  handler: EventHandler;
}

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
      claimSeconds?: number;
      onError?: (e: unknown) => void;
    } = {},
  ) {}

  /** Subscribes `subscriber` (unique, e.g. `analytics.caseCounts`) to an event name. Call before `start`. */
  subscribe(subscriber: string, eventName: string, handler: EventHandler): void {
    if (this.subscriptions.some((s) => s.subscriber === subscriber)) {
      throw new Error(`Subscriber ${subscriber} is already registered.`);
    }
    this.subscriptions.push({ subscriber, eventName, handler });
    this.jobs.define(queueOf(subscriber), async (data) => {
      await this.deliver(subscriber, String(data.eventId));
    });
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
      await subscription.handler(tx, {
        id: row.id,
        name: row.name,
        payload: row.payload as Record<string, unknown>,
        occurredAt: row.occurredAt,
      });
      return 'handled';
    });
  }

  /**
   * Moves one batch of undispatched events onto the subscribers' queues. Claims the rows first (a lease, so two
   * dispatchers on one PostgreSQL do not double the work), enqueues outside any transaction (the embedded database
   * has a single connection), then marks them dispatched. A crash in between re-dispatches after the lease: at least once.
   */
  async dispatchBatch(): Promise<number> {
    const claimSeconds = this.options.claimSeconds ?? 30;
    const pendingIds = this.db
      .select({ id: outboxEvents.id })
      .from(outboxEvents)
      .where(
        and(
          isNull(outboxEvents.dispatchedAt),
          or(isNull(outboxEvents.claimedUntil), lt(outboxEvents.claimedUntil, sql`now()`)),
        ),
      )
      .orderBy(asc(outboxEvents.id))
      .limit(this.options.batchSize ?? 100)
      .for('update', { skipLocked: true });
    const claimed = await this.db
      .update(outboxEvents)
      .set({ claimedUntil: sql`now() + make_interval(secs => ${claimSeconds})` })
      .where(inArray(outboxEvents.id, pendingIds))
      .returning({ id: outboxEvents.id, name: outboxEvents.name });
    if (claimed.length === 0) return 0;
    claimed.sort((a, b) => (a.id < b.id ? -1 : 1));
    for (const event of claimed) {
      for (const s of this.subscriptions.filter((sub) => sub.eventName === event.name)) {
        await this.jobs.send(
          queueOf(s.subscriber),
          { eventId: event.id },
          { singletonKey: `${event.id}:${s.subscriber}` },
        );
      }
    }
    await this.db
      .update(outboxEvents)
      .set({ dispatchedAt: sql`now()`, claimedUntil: null })
      .where(
        inArray(
          outboxEvents.id,
          claimed.map((e) => e.id),
        ),
      );
    return claimed.length;
  }

  /** Starts the dispatcher loop (only in processes that work on jobs). */
  start(): void {
    if (!this.stopped) return;
    this.stopped = false;
    const tick = async () => {
      try {
        // Drain: keep going while full batches come back.
        while (!this.stopped && (await this.dispatchBatch()) >= (this.options.batchSize ?? 100)) {}
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
