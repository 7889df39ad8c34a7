import assert from 'node:assert/strict';
import { mkdtempSync, statSync } from 'node:fs';
import { tmpdir } from 'node:os';
import path from 'node:path';
import { describe, it } from 'node:test';
import { loadConfig } from './config.ts';
import { openValue, resolveSecret, sealValue } from './secret.ts';

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

  it('seals values so that only the same secret and purpose open them, and alteration is caught', () => {
    const secret = 'k'.repeat(40);
    const sealed = sealValue(secret, 'totp', 'JBSWY3DPEHPK3PXP');
    assert.notEqual(sealed, sealValue(secret, 'totp', 'JBSWY3DPEHPK3PXP'), 'a fresh IV every time');
    assert.equal(openValue(secret, 'totp', sealed), 'JBSWY3DPEHPK3PXP');
    assert.throws(() => openValue(secret, 'signing-key', sealed));
    assert.throws(() => openValue('z'.repeat(40), 'totp', sealed));
    const altered = `${sealed.slice(0, -2)}${sealed.endsWith('A') ? 'B' : 'A'}A`;
    assert.throws(() => openValue(secret, 'totp', altered));
  });
});
