import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  generateRecoveryCodes,
  hashRecoveryCode,
  normaliseRecoveryCode,
  RECOVERY_CODE_COUNT,
  recoveryCodeKey,
} from './recovery-codes.ts';

describe('recovery codes', () => {
  it('come ten at a time, distinct, as XXXX-XXXX-XXXX in Crockford base32', () => {
    const codes = generateRecoveryCodes();
    assert.equal(codes.length, RECOVERY_CODE_COUNT);
    assert.equal(new Set(codes).size, codes.length);
    for (const code of codes)
      assert.match(code, /^[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}-[0-9A-HJKMNP-TV-Z]{4}$/);
  });

  it('are read forgivingly: case, spaces, hyphens, and O/I/L typed for 0/1', () => {
    assert.equal(normaliseRecoveryCode('7q2m-xk4d-9htb'), '7Q2MXK4D9HTB');
    assert.equal(normaliseRecoveryCode(' 7Q2M XK4D 9HTB '), '7Q2MXK4D9HTB');
    assert.equal(normaliseRecoveryCode('O0IL-1111-0000'), '00111111' + '0000');
    assert.equal(normaliseRecoveryCode('123456'), undefined, 'a TOTP code is no recovery code');
    assert.equal(normaliseRecoveryCode('7Q2M-XK4D-9HTU'), undefined, 'U is not in the alphabet');
    assert.equal(normaliseRecoveryCode(''), undefined);
  });

  it('are stored as keyed hashes bound to the account and the secret', () => {
    const key = recoveryCodeKey('a-platform-secret-of-at-least-32-characters');
    const hash = hashRecoveryCode(key, 'acct_1', '7Q2MXK4D9HTB');
    assert.match(hash, /^[0-9a-f]{64}$/);
    assert.ok(!hash.includes('7Q2M'));
    assert.notEqual(hashRecoveryCode(key, 'acct_2', '7Q2MXK4D9HTB'), hash, 'another account');
    const otherKey = recoveryCodeKey('another-platform-secret-of-32-characters!');
    assert.notEqual(hashRecoveryCode(otherKey, 'acct_1', '7Q2MXK4D9HTB'), hash, 'another secret');
    assert.equal(hashRecoveryCode(key, 'acct_1', '7Q2MXK4D9HTB'), hash, 'deterministic');
  });
});
