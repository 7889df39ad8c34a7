import type { FastifySchemaCompiler } from 'fastify';
import { z } from 'zod';
import type { $ZodIssue, $ZodType } from 'zod/v4/core';
import type { FieldProblem } from '../errors.ts';
import type { Locale } from '../i18n/index.ts';

/** A failed validation that keeps Zod's issues, so messages can be written in the language of each request. */
export class RequestValidationError extends Error {
  constructor(readonly issues: readonly $ZodIssue[]) {
    super('Request validation failed');
    this.name = 'RequestValidationError';
  }
}

/**
 * Validates with Zod and keeps the raw issues (with `reportInput`, so Zod's locale can name what it received).
 * Messages are not fixed here: the validator is compiled once, but every request has its own language.
 */
export const zodValidatorCompiler: FastifySchemaCompiler<$ZodType> =
  ({ schema }) =>
  (data) => {
    const result = z.safeParse(schema, data, { reportInput: true });
    return result.success
      ? { value: result.data }
      : { error: new RequestValidationError(result.error.issues) };
  };

const localeErrors = {
  'zh-CN': z.locales.zhCN().localeError,
  en: z.locales.en().localeError,
} as const;

/** Translates Zod issues into field problems for people: Zod's own zh-CN and en messages, never the input echoed. */
export function describeIssues(
  issues: readonly $ZodIssue[],
  locale: Locale,
  context?: string,
): FieldProblem[] {
  const localeError = localeErrors[locale];
  return issues.map((issue) => {
    const produced = localeError(issue as Parameters<typeof localeError>[0]);
    const message = typeof produced === 'string' ? produced : (produced?.message ?? issue.message);
    return { path: [context, ...issue.path.map(String)].filter(Boolean).join('.'), message };
  });
}
