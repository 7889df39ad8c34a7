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
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
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

// One statement counts a hit: a new window when the last one has ended. Now and then the same call sweeps the
// rows of ended windows, so the table holds about one row per address active in the last hour.
const COUNT_HIT = `
  insert into kernel_throttle_counters as c (key, hits, window_started_at) values ($1, 1, now())
  on conflict (key) do update set
    hits = case when c.window_started_at + make_interval(secs => $2) <= now() then 1 else c.hits + 1 end,
    window_started_at = case when c.window_started_at + make_interval(secs => $2) <= now()
                             then now() else c.window_started_at end
  returning hits, ceil(extract(epoch from c.window_started_at + make_interval(secs => $2) - now()) * 1000) as ttl`;
const SWEEP = `delete from kernel_throttle_counters where window_started_at < now() - interval '1 hour'`;
const SWEEP_ONE_IN = 1000;

/** A @fastify/rate-limit store whose counters are rows in PostgreSQL, one per route and address. */
export function postgresThrottleStore(executeSql: ExecuteSql) {
  return class PostgresThrottleStore {
    constructor(private readonly route = '') {}

    incr(key: string, callback: Callback, timeWindow: number): void {
      const count = executeSql(COUNT_HIT, [`${this.route} ${key}`, timeWindow / 1000]);
      if (Math.random() * SWEEP_ONE_IN < 1) void executeSql(SWEEP).catch(() => undefined);
      count.then(
        ({ rows }) =>
          callback(null, { current: Number(rows[0]?.hits), ttl: Math.max(0, Number(rows[0]?.ttl)) }),
        (error: Error) => callback(error),
      );
    }

    child(options: { routeInfo?: { method?: string | string[]; url?: string } }) {
      return new PostgresThrottleStore(`${options.routeInfo?.method ?? ''} ${options.routeInfo?.url ?? ''}`);
    }
  };
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
    route.config = { ...route.config, rateLimit: { max, timeWindow: MINUTE_MS } };
  });
  await app.register(fastifyRateLimit, {
    global: false,
    ...(sharedCounters ? { store: postgresThrottleStore(sharedCounters) as never } : {}),
    // Keyed by request.ip, which honours YIWANG_TRUST_PROXY: behind a proxy, the client's address, not the proxy's.
    errorResponseBuilder: (_request, context) =>
      new AppError(KernelErrors.throttled, { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}
