import { z } from 'zod';

/**
 * What a kind of certificate says beyond the common metadata every electronic licence carries (GB/T 36901–36905:
 * holder, holder ID, certificate number, issue date, validity, issuing authority), and how it prints.
 */

/** One field of a certificate type: its label, and where an issuing case's answers give its value. */
export interface CertificateField {
  /** `premises`: the key in the signed credential. */
  id: string;
  label: { 'zh-CN': string; en: string };
  /** `business.address`: the page and question of the issuing service's form whose answer fills it. */
  source?: string;
  /** A value when the answers give none (`食品销售`), also for manual issuance's empty fields. */
  fallback?: string;
}

/** How a type prints: the page's orientation and the colour of its border and title. */
export interface CertificateLayout {
  orientation?: 'portrait' | 'landscape';
  accent?: string;
}

const label = z.object({ 'zh-CN': z.string().trim().min(1).max(60), en: z.string().trim().min(1).max(80) });

/** A certificate type as an administrator sends it (API) — checked here, whatever the door. */
export const certificateTypeSchema = z.object({
  code: z
    .string()
    // The same form as the catalogue's `replaceableBy.certificateType`, which names types by it.
    .regex(/^[a-z][a-z0-9-]{1,40}$/, 'certificates.type.code')
    .meta({ description: 'Stable code, as the catalogue’s materials name it, e.g. food-business-licence' }),
  name: label,
  departmentCode: z.string().regex(/^[A-Z]{2,6}$/),
  serviceCode: z
    .string()
    .regex(/^[A-Z]{2,6}-\d{4}$/)
    .nullable()
    .default(null)
    .meta({ description: 'The service whose approved case issues it; null for manual issuance only' }),
  numberPrefix: z.string().regex(/^[A-Z]{2,6}$/),
  validityYears: z.number().int().min(1).max(50).nullable().default(null),
  fields: z
    .array(
      z.object({
        id: z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/),
        label,
        source: z
          .string()
          .regex(/^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/)
          .optional(),
        fallback: z.string().max(200).optional(),
      }),
    )
    .max(20)
    .refine(
      (fields) => new Set(fields.map((f) => f.id)).size === fields.length,
      'certificates.type.duplicateField',
    ),
  layout: z
    .object({
      orientation: z.enum(['portrait', 'landscape']).optional(),
      accent: z
        .string()
        .regex(/^#[0-9a-fA-F]{6}$/)
        .optional(),
    })
    .default({}),
});

export type CertificateTypeInput = z.infer<typeof certificateTypeSchema>;

/** The value a field takes from an issuing case's answers (`page.question`), text however it was answered. */
export function fieldValues(
  fields: readonly CertificateField[],
  answers: Record<string, unknown>,
): Record<string, string> {
  const values: Record<string, string> = {};
  for (const field of fields) {
    const [page, question] = field.source?.split('.') ?? [];
    const raw =
      page && question ? (answers[page] as Record<string, unknown> | undefined)?.[question] : undefined;
    const text = textOf(raw);
    values[field.id] = text || field.fallback || '';
  }
  return values;
}

function textOf(value: unknown): string {
  if (value === undefined || value === null) return '';
  if (typeof value === 'string') return value.trim().slice(0, 500);
  if (typeof value === 'number' || typeof value === 'boolean') return String(value);
  if (Array.isArray(value)) return value.map(textOf).filter(Boolean).join('、');
  return '';
}
