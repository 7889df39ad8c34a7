// Child processes of `npm run bench`: pinned to cores, polled until they answer, stopped, and measured.
import { type ChildProcess, execFileSync, spawn } from 'node:child_process';
import { readFileSync } from 'node:fs';
import http from 'node:http';
import net from 'node:net';
import os from 'node:os';
import path from 'node:path';
import { fileURLToPath } from 'node:url';
import type { LoadRequest, LoadResult } from './load.ts';

/** The repository root (bench/..). */
export const ROOT = fileURLToPath(new URL('..', import.meta.url));

/** Which cores the server and the load generator run on; `pinned` is false when taskset or a second core is missing. */
export interface Cores {
  pinned: boolean;
  server: string;
  load: string;
  note: string;
}

/** Cores this process may use, counted before `detectCores` pins it to one. */
export const CPUS = os.availableParallelism();

/** Decides the core layout: server on core 0, load generator (and this orchestrator) on core 1, when possible. */
export function detectCores(): Cores {
  const cpus = CPUS;
  let taskset = false;
  try {
    execFileSync('sh', ['-c', 'command -v taskset'], { stdio: 'ignore' });
    taskset = true;
  } catch {
    taskset = false;
  }
  if (taskset && cpus >= 2) {
    try {
      // The orchestrator only waits and polls; keep it off the server's core.
      execFileSync('taskset', ['-a', '-p', '-c', '1', String(process.pid)], { stdio: 'ignore' });
    } catch {
      // Not fatal: the load generator is still pinned.
    }
    return {
      pinned: true,
      server: '0',
      load: '1',
      note: 'server on core 0, load generator on core 1 (taskset)',
    };
  }
  const why = taskset ? 'only one core' : 'taskset not found';
  return { pinned: false, server: '', load: '', note: `not pinned (${why}): results are less reliable` };
}

/** The command line that runs `args` on `core` when pinning is possible. */
export function onCore(cores: Cores, core: string, args: readonly string[]): [string, string[]] {
  return cores.pinned ? ['taskset', ['-c', core, ...args]] : [args[0] as string, args.slice(1)];
}

const children = new Set<ChildProcess>();

/** Kills every child still running (used on exit and on interrupt). */
export function killAll(): void {
  for (const child of children) {
    if (child.exitCode === null && child.signalCode === null) child.kill('SIGKILL');
  }
}

process.on('exit', killAll);
for (const signal of ['SIGINT', 'SIGTERM'] as const) {
  process.on(signal, () => {
    killAll();
    process.exit(130);
  });
}

/** A running child with the tail of its output, for error messages. */
export interface Server {
  child: ChildProcess;
  pid: number;
  port: number;
  started: bigint;
  output(): string;
}

/** Spawns a long-running server child; its output is kept (last 8 kB), not printed. */
export function spawnServer(command: [string, string[]], port: number, env: NodeJS.ProcessEnv): Server {
  const started = process.hrtime.bigint();
  const child = spawn(command[0], command[1], { cwd: ROOT, env, stdio: ['ignore', 'pipe', 'pipe'] });
  children.add(child);
  child.on('exit', () => children.delete(child));
  let tail = '';
  const keep = (chunk: Buffer) => {
    tail = (tail + chunk.toString('utf8')).slice(-8192);
  };
  child.stdout?.on('data', keep);
  child.stderr?.on('data', keep);
  if (child.pid === undefined) throw new Error(`Could not start ${command.join(' ')}`);
  return { child, pid: child.pid, port, started, output: () => tail };
}

/** A free TCP port on 127.0.0.1. */
export function freePort(): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = net.createServer();
    server.once('error', reject);
    server.listen(0, '127.0.0.1', () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** The status of one GET on 127.0.0.1 (0 when the connection fails), on a fresh connection. */
export function status(port: number, path: string): Promise<number> {
  return new Promise((resolve) => {
    const request = http.get({ host: '127.0.0.1', port, path, agent: false, timeout: 1000 }, (response) => {
      response.resume();
      response.on('end', () => resolve(response.statusCode ?? 0));
      response.on('error', () => resolve(0));
    });
    request.on('timeout', () => request.destroy());
    request.on('error', () => resolve(0));
  });
}

/**
 * What every browser sends with a page request: a public page is measured as people receive it (the page cache's
 * compressed copy); the bare route ignores it.
 */
export const BROWSER_HEADERS: Readonly<Record<string, string>> = {
  'accept-encoding': 'gzip, deflate, br, zstd',
};

/** The status and `x-cache` header of one GET on 127.0.0.1 with extra headers, on a fresh connection. */
export function probe(
  port: number,
  path: string,
  headers: Record<string, string> = {},
): Promise<{ status: number; xCache: string }> {
  return new Promise((resolve) => {
    const failed = () => resolve({ status: 0, xCache: '' });
    const request = http.get(
      { host: '127.0.0.1', port, path, headers, agent: false, timeout: 10_000 },
      (response) => {
        const xCache = response.headers['x-cache'];
        response.resume();
        response.on('end', () =>
          resolve({ status: response.statusCode ?? 0, xCache: [xCache ?? ''].flat().join(', ') }),
        );
        response.on('error', failed);
      },
    );
    request.on('timeout', () => request.destroy());
    request.on('error', failed);
  });
}

/** Waits. */
export const sleep = (ms: number) => new Promise<void>((resolve) => setTimeout(resolve, ms));

/** Polls `path` every `everyMs` until it answers 200; returns the seconds since the spawn. Bounded by `limitS`. */
export async function untilOk(server: Server, path: string, limitS: number, everyMs = 20): Promise<number> {
  const deadline = Date.now() + limitS * 1000;
  while (Date.now() < deadline) {
    if (server.child.exitCode !== null || server.child.signalCode !== null) {
      throw new Error(
        `The server exited (${server.child.exitCode ?? server.child.signalCode}):\n${server.output()}`,
      );
    }
    if ((await status(server.port, path)) === 200) {
      return Number(process.hrtime.bigint() - server.started) / 1e9;
    }
    await sleep(everyMs);
  }
  throw new Error(`No 200 from ${path} within ${limitS} s:\n${server.output()}`);
}

/** Sends SIGTERM and waits for the exit (SIGKILL after `limitS`); returns the exit code or signal. */
export async function stop(server: Server, limitS = 30): Promise<string> {
  const { child } = server;
  if (child.exitCode !== null || child.signalCode !== null) return String(child.exitCode ?? child.signalCode);
  const exited = new Promise<string>((resolve) => {
    child.once('exit', (code, signal) => resolve(String(code ?? signal)));
  });
  child.kill('SIGTERM');
  const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
  const result = await exited;
  clearTimeout(timer);
  return result;
}

/** Resident memory of a process in MB (VmRSS, or VmHWM for the peak), or NaN off Linux. */
export function rssMb(pid: number, field: 'VmRSS' | 'VmHWM' = 'VmRSS'): number {
  try {
    const match = readFileSync(`/proc/${pid}/status`, 'utf8').match(
      new RegExp(`^${field}:\\s+(\\d+) kB`, 'm'),
    );
    return match ? Number(match[1]) / 1024 : Number.NaN;
  } catch {
    return Number.NaN;
  }
}

/** Runs a bounded child to completion and returns its stdout; kills it after `limitS`. */
export function runChild(command: [string, string[]], limitS: number): Promise<string> {
  return new Promise((resolve, reject) => {
    const child = spawn(command[0], command[1], { cwd: ROOT, stdio: ['ignore', 'pipe', 'pipe'] });
    children.add(child);
    let out = '';
    let err = '';
    child.stdout.on('data', (chunk: Buffer) => {
      out += chunk.toString('utf8');
    });
    child.stderr.on('data', (chunk: Buffer) => {
      err = (err + chunk.toString('utf8')).slice(-8192);
    });
    const timer = setTimeout(() => child.kill('SIGKILL'), limitS * 1000);
    child.on('error', reject);
    child.on('exit', (code, signal) => {
      clearTimeout(timer);
      children.delete(child);
      if (code === 0) resolve(out);
      else reject(new Error(`${command.flat().join(' ')} failed (${code ?? signal}):\n${err}`));
    });
  });
}

/** One autocannon run of `bench/load.ts` in its own process, on the load generator's core. */
export async function loadOnCore(cores: Cores, request: LoadRequest): Promise<LoadResult> {
  const command = onCore(cores, cores.load, [
    process.execPath,
    '--import',
    'tsx',
    path.join(ROOT, 'bench', 'load.ts'),
    JSON.stringify(request),
  ]);
  const out = await runChild(command, request.seconds + 60);
  return JSON.parse(out.trim().split('\n').at(-1) ?? '{}') as LoadResult;
}

/** A numeric benchmark setting from the environment (`BENCH_SECONDS`…), or its default; refuses nonsense. */
export function setting(name: string, fallback: number, min: number): number {
  const raw = process.env[name];
  if (raw === undefined || raw === '') return fallback;
  const value = Number(raw);
  if (!Number.isFinite(value) || value < min) {
    throw new Error(`${name} must be a number ≥ ${min} (got ${JSON.stringify(raw)})`);
  }
  return value;
}

/** The environment of a platform child: nothing from a developer's own configuration (embedded mode, quiet). */
export function cleanEnv(extra: Record<string, string>): NodeJS.ProcessEnv {
  const env: NodeJS.ProcessEnv = {};
  for (const [key, value] of Object.entries(process.env)) {
    if (key === 'DATABASE_URL' || key.startsWith('YIWANG_')) continue;
    env[key] = value;
  }
  // The load generator is one address sending thousands of requests a second: exactly what the per-address budgets
  // refuse (kernel/http/throttle.ts). The benchmarks measure capacity, so they lift them.
  return {
    ...env,
    HOST: '127.0.0.1',
    LOG_LEVEL: 'warn',
    YIWANG_THROTTLE_SIGN_IN: '0',
    YIWANG_THROTTLE_LOOKUPS: '0',
    ...extra,
  };
}
