import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { deflateSync } from 'node:zlib';
import { encodeStatusList, statusAt } from './status-list.ts';

describe('status list', () => {
  it('sets exactly the revoked bits, least significant first, and reads them back', () => {
    const list = encodeStatusList([0, 3, 9, 15], 16);
    assert.equal(list.bits, 1);
    const expected = deflateSync(Uint8Array.from([0b0000_1001, 0b1000_0010]), { level: 9 }).toString(
      'base64url',
    );
    assert.equal(list.lst, expected);
    const read = Array.from({ length: 16 }, (_, i) => statusAt(list, i));
    assert.deepEqual(
      read.flatMap((s, i) => (s === 'revoked' ? [i] : [])),
      [0, 3, 9, 15],
    );
    assert.equal(statusAt(list, 16), undefined, 'outside the list is unknown, not valid');
    assert.equal(statusAt(list, -1), undefined);
  });

  it('reads the draft specification’s own example list', () => {
    // draft-ietf-oauth-status-list, section "Status List": bits 0, 3, 4, 5, 7, 8, 9, 13 and 15 set of 16.
    const example = { bits: 1 as const, lst: 'eNrbuRgAAhcBXQ' };
    const revoked = Array.from({ length: 16 }, (_, i) => i).filter((i) => statusAt(example, i) === 'revoked');
    assert.deepEqual(revoked, [0, 3, 4, 5, 7, 8, 9, 13, 15]);
  });

  it('refuses an index it cannot hold', () => {
    assert.throws(() => encodeStatusList([8], 8), RangeError);
  });
});
