import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { decideSend, RECIPIENT_SEND_RULE } from './code-send-limit.ts';
import { normalizeMainlandMobile } from './mobile-number.ts';

const HOUR = 3600_000;
const T0 = Date.UTC(2026, 0, 5, 2, 0, 0);

describe('limit on sending codes (5 per hour per recipient)', () => {
  it('allows five sends in an hour, refuses the sixth until the oldest leaves the window', () => {
    let recent: number[] = [];
    for (let i = 0; i < 5; i++) {
      const decision = decideSend(RECIPIENT_SEND_RULE, recent, T0 + i * 60_000);
      assert.equal(decision.allowed, true, `send ${i + 1}`);
      if (decision.allowed) recent = decision.recent;
    }
    assert.deepEqual(decideSend(RECIPIENT_SEND_RULE, recent, T0 + 10 * 60_000), {
      allowed: false,
      retryAfterSeconds: 50 * 60,
    });
    // A sliding window: at T0 + 1 h the first send has left it, so there is room for exactly one more.
    const later = decideSend(RECIPIENT_SEND_RULE, recent, T0 + HOUR);
    assert.equal(later.allowed, true);
    if (later.allowed) {
      assert.equal(later.recent.length, 5, 'sends older than the window are forgotten');
      assert.deepEqual(decideSend(RECIPIENT_SEND_RULE, later.recent, T0 + HOUR + 1), {
        allowed: false,
        retryAfterSeconds: 60,
      });
    }
  });

  it('never asks to wait less than a second, and ignores times from the future', () => {
    const full = [1, 2, 3, 4, 5].map((i) => T0 - HOUR + i);
    assert.deepEqual(decideSend(RECIPIENT_SEND_RULE, full, T0), { allowed: false, retryAfterSeconds: 1 });
    assert.equal(
      decideSend(RECIPIENT_SEND_RULE, [T0 + HOUR, T0 + HOUR, T0 + HOUR, T0 + HOUR, T0 + HOUR], T0).allowed,
      true,
    );
  });
});

describe('mainland mobile numbers', () => {
  it('accepts 11 digits starting with 1, as people type them', () => {
    for (const raw of [
      '13900000099',
      ' 139 0000 0099 ',
      '139-0000-0099',
      '+86 139 0000 0099',
      '008613900000099',
      '１３９００００００９９',
    ]) {
      assert.equal(normalizeMainlandMobile(raw), '13900000099', raw);
    }
  });

  it('refuses anything else', () => {
    for (const raw of [
      '',
      '1390000009',
      '139000000999',
      '23900000099',
      '+85213900000099',
      '1390000009a',
      '86 13900000099x',
    ]) {
      assert.equal(normalizeMainlandMobile(raw), undefined, raw);
    }
  });
});
