import type { FastifyInstance } from 'fastify';
import { AppError, KernelErrors } from '../../../kernel/errors.ts';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Crumb } from '../../../kernel/views/components.tsx';
import { CardList } from '../../../kernel/views/components.tsx';
import { AUDIENCES, isAudience } from '../domain/audiences.ts';
import type { PortalQueries } from '../portal.service.ts';
import {
  audienceWords,
  departmentNames,
  inLocale,
  lifeEventCard,
  Pagination,
  portalWords,
  serviceCard,
  TopicGroupSection,
} from './portal.presenters.tsx';
import { TOPIC_PAGE_SIZE, TopicPageQuery } from './portal.schemas.ts';

/** Services shown per topic on an audience's page; the rest are one link away. */
const PER_TOPIC = 6;

const notFound = () => new AppError(KernelErrors.notFound);

/** Pages by need: `/for/:audience` (services by topic, and life events), `/topics` and `/topics/:code`. */
export function registerBrowsePages(app: FastifyInstance, queries: PortalQueries): void {
  app.get<{ Params: { audience: string } }>(
    '/for/:audience',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const { audience } = request.params;
      if (!isAudience(audience)) throw notFound();
      const { lifeEvents, groups, departments } = await queries.audiencePage(audience, PER_TOPIC);
      const { locale } = request;
      const portal = portalWords(locale, request.elderly);
      const { m, plain } = portal;
      const words = audienceWords(audience, m);
      const names = departmentNames(departments, locale);
      return sendPage(request, reply, { title: words.title, breadcrumbs: [{ label: words.title }] }, () => (
        <>
          <h1>{words.title}</h1>
          <p class="lead">{words.text}</p>
          <p>{plain('audience.lead')}</p>
          {lifeEvents.length > 0 ? (
            <>
              <h2>{m('audience.lifeEvents')}</h2>
              <CardList items={lifeEvents.map((e) => lifeEventCard(e, locale, m))} />
            </>
          ) : null}
          <h2>{m('audience.topics')}</h2>
          {groups.length === 0 ? <p>{m('audience.none')}</p> : null}
          {groups.map((group) => (
            <TopicGroupSection
              key={group.topic.code}
              group={group}
              locale={locale}
              words={portal}
              departments={names}
              more={{
                href: `/topics/${encodeURIComponent(group.topic.code)}?audience=${audience}`,
                text: (topic, count) => m('audience.topic.more', { topic, count }),
              }}
            />
          ))}
          <h2>{m('audience.others')}</h2>
          <ul>
            {AUDIENCES.filter((a) => a !== audience).map((other) => (
              <li key={other}>
                <a href={`/for/${other}`}>{audienceWords(other, m).title}</a>
              </li>
            ))}
          </ul>
        </>
      ));
    },
  );

  app.get(
    '/topics',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const topics = await queries.topics();
      const { locale } = request;
      const { m } = portalWords(locale, request.elderly);
      return sendPage(
        request,
        reply,
        { title: m('topics.title'), breadcrumbs: [{ label: m('topics.title') }] },
        () => (
          <>
            <h1>{m('topics.title')}</h1>
            <p class="lead">{m('topics.lead')}</p>
            <ul class="topic-list">
              {topics.map((topic) => (
                <li class="topic-list__item" key={topic.code}>
                  <a class="topic-list__link" href={`/topics/${encodeURIComponent(topic.code)}`}>
                    {inLocale(topic.name, locale)}
                  </a>
                </li>
              ))}
            </ul>
          </>
        ),
      );
    },
  );

  app.get<{ Params: { code: string }; Querystring: Record<string, unknown> }>(
    '/topics/:code',
    {
      schema: { hide: true },
      config: { pageCache: { ...PUBLIC_PAGE_CACHE, varyBy: ['page', 'audience', 'department'] } },
    },
    async (request, reply) => {
      const query = TopicPageQuery.safeParse(request.query);
      if (!query.success) throw notFound();
      const { page, audience, department } = query.data;
      const found = await queries.topicPage(request.params.code, {
        audience,
        department,
        offset: (page - 1) * TOPIC_PAGE_SIZE,
        limit: TOPIC_PAGE_SIZE,
      });
      if (!found) throw notFound();
      const pages = Math.max(1, Math.ceil(found.total / TOPIC_PAGE_SIZE));
      if (page > pages) throw notFound();
      const { locale } = request;
      const { m, plain, counted } = portalWords(locale, request.elderly);
      const names = departmentNames(found.departments, locale);
      const topic = inLocale(found.topic.name, locale);
      const forWhom = audience ? audienceWords(audience, m) : undefined;
      const base = `/topics/${encodeURIComponent(found.topic.code)}`;
      const owner = department ? found.departments.find((d) => d.code === department) : undefined;
      if (department && !owner) throw notFound();
      const hrefOf = (to: { page?: number; audience?: string }) => {
        const params = new URLSearchParams();
        if (to.audience) params.set('audience', to.audience);
        if (department) params.set('department', department);
        if (to.page && to.page > 1) params.set('page', String(to.page));
        const search = params.toString();
        return search ? `${base}?${search}` : base;
      };
      const crumbs: Crumb[] = owner
        ? [
            { label: m('departments.title'), href: '/departments' },
            { label: owner.name[locale], href: `/departments/${owner.code}` },
            { label: topic },
          ]
        : forWhom
          ? [{ label: forWhom.title, href: `/for/${audience}` }, { label: topic }]
          : [{ label: m('topics.title'), href: '/topics' }, { label: topic }];
      // One department's services on the topic is a page of its own: its title says whose.
      const named = owner ? m('topic.title.department', { topic, department: owner.name[locale] }) : topic;
      const title = pages > 1 ? `${named} (${m('pagination.status', { page, pages })})` : named;
      return sendPage(request, reply, { title, breadcrumbs: crumbs }, () => (
        <>
          <h1>{named}</h1>
          <p class="lead">
            {owner
              ? forWhom
                ? counted('topic.lead.departmentAudience', found.total, {
                    topic,
                    department: owner.name[locale],
                    audience: forWhom.card,
                  })
                : counted('topic.lead.department', found.total, { topic, department: owner.name[locale] })
              : forWhom
                ? counted('topic.lead.audience', found.total, { topic, audience: forWhom.card })
                : counted('topic.lead', found.total, { topic })}
          </p>
          <nav class="filter-links" aria-label={m('topic.filter')}>
            <ul class="filter-links__list">
              {[undefined, ...AUDIENCES].map((a) => (
                <li class="filter-links__item" key={a ?? 'all'}>
                  <a
                    class="filter-links__link"
                    href={hrefOf({ audience: a })}
                    aria-current={a === audience ? 'page' : undefined}
                  >
                    {a ? audienceWords(a, m).card : m('topic.filter.all')}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          {found.items.length === 0 ? (
            <p>{m('topic.none')}</p>
          ) : (
            <CardList
              headingLevel={2}
              items={found.items.map((s) => serviceCard(s, { locale, departments: names, plain }))}
            />
          )}
          <Pagination page={page} pages={pages} href={(p) => hrefOf({ page: p, audience })} m={m} />
        </>
      ));
    },
  );
}
