import { randomBytes } from 'node:crypto';

// Crockford's base32: no I, L, O, U, so an ID read aloud over the 12345 hotline is unambiguous.
const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';

function encodeTime(ms: number, length: number): string {
  let out = '';
  let rest = ms;
  for (let i = 0; i < length; i++) {
    out = ALPHABET[rest % 32] + out;
    rest = Math.floor(rest / 32);
  }
  return out;
}

function encodeRandom(length: number): string {
  const bytes = randomBytes(length);
  let out = '';
  for (const byte of bytes) out += ALPHABET[byte % 32];
  return out;
}

/**
 * A new identifier with a type prefix (`evt_01J…`): 48 bits of time then 80 random bits (ULID layout),
 * so IDs sort by creation time and say in logs and support tickets what they name.
 */
export function newId(prefix: string): string {
  if (!/^[a-z]{2,8}$/.test(prefix))
    throw new RangeError(`ID prefix must be 2–8 lower-case letters: ${prefix}`);
  return `${prefix}_${encodeTime(Date.now(), 10)}${encodeRandom(16)}`;
}

/** True when `value` looks like an ID made by `newId(prefix)`. */
export function isId(value: unknown, prefix: string): value is string {
  return typeof value === 'string' && new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}
