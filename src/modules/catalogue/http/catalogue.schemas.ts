import { z } from 'zod';
import { AUDIENCES, ONLINE_DEPTHS, ServiceItemInput } from '../domain/catalogue-file.ts';

const Bilingual = z.object({ zh: z.string(), en: z.string() });
const Highlighted = z
  .array(z.object({ text: z.string(), match: z.boolean() }))
  .describe('The text in pieces; pieces that match the query have match: true');

/** A published service item in full, as the guide page shows it. */
export const ServiceItemSchema = ServiceItemInput.safeExtend({
  version: z.number().int().describe('The published version’s number'),
  publishedAt: z.iso.datetime().describe('When this version was published'),
}).meta({ id: 'ServiceItem' });

export const ServiceSummarySchema = z
  .object({
    code: z.string().describe('Service code, e.g. SJ-0101'),
    name: Bilingual,
    summary: Bilingual,
    department: z.string().describe('Code of the responsible department'),
    audiences: z.array(z.enum(AUDIENCES)),
    onlineDepth: z.enum(ONLINE_DEPTHS),
  })
  .meta({ id: 'ServiceSummary' });

export const ServiceListSchema = z
  .object({ items: z.array(ServiceSummarySchema), total: z.number().int() })
  .meta({ id: 'ServiceList' });

export const SearchResultSchema = z
  .object({
    hits: z.array(
      ServiceSummarySchema.extend({
        highlighted: z.object({
          name: z.object({ zh: Highlighted, en: Highlighted }),
          summary: z.object({ zh: Highlighted, en: Highlighted }),
        }),
      }),
    ),
    total: z.number().int().describe('Matches counted, at most 1,000'),
    totalIsExact: z.boolean().describe('False when there are more matches than total'),
    correctedQuery: z
      .string()
      .optional()
      .describe('The query with its spelling corrected, when that found more'),
    fuzzy: z
      .boolean()
      .describe('True when some hits come from similar titles rather than the words themselves'),
  })
  .meta({ id: 'SearchResult' });

export const TopicListSchema = z
  .object({ items: z.array(z.object({ code: z.string(), name: Bilingual })) })
  .meta({ id: 'TopicList' });

const LifeEventSchema = z.object({
  code: z.string(),
  name: Bilingual,
  summary: Bilingual,
  audience: z.enum(AUDIENCES),
  steps: z.array(z.object({ title: Bilingual, description: Bilingual, services: z.array(z.string()) })),
});
export const LifeEventListSchema = z
  .object({ items: z.array(LifeEventSchema.meta({ id: 'LifeEvent' })) })
  .meta({ id: 'LifeEventList' });

export const LifeEventDetailSchema = LifeEventSchema.extend({
  services: z.array(ServiceSummarySchema).describe('Every published service the steps name'),
}).meta({ id: 'LifeEventDetail' });

const audience = z.enum(AUDIENCES).optional().describe('Only services for this audience');
const department = z
  .string()
  .regex(/^[A-Za-z]{2,6}$/)
  .optional()
  .describe('Only services of this department (code)');
const limit = (max: number) => z.coerce.number().int().min(1).max(max).default(20);
const offset = z.coerce.number().int().min(0).max(100_000).default(0);

export const ServiceListQuery = z.object({
  audience,
  department,
  topic: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,40}$/)
    .optional()
    .describe('Only services of this topic'),
  lifeEvent: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,40}$/)
    .optional()
    .describe('Only services of this life event'),
  limit: limit(200),
  offset,
});

export const SearchQuerySchema = z.object({
  q: z.string().trim().min(1).max(100).describe('What to look for, in Chinese or English'),
  audience,
  department,
  limit: limit(50),
  offset,
});

export const ServiceCodeParams = z.object({
  code: z
    .string()
    .regex(/^[A-Za-z]{2,6}-\d{4}$/)
    .describe('Service code, e.g. SJ-0101'),
});

export const LifeEventCodeParams = z.object({
  code: z
    .string()
    .regex(/^[a-z][a-z0-9-]{1,40}$/)
    .describe('Life event code, e.g. having-a-baby'),
});

export const LifeEventListQuery = z.object({ audience });
