import { createHash, randomBytes } from 'node:crypto';
import { and, eq, gt, isNull } from 'drizzle-orm';
import type { AuditLog } from '../../kernel/audit/audit.ts';
import type { ClientActor } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { newId } from '../../kernel/ids.ts';
import { apiTokens } from './db/identity.tables.ts';

const PREFIX = 'ywt_';
const hashToken = (token: string) => createHash('sha256').update(token).digest('hex');

/** An issued token as an administrator sees it (never the token itself after issue). */
export interface ApiTokenInfo {
  id: string;
  clientName: string;
  departmentCode: string | null;
  scopes: string[];
  expiresAt: Date;
  revokedAt: Date | null;
}

/** Machine clients' API tokens: issue (shown once), resolve on each request, revoke. Every change is audited. */
export function createApiTokensService(db: Db, audit: AuditLog, now: () => Date = () => new Date()) {
  return {
    /** Issues a token for a client, valid for `days`; returns the token, which is never shown again. */
    async issue(input: {
      clientName: string;
      departmentCode?: string;
      scopes: string[];
      days: number;
      issuedBy?: string;
    }) {
      if (!/^[\w.-]{2,64}$/.test(input.clientName))
        throw new RangeError('A client name has 2–64 letters, digits, dots, dashes or underscores.');
      if (
        input.scopes.length === 0 ||
        input.scopes.some((s) => !/^[a-z][\w]*\.[a-z][\w]*\.[a-z][\w]*$/i.test(s))
      ) {
        throw new RangeError('Scopes are permission names like organisations.department.read.');
      }
      if (!Number.isInteger(input.days) || input.days < 1 || input.days > 366)
        throw new RangeError('A token lives 1 to 366 days.');
      const id = newId('tok');
      const token = `${PREFIX}${randomBytes(32).toString('base64url')}`;
      await db.transaction(async (tx) => {
        await tx.insert(apiTokens).values({
          id,
          clientName: input.clientName,
          departmentCode: input.departmentCode ?? null,
          scopes: input.scopes,
          tokenHash: hashToken(token),
          issuedBy: input.issuedBy ?? null,
          expiresAt: new Date(now().getTime() + input.days * 86_400_000),
        });
        await audit.record(tx, {
          actor: input.issuedBy ? { id: input.issuedBy, kind: 'staff' } : { kind: 'system' },
          action: 'identity.apiToken.issued',
          object: { type: 'api-token', id },
          details: { clientName: input.clientName, scopes: input.scopes, days: input.days },
        });
      });
      return { id, token };
    },

    /** The client a bearer token stands for, or undefined when it is unknown, revoked or expired. */
    async resolve(token: string): Promise<ClientActor | undefined> {
      if (!token.startsWith(PREFIX) || token.length > 100) return undefined;
      const [row] = await db
        .select()
        .from(apiTokens)
        .where(
          and(
            eq(apiTokens.tokenHash, hashToken(token)),
            isNull(apiTokens.revokedAt),
            gt(apiTokens.expiresAt, now()),
          ),
        );
      if (!row) return undefined;
      if (!row.lastUsedAt || now().getTime() - row.lastUsedAt.getTime() > 60_000) {
        await db.update(apiTokens).set({ lastUsedAt: now() }).where(eq(apiTokens.id, row.id));
      }
      return {
        kind: 'client',
        clientId: row.id,
        scopes: row.scopes,
        ...(row.departmentCode ? { departmentCode: row.departmentCode } : {}),
      };
    },

    /** Revokes a token at once; returns false when there was nothing to revoke. */
    async revoke(id: string, by?: string): Promise<boolean> {
      return db.transaction(async (tx) => {
        const revoked = await tx
          .update(apiTokens)
          .set({ revokedAt: now() })
          .where(and(eq(apiTokens.id, id), isNull(apiTokens.revokedAt)))
          .returning({ id: apiTokens.id });
        if (revoked.length > 0) {
          await audit.record(tx, {
            actor: by ? { id: by, kind: 'staff' } : { kind: 'system' },
            action: 'identity.apiToken.revoked',
            object: { type: 'api-token', id },
          });
        }
        return revoked.length > 0;
      });
    },

    /** Every token, newest first, without secrets. */
    async list(): Promise<ApiTokenInfo[]> {
      const rows = await db.select().from(apiTokens);
      return rows
        .map((r) => ({
          id: r.id,
          clientName: r.clientName,
          departmentCode: r.departmentCode,
          scopes: r.scopes,
          expiresAt: r.expiresAt,
          revokedAt: r.revokedAt,
        }))
        .sort((a, b) => (a.id < b.id ? 1 : -1));
    },
  };
}

/** The API tokens service's type. */
export type ApiTokensService = ReturnType<typeof createApiTokensService>;
