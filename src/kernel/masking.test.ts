import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { maskIdNumber, maskPhone } from './masking.ts';

describe('masking', () => {
  it('shows the first 6 and last 4 characters of an ID number', () => {
    assert.equal(maskIdNumber('99010019900307123X'), '990100********123X');
  });

  it('shows the first 3 and last 4 digits of a phone number', () => {
    assert.equal(maskPhone('13912345678'), '139****5678');
  });

  it('masks a value too short to keep any part without revealing it', () => {
    assert.equal(maskIdNumber('12345'), '*****');
    assert.equal(maskPhone('12345'), '*****');
  });
});
