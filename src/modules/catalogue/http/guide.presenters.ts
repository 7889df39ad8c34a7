/*
 * How the catalogue's facts read on its pages: bilingual text in the reader's language, money in yuan, working days,
 * dates. Pure functions of their arguments.
 */
import type { Locale, Translate } from '../../../kernel/i18n/index.ts';
import type { CataloguePagesMessageKey } from '../catalogue-pages.messages.ts';

/** The reader's half of a bilingual text. */
export function inLocale<T>(text: { zh: T; en: T }, locale: Locale): T {
  return locale === 'en' ? text.en : text.zh;
}

const grouping = new Intl.NumberFormat('en', { maximumFractionDigits: 0 });

/** Fen as yuan with two decimals and grouped thousands (123456 → "1,234.56"): integer arithmetic, no floats. */
export function formatYuan(fen: number): string {
  const yuan = Math.floor(fen / 100);
  const cents = String(fen % 100).padStart(2, '0');
  return `${grouping.format(yuan)}.${cents}`;
}

/** A time limit in working days, 0 meaning "on the spot". */
export function formatWorkingDays(days: number, m: Translate<CataloguePagesMessageKey>): string {
  if (days === 0) return m('guide.days.zero');
  if (days === 1) return m('guide.days.one');
  return m('guide.days', { count: days });
}

// Building an Intl.DateTimeFormat costs about 100 µs: build each one once per language and zone.
const dayFormats = {
  'zh-CN': new Intl.DateTimeFormat('zh-CN', { dateStyle: 'long', timeZone: 'UTC' }),
  en: new Intl.DateTimeFormat('en-GB', { dateStyle: 'long', timeZone: 'UTC' }),
} satisfies Record<Locale, Intl.DateTimeFormat>;
const instantFormats = new Map<string, Intl.DateTimeFormat>();

/** A civil date (YYYY-MM-DD) for people: 2026年1月1日, 1 January 2026. */
export function formatCivilDay(day: string, locale: Locale): string {
  // Noon UTC keeps the calendar day whatever the formatter's zone.
  return dayFormats[locale].format(new Date(`${day}T12:00:00Z`));
}

/** The calendar day of an instant in the platform's time zone, for people. */
export function formatInstantDay(instant: Date, locale: Locale, timeZone: string): string {
  const key = `${locale}|${timeZone}`;
  let format = instantFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale === 'en' ? 'en-GB' : 'zh-CN', { dateStyle: 'long', timeZone });
    instantFormats.set(key, format);
  }
  return format.format(instant);
}
