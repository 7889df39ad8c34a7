import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { AppError } from '../../../kernel/errors.ts';
import { ProblemSchema } from '../../../kernel/http/problem.schemas.ts';
import { CatalogueErrors } from '../catalogue.errors.ts';
import type { CatalogueContract } from '../contract.ts';
import {
  LifeEventCodeParams,
  LifeEventDetailSchema,
  LifeEventListQuery,
  LifeEventListSchema,
  SearchQuerySchema,
  SearchResultSchema,
  ServiceCodeParams,
  ServiceItemSchema,
  ServiceListQuery,
  ServiceListSchema,
  TopicListSchema,
} from './catalogue.schemas.ts';

/** The public read API of the catalogue, so department sites and apps can embed it. */
export function registerCatalogueApi(app: FastifyInstance, service: CatalogueContract): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  api.get(
    '/api/v1/catalogue/services',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'List published services, by audience, topic, life event or department',
        querystring: ServiceListQuery,
        response: { 200: ServiceListSchema, 400: ProblemSchema },
      },
    },
    async (request) => service.listServices(request.query),
  );
  api.get(
    '/api/v1/catalogue/services/:code',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'One published service in full: materials, fees, time limits, counters, questions',
        params: ServiceCodeParams,
        response: { 200: ServiceItemSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const item = await service.findService(request.params.code);
      if (!item)
        throw new AppError(CatalogueErrors.serviceNotFound, { code: request.params.code.toUpperCase() });
      return { ...item, publishedAt: item.publishedAt.toISOString() };
    },
  );
  api.get(
    '/api/v1/catalogue/search',
    {
      config: { throttle: 'lookups' },
      schema: {
        tags: ['catalogue'],
        summary:
          'Search the published services in Chinese or English (synonyms, misspellings, ranking by relevance and popularity)',
        querystring: SearchQuerySchema,
        // 429: past the per-address look-up budget (YIWANG_THROTTLE_LOOKUPS).
        response: { 200: SearchResultSchema, 400: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request) => service.search(request.query),
  );
  api.get(
    '/api/v1/catalogue/topics',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'The topics services are grouped by',
        response: { 200: TopicListSchema },
      },
    },
    async () => ({ items: await service.listTopics() }),
  );
  api.get(
    '/api/v1/catalogue/life-events',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'Life events: journeys through the services of several departments',
        querystring: LifeEventListQuery,
        response: { 200: LifeEventListSchema, 400: ProblemSchema },
      },
    },
    async (request) => ({ items: await service.listLifeEvents(request.query.audience) }),
  );
  api.get(
    '/api/v1/catalogue/life-events/:code',
    {
      schema: {
        tags: ['catalogue'],
        summary: 'One life event with its ordered steps and the services they name',
        params: LifeEventCodeParams,
        response: { 200: LifeEventDetailSchema, 400: ProblemSchema, 404: ProblemSchema },
      },
    },
    async (request) => {
      const event = await service.findLifeEvent(request.params.code);
      if (!event) throw new AppError(CatalogueErrors.lifeEventNotFound, { code: request.params.code });
      const codes = [...new Set(event.steps.flatMap((s) => s.services))];
      const { items } = await service.listServices({ codes, limit: codes.length });
      return { ...event, services: items };
    },
  );
}
