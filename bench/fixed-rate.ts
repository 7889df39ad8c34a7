// A fixed-rate (open-loop) load: requests start on a schedule, one every 1/rate seconds, whether or not the earlier
// ones have been answered, and each one's latency runs from the moment the schedule meant it to start — so a server
// that stalls is charged for every request that waited behind the stall (no coordinated omission, as in wrk2).
//
// Why not autocannon's `overallRate`: it gives each connection a quota per second, which the connection spends as
// fast as it can from the top of each second and then idles. At half the maximum rate that is a full-speed burst for
// half a second and silence for the other half: the latencies measured are those of a saturated server, and 20
// requests a second over 5 connections arrive as 5 simultaneous ones at each second's tick (measured 2026-11-30:
// p50 1 ms and p90 3 ms for a page the server answers in a few hundred microseconds).
import { performance } from 'node:perf_hooks';
import { Pool } from 'undici';
import type { LoadResult } from './load.ts';

export interface FixedRateLoad {
  url: string;
  /** Requests per second, started on a steady schedule. */
  rate: number;
  seconds: number;
  /** Keep-alive connections; a request due while all are busy waits for one, and that wait is in its latency. */
  connections: number;
  method?: 'GET' | 'POST';
  headers?: Record<string, string>;
  body?: string;
  /** Headers made for each request (a fresh Idempotency-Key, say), added to `headers`. */
  headersPerRequest?: () => Record<string, string>;
  /** A request not answered in this long counts as a timeout (TIMEOUT_MS unless set). */
  timeoutMs?: number;
}

/** Every load here is aimed at this machine only: a mistyped URL must not send a flood anywhere else. */
export function assertLoopback(url: string): void {
  if (!/^127\.\d+\.\d+\.\d+$/.test(new URL(url).hostname))
    throw new Error(`Refusing a non-loopback target: ${url}`);
}

/** A request not answered in this long counts as a timeout. */
const TIMEOUT_MS = 10_000;
/** Seconds at the start of the schedule whose latencies are not recorded. */
const WARMUP_S = 1;

const percentile = (sorted: readonly number[], p: number) =>
  sorted.length === 0
    ? Number.NaN
    : (sorted[Math.min(sorted.length - 1, Math.max(0, Math.ceil((p / 100) * sorted.length) - 1))] ??
      Number.NaN);

/** Runs the schedule for `seconds`, waits for the last answers, and reports as every benchmark here does. */
export async function fixedRateLoad(load: FixedRateLoad): Promise<LoadResult> {
  assertLoopback(load.url);
  const target = new URL(load.url);
  const timeoutMs = load.timeoutMs ?? TIMEOUT_MS;
  const pool = new Pool(target.origin, {
    connections: load.connections,
    pipelining: 1,
    headersTimeout: timeoutMs,
    bodyTimeout: timeoutMs,
  });
  const latencies: number[] = [];
  const statuses: Record<string, number> = {};
  let ok = 0;
  let non2xx = 0;
  let errors = 0;
  let timeouts = 0;
  const total = Math.max(1, Math.round(load.rate * (load.seconds + WARMUP_S)));
  const interval = 1000 / load.rate;

  // The first WARMUP_S of the schedule warm the generator itself (a fresh process: its JIT, its connections): those
  // requests are counted, as every request is, but their latencies are not.
  const warmupEnd = Math.min(total, Math.round(load.rate * WARMUP_S));
  let done = 0;
  let allAnswered: () => void = () => {};
  const answered = new Promise<void>((resolve) => {
    allAnswered = resolve;
  });
  const finish = () => {
    if (++done === total) allAnswered();
  };
  const path = `${target.pathname}${target.search}`;
  const method = load.method ?? 'GET';
  // undici's dispatcher with a bare handler, not `request()`: no promise or stream per request, which on one core
  // leaves the generator able to keep a schedule of more than 10,000 requests a second.
  const send = (index: number, intended: number) => {
    let status = 0;
    pool.dispatch(
      {
        path,
        method,
        headers: load.headersPerRequest ? { ...load.headers, ...load.headersPerRequest() } : load.headers,
        body: load.body ?? null,
      },
      // undici 7's Pool takes the classic handler (onConnect … onComplete) on this path.
      {
        onConnect() {},
        onHeaders(statusCode) {
          status = statusCode;
          return true;
        },
        onData() {
          return true;
        },
        onComplete() {
          if (done >= total) return;
          if (index >= warmupEnd) latencies.push(performance.now() - intended);
          const code = String(status);
          statuses[code] = (statuses[code] ?? 0) + 1;
          if (status >= 200 && status < 300) ok++;
          else non2xx++;
          finish();
        },
        onError(error: Error & { code?: string }) {
          if (done >= total) return; // counted already, as timed out, when the pool was destroyed
          if (error.code === 'UND_ERR_HEADERS_TIMEOUT' || error.code === 'UND_ERR_BODY_TIMEOUT') timeouts++;
          else errors++;
          finish();
        },
      },
    );
  };

  const start = performance.now();
  let sent = 0;
  await new Promise<void>((resolve) => {
    // Start what the schedule says is due, then come back when the next one is: by timer when that is more than two
    // milliseconds away (timers are not finer), else on the next turn of the event loop, which on the generator's own
    // core sends each request within microseconds of its moment (with a timer of 1 ms, the generator's own lateness
    // was half the p50 of a route that does nothing).
    const tick = () => {
      const now = performance.now();
      const due = Math.min(total, Math.floor((now - start) / interval) + 1);
      for (; sent < due; sent++) send(sent, start + sent * interval);
      if (sent >= total) return resolve();
      const wait = start + sent * interval - now;
      if (wait > 2) setTimeout(tick, wait - 1);
      else setImmediate(tick);
    };
    tick();
  });
  // The schedule is over: the last answers get the timeout. Requests still queued in the pool behind a stalled server
  // have no timer of their own until they reach a socket; past the deadline the pool is destroyed and whatever is
  // unanswered counts as timed out, so a stalled server gives a report, not a hung run.
  let deadline: NodeJS.Timeout | undefined;
  const timedOut = await Promise.race([
    answered.then(() => false),
    new Promise<boolean>((resolve) => {
      deadline = setTimeout(() => resolve(true), timeoutMs);
    }),
  ]);
  clearTimeout(deadline);
  if (timedOut) {
    timeouts += total - done;
    done = total;
    await pool.destroy();
  }
  // The achieved rate over the measured part of the schedule, from its first scheduled start to the last answer.
  const measuredS = (performance.now() - (start + warmupEnd * interval)) / 1000;
  if (!timedOut) await pool.close();

  const sorted = latencies.sort((a, b) => a - b);
  return {
    url: load.url,
    seconds: load.seconds,
    rps: latencies.length / measuredS,
    ok,
    sent,
    non2xx,
    errors,
    timeouts,
    latencyMs: {
      p50: percentile(sorted, 50),
      p99: percentile(sorted, 99),
      mean: sorted.reduce((sum, ms) => sum + ms, 0) / Math.max(1, sorted.length),
      max: sorted.at(-1) ?? Number.NaN,
    },
    statuses,
  };
}
