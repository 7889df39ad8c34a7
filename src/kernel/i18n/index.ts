import { en } from './en.ts';
import { zhCN } from './zh-CN.ts';

/** The languages the platform speaks. zh-CN is the default for every public page. */
export const LOCALES = ['zh-CN', 'en'] as const;
export type Locale = (typeof LOCALES)[number];
export const DEFAULT_LOCALE: Locale = 'zh-CN';

export type MessageParams = Record<string, string | number>;
/** Looks up one message in the request's language and fills `{name}` placeholders. */
export type Translate<K extends string> = (key: K, params?: MessageParams) => string;

/** A set of messages in every locale; `en` must have exactly the keys of `zh`. */
export interface Messages<K extends string> {
  readonly keys: readonly K[];
  translator(locale: Locale): Translate<K>;
  has(key: string): key is K;
}

/** Accepts a string only if it names a supported locale. */
export function isLocale(value: unknown): value is Locale {
  return typeof value === 'string' && (LOCALES as readonly string[]).includes(value);
}

/** Normalises `en`, `en-GB`, `zh`, `zh-cn`… to a supported locale, or undefined. */
export function parseLocale(value: unknown): Locale | undefined {
  if (typeof value !== 'string') return undefined;
  const lower = value.trim().toLowerCase();
  if (lower === 'en' || lower.startsWith('en-')) return 'en';
  if (lower === 'zh' || lower.startsWith('zh-') || lower === 'zh_cn') return 'zh-CN';
  return undefined;
}

function interpolate(template: string, params?: MessageParams): string {
  if (!params) return template;
  return template.replace(/\{(\w+)\}/g, (whole, name: string) =>
    name in params ? String(params[name]) : whole,
  );
}

/** Declares a module's messages. The zh-CN object is the source of keys; `en` must match it. */
export function defineMessages<const Z extends Record<string, string>>(
  zh: Z,
  english: Record<keyof Z & string, string>,
): Messages<keyof Z & string> {
  type K = keyof Z & string;
  const byLocale: Record<Locale, Record<K, string>> = { 'zh-CN': zh as Record<K, string>, en: english };
  const keys = Object.keys(zh) as K[];
  return {
    keys,
    translator: (locale) => (key, params) =>
      interpolate(byLocale[locale][key] ?? byLocale['zh-CN'][key] ?? key, params),
    has: (key: string): key is K => key in zh,
  };
}

/** The kernel's own messages: layout, errors, shared components. */
export const kernelMessages = defineMessages(zhCN, en);
export type KernelMessageKey = (typeof kernelMessages.keys)[number];
