import { createCipheriv, createDecipheriv, hkdfSync, randomBytes } from 'node:crypto';
import { mkdirSync, readFileSync, writeFileSync } from 'node:fs';
import path from 'node:path';
import type { Config } from './config.ts';

/**
 * The platform secret (sessions, key encryption). Server mode requires YIWANG_SECRET, shared by every instance.
 * Embedded mode without it makes one on first start and keeps it in the data directory (mode 0600), so sessions
 * survive restarts without the newcomer having to invent a secret.
 */
export function resolveSecret(config: Config): string {
  if (config.secret) return config.secret;
  if (config.mode === 'server') throw new Error('YIWANG_SECRET is required in server mode.');
  const file = path.join(config.dataDir, 'secret.key');
  try {
    const existing = readFileSync(file, 'utf8').trim();
    if (existing.length >= 32) return existing;
  } catch {
    // Not there yet: make one.
  }
  mkdirSync(config.dataDir, { recursive: true });
  const secret = randomBytes(48).toString('base64url');
  writeFileSync(file, `${secret}\n`, { mode: 0o600 });
  return secret;
}

function keyFor(secret: string, purpose: string): Buffer {
  return Buffer.from(hkdfSync('sha256', secret, 'yiwang', `seal:${purpose}`, 32));
}

/**
 * Encrypts a small value (a TOTP secret, a private key) with AES-256-GCM under a key derived from the platform
 * secret and a purpose, so a copy of the database alone does not reveal it. Output: base64url(iv | tag | data).
 */
export function sealValue(secret: string, purpose: string, plaintext: string): string {
  const iv = randomBytes(12);
  const cipher = createCipheriv('aes-256-gcm', keyFor(secret, purpose), iv);
  const data = Buffer.concat([cipher.update(plaintext, 'utf8'), cipher.final()]);
  return Buffer.concat([iv, cipher.getAuthTag(), data]).toString('base64url');
}

/** Decrypts what `sealValue` made with the same secret and purpose; throws if it was altered. */
export function openValue(secret: string, purpose: string, sealed: string): string {
  const raw = Buffer.from(sealed, 'base64url');
  const decipher = createDecipheriv('aes-256-gcm', keyFor(secret, purpose), raw.subarray(0, 12));
  decipher.setAuthTag(raw.subarray(12, 28));
  return Buffer.concat([decipher.update(raw.subarray(28)), decipher.final()]).toString('utf8');
}
