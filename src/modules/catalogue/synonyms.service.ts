/*
 * The synonym groups search expands a query with (营业执照 ~ 执照 ~ business licence): a small table the platform
 * administrator edits as text, one group a line. Replacing them is audited with what was there before.
 */
import type { AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  assertAllowed,
  auditActorOf,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';
import { AppError, type FieldProblem } from '../../kernel/errors.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { CatalogueErrors } from './catalogue.errors.ts';
import { catalogueMessages } from './catalogue.messages.ts';
import { CataloguePermissions } from './catalogue.policy.ts';
import { catalogueSynonyms } from './db/catalogue.tables.ts';

/** Where a request came from, for the audit record. */
export interface ClientInfo {
  clientAddress?: string;
  userAgent?: string;
  requestId?: string;
}

const MAX_GROUPS = 500;
const MAX_WORD = 40;
const MAX_WORDS = 20;
/** Words in a line are separated by commas (either width), the Chinese enumeration comma, or semicolons. */
const SEPARATOR = /[,，、;；]/;

/** The groups as the administrator edits them: one line each, words separated by commas. */
export function synonymsAsText(groups: readonly (readonly string[])[]): string {
  return groups.map((g) => g.join(', ')).join('\n');
}

/** Reads the text back into groups, with a problem per bad line (1-based), in the administrator's language. */
export function parseSynonyms(
  text: string,
  locale: Locale,
): { groups: string[][]; problems: FieldProblem[] } {
  const m = catalogueMessages.translator(locale);
  const groups: string[][] = [];
  const problems: FieldProblem[] = [];
  const lines = text.split(/\r?\n/);
  for (const [index, line] of lines.entries()) {
    if (line.trim() === '') continue;
    const words = [
      ...new Set(
        line
          .split(SEPARATOR)
          .map((w) => w.trim().replace(/\s+/g, ' '))
          .filter(Boolean),
      ),
    ];
    const where = m('problem.line', { line: index + 1 });
    if (words.length < 2 || words.length > MAX_WORDS)
      problems.push({
        path: 'synonyms',
        message: `${where}: ${m('synonyms.error.count', { max: MAX_WORDS })}`,
      });
    else if (words.some((w) => w.length > MAX_WORD))
      problems.push({
        path: 'synonyms',
        message: `${where}: ${m('synonyms.error.length', { max: MAX_WORD })}`,
      });
    else groups.push(words);
  }
  if (groups.length > MAX_GROUPS)
    problems.push({ path: 'synonyms', message: m('synonyms.error.tooMany', { max: MAX_GROUPS }) });
  return { groups, problems };
}

export interface SynonymsService {
  /** The groups in force (for the administrator's page). */
  list(actor: Actor, client: ClientInfo): Promise<string[][]>;
  /** Replaces every group with those of the text; nothing changes when a line is wrong. */
  replace(actor: Actor, text: string, options: { locale: Locale; client: ClientInfo }): Promise<string[][]>;
}

export function createSynonymsService(kernel: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  /** Called after the groups changed (search's cached copy, cached pages). */
  onChanged?: () => void;
}): SynonymsService {
  const { db, audit, authz } = kernel;

  async function authorise(actor: Actor, action: string, client: ClientInfo) {
    const decision = authz.authorize(actor, CataloguePermissions.synonymManage, {
      type: 'catalogue.synonyms',
    });
    if (!decision.allowed) {
      await db.transaction((tx) =>
        audit.record(tx, {
          actor: auditActorOf(actor),
          action,
          outcome: 'denied',
          request: client,
          details: { reason: decision.reason },
        }),
      );
      assertAllowed(decision);
    }
    return decision;
  }

  const current = async () =>
    (
      await db
        .select({ words: catalogueSynonyms.words })
        .from(catalogueSynonyms)
        .orderBy(catalogueSynonyms.id)
    ).map((r) => r.words);

  return {
    async list(actor, client) {
      await authorise(actor, 'catalogue.synonym.list', client);
      return current();
    },

    async replace(actor, text, { locale, client }) {
      const decision = await authorise(actor, 'catalogue.synonym.replaced', client);
      const { groups, problems } = parseSynonyms(text, locale);
      if (problems.length > 0) throw new AppError(CatalogueErrors.synonymsInvalid, {}, problems);
      await db.transaction(async (tx) => {
        const before = await tx.select({ words: catalogueSynonyms.words }).from(catalogueSynonyms);
        await tx.delete(catalogueSynonyms);
        // Ids in the order typed (the table is replaced whole), so the page lists the groups as they were written.
        if (groups.length > 0)
          await tx
            .insert(catalogueSynonyms)
            .values(groups.map((words, i) => ({ id: `syn_${String(i + 1).padStart(4, '0')}`, words })));
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'catalogue.synonym.replaced',
          object: { type: 'catalogue.synonyms', id: 'synonyms' },
          request: client,
          details: { before: before.map((r) => r.words), after: groups },
        });
      });
      kernel.onChanged?.();
      return groups;
    },
  };
}
