/*
 * Chinese-aware tokens for full-text search. PostgreSQL's parsers do not segment Chinese, so the platform segments
 * text itself with jieba (the same dictionary at index time and at query time) and hands PostgreSQL the tokens,
 * separated by spaces, for `to_tsvector('simple', …)`. Kernel: no domain words except the dictionary of government
 * terms every module's text uses.
 */
import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { Jieba } from '@node-rs/jieba';

/**
 * Government terms jieba's general dictionary splits or does not know. Words with a high frequency are kept whole
 * (search mode still adds their parts, so 住房公积金 is found by 公积金 too).
 */
const GOVERNMENT_TERMS = [
  '一网通办',
  '一件事',
  '公积金',
  '住房公积金',
  '不动产',
  '不动产登记',
  '营业执照',
  '身份证',
  '居民身份证',
  '临时身份证',
  '新生儿',
  '出生医学证明',
  '医保',
  '社保',
  '个体工商户',
  '市场主体',
  '统一社会信用代码',
  '居住证',
  '落户',
  '户口',
  '户籍',
  '养老金',
  '退休金',
  '失业金',
  '失业保险金',
  '生育津贴',
  '高龄津贴',
  '低保',
  '最低生活保障',
  '食品经营许可',
  '消防安全检查',
  '施工许可',
  '网签',
  '电子证照',
  '异地就医',
  '个税',
  '个人所得税',
  '汇算清缴',
  '发票',
  '殡葬',
  '丧葬补助金',
  '适老化',
  '政务服务',
  '12345',
];

/** Bumped when the dictionary or the rules change: stored tokens are then rebuilt (a re-publication of all rows). */
export const TOKENIZER_VERSION = 1;

let jieba: Jieba | undefined;

/**
 * jieba's own dictionary, read when the tokenizer is first used. Not through the package's `dict.js`, which reads
 * its 5 MB dictionary and a 6 MB word-frequency table we never use when it is imported: 11 MB of every process's
 * idle memory (docs/benchmarks.md), kept for good.
 */
function jiebaDictionary(): Buffer {
  const entry = createRequire(import.meta.url).resolve('@node-rs/jieba/dict.js');
  return readFileSync(join(dirname(entry), 'dict.txt'));
}

/** The one jieba instance of the process (loading the dictionary takes ~0.3 s, so it happens on first use). */
export function tokenizerJieba(): Jieba {
  if (!jieba) {
    const instance = Jieba.withDict(jiebaDictionary());
    instance.loadDict(Buffer.from(GOVERNMENT_TERMS.map((term) => `${term} 200000 n`).join('\n')));
    jieba = instance;
  }
  return jieba;
}

// A token worth indexing holds a letter or a digit of any script; punctuation and spaces are not.
const MEANINGFUL = /[\p{L}\p{N}]/u;

/** Normalises before segmenting: full-width forms to half-width (ＩＤ → ID), lower case. */
export function normaliseText(text: string): string {
  return text.normalize('NFKC').toLowerCase();
}

/**
 * The tokens of a text for the index: search mode, so a long word also yields its parts (营业执照 → 营业, 执照,
 * 营业执照). Lower case, punctuation dropped; repeated tokens kept (they count for ranking).
 */
export function indexTokens(text: string): string[] {
  return tokenizerJieba()
    .cutForSearch(normaliseText(text), true)
    .map((token) => token.trim())
    .filter((token) => MEANINGFUL.test(token));
}

/** The words of a query, as a person typed them: precise mode, so a query word is not broken into its parts. */
export function queryTokens(text: string): string[] {
  return tokenizerJieba()
    .cut(normaliseText(text), true)
    .map((token) => token.trim())
    .filter((token) => MEANINGFUL.test(token));
}

/** Index tokens as one space-separated string, ready for `to_tsvector('simple', $1)`. */
export function tokenText(text: string): string {
  // tsvector lexemes longer than 2 KB are refused; no real word is that long, so cut rather than fail.
  return indexTokens(text)
    .map((token) => token.slice(0, 100))
    .join(' ');
}

/**
 * Pairs of Chinese characters of a text, neighbours and one apart (营业执照 → 营业, 业执, 执照, 营执, 业照): what a
 * name with one wrong character still shares with the right one (营业职照 shares 营业 and 业照), in any database
 * locale — pg_trgm ignores Chinese characters under the C locale that embedded PostgreSQL uses.
 */
export function hanPairs(text: string): string[] {
  const pairs = new Set<string>();
  for (const run of normaliseText(text).match(/\p{Script=Han}+/gu) ?? []) {
    const chars = [...run];
    for (let i = 0; i + 1 < chars.length; i++) {
      pairs.add(`${chars[i]}${chars[i + 1]}`);
      if (i + 2 < chars.length) pairs.add(`${chars[i]}${chars[i + 2]}`);
    }
  }
  return [...pairs];
}
