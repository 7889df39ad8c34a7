// `npm run bench:abuse`: floods from one client address — anonymous searches, then sign-in attempts — while other
// people search at a steady rate from another address, on the embedded platform with its default per-address
// budgets (kernel/http/throttle.ts). Measures what the flood gets (429 past its budget) and what the others get
// during it, against the same steady load without a flood, in the same run. Addresses are told apart the way a
// proxy tells them (YIWANG_TRUST_PROXY=true and X-Forwarded-For), as all the load comes from 127.0.0.1.
import { mkdtempSync, rmSync } from 'node:fs';
import os from 'node:os';
import path from 'node:path';
import { burstOf } from '../src/kernel/http/throttle.ts';
import type { LoadRequest, LoadResult } from './load.ts';
import {
  cleanEnv,
  detectCores,
  freePort,
  loadOnCore,
  onCore,
  ROOT,
  rssMb,
  setting,
  spawnServer,
  stop,
  untilOk,
} from './processes.ts';
import { FIXED_RATE_TARGET, meetsFixedRateTarget, writeBenchSection } from './report.ts';

const log = (line: string) => process.stderr.write(`${line}\n`);
const cores = detectCores();
const SECONDS = setting('BENCH_SECONDS', 10, 1);
const OTHERS_RATE = 20; // requests per second of the people at other addresses, spread over 200 of them
const SIGN_IN_BUDGET = 30;
const LOOKUP_BUDGET = 300;

interface Phase {
  name: string;
  others: LoadResult;
  flood?: LoadResult;
}

async function main(): Promise<number> {
  const dataDir = mkdtempSync(path.join(os.tmpdir(), 'yiwang-abuse-'));
  const port = await freePort();
  const server = spawnServer(
    onCore(cores, cores.server, [process.execPath, path.join(ROOT, 'bin', 'yiwang.mjs'), 'serve']),
    port,
    cleanEnv({
      YIWANG_DATA_DIR: dataDir,
      PORT: String(port),
      YIWANG_TRUST_PROXY: 'true',
      YIWANG_THROTTLE_SIGN_IN: String(SIGN_IN_BUDGET),
      YIWANG_THROTTLE_LOOKUPS: String(LOOKUP_BUDGET),
    }),
  );
  try {
    log('starting the embedded platform (seeds the demo city)…');
    await untilOk(server, '/healthz', 180);
    const base = `http://127.0.0.1:${port}`;
    // The others: a steady search by many people, each from their own address and within their own budget (each
    // phase from a fresh block of addresses).
    const others = (block: number): LoadRequest => ({
      url: `${base}/api/v1/catalogue/search?q=${encodeURIComponent('营业执照')}`,
      seconds: SECONDS,
      connections: 5,
      rate: OTHERS_RATE,
      addresses: Array.from({ length: 200 }, (_, i) => `10.${block}.${Math.floor(i / 250)}.${(i % 250) + 1}`),
    });
    const floods: Record<string, LoadRequest> = {
      'search flood': {
        url: `${base}/api/v1/catalogue/search?q=${encodeURIComponent('公积金')}`,
        seconds: SECONDS,
        connections: 50,
        headers: { 'x-forwarded-for': '203.0.113.66' },
      },
      'sign-in flood': {
        url: `${base}/sign-in`,
        seconds: SECONDS,
        connections: 50,
        method: 'POST',
        body: 'username=zhangwei&password=guess&_csrf=x',
        headers: { 'x-forwarded-for': '203.0.113.67', 'content-type': 'application/x-www-form-urlencoded' },
      },
    };
    const rssBefore = rssMb(server.pid);
    const phases: Phase[] = [];
    log(`others alone: ${OTHERS_RATE} searches/s for ${SECONDS} s…`);
    phases.push({ name: 'no flood (baseline)', others: await loadOnCore(cores, others(10)) });
    for (const [i, [name, flood]] of Object.entries(floods).entries()) {
      log(`${name} from one address, with the others at ${OTHERS_RATE}/s from another…`);
      const [otherRun, floodRun] = await Promise.all([
        loadOnCore(cores, others(11 + i)),
        loadOnCore(cores, flood),
      ]);
      phases.push({ name, others: otherRun, flood: floodRun });
    }
    const rssAfter = rssMb(server.pid);

    const ms = (n: number) => `${n.toFixed(1)} ms`;
    const lines = [
      `Run ${new Date().toISOString().replace(/\.\d+Z$/, 'Z')} on ${os.cpus().length} cores, embedded database, ${cores.note}. Budgets per address and minute: sign-in ${SIGN_IN_BUDGET}, look-ups ${LOOKUP_BUDGET}. Budgets are paced: a burst of at most ${burstOf(SIGN_IN_BUDGET)} and ${burstOf(LOOKUP_BUDGET)}, then the budget's rate. The others search at ${OTHERS_RATE}/s in all on a steady schedule, each request from another of 200 addresses, over 5 connections; a flood is autocannon with 50 connections, ${SECONDS} s, at its maximum rate.`,
      '',
      '| Phase | Flood: req/s; answered 429 | Others: p50 / p99; non-2xx | Target (others) | Result |',
      '| --- | --- | --- | --- | --- |',
    ];
    let pass = true;
    for (const phase of phases) {
      const flood = phase.flood;
      const throttled = flood?.statuses['429'] ?? 0;
      const ok = meetsFixedRateTarget(phase.others);
      pass &&= ok;
      lines.push(
        `| ${phase.name} | ${
          flood
            ? `${Math.round(flood.rps).toLocaleString('en-US')}; ${throttled.toLocaleString('en-US')} of ${Object.values(
                flood.statuses,
              )
                .reduce((sum, n) => sum + n, 0)
                .toLocaleString('en-US')}`
            : '—'
        } | ${ms(phase.others.latencyMs.p50)} / ${ms(phase.others.latencyMs.p99)}; ${phase.others.non2xx + phase.others.errors + phase.others.timeouts} | ${FIXED_RATE_TARGET} | ${ok ? 'PASS' : 'FAIL'} |`,
      );
      // The flood itself: what the pace allows answered (200, or 403 for a sign-in without a CSRF token) — the burst,
      // then the budget's rate for as long as the flood lasts — and 429 for everything past it.
      if (flood) {
        const perMinute = phase.name.startsWith('sign-in') ? SIGN_IN_BUDGET : LOOKUP_BUDGET;
        const budget = burstOf(perMinute) + Math.ceil((flood.seconds * perMinute) / 60);
        const answered = Object.values(flood.statuses).reduce((sum, n) => sum + n, 0);
        const refusedEnough = throttled >= answered - budget;
        pass &&= refusedEnough;
        lines.push(
          `| … ${phase.name}: every request past the ${budget} the pace allows refused with 429 | ${throttled.toLocaleString('en-US')} of ${Math.max(0, answered - budget).toLocaleString('en-US')} past it | — | all | ${refusedEnough ? 'PASS' : 'FAIL'} |`,
        );
      }
    }
    lines.push(
      `| Memory of the platform (RSS) before / after the floods | ${rssBefore.toFixed(0)} MB / ${rssAfter.toFixed(0)} MB | — | — | — |`,
    );
    const markdown = lines.join('\n');
    process.stdout.write(`\n${markdown}\n`);
    if (process.env.BENCH_DOCS !== '0') {
      writeBenchSection(ROOT, 'abuse', `\n${markdown}\n`);
      log('wrote docs/benchmarks.md (Abuse)');
    }
    return pass ? 0 : 1;
  } finally {
    await stop(server);
    rmSync(dataDir, { recursive: true, force: true });
  }
}

process.exitCode = await main();
