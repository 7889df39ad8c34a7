import { z } from 'zod';
import { isCivilDate } from '../../../kernel/calendar/civil-day.ts';

/*
 * The auditor's search form, as its GET query arrives. Error messages are keys of supervision.messages.ts: the
 * page translates them per request and links each to its field (the keys here are the fields' ids).
 */

/** The longest text each free-text filter accepts: ids and codes are short, and every filter goes into the log. */
export const FILTER_MAX_LENGTH = 100;
/** The longest purpose accepted, as the identity module's look-up form does. */
export const PURPOSE_MAX_LENGTH = 200;

const blankToUndefined = (value: string | undefined) => (value === '' ? undefined : value);

const optionalText = () =>
  z
    .string({ error: 'error.invalid' })
    .trim()
    .max(FILTER_MAX_LENGTH, { error: 'error.tooLong' })
    .optional()
    .transform(blankToUndefined);

const optionalDate = (error: string) =>
  z
    .string({ error })
    .trim()
    .refine((value) => value === '' || isCivilDate(value), { error })
    .optional()
    .transform(blankToUndefined);

/** The search form: every filter optional (blank means "any"), the purpose required. */
export const AuditSearchQuery = z
  .object({
    actorId: optionalText(),
    action: z
      .string({ error: 'error.invalid' })
      .trim()
      .max(FILTER_MAX_LENGTH, { error: 'error.tooLong' })
      .regex(/^[a-zA-Z0-9.]*$/, { error: 'error.action' })
      .optional()
      .transform(blankToUndefined),
    objectType: optionalText(),
    objectId: optionalText(),
    subjectId: optionalText(),
    from: optionalDate('error.from'),
    to: optionalDate('error.to'),
    outcome: z
      .enum(['', 'success', 'denied', 'failure'], { error: 'error.outcome' })
      .optional()
      .transform((value) => (value === '' ? undefined : value)),
    // Set only by the "older records" link: a bad value just starts again from the newest records.
    before: z.coerce.number().int().positive().max(Number.MAX_SAFE_INTEGER).optional().catch(undefined),
    purpose: z
      .string({ error: 'error.purpose' })
      .trim()
      .min(1, { error: 'error.purpose' })
      .max(PURPOSE_MAX_LENGTH, { error: 'error.purposeTooLong' }),
  })
  // YYYY-MM-DD strings compare as the days they name.
  .refine((q) => q.from === undefined || q.to === undefined || q.from <= q.to, {
    path: ['to'],
    error: 'error.range',
  });

/** A valid search: its filters and its purpose. */
export type AuditSearchInput = z.infer<typeof AuditSearchQuery>;
