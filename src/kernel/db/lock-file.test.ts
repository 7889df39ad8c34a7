import assert from 'node:assert/strict';
import { existsSync, mkdtempSync, readdirSync, readFileSync, writeFileSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { acquireDataDirLock, DataDirectoryLockedError } from './lock-file.ts';

describe('acquireDataDirLock', () => {
  it('refuses a directory held by a live process, naming it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-lock-'));
    // pid 1 is always alive: another process holds the directory.
    writeFileSync(path.join(dir, 'yiwang.lock'), '1');
    assert.throws(
      () => acquireDataDirLock(dir),
      (e: unknown) =>
        e instanceof DataDirectoryLockedError &&
        e.pid === 1 &&
        /in use by another Yiwang process/.test(e.message),
    );
  });

  it('refuses a second open of the same directory from the same process', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-lock-'));
    const lock = acquireDataDirLock(dir);
    try {
      assert.throws(() => acquireDataDirLock(dir), DataDirectoryLockedError);
    } finally {
      lock.release();
    }
    acquireDataDirLock(dir).release();
  });

  it('treats an empty or unreadable lock file as stale, never as a reason to hang', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-lock-'));
    writeFileSync(path.join(dir, 'yiwang.lock'), '');
    const lock = acquireDataDirLock(dir);
    assert.equal(readFileSync(path.join(dir, 'yiwang.lock'), 'utf8'), String(process.pid));
    lock.release();
    assert.deepEqual(readdirSync(dir), [], 'no scratch files are left behind');
  });

  it('takes over a lock left by a process that died, and releases it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-lock-'));
    writeFileSync(path.join(dir, 'yiwang.lock'), '999999999');
    const lock = acquireDataDirLock(dir);
    assert.ok(existsSync(path.join(dir, 'yiwang.lock')));
    lock.release();
    assert.ok(!existsSync(path.join(dir, 'yiwang.lock')));
  });
});
