import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { DatabaseMode } from '../config.ts';
import { kernelMessages } from '../i18n/index.ts';
import { DataTable } from '../views/components.tsx';
import { PUBLIC_PAGE_CACHE } from './page-cache.ts';
import { sendPage } from './pages.tsx';

/** What /readyz checks. */
export interface Readiness {
  database: boolean;
  migrations: boolean;
}

const Status = z
  .object({
    status: z.enum(['ok', 'unavailable']).describe('"ok" when the check passes'),
    mode: z.enum(['embedded', 'server']).describe('embedded PGlite, or a PostgreSQL server'),
    version: z.string().describe('the platform version'),
  })
  .meta({ id: 'PlatformStatus' });

const ReadyStatus = Status.extend({
  checks: z.object({
    database: z.boolean().describe('the database answers'),
    migrations: z
      .boolean()
      .describe('every migration of this build is applied (a newer schema is fine: rolling upgrade)'),
  }),
}).meta({ id: 'ReadyStatus' });

interface OpenApiDocument {
  paths?: Record<string, Record<string, { summary?: string; description?: string; tags?: string[] }>>;
}

const METHODS = ['get', 'post', 'put', 'patch', 'delete'] as const;

/** Liveness, readiness, the OpenAPI document and its human-readable reference. */
export function registerPlatformRoutes(
  app: FastifyInstance,
  options: { mode: DatabaseMode; version: string; readiness: () => Promise<Readiness> },
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const base = { mode: options.mode, version: options.version };

  api.get(
    '/healthz',
    {
      schema: {
        tags: ['platform'],
        summary: 'Liveness: the process is up',
        response: { 200: Status },
      },
    },
    async () => ({ status: 'ok' as const, ...base }),
  );

  api.get(
    '/readyz',
    {
      schema: {
        tags: ['platform'],
        summary: 'Readiness: the database answers and its schema is current',
        response: { 200: ReadyStatus, 503: ReadyStatus },
      },
    },
    async (_request, reply) => {
      const checks = await options.readiness();
      const ready = checks.database && checks.migrations;
      return reply.status(ready ? 200 : 503).send({ status: ready ? 'ok' : 'unavailable', ...base, checks });
    },
  );

  app.get('/api/openapi.json', { schema: { hide: true } }, async () => app.swagger());

  app.get(
    '/api/docs',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const document = app.swagger() as OpenApiDocument;
      const operations = Object.entries(document.paths ?? {}).flatMap(([path, item]) =>
        METHODS.filter((m) => item[m]).map((m) => ({
          method: m.toUpperCase(),
          path,
          summary: item[m]?.summary ?? '',
        })),
      );
      const t = kernelMessages.translator(request.locale);
      return sendPage(
        request,
        reply,
        { title: t('apiDocs.title'), breadcrumbs: [{ label: t('apiDocs.title') }] },
        (ctx) => (
          <>
            <h1>{ctx.t('apiDocs.title')}</h1>
            <p>
              {ctx.t('apiDocs.lead')} <a href="/api/openapi.json">/api/openapi.json</a>
            </p>
            <DataTable
              caption={ctx.t('apiDocs.title')}
              columns={[
                {
                  header: ctx.t('apiDocs.operation'),
                  cell: (o) => (
                    <code>
                      {o.method} {o.path}
                    </code>
                  ),
                },
                { header: ctx.t('apiDocs.summary'), cell: (o) => o.summary },
              ]}
              rows={operations}
            />
          </>
        ),
      );
    },
  );
}
