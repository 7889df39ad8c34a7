import type { Locale, MessageParams } from './i18n/index.ts';

/** One entry of the error catalogue: a stable code, its HTTP status, and what people are told in each language. */
export interface ErrorDefinition {
  readonly code: string;
  readonly status: number;
  readonly messages: Readonly<Record<Locale, string>>;
}

const catalogue = new Map<string, ErrorDefinition>();

/**
 * Adds a code to the one error catalogue. Codes are `<MODULE>_ERR_<WHAT>` and unique; services throw
 * `AppError`s of these definitions and never HTTP errors, and the HTTP kernel maps them in one place.
 */
export function defineError(code: string, status: number, messages: Record<Locale, string>): ErrorDefinition {
  if (!/^[A-Z]+_ERR_[A-Z0-9_]+$/.test(code))
    throw new RangeError(`Error codes look like CASE_ERR_DEADLINE_PASSED: ${code}`);
  if (catalogue.has(code)) throw new Error(`Error code ${code} is defined twice.`);
  if (status < 400 || status > 599) throw new RangeError(`Error ${code} needs a 4xx or 5xx status.`);
  const definition = Object.freeze({ code, status, messages: Object.freeze({ ...messages }) });
  catalogue.set(code, definition);
  return definition;
}

/** Every defined error, sorted by code: the source of the generated table in docs/errors.md. */
export function listErrors(): ErrorDefinition[] {
  return [...catalogue.values()].sort((a, b) => a.code.localeCompare(b.code));
}

/** A problem with one input field, shown next to the field and in the error summary. */
export interface FieldProblem {
  /** Dotted path of the field, e.g. `body.applicant.idNumber`. */
  path: string;
  message: string;
}

/** An expected failure of a use case. Carries a catalogue code, never an HTTP concept. */
export class AppError extends Error {
  constructor(
    readonly definition: ErrorDefinition,
    readonly params: MessageParams = {},
    readonly fields: FieldProblem[] = [],
  ) {
    super(definition.code);
    this.name = 'AppError';
  }

  get code(): string {
    return this.definition.code;
  }

  /** The message for people, in their language, with parameters filled in. */
  messageFor(locale: Locale): string {
    return this.definition.messages[locale].replace(/\{(\w+)\}/g, (whole, name: string) =>
      name in this.params ? String(this.params[name]) : whole,
    );
  }
}

/** Errors every part of the platform can raise. */
export const KernelErrors = {
  notFound: defineError('KERNEL_ERR_NOT_FOUND', 404, {
    'zh-CN': '找不到请求的资源。',
    en: 'The requested resource was not found.',
  }),
  validation: defineError('KERNEL_ERR_VALIDATION', 400, {
    'zh-CN': '请求内容不符合要求，请按提示修改后重试。',
    en: 'The request is not valid. Correct it as described and try again.',
  }),
  badRequest: defineError('KERNEL_ERR_BAD_REQUEST', 400, {
    'zh-CN': '请求格式有误。',
    en: 'The request is malformed.',
  }),
  methodNotAllowed: defineError('KERNEL_ERR_METHOD_NOT_ALLOWED', 405, {
    'zh-CN': '不允许对该地址使用此方法。',
    en: 'This method is not allowed on this address.',
  }),
  payloadTooLarge: defineError('KERNEL_ERR_PAYLOAD_TOO_LARGE', 413, {
    'zh-CN': '提交的内容过大。',
    en: 'What you sent is too large.',
  }),
  unsupportedMediaType: defineError('KERNEL_ERR_UNSUPPORTED_MEDIA_TYPE', 415, {
    'zh-CN': '不支持的内容类型。',
    en: 'This content type is not supported.',
  }),
  csrf: defineError('KERNEL_ERR_CSRF', 403, {
    'zh-CN': '表单已过期或来源无法确认，内容未提交。请返回上一页刷新后重新提交。',
    en: 'The form has expired or its origin could not be confirmed, so nothing was submitted. Go back, reload the page and submit again.',
  }),
  tooManyRequests: defineError('KERNEL_ERR_TOO_MANY_REQUESTS', 429, {
    'zh-CN': '请求过于频繁，请稍后再试。',
    en: 'Too many requests. Try again later.',
  }),
  nulCharacter: defineError('KERNEL_ERR_NUL_CHARACTER', 400, {
    'zh-CN': '提交的内容含有空字符（U+0000），无法保存：{field}。内容未提交。',
    en: 'What you sent contains a null character (U+0000), which cannot be stored: {field}. Nothing was submitted.',
  }),
  signInToUpload: defineError('KERNEL_ERR_SIGN_IN_TO_UPLOAD', 401, {
    'zh-CN': '上传文件或提交大量内容前，请先登录。内容未提交。',
    en: 'Sign in before uploading files or sending this much. Nothing was submitted.',
  }),
  throttled: defineError('KERNEL_ERR_THROTTLED', 429, {
    'zh-CN': '来自您所在网络地址的请求过多，请在 {seconds} 秒后再试。',
    en: 'Too many requests from your network address. Try again in {seconds} seconds.',
  }),
  internal: defineError('KERNEL_ERR_INTERNAL', 500, {
    'zh-CN': '系统暂时出现问题，我们已记录。请稍后重试，或拨打 12345 热线。',
    en: 'The system has a temporary problem, which we have recorded. Try again later, or call the 12345 hotline.',
  }),
  notReady: defineError('KERNEL_ERR_NOT_READY', 503, {
    'zh-CN': '服务正在启动或数据库暂不可用，请稍后重试。',
    en: 'The service is starting or its database is unavailable. Try again shortly.',
  }),
} as const;
