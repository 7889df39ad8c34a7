import { type ChildProcessByStdio, spawn } from 'node:child_process';
import { constants } from 'node:fs';
import { access } from 'node:fs/promises';
import path from 'node:path';
import type { Readable, Writable } from 'node:stream';

/**
 * How one scan ended. `not_scanned` means nobody looked (no scanner installed, or it failed or took too long):
 * the caller records that, and decides whether such a file may go on.
 */
export interface ScanResult {
  status: 'clean' | 'infected' | 'not_scanned';
  /** The scanner's name for what it found, when infected. */
  signature?: string;
  /** The program that looked (`clamdscan`, `clamscan`), when one ran. */
  engine?: string;
}

/** Looks for malware in one file's bytes. Never throws: every failure is a `not_scanned` result. */
export interface VirusScanner {
  scan(bytes: Uint8Array): Promise<ScanResult>;
}

/** How to run the scanner. Without `command`, ClamAV is looked for on PATH when the first file is scanned. */
export interface VirusScannerOptions {
  /** The scanner executable, run as `<command> --no-summary -` with the file on stdin (ClamAV's interface). */
  command?: string;
  /** How long one scan may take before it is killed and reported `not_scanned`; 30 seconds by default. */
  timeoutMs?: number;
}

// clamdscan hands the file to the clamd daemon, whose signatures are already loaded; clamscan loads them for every
// file (many seconds), so it comes second.
const CLAMAV_COMMANDS = ['clamdscan', 'clamscan'] as const;
const DEFAULT_TIMEOUT_MS = 30_000;
// A verdict is one short line; more than this is noise we need not keep.
const MAX_OUTPUT_BYTES = 64 * 1024;

// ClamAV's exit codes: 0 no virus, 1 virus found, anything else (2) an error.
const EXIT_CLEAN = 0;
const EXIT_INFECTED = 1;
// `stdin: Eicar-Test-Signature FOUND` from clamscan; clamdscan may label the stream differently, so any label.
const FOUND_LINE = /^[^\r\n:]*: (.+?) FOUND\r?$/m;

/**
 * A VirusScanner that runs ClamAV (`clamdscan`, else `clamscan`) or the given command. Where neither is installed
 * every scan is `not_scanned`: installing ClamAV later needs a restart, because the search is made once.
 */
export function createVirusScanner(options: VirusScannerOptions = {}): VirusScanner {
  const timeoutMs = options.timeoutMs ?? DEFAULT_TIMEOUT_MS;
  let found: Promise<string | undefined> | undefined;
  const command = () => {
    found ??= options.command !== undefined ? Promise.resolve(options.command) : findOnPath(CLAMAV_COMMANDS);
    return found;
  };

  return {
    async scan(bytes) {
      const executable = await command();
      if (executable === undefined) return { status: 'not_scanned' };
      return runScanner(executable, bytes, timeoutMs);
    },
  };
}

/** The full path of the first of `names` that is an executable file in a PATH directory, or undefined. */
async function findOnPath(names: readonly string[]): Promise<string | undefined> {
  const directories = (process.env.PATH ?? '').split(path.delimiter).filter((directory) => directory !== '');
  for (const name of names) {
    for (const directory of directories) {
      const candidate = path.join(directory, name);
      try {
        await access(candidate, constants.X_OK);
        return candidate;
      } catch {
        // Not here, or not executable: try the next directory.
      }
    }
  }
  return undefined;
}

function runScanner(executable: string, bytes: Uint8Array, timeoutMs: number): Promise<ScanResult> {
  const engine = path.basename(executable);
  return new Promise((resolve) => {
    let settled = false;
    let timer: NodeJS.Timeout | undefined;
    const finish = (result: ScanResult) => {
      if (settled) return;
      settled = true;
      clearTimeout(timer);
      resolve(result);
    };

    let child: ChildProcessByStdio<Writable, Readable, null>;
    try {
      child = spawn(executable, ['--no-summary', '-'], { stdio: ['pipe', 'pipe', 'ignore'] });
    } catch {
      // A command that is no file name at all (empty, or with a NUL byte) is refused before anything runs.
      return finish({ status: 'not_scanned', engine });
    }
    // Our own timer rather than spawn's `timeout`: we answer at once, without waiting for the pipes to close
    // (a scanner's own children can hold them open after it is killed).
    timer = setTimeout(() => {
      child.kill('SIGKILL');
      child.stdout.destroy();
      finish({ status: 'not_scanned', engine });
    }, timeoutMs);

    const chunks: Buffer[] = [];
    let kept = 0;
    child.stdout.on('data', (chunk: Buffer) => {
      if (kept >= MAX_OUTPUT_BYTES) return;
      chunks.push(chunk);
      kept += chunk.byteLength;
    });

    // A missing or unrunnable executable arrives here (ENOENT, EACCES), not as a throw from spawn.
    child.on('error', () => finish({ status: 'not_scanned', engine }));
    // A scanner that stops reading early (it found something, or it failed) closes stdin under us: its exit code
    // carries the verdict, so the broken pipe is not news.
    child.stdin.on('error', () => {});
    child.stdin.end(bytes);

    child.on('close', (code) => {
      if (code === EXIT_CLEAN) return finish({ status: 'clean', engine });
      if (code === EXIT_INFECTED) {
        const signature = FOUND_LINE.exec(Buffer.concat(chunks).toString('utf8'))?.[1];
        // Exit code 1 is the verdict; a line we cannot read must not turn a found virus into a clean file.
        return finish(signature ? { status: 'infected', signature, engine } : { status: 'infected', engine });
      }
      // Exit code 2 (or death by a signal): the scanner failed, so nobody looked.
      finish({ status: 'not_scanned', engine });
    });
  });
}
