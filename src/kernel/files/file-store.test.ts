import assert from 'node:assert/strict';
import { createHash } from 'node:crypto';
import { mkdtemp, readdir, readFile, rm, stat, writeFile } from 'node:fs/promises';
import os from 'node:os';
import path from 'node:path';
import { after, before, describe, it } from 'node:test';
import { createDiskFileStore, FileIntegrityError, type FileStore } from './file-store.ts';

const bytesOf = (text: string) => new Uint8Array(Buffer.from(text, 'utf8'));
const sha256Of = (bytes: Uint8Array) => createHash('sha256').update(bytes).digest('hex');

// Every file under `directory`, relative to it, however deep.
async function filesUnder(directory: string): Promise<string[]> {
  const entries = await readdir(directory, { recursive: true, withFileTypes: true });
  return entries
    .filter((entry) => entry.isFile())
    .map((entry) => path.relative(directory, path.join(entry.parentPath, entry.name)))
    .sort();
}

describe('createDiskFileStore', () => {
  let root: string;
  let store: FileStore;

  before(async () => {
    root = await mkdtemp(path.join(os.tmpdir(), 'yiwang-files-'));
    store = createDiskFileStore(root);
  });

  after(async () => {
    await rm(root, { recursive: true, force: true });
  });

  it('puts, gets, has and deletes by SHA-256, at <root>/<2 hex>/<2 hex>/<sha256>', async () => {
    const bytes = bytesOf('营业执照扫描件 — licence scan');
    const sha256 = sha256Of(bytes);

    const stored = await store.put(bytes);
    assert.deepEqual(stored, { sha256, size: bytes.byteLength, created: true });
    const onDisk = path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256);
    assert.deepEqual(new Uint8Array(await readFile(onDisk)), bytes);
    // Personal data: readable by the platform's user only.
    if (process.platform !== 'win32') assert.equal((await stat(onDisk)).mode & 0o777, 0o600);

    assert.equal(await store.has(sha256), true);
    assert.deepEqual(await store.get(sha256), bytes);

    assert.equal(await store.delete(sha256), true);
    assert.equal(await store.has(sha256), false);
    assert.equal(await store.get(sha256), undefined);
    assert.equal(await store.delete(sha256), false);
  });

  it('answers undefined and false for an id never stored', async () => {
    const unknown = sha256Of(bytesOf('never put'));
    assert.equal(await store.get(unknown), undefined);
    assert.equal(await store.has(unknown), false);
    assert.equal(await store.delete(unknown), false);
  });

  it('stores the same bytes once: the second put says created: false', async () => {
    const bytes = bytesOf('idempotent');
    const first = await store.put(bytes);
    const second = await store.put(new Uint8Array(bytes));
    assert.equal(first.created, true);
    assert.deepEqual(second, { ...first, created: false });
    const sha256 = first.sha256;
    assert.deepEqual(await readdir(path.join(root, sha256.slice(0, 2), sha256.slice(2, 4))), [sha256]);
  });

  it('stores an empty file like any other', async () => {
    const stored = await store.put(new Uint8Array());
    assert.equal(stored.sha256, 'e3b0c44298fc1c149afbf4c8996fb92427ae41e4649b934ca495991b7852b855');
    assert.equal(stored.size, 0);
    assert.deepEqual(await store.get(stored.sha256), new Uint8Array());
  });

  it('lets concurrent puts of the same bytes all succeed, leaving one file and no temporary ones', async () => {
    const fresh = await mkdtemp(path.join(os.tmpdir(), 'yiwang-files-race-'));
    try {
      const racing = createDiskFileStore(fresh);
      const bytes = new Uint8Array(256 * 1024).fill(7);
      const results = await Promise.all(Array.from({ length: 8 }, () => racing.put(bytes)));
      const sha256 = sha256Of(bytes);
      for (const result of results)
        assert.deepEqual({ ...result, created: true }, { sha256, size: bytes.byteLength, created: true });
      assert.ok(results.some((result) => result.created));
      assert.deepEqual(await filesUnder(fresh), [path.join(sha256.slice(0, 2), sha256.slice(2, 4), sha256)]);
      assert.deepEqual(await racing.get(sha256), bytes);
    } finally {
      await rm(fresh, { recursive: true, force: true });
    }
  });

  it('refuses ids that are not 64 lower-case hex characters, before touching the disk', async () => {
    const valid = sha256Of(bytesOf('x'));
    const tricks = [
      '',
      '../../../../etc/passwd',
      `../${valid.slice(3)}`,
      `${valid.slice(0, 2)}/${valid.slice(2, 4)}/${valid.slice(0, 58)}`,
      valid.toUpperCase(),
      `${valid}\n`,
      `${valid}/`,
      valid.slice(1),
      `${valid}0`,
      `${valid.slice(0, 63)}\0`,
      `/${valid.slice(1)}`,
    ];
    for (const id of tricks) {
      await assert.rejects(store.get(id), RangeError, JSON.stringify(id));
      await assert.rejects(store.has(id), RangeError, JSON.stringify(id));
      await assert.rejects(store.delete(id), RangeError, JSON.stringify(id));
    }
  });

  it('refuses to serve a stored file whose bytes were altered on disk', async () => {
    const { sha256 } = await store.put(bytesOf('original'));
    await writeFile(path.join(root, sha256.slice(0, 2), sha256.slice(2, 4), sha256), 'tampered');
    await assert.rejects(store.get(sha256), FileIntegrityError);
    assert.equal(await store.has(sha256), true);
  });
});

describe('listing the disk file store', () => {
  it('lists every stored file once, and nothing of a write in progress', async () => {
    const root = await mkdtemp(path.join(os.tmpdir(), 'yiwang-list-'));
    const store = createDiskFileStore(root);
    const listed = async () => {
      const ids: string[] = [];
      for await (const id of store.list()) ids.push(id);
      return ids.sort();
    };
    assert.deepEqual(await listed(), [], 'an empty (never written) store lists nothing');
    const a = await store.put(Buffer.from('first'));
    const b = await store.put(Buffer.from('second'));
    await store.put(Buffer.from('first'));
    await writeFile(path.join(root, a.sha256.slice(0, 2), a.sha256.slice(2, 4), '.tmp-cut-short'), 'half');
    assert.deepEqual(await listed(), [a.sha256, b.sha256].sort());
  });
});
