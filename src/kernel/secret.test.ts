import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { resolveSecret } from './secret.ts';

describe('resolveSecret', () => {
  it('makes a secret once in the embedded data directory, private to its owner, and keeps it', () => {
    const dir = mkdtempSync(path.join(tmpdir(), 'yiwang-secret-'));
    const config = loadConfig({ YIWANG_DATA_DIR: dir });
    const first = resolveSecret(config);
    assert.ok(first.length >= 32);
    assert.equal(resolveSecret(config), first);
    assert.equal(statSync(path.join(dir, 'secret.key')).mode & 0o077, 0);
  });

  it('uses YIWANG_SECRET when given', () => {
    const secret = 's'.repeat(40);
    assert.equal(resolveSecret(loadConfig({ YIWANG_SECRET: secret })), secret);
  });
});
