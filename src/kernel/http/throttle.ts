/**
 * Per-address budgets for the routes a flood aims at (ASVS 2.2.1, 11.1.4): sign-in guessing and scripted look-ups.
 * A route opts in with `config: { throttle: 'signIn' | 'lookups' }`; past its budget a client address gets 429
 * with the seconds to wait, before the body is even parsed, while every other address is served as before.
 *
 * Where the counters live (ADR 19): in server mode in PostgreSQL (kernel_throttle_counters, one statement per
 * counted request), so every instance behind the proxy spends the same budget; in embedded mode, where there is
 * exactly one process, in its memory (@fastify/rate-limit's LRU store). The per-account lockout
 * (identity/domain/lockout.ts) remains the defence against guessing one account's password; this one protects the
 * platform's capacity and the accounts of everyone else.
 */
import fastifyRateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { Throttle } from '../config.ts';
import type { ExecuteSql } from '../db/database.ts';
import { AppError, KernelErrors } from '../errors.ts';

export type ThrottleBudget = keyof Throttle;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which per-address budget this route spends (kernel/http/throttle.ts). */
    throttle?: ThrottleBudget;
  }
}

const MINUTE_MS = 60_000;

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

// One statement counts a hit: a new window when the last one has ended. About one hit in a thousand also sends a
// sweep of the rows whose window started more than an hour ago, so the table holds the addresses of the last hour.
const COUNT_HIT = `
  insert into kernel_throttle_counters as c (key, hits, window_started_at) values ($1, 1, now())
  on conflict (key) do update set
    hits = case when c.window_started_at + make_interval(secs => $2) <= now() then 1 else c.hits + 1 end,
    window_started_at = case when c.window_started_at + make_interval(secs => $2) <= now()
                             then now() else c.window_started_at end
  returning hits, ceil(extract(epoch from c.window_started_at + make_interval(secs => $2) - now()) * 1000) as ttl`;
const SWEEP = `delete from kernel_throttle_counters where window_started_at < now() - interval '1 hour'`;
const SWEEP_ONE_IN = 1000;

/** What @fastify/rate-limit asks of a store; one instance serves every route, as the key names the budget. */
interface ThrottleStore {
  incr(key: string, callback: Callback, timeWindow: number): void;
  child(): ThrottleStore;
}

/** Counters in PostgreSQL, shared by every instance (server mode): one row per budget and address. */
function postgresThrottleStore(executeSql: ExecuteSql): ThrottleStore {
  const store: ThrottleStore = {
    incr(key, callback, timeWindow) {
      const count = executeSql(COUNT_HIT, [key, timeWindow / 1000]);
      if (Math.random() * SWEEP_ONE_IN < 1) void executeSql(SWEEP).catch(() => undefined);
      count.then(
        ({ rows }) =>
          callback(null, { current: Number(rows[0]?.hits), ttl: Math.max(0, Number(rows[0]?.ttl)) }),
        (error: Error) => callback(error),
      );
    },
    child: () => store,
  };
  return store;
}

const MAX_MEMORY_KEYS = 50_000;

/** Counters in this process (embedded mode: the only process), with the same windows as the PostgreSQL store. */
function memoryThrottleStore(): ThrottleStore {
  const windows = new Map<string, { hits: number; startedAt: number }>();
  const store: ThrottleStore = {
    incr(key, callback, timeWindow) {
      const now = Date.now();
      if (windows.size > MAX_MEMORY_KEYS) {
        for (const [k, w] of windows) if (w.startedAt + timeWindow <= now) windows.delete(k);
      }
      let window = windows.get(key);
      if (!window || window.startedAt + timeWindow <= now) {
        window = { hits: 0, startedAt: now };
        windows.set(key, window);
      }
      window.hits++;
      callback(null, { current: window.hits, ttl: window.startedAt + timeWindow - now });
    },
    child: () => store,
  };
  return store;
}

/**
 * Registers the budgets; call before any route and before the page cache, so a flood cannot hide behind it.
 * `sharedCounters` keeps the counters in PostgreSQL (server mode); without it they stay in this process.
 */
export async function registerThrottle(
  app: FastifyInstance,
  budgets: Throttle,
  sharedCounters?: ExecuteSql,
): Promise<void> {
  // Translates the route's budget name into @fastify/rate-limit's per-route options; this hook runs before the
  // plugin's own onRoute hook because it is added first.
  app.addHook('onRoute', (route) => {
    const budget = route.config?.throttle;
    if (!budget) return;
    const max = budgets[budget];
    if (max === 0) return;
    route.config = {
      ...route.config,
      rateLimit: {
        max,
        timeWindow: MINUTE_MS,
        // One budget per name and address, whatever the route or method: the search page, its API and HEAD
        // requests spend the same look-ups. request.ip honours YIWANG_TRUST_PROXY (the client's address behind a
        // proxy); IPv6 addresses count by their /64, as one household or office holds a whole one.
        keyGenerator: (request: FastifyRequest) => `${budget} ${normalizeIP(request.ip, 64)}`,
      },
    };
  });
  const store = sharedCounters ? postgresThrottleStore(sharedCounters) : memoryThrottleStore();
  await app.register(fastifyRateLimit, {
    global: false,
    // @fastify/rate-limit builds its store with `new`; a constructor returning our one store serves every route.
    store: function Store() {
      return store;
    } as never,
    errorResponseBuilder: (_request, context) =>
      new AppError(KernelErrors.throttled, { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}
