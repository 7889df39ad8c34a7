import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import {
  creditCodeCheckCharacter,
  isValidCreditCode,
  isValidResidentId,
  residentIdCheckCharacter,
} from './identifiers.ts';

describe('resident ID numbers (GB 11643)', () => {
  it('accepts the standard’s own example and numbers with an X check character', () => {
    // The example in GB 11643-1999, appendix A.
    assert.equal(isValidResidentId('11010519491231002X'), true);
    assert.equal(isValidResidentId('11010519491231002x'), true, 'a lower-case x is read as X');
  });

  it('makes demo-city numbers that pass (division code 990100)', () => {
    const first17 = '99010019900307123';
    const id = first17 + residentIdCheckCharacter(first17);
    assert.equal(isValidResidentId(id), true);
  });

  it('refuses a wrong check character, an impossible birth date and a wrong length', () => {
    assert.equal(isValidResidentId('110105194912310021'), false);
    assert.equal(isValidResidentId('110105194902300020'), false, '30 February');
    assert.equal(isValidResidentId('11010519491231002'), false);
    assert.equal(isValidResidentId('11010519491231002XX'), false);
  });
});

describe('unified social credit codes (GB 32100)', () => {
  it('accepts a code with the right check character and refuses one with a wrong one', () => {
    const first17 = '91990100MA0000001';
    const code = first17 + creditCodeCheckCharacter(first17);
    assert.equal(isValidCreditCode(code), true);
    const wrong = first17 + (code.endsWith('0') ? '1' : '0');
    assert.equal(isValidCreditCode(wrong), false);
  });

  it('accepts a commonly quoted sample code', () => {
    // A sample code often quoted when explaining the standard; it must pass the same algorithm.
    assert.equal(isValidCreditCode('91350100M000100Y43'), true);
  });

  it('refuses letters the code never uses (I, O, S, V, Z) and wrong lengths', () => {
    assert.equal(isValidCreditCode('91990100MA000000IO'), false);
    assert.equal(isValidCreditCode('91990100MA00000'), false);
  });
});
