/**
 * Reference numbers people read aloud over the 12345 hotline and type from a receipt or a certificate —
 * `SJ-2026-0000042-K`: a prefix (a department, a kind of certificate), the year, a sequence number, and a check
 * character (ISO/IEC 7064 MOD 37,36) that catches every single wrong character and every swap of two neighbours, so
 * a mistyped number is refused rather than finding someone else's case or certificate.
 */

const ALPHABET = '0123456789ABCDEFGHIJKLMNOPQRSTUVWXYZ';
const M = 36;

/** ISO/IEC 7064 MOD 37,36 (hybrid system): the check character of `body` (digits and capital letters). */
export function checkCharacter(body: string): string {
  let product = M;
  for (const char of body) {
    const value = ALPHABET.indexOf(char);
    if (value < 0) throw new RangeError(`Not a digit or capital letter: ${char}`);
    let sum = (product + value) % M;
    if (sum === 0) sum = M;
    product = (sum * 2) % (M + 1);
  }
  return ALPHABET[(M + 1 - product) % M] as string;
}

const REFERENCE_NUMBER = /^([A-Z]{2,6})-(\d{4})-(\d{7,})-([0-9A-Z])$/;

/** The reference number of the `sequence`-th item, with `prefix` (2–6 capital letters), in `year`. */
export function formatReferenceNumber(prefix: string, year: number, sequence: number): string {
  if (!/^[A-Z]{2,6}$/.test(prefix)) throw new RangeError(`Not a reference prefix: ${prefix}`);
  if (!Number.isSafeInteger(sequence) || sequence < 1)
    throw new RangeError(`Not a sequence number: ${sequence}`);
  const body = `${prefix}${year}${String(sequence).padStart(7, '0')}`;
  return `${prefix}-${year}-${String(sequence).padStart(7, '0')}-${checkCharacter(body)}`;
}

/**
 * The canonical form of a reference number a person typed (any case, spaces), or undefined when it is not one or
 * its check character is wrong.
 */
export function parseReferenceNumber(input: string): string | undefined {
  const compact = input.toUpperCase().replace(/[\s\u3000]+/g, '');
  const match = REFERENCE_NUMBER.exec(compact);
  if (!match) return undefined;
  const [, prefix, year, sequence, check] = match as unknown as [string, string, string, string, string];
  return checkCharacter(`${prefix}${year}${sequence}`) === check ? compact : undefined;
}
