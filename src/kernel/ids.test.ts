import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { generatedId, isId, newId } from './ids.ts';

describe('newId', () => {
  it('carries its type prefix and 26 Crockford base32 characters', () => {
    const id = newId('case');
    assert.match(id, /^case_[0-9A-HJKMNP-TV-Z]{26}$/);
    assert.ok(isId(id, 'case'));
    assert.ok(!isId(id, 'cert'));
  });

  it('sorts by creation time and does not repeat', async () => {
    const first = newId('evt');
    await new Promise((resolve) => setTimeout(resolve, 2));
    const second = newId('evt');
    assert.ok(first < second);
    const many = new Set(Array.from({ length: 10_000 }, () => newId('evt')));
    assert.equal(many.size, 10_000);
  });

  it('refuses a prefix that would not explain itself', () => {
    assert.throws(() => newId('X'), RangeError);
    assert.throws(() => newId('case-1'), RangeError);
  });
});

describe('generatedId', () => {
  it('names the nth generated row the same every time, in the layout of an id, never like a new one', () => {
    assert.equal(generatedId('acct', 42), generatedId('acct', 42));
    assert.notEqual(generatedId('acct', 42), generatedId('acct', 43));
    assert.ok(isId(generatedId('acct', 499_999), 'acct'));
    assert.ok(generatedId('acct', 0).startsWith('acct_GEN'));
    assert.ok(!newId('acct').startsWith('acct_GEN'));
    assert.throws(() => generatedId('acct', -1), RangeError);
  });
});
