import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { sameSitePath } from './return-path.ts';

describe('sameSitePath', () => {
  it('keeps a path of this site with its query', () => {
    assert.equal(sameSitePath('/life-events/new-baby?lang=en'), '/life-events/new-baby?lang=en');
    assert.equal(
      sameSitePath('/topics/tax?page=2&audience=business'),
      '/topics/tax?page=2&audience=business',
    );
    assert.equal(sameSitePath('/'), '/');
  });

  it('encodes what a Location header cannot carry', () => {
    assert.equal(sameSitePath('/search?q=开餐馆'), '/search?q=%E5%BC%80%E9%A4%90%E9%A6%86');
  });

  it('sends anything that could leave the site to the home page', () => {
    for (const value of [
      'https://evil.example/',
      '//evil.example/path',
      '/\\evil.example',
      '\\\\evil.example',
      'javascript:alert(1)',
      'life-events',
      '',
      '/ok\r\nSet-Cookie: x=1',
      '/\t/evil.example',
      `/${'a'.repeat(2001)}`,
      undefined,
      42,
      ['/'],
    ]) {
      assert.equal(sameSitePath(value), '/', String(value));
    }
  });

  it('never returns to the preference form itself', () => {
    assert.equal(sameSitePath('/preferences/elderly'), '/');
  });
});
