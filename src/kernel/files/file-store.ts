import { createHash, randomBytes } from 'node:crypto';
import { mkdir, open, readdir, readFile, rename, stat, unlink } from 'node:fs/promises';
import path from 'node:path';

/** What `put` did: the file's SHA-256 (its id from now on), its size, and whether this call stored it. */
export interface StoredFile {
  sha256: string;
  size: number;
  /**
   * False when the same bytes were already stored. Two first puts of the same bytes racing each other may both
   * say true: the stored file is the same either way, so do not count references by it.
   */
  created: boolean;
}

/**
 * Content-addressed storage of uploaded files: a file's id is the lower-case hex SHA-256 of its bytes, so the same
 * bytes are stored once and a stored file cannot change under its id. A disk store implements it here; an
 * S3-compatible store can implement it later without its callers noticing.
 */
export interface FileStore {
  /** Stores the bytes (once, however often they are put) and returns their id. */
  put(bytes: Uint8Array): Promise<StoredFile>;
  /** The bytes stored under `sha256`, or undefined. Throws a RangeError for an id that is not 64 lower-case hex. */
  get(sha256: string): Promise<Uint8Array | undefined>;
  /** Whether anything is stored under `sha256`. Throws a RangeError for an id that is not 64 lower-case hex. */
  has(sha256: string): Promise<boolean>;
  /** Removes the file; false when there was none. Throws a RangeError for an id that is not 64 lower-case hex. */
  delete(sha256: string): Promise<boolean>;
  /** The id of every stored file (a backup takes them all), in no particular order. */
  list(): AsyncIterable<string>;
}

/** A stored file whose bytes no longer hash to its id: the disk or someone with access to it changed them. */
export class FileIntegrityError extends Error {
  constructor(readonly sha256: string) {
    super(`The stored file ${sha256} does not match its SHA-256: it has been damaged or altered.`);
    this.name = 'FileIntegrityError';
  }
}

// Ids become paths: anything but exactly 64 lower-case hex could climb out of the root (`../`), name a directory,
// or let two spellings (upper and lower case) point at one file.
const SHA256_HEX = /^[0-9a-f]{64}$/;

function assertId(sha256: string): void {
  if (typeof sha256 !== 'string' || !SHA256_HEX.test(sha256)) {
    throw new RangeError('A file id must be a SHA-256 written as 64 lower-case hexadecimal characters.');
  }
}

function sha256Of(bytes: Uint8Array): string {
  return createHash('sha256').update(bytes).digest('hex');
}

/** A directory's entries, or none when it does not exist (a store nothing was ever put in). */
async function directoryEntries(directory: string): Promise<string[]> {
  try {
    return await readdir(directory);
  } catch (error) {
    if (isMissing(error)) return [];
    throw error;
  }
}

function isMissing(error: unknown): boolean {
  return (error as NodeJS.ErrnoException).code === 'ENOENT';
}

// Uploads carry personal data: only the platform's own user may read them.
const FILE_MODE = 0o600;
const DIRECTORY_MODE = 0o700;

/**
 * Makes a directory's entries (a file renamed into it, a directory made in it) survive power loss. Windows cannot
 * open a directory for syncing, and some file systems refuse to sync one; there we rely on what they give.
 */
async function syncDirectory(directory: string): Promise<void> {
  if (process.platform === 'win32') return;
  const handle = await open(directory, 'r');
  try {
    await handle.sync();
  } catch (error) {
    const code = (error as NodeJS.ErrnoException).code;
    if (code !== 'EINVAL' && code !== 'ENOTSUP' && code !== 'EPERM') throw error;
  } finally {
    await handle.close();
  }
}

/**
 * A FileStore in a directory on local disk: each file lives at `<root>/<hex 0–1>/<hex 2–3>/<sha256>`, which keeps
 * every directory small (at most 256 entries above the files). Writes are atomic: a reader sees the whole file or
 * none of it, even after a crash. Temporary files (`.tmp-…`) left by a crash mid-write are never served and may be
 * removed when no write is running.
 */
export function createDiskFileStore(root: string): FileStore {
  // Resolved once, so a later change of working directory cannot move the store.
  const base = path.resolve(root);
  const directoryOf = (sha256: string) => path.join(base, sha256.slice(0, 2), sha256.slice(2, 4));
  const pathOf = (sha256: string) => path.join(directoryOf(sha256), sha256);

  return {
    async put(bytes) {
      const sha256 = sha256Of(bytes);
      const size = bytes.byteLength;
      const target = pathOf(sha256);
      if (await exists(target)) return { sha256, size, created: false };

      const directory = directoryOf(sha256);
      const made = await mkdir(directory, { recursive: true, mode: DIRECTORY_MODE });
      if (made !== undefined) {
        // New directories are entries in their parents: sync those too, or a crash could lose the whole branch.
        await syncDirectory(path.dirname(directory));
        await syncDirectory(base);
      }

      // Same directory as the target, so the rename cannot cross file systems and stays atomic; a random name, so
      // concurrent writers of the same bytes never share a temporary file.
      const temporary = path.join(directory, `.tmp-${randomBytes(12).toString('hex')}`);
      try {
        const handle = await open(temporary, 'wx', FILE_MODE);
        try {
          await handle.writeFile(bytes);
          await handle.sync();
        } finally {
          await handle.close();
        }
        // Replacing a file another writer just put is harmless: the content is the same by construction.
        await rename(temporary, target);
      } catch (error) {
        await unlink(temporary).catch(() => {});
        throw error;
      }
      await syncDirectory(directory);
      return { sha256, size, created: true };
    },

    async *list() {
      for (const first of await directoryEntries(base)) {
        if (!/^[0-9a-f]{2}$/.test(first)) continue;
        for (const second of await directoryEntries(path.join(base, first))) {
          if (!/^[0-9a-f]{2}$/.test(second)) continue;
          // Temporary files of a write in progress (or cut short by a crash) are not stored files.
          for (const name of await directoryEntries(path.join(base, first, second)))
            if (SHA256_HEX.test(name) && name.startsWith(first + second)) yield name;
        }
      }
    },

    async get(sha256) {
      assertId(sha256);
      let bytes: Buffer;
      try {
        bytes = await readFile(pathOf(sha256));
      } catch (error) {
        if (isMissing(error)) return undefined;
        throw error;
      }
      // Checked on every read: serving altered bytes under an id that promises otherwise would be worse than failing.
      if (sha256Of(bytes) !== sha256) throw new FileIntegrityError(sha256);
      return new Uint8Array(bytes.buffer, bytes.byteOffset, bytes.byteLength);
    },

    async has(sha256) {
      assertId(sha256);
      return exists(pathOf(sha256));
    },

    async delete(sha256) {
      assertId(sha256);
      // The two directory levels stay: removing an empty one would race a put that has just made it.
      try {
        await unlink(pathOf(sha256));
      } catch (error) {
        if (isMissing(error)) return false;
        throw error;
      }
      await syncDirectory(directoryOf(sha256));
      return true;
    },
  };
}

async function exists(file: string): Promise<boolean> {
  try {
    return (await stat(file)).isFile();
  } catch (error) {
    if (isMissing(error)) return false;
    throw error;
  }
}
