import { z } from 'zod';

// A form field as posted: a string, or '' for anything else (a repeated field), so the page reports it.
const formText = (max: number) => z.string().max(max).catch('').default('');
/** A posted body as a form: anything but a plain object counts as an empty form. */
const asForm = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** A service code in a workbench address (`SJ-0101`, any case); anything else is not found. */
export const EditorCodeParams = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z]{2,6}-\d{4}$/)
    .transform((c) => c.toUpperCase()),
});

/** A version id in a review form's address. */
export const ReviewParams = z.object({ versionId: z.string().regex(/^svv_[0-9A-Za-z]{1,40}$/) });

/** The list's filter and the banners a redirect asks for; anything unknown is ignored. */
export const EditorQuery = z.preprocess(
  asForm,
  z.object({
    state: z.string().max(20).optional().catch(undefined),
    /** The list continues after this item code (a page of the list). */
    after: z
      .string()
      .regex(/^[A-Z]{2,6}-\d{4}$/)
      .optional()
      .catch(undefined),
    saved: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
    done: z
      .enum(['published', 'scheduled', 'rejected', 'submitted', 'withdrawn'])
      .optional()
      .catch(undefined),
    code: z
      .string()
      .regex(/^[A-Z]{2,6}-\d{4}$/)
      .optional()
      .catch(undefined),
    n: z.coerce.number().int().min(1).max(1_000_000).optional().catch(undefined),
    at: z.iso.datetime().optional().catch(undefined),
  }),
);

/** A reviewer's decision as posted from the review queue. */
export const ReviewForm = z.preprocess(
  asForm,
  z.object({
    decision: z.enum(['publish', 'schedule', 'reject']).optional().catch(undefined),
    note: formText(1000),
    publishAt: formText(40),
  }),
);

/** "Submit for review" from an item's page. */
export const SubmitForm = z.preprocess(asForm, z.object({ versionId: formText(60) }));

/** The withdrawal confirmation. */
export const WithdrawForm = z.preprocess(asForm, z.object({ note: formText(1000) }));
