// The load generator of `npm run bench` and `bench/identity.ts`: one autocannon run, started pinned to its own core; prints JSON.
import { pathToFileURL } from 'node:url';
import autocannon, { type Result } from 'autocannon';
import { assertLoopback, fixedRateLoad } from './fixed-rate.ts';

/** What the orchestrator asks for (argv[2], JSON). */
export interface LoadRequest {
  url: string;
  seconds: number;
  connections: number;
  /** Requests per second over all connections; unset means as fast as possible. */
  rate?: number;
  /** Extra request headers (e.g. a cookie that makes the platform bypass its page cache). */
  headers?: Record<string, string>;
  /** GET unless set (`bench/identity.ts` POSTs JSON to the audit server). */
  method?: 'GET' | 'POST';
  /** The request body, sent with every request. */
  body?: string;
  /**
   * Fixed rate only: client addresses taken in turn, one per request, as `X-Forwarded-For` (many people behind a
   * trusted proxy, each within their own per-address budget).
   */
  addresses?: string[];
}

/** What one run measured (stdout, one JSON line). */
export interface LoadResult {
  url: string;
  seconds: number;
  /** Requests per second (autocannon's average of per-second samples). */
  rps: number;
  ok: number;
  sent: number;
  non2xx: number;
  errors: number;
  timeouts: number;
  latencyMs: { p50: number; p99: number; mean: number; max: number };
  /** How many answers had each status code. */
  statuses: Record<string, number>;
}

/** What an autocannon run measured, as every benchmark here reports it. */
export function loadResultOf(url: string, result: Result): LoadResult {
  return {
    url,
    seconds: result.duration,
    rps: result.requests.average,
    ok: result['2xx'],
    sent: result.requests.sent,
    non2xx: result.non2xx,
    errors: result.errors,
    timeouts: result.timeouts,
    latencyMs: {
      p50: result.latency.p50,
      p99: result.latency.p99,
      mean: result.latency.mean,
      max: result.latency.max,
    },
    statuses: Object.fromEntries(
      Object.entries(result.statusCodeStats ?? {}).map(([code, stats]) => [code, stats.count]),
    ),
  };
}

/**
 * Runs one load against a loopback URL: as fast as it goes (autocannon, closed loop), or at a fixed rate on a
 * steady schedule (`fixedRateLoad`, open loop; autocannon's own rate limit sends bursts, see bench/fixed-rate.ts).
 */
async function runLoad(request: LoadRequest): Promise<LoadResult> {
  assertLoopback(request.url);
  if (request.rate) {
    const { addresses } = request;
    let turn = 0;
    return fixedRateLoad({
      ...request,
      rate: request.rate,
      ...(addresses?.length
        ? { headersPerRequest: () => ({ 'x-forwarded-for': addresses[turn++ % addresses.length] as string }) }
        : {}),
    });
  }
  const result = await autocannon({
    url: request.url,
    connections: request.connections,
    duration: request.seconds,
    pipelining: 1,
    timeout: 10,
    ...(request.headers ? { headers: request.headers } : {}),
    ...(request.method ? { method: request.method } : {}),
    ...(request.body !== undefined ? { body: request.body } : {}),
  });
  return loadResultOf(request.url, result);
}

// Run as a script (the orchestrators start it on its own core); imported, it only lends `loadResultOf`.
if (process.argv[1] && import.meta.url === pathToFileURL(process.argv[1]).href) {
  const result = await runLoad(JSON.parse(process.argv[2] ?? '{}') as LoadRequest);
  process.stdout.write(`${JSON.stringify(result)}\n`);
}
