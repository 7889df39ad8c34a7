/*
 * Check digits of the two national identifiers a government platform meets on every form.
 * Pure functions: the identity module validates with them, and forms will reuse them through its contract.
 */

// GB 11643-1999: weights 2^(17-i) mod 11 for the first 17 digits; the check character from the sum mod 11.
const ID_WEIGHTS = [7, 9, 10, 5, 8, 4, 2, 1, 6, 3, 7, 9, 10, 5, 8, 4, 2];
const ID_CHECK = '10X98765432';

/** The check character of the first 17 digits of a resident ID number (GB 11643). */
export function residentIdCheckCharacter(first17: string): string {
  if (!/^\d{17}$/.test(first17)) throw new RangeError('A resident ID number starts with 17 digits.');
  const sum = ID_WEIGHTS.reduce((total, weight, i) => total + weight * Number(first17[i]), 0);
  return ID_CHECK[sum % 11] as string;
}

function isRealDate(yyyymmdd: string): boolean {
  const y = Number(yyyymmdd.slice(0, 4));
  const m = Number(yyyymmdd.slice(4, 6));
  const d = Number(yyyymmdd.slice(6, 8));
  const date = new Date(Date.UTC(y, m - 1, d));
  return y >= 1900 && date.getUTCFullYear() === y && date.getUTCMonth() === m - 1 && date.getUTCDate() === d;
}

/** True for an 18-character resident ID number whose birth date is real and whose check character is right. */
export function isValidResidentId(value: string): boolean {
  const v = value.trim().toUpperCase();
  if (!/^\d{17}[\dX]$/.test(v)) return false;
  if (!isRealDate(v.slice(6, 14))) return false;
  return residentIdCheckCharacter(v.slice(0, 17)) === v[17];
}

// GB 32100-2015: 31 characters (no I, O, Z, S, V); weights 3^i mod 31; check = 31 - (sum mod 31), 31 → 0.
const CREDIT_CHARS = '0123456789ABCDEFGHJKLMNPQRTUWXY';
const CREDIT_WEIGHTS = [1, 3, 9, 27, 19, 26, 16, 17, 20, 29, 25, 13, 8, 24, 10, 30, 28];

/** The check character of the first 17 characters of a unified social credit code (GB 32100). */
export function creditCodeCheckCharacter(first17: string): string {
  const v = first17.toUpperCase();
  if (v.length !== 17 || [...v].some((c) => !CREDIT_CHARS.includes(c))) {
    throw new RangeError(
      'A unified social credit code starts with 17 characters from 0-9 and A-Y without I, O, S, V, Z.',
    );
  }
  const sum = CREDIT_WEIGHTS.reduce(
    (total, weight, i) => total + weight * CREDIT_CHARS.indexOf(v[i] as string),
    0,
  );
  return CREDIT_CHARS[(31 - (sum % 31)) % 31] as string;
}

/** True for an 18-character unified social credit code with the right check character. */
export function isValidCreditCode(value: string): boolean {
  const v = value.trim().toUpperCase();
  if (!/^[0-9A-HJ-NPQRTUWXY]{18}$/.test(v)) return false;
  return creditCodeCheckCharacter(v.slice(0, 17)) === v[17];
}
