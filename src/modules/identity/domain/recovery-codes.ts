/*
 * Recovery codes: the way into a staff account when the authenticator app is lost or left at home. Ten codes,
 * each 60 random bits written as XXXX-XXXX-XXXX in Crockford's base32 (no I, L, O, U: read aloud or typed from
 * paper without confusion). Stored only as an HMAC keyed from the platform secret and bound to the account, so a
 * copy of the table neither reveals a code nor lets anyone test guesses offline.
 */
import { createHmac, hkdfSync, randomBytes } from 'node:crypto';

/** How many codes a staff member receives at a time. */
export const RECOVERY_CODE_COUNT = 10;

const ALPHABET = '0123456789ABCDEFGHJKMNPQRSTVWXYZ';
const CODE_CHARACTERS = 12;

/** A fresh set of codes, formatted for people (`7Q2M-XK4D-9HTB`). */
export function generateRecoveryCodes(count = RECOVERY_CODE_COUNT): string[] {
  return Array.from({ length: count }, () => {
    const bytes = randomBytes(CODE_CHARACTERS);
    // 256 is a multiple of 32: `byte % 32` is uniform, 5 bits per character.
    const raw = [...bytes].map((b) => ALPHABET[b % 32]).join('');
    return `${raw.slice(0, 4)}-${raw.slice(4, 8)}-${raw.slice(8)}`;
  });
}

/**
 * A typed code in its canonical form, or undefined when it cannot be one: spaces and hyphens dropped, lower case
 * raised, and the letters people mistake for digits read as those digits (O → 0, I and L → 1), as Crockford does.
 */
export function normaliseRecoveryCode(typed: string): string | undefined {
  const cleaned = typed.toUpperCase().replace(/[\s-]/g, '').replace(/O/g, '0').replace(/[IL]/g, '1');
  if (cleaned.length !== CODE_CHARACTERS) return undefined;
  for (const c of cleaned) if (!ALPHABET.includes(c)) return undefined;
  return cleaned;
}

/** The HMAC key for recovery codes, derived from the platform secret (its own purpose, like every derived key). */
export function recoveryCodeKey(secret: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'yiwang', 'hmac:identity.recovery-code', 32));
}

/** The stored form of a canonical code: keyed, and bound to the account so a code of one works for no other. */
export function hashRecoveryCode(key: Buffer, accountId: string, canonicalCode: string): string {
  return createHmac('sha256', key).update(`${accountId}:${canonicalCode}`).digest('hex');
}
