import { z } from 'zod';

/** A department in API responses. */
export const DepartmentSchema = z
  .object({
    id: z.string().describe('Stable identifier, prefixed dep_'),
    code: z.string().describe('Short department code, e.g. SJ'),
    name: z.object({ 'zh-CN': z.string(), en: z.string() }).describe('Name in each language'),
    website: z
      .string()
      .nullable()
      .describe('The department’s official web site (http or https), if recorded'),
  })
  .meta({ id: 'Department' });

export const DepartmentListSchema = z
  .object({ items: z.array(DepartmentSchema), total: z.number().int() })
  .meta({ id: 'DepartmentList' });

export const DepartmentCodeParams = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z]{2,8}$/)
    .describe('Department code, 2–8 letters'),
});

// A form field as posted: a string, or '' for anything else (a repeated field), so the service reports it.
const formText = (max: number) => z.string().max(max).catch('').default('');
/** A posted body as a form: anything but a plain object (a JSON array, nothing) counts as an empty form. */
const asForm = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** The department form of the administrator's pages, as posted; the service checks each field. */
export const DepartmentForm = z.preprocess(
  asForm,
  z.object({
    code: formText(50),
    nameZh: formText(500),
    nameEn: formText(500),
    sortOrder: formText(20),
    website: formText(1000),
    _csrf: z.string().optional().catch(undefined),
  }),
);

/** A department code in an administrator's page address; the service answers unknown codes. */
export const DepartmentAdminParams = z.object({ code: z.string().max(20).catch('') });
