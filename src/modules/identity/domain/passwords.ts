import { hash, verify } from '@node-rs/argon2';

// OWASP's argon2id recommendation (m=19 MiB, t=2, p=1): about 20 ms here, slow enough for guessing, fast for people.
const OPTIONS = { memoryCost: 19_456, timeCost: 2, parallelism: 1 } as const;

/** Password length rules of OWASP ASVS level 2: at least 8 characters, at least 64 allowed. */
export const PASSWORD_MIN_LENGTH = 8;
export const PASSWORD_MAX_LENGTH = 128;

/** Hashes a password with argon2id. */
export function hashPassword(password: string): Promise<string> {
  return hash(password, OPTIONS);
}

/** Checks a password against its stored hash; false on any mismatch or malformed hash. */
export async function verifyPassword(storedHash: string, password: string): Promise<boolean> {
  try {
    return await verify(storedHash, password);
  } catch {
    return false;
  }
}
