/**
 * Per-address budgets for the routes a flood aims at (ASVS 2.2.1, 11.1.4): sign-in guessing and scripted look-ups.
 * A route opts in with `config: { throttle: 'signIn' | 'lookups' }`; past its budget a client address gets 429
 * with the seconds to wait, before the body is even parsed, while every other address is served as before.
 *
 * Counters live in each instance's memory (@fastify/rate-limit's LRU store): with N instances behind a proxy an
 * address gets at most N budgets, which still stops a script. The per-account lockout (identity/domain/lockout.ts)
 * is the durable defence against guessing one account's password; this one protects the platform's capacity.
 */
import fastifyRateLimit from '@fastify/rate-limit';
import type { FastifyInstance } from 'fastify';
import type { Throttle } from '../config.ts';
import { AppError, KernelErrors } from '../errors.ts';

export type ThrottleBudget = keyof Throttle;

declare module 'fastify' {
  interface FastifyContextConfig {
    /** Which per-address budget this route spends (kernel/http/throttle.ts). */
    throttle?: ThrottleBudget;
  }
}

const MINUTE_MS = 60_000;

/** Registers the budgets; call before any route and before the page cache, so a flood cannot hide behind it. */
export async function registerThrottle(app: FastifyInstance, budgets: Throttle): Promise<void> {
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
    // Keyed by request.ip, which honours YIWANG_TRUST_PROXY: behind a proxy, the client's address, not the proxy's.
    errorResponseBuilder: (_request, context) =>
      new AppError(KernelErrors.throttled, { seconds: Math.max(1, Math.ceil(context.ttl / 1000)) }),
  });
}
