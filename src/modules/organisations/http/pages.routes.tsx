import type { FastifyInstance } from 'fastify';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { DataTable } from '../../../kernel/views/components.tsx';
import type { OrganisationsContract } from '../contract.ts';
import { organisationsMessages } from '../organisations.messages.ts';

/** The public department directory. It exists, but it is not the front door: the home page is by need. */
export function registerOrganisationsPages(app: FastifyInstance, service: OrganisationsContract): void {
  app.get(
    '/departments',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const list = await service.listDepartments();
      const m = organisationsMessages.translator(request.locale);
      return sendPage(
        request,
        reply,
        { title: m('departments.title'), breadcrumbs: [{ label: m('departments.title') }] },
        (ctx) => (
          <>
            <h1>{m('departments.title')}</h1>
            <p class="lead">{m('departments.lead')}</p>
            <DataTable
              caption={m('departments.count', { count: list.length })}
              columns={[
                { header: m('departments.name'), cell: (d) => d.name[ctx.locale] },
                {
                  header: m('departments.code'),
                  // The department's own page (the portal's): its published services, by topic.
                  cell: (d) => (
                    <a href={`/departments/${d.code}`}>
                      {d.code}
                      <span class="visually-hidden"> {d.name[ctx.locale]}</span>
                    </a>
                  ),
                },
                {
                  header: m('departments.website'),
                  cell: (d) => (d.website ? <a href={d.website}>{new URL(d.website).host}</a> : '—'),
                },
              ]}
              rowHeaders
              rows={list}
              rowKey={(d) => d.code}
            />
          </>
        ),
      );
    },
  );
}
