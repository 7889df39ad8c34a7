import { z } from 'zod';
import { conditionSchema } from './conditions.ts';

/**
 * A service's application form (一表式): pages of questions, each question of a type the platform checks, mapped
 * where it can be to a standard data element the government already holds — the applicant confirms it instead of
 * typing it again. One question or topic per page (GOV.UK's pattern), conditions on earlier answers, versioned per
 * service like processes: a draft keeps the version it started with.
 */

export const QUESTION_TYPES = [
  'text',
  'textarea',
  'number',
  'money',
  'date',
  'choice',
  'multiChoice',
  'idNumber',
  'creditCode',
  'phone',
  'address',
  'file',
  'group',
] as const;
export type QuestionType = (typeof QUESTION_TYPES)[number];

/** Standard data elements a question can be filled from (the data exchange adds more). */
export const DATA_ELEMENTS = ['person.name', 'person.idNumber', 'person.phone', 'person.email'] as const;
export type DataElement = (typeof DATA_ELEMENTS)[number];

const bilingual = z.object({
  'zh-CN': z.string().trim().min(1).max(300),
  en: z.string().trim().min(1).max(400),
});
export type Bilingual = z.infer<typeof bilingual>;

const questionId = z.string().regex(/^[a-z][a-zA-Z0-9]{0,39}$/);

const questionBase = {
  id: questionId,
  label: bilingual,
  hint: bilingual.optional(),
  required: z.boolean().default(true),
  /** Filled in from what the platform holds, for the applicant to confirm. */
  dataElement: z.enum(DATA_ELEMENTS).optional(),
  /** Asked only when this holds for the answers so far. */
  when: conditionSchema.optional(),
};

const option = z.object({ value: z.string().regex(/^[\w-]{1,40}$/), label: bilingual });

const simpleQuestion = z.discriminatedUnion('type', [
  z.object({
    ...questionBase,
    type: z.literal('text'),
    maxLength: z.number().int().min(1).max(500).default(200),
  }),
  z.object({
    ...questionBase,
    type: z.literal('textarea'),
    maxLength: z.number().int().min(1).max(5000).default(2000),
  }),
  z.object({
    ...questionBase,
    type: z.literal('number'),
    min: z.number().optional(),
    max: z.number().optional(),
    integer: z.boolean().default(true),
  }),
  /** Money is typed in yuan and kept in fen (integers), as fees are. */
  z.object({
    ...questionBase,
    type: z.literal('money'),
    minFen: z.number().int().min(0).optional(),
    maxFen: z.number().int().min(0).optional(),
  }),
  z.object({
    ...questionBase,
    type: z.literal('date'),
    notBefore: z.enum(['today']).optional(),
    notAfter: z.enum(['today']).optional(),
  }),
  z.object({ ...questionBase, type: z.literal('choice'), options: z.array(option).min(2).max(50) }),
  z.object({ ...questionBase, type: z.literal('multiChoice'), options: z.array(option).min(2).max(50) }),
  z.object({ ...questionBase, type: z.literal('idNumber') }),
  z.object({ ...questionBase, type: z.literal('creditCode') }),
  z.object({ ...questionBase, type: z.literal('phone') }),
  z.object({
    ...questionBase,
    type: z.literal('address'),
    maxLength: z.number().int().min(1).max(500).default(200),
  }),
  /** An upload: its content type is checked on the content, not the name (kernel/files). */
  z.object({
    ...questionBase,
    type: z.literal('file'),
    maxBytes: z
      .number()
      .int()
      .min(1)
      .max(20 * 1024 * 1024)
      .default(10 * 1024 * 1024),
    /** The catalogue's material this upload is (for a certificate to replace it later). */
    material: z.string().max(200).optional(),
  }),
]);
export type SimpleQuestion = z.infer<typeof simpleQuestion>;

/** A repeating group (the shareholders, the staff with health certificates): the same questions per item. */
const groupQuestion = z.object({
  ...questionBase,
  type: z.literal('group'),
  questions: z.array(simpleQuestion).min(1).max(20),
  minItems: z.number().int().min(0).max(50).default(1),
  maxItems: z.number().int().min(1).max(50).default(10),
});

export const questionSchema = z.union([simpleQuestion, groupQuestion]);
export type Question = z.infer<typeof questionSchema>;
export type GroupQuestion = z.infer<typeof groupQuestion>;

export const formPageSchema = z.object({
  id: questionId,
  title: bilingual,
  questions: z.array(questionSchema).min(1).max(20),
  when: conditionSchema.optional(),
});
export type FormPage = z.infer<typeof formPageSchema>;

export const formDefinitionSchema = z
  .object({ pages: z.array(formPageSchema).min(1).max(40) })
  .superRefine((form, ctx) => {
    const pages = new Set<string>();
    form.pages.forEach((page, p) => {
      if (pages.has(page.id))
        ctx.addIssue({ code: 'custom', path: ['pages', p, 'id'], message: 'error.duplicatePage' });
      pages.add(page.id);
      const questions = new Set<string>();
      page.questions.forEach((question, q) => {
        if (questions.has(question.id))
          ctx.addIssue({
            code: 'custom',
            path: ['pages', p, 'questions', q, 'id'],
            message: 'error.duplicateQuestion',
          });
        questions.add(question.id);
      });
    });
  });
export type FormDefinition = z.infer<typeof formDefinitionSchema>;
