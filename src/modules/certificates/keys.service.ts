import { and, desc, eq, isNull } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import { type Actor, auditActorOf, enforce, type PermissionRegistry } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { openValue, sealValue } from '../../kernel/secret.ts';
import {
  generateSigningKey,
  type Jwks,
  publicJwks,
  restoreSigningKey,
  type SignatureSuite,
  type SigningKey,
} from '../../kernel/signatures/index.ts';
import { CertificatesPermissions } from './certificates.policy.ts';
import { signingKeys } from './db/certificates.tables.ts';

type ClientInfo = { clientAddress?: string; userAgent?: string; requestId?: string };

/** The purpose a signing key's private part is sealed under (kernel/secret.ts derives a key per purpose). */
const SEALING_PURPOSE = 'certificates.signing-key';

/**
 * The signing keys of the deployment's suite (Ed25519 by default, SM2 where 国密 is required): the current key signs,
 * rotation makes a new one and retires the old — which stays published, so what it signed still verifies.
 */
export interface SigningKeysService {
  /** The key new certificates are signed with; made on first use. Pass `tx` inside a transaction. */
  current(tx?: Db): Promise<SigningKey>;
  /** A new key of the deployment's suite; every earlier key is retired (still published, signs nothing new). */
  rotate(actor: Actor, client: ClientInfo): Promise<{ kid: string; retired: string[] }>;
  /**
   * Every key's public part: what /.well-known/jwks.json publishes and offline verification needs. Kept a minute;
   * `fresh` reads it now (a key id not in the kept set may be another instance's new key).
   */
  jwks(tx?: Db, options?: { fresh?: boolean }): Promise<Jwks>;
}

export function createSigningKeysService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  secret: string;
  suite: SignatureSuite;
  now?: () => Date;
}): SigningKeysService {
  const { db, audit, authz, suite } = deps;
  const now = deps.now ?? (() => new Date());
  // Another instance's rotation reaches this one within a minute; this process's at once.
  let cachedCurrent: { key: SigningKey; at: number } | undefined;
  let cachedJwks: { jwks: Jwks; at: number } | undefined;

  const restore = (row: typeof signingKeys.$inferSelect) =>
    restoreSigningKey({
      kid: row.kid,
      suite: row.suite,
      publicJwk: row.publicJwk,
      privateKey: Buffer.from(openValue(deps.secret, SEALING_PURPOSE, row.privateKeySealed), 'base64'),
      createdAt: row.createdAt,
      ...(row.retiredAt ? { retiredAt: row.retiredAt } : {}),
    });

  async function store(tx: Db, key: SigningKey) {
    if (!key.privateKey) throw new Error('A new signing key has its private part');
    await tx.insert(signingKeys).values({
      kid: key.kid,
      suite: key.suite,
      publicJwk: key.publicJwk,
      privateKeySealed: sealValue(
        deps.secret,
        SEALING_PURPOSE,
        Buffer.from(key.privateKey.export()).toString('base64'),
      ),
      createdAt: key.createdAt,
    });
  }

  return {
    async current(tx = db) {
      if (cachedCurrent && Date.now() - cachedCurrent.at < 60_000) return cachedCurrent.key;
      const [row] = await tx
        .select()
        .from(signingKeys)
        .where(and(eq(signingKeys.suite, suite), isNull(signingKeys.retiredAt)))
        .orderBy(desc(signingKeys.createdAt))
        .limit(1);
      if (row) {
        cachedCurrent = { key: restore(row), at: Date.now() };
        return cachedCurrent.key;
      }
      const key = generateSigningKey(suite, { now: now() });
      await store(tx, key);
      // Inside a caller's transaction the new key exists only if it commits: kept only when stored on its own.
      if (tx === db) cachedCurrent = { key, at: Date.now() };
      cachedJwks = undefined;
      return key;
    },

    async rotate(actor, client) {
      const decision = authz.authorize(actor, CertificatesPermissions.keyRotate, {
        type: 'certificates.key',
      });
      await enforce(db, audit, actor, decision, {
        action: 'certificates.key.rotated',
        object: { type: 'certificates.key', id: suite },
        request: client,
      });
      const key = generateSigningKey(suite, { now: now() });
      const retired = await db.transaction(async (tx) => {
        const old = await tx
          .update(signingKeys)
          .set({ retiredAt: key.createdAt })
          .where(isNull(signingKeys.retiredAt))
          .returning({ kid: signingKeys.kid });
        await store(tx, key);
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'certificates.key.rotated',
          object: { type: 'certificates.key', id: key.kid },
          request: client,
          details: { suite, retired: old.map((o) => o.kid) },
        });
        return old.map((o) => o.kid);
      });
      cachedCurrent = { key, at: Date.now() };
      cachedJwks = undefined;
      return { kid: key.kid, retired };
    },

    async jwks(tx = db, options = {}) {
      if (!options.fresh && cachedJwks && Date.now() - cachedJwks.at < 60_000) return cachedJwks.jwks;
      const rows = await tx.select().from(signingKeys).orderBy(signingKeys.createdAt);
      const jwks = publicJwks(
        rows.map((row) =>
          restoreSigningKey({
            kid: row.kid,
            suite: row.suite,
            publicJwk: row.publicJwk,
            createdAt: row.createdAt,
            ...(row.retiredAt ? { retiredAt: row.retiredAt } : {}),
          }),
        ),
      );
      cachedJwks = { jwks, at: Date.now() };
      return jwks;
    },
  };
}
