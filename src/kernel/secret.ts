import { randomBytes } from 'node:crypto';
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
