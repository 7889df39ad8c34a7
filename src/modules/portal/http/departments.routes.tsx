import type { FastifyInstance } from 'fastify';
import { AppError, KernelErrors } from '../../../kernel/errors.ts';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { SummaryList } from '../../../kernel/views/components.tsx';
import type { PortalQueries } from '../portal.service.ts';
import { portalWords, TopicGroupSection } from './portal.presenters.tsx';
import { DepartmentCode } from './portal.schemas.ts';

/**
 * Services listed per topic on a department's page; the rest are a link away (the topic filtered by the department),
 * so a department of thousands of services still gets a page of about a hundred.
 */
const PER_TOPIC = 6;

/**
 * A department's page (`/departments/:code`): who it is, its official site and its published services by topic.
 * The directory links here; the front door never starts from the department.
 */
export function registerDepartmentPages(app: FastifyInstance, queries: PortalQueries): void {
  app.get<{ Params: { code: string } }>(
    '/departments/:code',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const code = DepartmentCode.safeParse(request.params.code);
      const found = code.success ? await queries.departmentPage(code.data, PER_TOPIC) : undefined;
      if (!found) throw new AppError(KernelErrors.notFound);
      const { department, groups, total } = found;
      const { locale } = request;
      const words = portalWords(locale, request.elderly);
      const { m, counted } = words;
      const name = department.name[locale];
      return sendPage(
        request,
        reply,
        {
          title: name,
          breadcrumbs: [{ label: m('departments.title'), href: '/departments' }, { label: name }],
        },
        () => (
          <>
            <h1>{name}</h1>
            <p class="lead">{counted('department.lead', total, { name })}</p>
            <SummaryList
              rows={[
                { key: m('department.code'), value: department.code },
                {
                  key: m('department.website'),
                  value: department.website ? (
                    <a href={department.website} rel="external">
                      {new URL(department.website).host}
                    </a>
                  ) : (
                    m('department.noWebsite')
                  ),
                },
              ]}
            />
            <h2>{m('department.services')}</h2>
            {groups.length === 0 ? <p>{m('department.none')}</p> : null}
            {groups.map((group) => (
              <TopicGroupSection
                key={group.topic.code}
                group={group}
                locale={locale}
                words={words}
                more={{
                  href: `/topics/${encodeURIComponent(group.topic.code)}?department=${encodeURIComponent(department.code)}`,
                  text: (topic, count) => m('department.topic.more', { topic, count }),
                }}
              />
            ))}
          </>
        ),
      );
    },
  );
}
