import { z } from 'zod';

/**
 * A condition on one answer (`business.seats > 50`): what makes a question or a page appear in a form, and a process
 * take one branch rather than another. `field` is the answer's path: the page, then the question.
 */
export const conditionSchema = z.object({
  field: z.string().regex(/^[a-zA-Z][\w.]{0,79}$/),
  op: z.enum(['eq', 'ne', 'in', 'gt', 'gte', 'lt', 'lte', 'present', 'absent']),
  value: z
    .union([z.string(), z.number(), z.boolean(), z.array(z.union([z.string(), z.number()]))])
    .optional(),
});
export type Condition = z.infer<typeof conditionSchema>;

/** A form's answers: per page, per question (nested objects; paths like `business.seats`). */
export type Answers = Record<string, unknown>;

/** The value at a dotted path of the answers. */
export function answerAt(answers: Answers, path: string): unknown {
  let value: unknown = answers;
  for (const part of path.split('.')) {
    if (value === null || typeof value !== 'object') return undefined;
    value = (value as Record<string, unknown>)[part];
  }
  return value;
}

/** Whether a condition holds for the answers. Comparisons of different types are false, never coerced. */
export function holds(condition: Condition, answers: Answers): boolean {
  const value = answerAt(answers, condition.field);
  const expected = condition.value;
  const present = value !== undefined && value !== null && value !== '';
  switch (condition.op) {
    case 'present':
      return present;
    case 'absent':
      return !present;
    case 'eq':
      return value === expected;
    case 'ne':
      return value !== expected;
    case 'in':
      return Array.isArray(expected) && (expected as unknown[]).includes(value);
    case 'gt':
    case 'gte':
    case 'lt':
    case 'lte': {
      if (typeof value !== 'number' || typeof expected !== 'number') return false;
      if (condition.op === 'gt') return value > expected;
      if (condition.op === 'gte') return value >= expected;
      if (condition.op === 'lt') return value < expected;
      return value <= expected;
    }
  }
}
