import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { isPasswordExpired, passwordExpiresAt } from './password-expiry.ts';

describe('staff password expiry', () => {
  const setAt = new Date('2026-01-01T00:00:00Z');

  it('is off at 0 days: a password never expires', () => {
    assert.equal(passwordExpiresAt(setAt, 0), undefined);
    assert.equal(isPasswordExpired(setAt, new Date('2046-01-01T00:00:00Z'), 0), false);
  });

  it('expires a password exactly its maximum age after it was set', () => {
    assert.deepEqual(passwordExpiresAt(setAt, 90), new Date('2026-04-01T00:00:00Z'));
    assert.equal(isPasswordExpired(setAt, new Date('2026-03-31T23:59:59Z'), 90), false);
    assert.equal(isPasswordExpired(setAt, new Date('2026-04-01T00:00:00Z'), 90), true);
  });
});
