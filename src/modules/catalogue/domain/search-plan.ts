/*
 * How a query becomes PostgreSQL text-search queries (pure: no I/O). A query is split into concepts: a phrase of a
 * synonym group (营业执照 ~ 执照 ~ business licence) becomes one concept that any member satisfies; every other word
 * jieba finds is a concept of its own. All concepts must match (AND); within one, any alternative (OR).
 */
import { normaliseText, queryTokens } from '../../../kernel/search/tokenizer.ts';

/** Words that say how a person asks, not what they ask for. */
const STOP_WORDS = new Set([
  '怎么',
  '怎样',
  '如何',
  '办理',
  '怎么办',
  '办',
  '我',
  '我要',
  '想',
  '要',
  '的',
  '了',
  '在',
  '哪里',
  '哪儿',
  '去',
  '需要',
  '什么',
  '吗',
  '呢',
  'how',
  'to',
  'do',
  'i',
  'a',
  'an',
  'the',
  'of',
  'for',
  'my',
  'in',
  'where',
  'can',
  'apply',
  'get',
  'what',
  'is',
  'and',
]);

/** The queries one search runs. */
export interface SearchPlan {
  /** For `to_tsquery('simple', …)` against the Chinese documents, or null when nothing is left to search. */
  zh: string | null;
  /** For `to_tsquery('english', …)` against the English documents (PostgreSQL stems it), or null. */
  en: string | null;
  /** The query as typed, without synonyms: a title matching it comes before one matching only a synonym. */
  literal: string | null;
  /** Every word and phrase that counts as a match, for highlighting. */
  terms: string[];
  /** Latin-script words of the query (outside synonym phrases), candidates for spelling correction. */
  latinWords: string[];
}

const LATIN = /^[a-z][a-z-]*$/;
const escapeRegExp = (text: string) => text.replace(/[.*+?^${}()|[\]\\]/g, '\\$&');

/** A lexeme inside a tsquery: letters and digits only, quoted. */
const lexeme = (token: string) => {
  const clean = token.replace(/[^\p{L}\p{N}]/gu, '');
  return clean ? `'${clean}'` : undefined;
};

function phraseQuery(phrase: string): string | undefined {
  const parts = queryTokens(phrase)
    .filter((t) => !STOP_WORDS.has(t))
    .map(lexeme)
    .filter((t): t is string => t !== undefined);
  if (parts.length === 0) return undefined;
  return parts.length === 1 ? parts[0] : `(${parts.join(' & ')})`;
}

/** Plans the search of `query` with the synonym groups in force. */
interface SynonymMatcher {
  groups: string[][];
  /** Every member of every group, longest first, with how to find it in a query. */
  members: { word: string; index: number; pattern: RegExp | undefined }[];
  /** What each alternative phrase becomes in a tsquery (cut once, not per search). */
  phrases: Map<string, string | undefined>;
}

// Matchers are built once per list of synonym groups (the service caches the list): compiling a Unicode regular
// expression per member on every search cost more than the search's database work.
const matchers = new WeakMap<readonly (readonly string[])[], SynonymMatcher>();

function matcherFor(synonymGroups: readonly (readonly string[])[]): SynonymMatcher {
  let matcher = matchers.get(synonymGroups);
  if (!matcher) {
    const groups = synonymGroups.map((g) => g.map((w) => normaliseText(w).trim()).filter(Boolean));
    const members = groups
      .flatMap((group, index) =>
        group.map((word) => ({
          word,
          index,
          // Latin words match whole words only: "retire" is not inside "retirement"'s group by accident.
          pattern: /^[\p{Script=Latin}\d\s-]+$/u.test(word)
            ? new RegExp(`(?<![\\p{L}\\p{N}])${escapeRegExp(word)}(?![\\p{L}\\p{N}])`, 'u')
            : undefined,
        })),
      )
      .sort((a, b) => b.word.length - a.word.length);
    matcher = { groups, members, phrases: new Map() };
    matchers.set(synonymGroups, matcher);
  }
  return matcher;
}

/** Plans the search of `query` with the synonym groups in force. */
export function planSearch(query: string, synonymGroups: readonly (readonly string[])[]): SearchPlan {
  let rest = ` ${normaliseText(query).replace(/\s+/g, ' ').trim().slice(0, 200)} `;
  const { groups, members, phrases } = matcherFor(synonymGroups);
  const concepts: string[][] = [];
  /** For each concept, the words the person actually typed. */
  const typed: string[] = [];
  const used = new Set<number>();
  for (const { word, index, pattern } of members) {
    if (used.has(index)) continue;
    if (pattern ? !pattern.test(rest) : !rest.includes(word)) continue;
    used.add(index);
    concepts.push(groups[index] ?? []);
    typed.push(word);
    rest = pattern ? rest.replace(pattern, ' ') : rest.replace(word, ' ');
  }
  const words = queryTokens(rest).filter((t) => !STOP_WORDS.has(t));
  for (const word of words) {
    concepts.push([word]);
    typed.push(word);
  }

  const conceptQueries = concepts
    .map((alternatives) => {
      const parts = [
        ...new Set(
          alternatives
            .map((phrase) => {
              if (!phrases.has(phrase)) phrases.set(phrase, phraseQuery(phrase));
              return phrases.get(phrase);
            })
            .filter((q): q is string => q !== undefined),
        ),
      ];
      if (parts.length === 0) return undefined;
      return parts.length === 1 ? parts[0] : `(${parts.join(' | ')})`;
    })
    .filter((q): q is string => q !== undefined);
  const text = conceptQueries.length > 0 ? conceptQueries.join(' & ') : null;
  const literalParts = typed.map(phraseQuery).filter((q): q is string => q !== undefined);
  return {
    zh: text,
    en: text,
    literal: literalParts.length > 0 ? literalParts.join(' & ') : null,
    terms: [...new Set(concepts.flat().filter((t) => t.length > 0))],
    latinWords: words.filter((w) => LATIN.test(w) && w.length >= 3),
  };
}

/** A text cut into pieces, the matching ones marked: rendered as <mark> by pages, returned as is by the API. */
export type Highlighted = { text: string; match: boolean }[];

/** Marks every occurrence of the terms in a text (case-insensitive, longest term first). */
export function highlight(text: string, terms: readonly string[]): Highlighted {
  const usable = [...new Set(terms.map((t) => t.trim()).filter((t) => t.length > 0))].sort(
    (a, b) => b.length - a.length,
  );
  if (usable.length === 0) return [{ text, match: false }];
  const pattern = new RegExp(usable.map(escapeRegExp).join('|'), 'giu');
  const pieces: Highlighted = [];
  let last = 0;
  for (const found of text.matchAll(pattern)) {
    const start = found.index ?? 0;
    if (start > last) pieces.push({ text: text.slice(last, start), match: false });
    pieces.push({ text: text.slice(start, start + found[0].length), match: true });
    last = start + found[0].length;
  }
  if (last < text.length) pieces.push({ text: text.slice(last), match: false });
  return pieces;
}
