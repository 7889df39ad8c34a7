import { linkSync, mkdirSync, readFileSync, renameSync, unlinkSync, writeFileSync } from 'node:fs';
import path from 'node:path';

/** Another live process holds the data directory; its message says which and what to do. */
export class DataDirectoryLockedError extends Error {
  constructor(
    readonly dataDir: string,
    readonly pid: number,
  ) {
    super(
      `The data directory ${dataDir} is in use by another Yiwang process (pid ${pid}). ` +
        'The embedded database allows one process only: stop that one first, or set DATABASE_URL to run several instances on PostgreSQL.',
    );
    this.name = 'DataDirectoryLockedError';
  }
}

function isAlive(pid: number): boolean {
  try {
    process.kill(pid, 0);
    return true;
  } catch (error) {
    // EPERM: the process exists but belongs to someone else.
    return (error as NodeJS.ErrnoException).code === 'EPERM';
  }
}

function readPid(file: string): number | undefined {
  try {
    const pid = Number.parseInt(readFileSync(file, 'utf8').trim(), 10);
    return Number.isInteger(pid) && pid > 0 ? pid : undefined;
  } catch {
    return undefined;
  }
}

// Directories this process holds: a second open from the same process must be refused too.
const heldHere = new Set<string>();

/**
 * Takes an exclusive lock on a data directory: a file holding our pid. Two processes opening one PGlite directory
 * corrupt it, so the second must be refused before it opens anything.
 * - The file appears complete or not at all: the pid is written to a private file, then hard-linked into place
 *   (link fails if the lock exists), so nobody ever reads a half-written lock.
 * - A lock whose process is dead (a kill -9, or our own pid reused after a container restart) is taken over by
 *   renaming it aside and checking that what was renamed is the dead lock; a live lock renamed by mistake in a race
 *   is put back.
 */
export function acquireDataDirLock(dataDir: string): { release(): void } {
  mkdirSync(dataDir, { recursive: true });
  const dir = path.resolve(dataDir);
  const file = path.join(dir, 'yiwang.lock');
  if (heldHere.has(dir)) throw new DataDirectoryLockedError(dir, process.pid);
  const mine = path.join(dir, `.yiwang.lock.${process.pid}`);
  writeFileSync(mine, String(process.pid), { mode: 0o600 });
  try {
    for (let attempt = 0; attempt < 5; attempt++) {
      try {
        linkSync(mine, file);
        heldHere.add(dir);
        let released = false;
        return {
          release() {
            if (released) return;
            released = true;
            heldHere.delete(dir);
            if (readPid(file) === process.pid) unlinkSync(file);
          },
        };
      } catch (error) {
        if ((error as NodeJS.ErrnoException).code !== 'EEXIST') throw error;
      }
      const holder = readPid(file);
      if (holder !== undefined && holder !== process.pid && isAlive(holder)) {
        throw new DataDirectoryLockedError(dir, holder);
      }
      // Stale: move it aside under a name only we use, then make sure it was the stale one we judged.
      const aside = path.join(dir, `.yiwang.lock.stale.${process.pid}`);
      try {
        renameSync(file, aside);
      } catch {
        continue; // someone else moved it first: look again
      }
      const moved = readPid(aside);
      if (moved !== holder && moved !== undefined && isAlive(moved)) {
        // We moved a lock another process had just taken: give it back and let it win.
        try {
          linkSync(aside, file);
        } catch {
          // It re-took the lock meanwhile, or another did: either way it is not ours.
        }
        unlinkSync(aside);
        throw new DataDirectoryLockedError(dir, moved);
      }
      unlinkSync(aside);
    }
    throw new Error(`Could not take the lock file ${file}: it keeps changing hands.`);
  } finally {
    unlinkSync(mine);
  }
}
