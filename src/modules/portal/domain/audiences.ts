import type { ServiceSummary } from '../../catalogue/index.ts';

/** Who a service is for: the portal's first division, never the department. In the order the home page shows them. */
export const AUDIENCES = [
  'citizen',
  'business',
  'international',
] as const satisfies readonly ServiceSummary['audiences'][number][];
export type Audience = (typeof AUDIENCES)[number];

/** Narrows a URL segment to an audience. */
export function isAudience(value: unknown): value is Audience {
  return typeof value === 'string' && (AUDIENCES as readonly string[]).includes(value);
}
