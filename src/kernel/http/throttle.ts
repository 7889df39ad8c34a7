/**
 * Per-address budgets for the routes a flood aims at (ASVS 2.2.1, 11.1.4): sign-in guessing and scripted look-ups.
 * A route opts in with `config: { throttle: 'signIn' | 'lookups' }`; past its budget a client address gets 429
 * with the seconds to wait, before the body is even parsed, while every other address is served as before.
 *
 * A budget of N a minute is paced, not counted in windows (GCRA, the generic cell rate algorithm of ATM networks and
 * of most rate limiters since): an address may send a burst of a few requests at once (BURST, fewer than N for the
 * larger budgets), then one every 60/N seconds. Counted in minute windows, a flood spent its whole budget in its
 * first second — 300 searches at once, which on the embedded database's one connection kept everyone else's search
 * waiting for seconds (docs/benchmarks.md, Abuse); paced, it gets a few at once and then five a second.
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

/** How many requests an address may send at once: all of a small budget, at most a few of a large one. */
export function burstOf(max: number): number {
  return Math.min(max, Math.max(10, Math.ceil(max / 30)));
}

/**
 * A budget of `max` per `timeWindow` ms as GCRA sees it: each request costs `interval` ms, and an address may owe
 * up to `tolerance` ms — the burst's worth, plus a millisecond so that a burst of intervals added one by one (in
 * floating point here, rounded to microseconds in PostgreSQL) is not refused its last request by a rounding.
 */
export function paceOf(timeWindow: number, max: number): { interval: number; tolerance: number } {
  const interval = timeWindow / max;
  return { interval, tolerance: burstOf(max) * interval + 1 };
}

type Callback = (error: Error | null, result?: { current: number; ttl: number }) => void;

/**
 * What @fastify/rate-limit asks of a store (one serves every route, as the key names the budget). The answer is
 * told in its terms: a request let through counts as `current` ≤ max, one refused as max + 1; `ttl` is how long
 * until the address is paid up, or, refused, until its next request would be let through.
 */
interface ThrottleStore {
  incr(key: string, callback: Callback, timeWindow: number, max: number): void;
  child(): ThrottleStore;
}

// One statement per request: GCRA on the row of the budget and address. `allowed_until` is the moment by which the
// address's requests so far are paid for; a request moves it on by one interval, unless that would put it more than
// the burst's tolerance ahead of now — then it is refused and nothing moves. Every right-hand side of SET sees the
// row as it was. About one hit in a thousand also sends a sweep of the rows paid up more than an hour ago.
const COUNT_HIT = `
  insert into kernel_throttle_counters as c (key, allowed_until, last_allowed)
    values ($1, now() + make_interval(secs => $2), true)
  on conflict (key) do update set
    last_allowed = greatest(c.allowed_until, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3),
    allowed_until = case
      when greatest(c.allowed_until, now()) + make_interval(secs => $2) <= now() + make_interval(secs => $3)
      then greatest(c.allowed_until, now()) + make_interval(secs => $2)
      else c.allowed_until end
  returning last_allowed, extract(epoch from allowed_until - now()) * 1000 as ahead_ms`;
const SWEEP = `delete from kernel_throttle_counters where allowed_until < now() - interval '1 hour'`;
const SWEEP_ONE_IN = 1000;

/**
 * The answer for a request, from how far ahead of now the address is paid for after it. Let through, it counts as
 * `max` less the requests the address may still send at once, so the plugin's `x-ratelimit-remaining` is that
 * number and `current` never passes `max` (the tolerance's spare millisecond can put `aheadMs` just past the
 * burst's worth); refused, as `max + 1`, with the time until its next request would be let through.
 */
export function verdict(allowed: boolean, aheadMs: number, interval: number, tolerance: number, max: number) {
  return allowed
    ? { current: max - Math.max(0, Math.floor((tolerance - aheadMs) / interval)), ttl: Math.max(0, aheadMs) }
    : { current: max + 1, ttl: Math.max(0, aheadMs + interval - tolerance) };
}

/** Budgets in PostgreSQL, shared by every instance (server mode): one row per budget and address. */
function postgresThrottleStore(executeSql: ExecuteSql): ThrottleStore {
  const store: ThrottleStore = {
    incr(key, callback, timeWindow, max) {
      const { interval, tolerance } = paceOf(timeWindow, max);
      const count = executeSql(COUNT_HIT, [key, interval / 1000, tolerance / 1000]);
      if (Math.random() * SWEEP_ONE_IN < 1) void executeSql(SWEEP).catch(() => undefined);
      count.then(
        ({ rows }) =>
          callback(
            null,
            verdict(rows[0]?.last_allowed === true, Number(rows[0]?.ahead_ms), interval, tolerance, max),
          ),
        (error: Error) => callback(error),
      );
    },
    child: () => store,
  };
  return store;
}

const MAX_MEMORY_KEYS = 50_000;

/** Budgets in this process (embedded mode: the only process), paced as the PostgreSQL store paces them. */
function memoryThrottleStore(): ThrottleStore {
  const allowedUntil = new Map<string, number>();
  const store: ThrottleStore = {
    incr(key, callback, timeWindow, max) {
      const now = Date.now();
      if (allowedUntil.size > MAX_MEMORY_KEYS) {
        for (const [k, until] of allowedUntil) if (until <= now) allowedUntil.delete(k);
      }
      const { interval, tolerance } = paceOf(timeWindow, max);
      const next = Math.max(allowedUntil.get(key) ?? now, now) + interval;
      const allowed = next - now <= tolerance;
      if (allowed) allowedUntil.set(key, next);
      const ahead = (allowed ? next : next - interval) - now;
      callback(null, verdict(allowed, ahead, interval, tolerance, max));
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
