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

// Random bytes are drawn from the CSPRNG 4 KiB at a time: one system call per 256 IDs instead of one per ID.
const POOL_SIZE = 4096;
let pool = randomBytes(POOL_SIZE);
let poolOffset = 0;

function encodeRandom(length: number): string {
  if (poolOffset + length > POOL_SIZE) {
    pool = randomBytes(POOL_SIZE);
    poolOffset = 0;
  }
  let out = '';
  // 256 is a multiple of 32, so `byte % 32` is uniform: 5 random bits per character.
  for (let i = 0; i < length; i++) out += ALPHABET[(pool[poolOffset + i] as number) % 32];
  poolOffset += length;
  return out;
}

/**
 * A new identifier with a type prefix (`evt_01J…`): 48 bits of time then 80 random bits (ULID layout),
 * so IDs sort by creation time and say in logs and support tickets what they name.
 */
export function newId(prefix: string): string {
  if (!checkedPrefixes.has(prefix)) {
    if (!/^[a-z]{2,8}$/.test(prefix))
      throw new RangeError(`ID prefix must be 2–8 lower-case letters: ${prefix}`);
    checkedPrefixes.add(prefix);
  }
  const ms = Date.now();
  if (ms !== lastMs) {
    lastMs = ms;
    lastTime = encodeTime(ms, 10);
  }
  return `${prefix}_${lastTime}${encodeRandom(16)}`;
}

// Every request gets an id: the prefix is checked once, and the time part is encoded once per millisecond.
const checkedPrefixes = new Set<string>();
let lastMs = -1;
let lastTime = '';

/** True when `value` looks like an ID made by `newId(prefix)`. */
export function isId(value: unknown, prefix: string): value is string {
  return typeof value === 'string' && new RegExp(`^${prefix}_[0-9A-HJKMNP-TV-Z]{26}$`).test(value);
}

/**
 * The id of the `n`th generated row of a kind (`acct_GEN0…0042`): scale data (`yiwang seed --scale`) made by one
 * module and referred to by another — generated cases name generated people as their applicants — without either
 * reading the other's tables. `GEN` cannot come out of `newId` (its first characters are the time, `0`–`1` until
 * the year 10889), so a generated id never collides with a real one and says what it is.
 */
export function generatedId(prefix: string, n: number): string {
  if (!Number.isSafeInteger(n) || n < 0) throw new RangeError(`Not a row number: ${n}`);
  return `${prefix}_GEN${encodeTime(n, 23)}`;
}
