import { z } from 'zod';
import { AUDIENCES } from '../domain/audiences.ts';

/** Services listed per page of a topic. */
export const TOPIC_PAGE_SIZE = 50;

/**
 * The query of a topic's page. Anything else in it is ignored (and so cannot split the page cache); a bad value of
 * these two names no page, so the route answers "not found" rather than a form error.
 */
/** A department code as it may appear in a URL (the directory's codes are 2 to 6 capital letters). */
export const DepartmentCode = z
  .string()
  .regex(/^[A-Za-z]{2,6}$/)
  .transform((code) => code.toUpperCase());

export const TopicPageQuery = z.object({
  page: z.coerce.number().int().min(1).max(10_000).default(1),
  audience: z.enum(AUDIENCES).optional(),
  /** One department's services on the topic: where a department's page sends "all N on this topic". */
  department: DepartmentCode.optional(),
});
