import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { passwordProblem } from './password-policy.ts';

describe('password policy', () => {
  it('accepts a long passphrase, in any script, up to 128 characters', () => {
    assert.equal(passwordProblem('correct horse battery staple'), undefined);
    assert.equal(passwordProblem('示范市政务服务网好用'), undefined);
    assert.equal(passwordProblem('x'.repeat(63) + 'y'.repeat(65)), undefined);
  });

  it('refuses short, over-long, common and username-based passwords', () => {
    assert.equal(passwordProblem('short1!'), 'too-short');
    assert.equal(passwordProblem('a'.repeat(129)), 'too-long');
    assert.equal(passwordProblem('Password123'), 'common');
    assert.equal(passwordProblem('woaini1314'), 'common');
    assert.equal(passwordProblem('zzzzzzzzzz'), 'common');
    assert.equal(passwordProblem('zhangwei-2026', 'zhangwei'), 'contains-username');
  });
});
