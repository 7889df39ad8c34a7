import { z } from 'zod';

/** A department in API responses. */
export const DepartmentSchema = z
  .object({
    id: z.string().describe('Stable identifier, prefixed dep_'),
    code: z.string().describe('Short department code, e.g. SJ'),
    name: z.object({ 'zh-CN': z.string(), en: z.string() }).describe('Name in each language'),
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
