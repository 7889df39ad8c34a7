import { z } from 'zod';

/** RFC 9457 problem details, as every API error is sent (see error-handler.tsx). */
export const ProblemSchema = z
  .object({
    type: z.string().describe('urn:yiwang:error:<code>'),
    title: z.string().describe('What went wrong, for people, in the request language'),
    status: z.number().int(),
    code: z.string().describe('Stable code from the error catalogue (docs/errors.md)'),
    instance: z.string().describe('The request path'),
    requestId: z.string().describe('Quote it to support'),
    errors: z
      .array(z.object({ path: z.string(), message: z.string() }))
      .optional()
      .describe('One entry per invalid field'),
  })
  .meta({ id: 'Problem' });
