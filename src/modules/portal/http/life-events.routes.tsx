import type { FastifyInstance } from 'fastify';
import { AppError, KernelErrors } from '../../../kernel/errors.ts';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { CardList, SummaryList } from '../../../kernel/views/components.tsx';
import { AUDIENCES } from '../domain/audiences.ts';
import type { PortalQueries } from '../portal.service.ts';
import {
  audienceWords,
  departmentNames,
  inLocale,
  isOnline,
  lifeEventCard,
  portalWords,
  serviceCard,
} from './portal.presenters.tsx';

/** Life events (人生大事): `/life-events`, all of them by audience, and `/life-events/:code`, one as a journey. */
export function registerLifeEventPages(app: FastifyInstance, queries: PortalQueries): void {
  app.get(
    '/life-events',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const events = await queries.lifeEvents();
      const { locale } = request;
      const { m, plain } = portalWords(locale, request.elderly);
      return sendPage(
        request,
        reply,
        { title: m('lifeEvents.title'), breadcrumbs: [{ label: m('lifeEvents.title') }] },
        () => (
          <>
            <h1>{m('lifeEvents.title')}</h1>
            <p class="lead">{plain('lifeEvents.lead')}</p>
            {AUDIENCES.map((audience) => {
              const mine = events.filter((e) => e.audience === audience);
              if (mine.length === 0) return null;
              const words = audienceWords(audience, m);
              return (
                <section key={audience}>
                  <h2 id={`life-events-${audience}`}>{words.card}</h2>
                  <CardList items={mine.map((e) => lifeEventCard(e, locale, m))} />
                </section>
              );
            })}
          </>
        ),
      );
    },
  );

  app.get<{ Params: { code: string } }>(
    '/life-events/:code',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const journey = await queries.journey(request.params.code);
      if (!journey) throw new AppError(KernelErrors.notFound);
      const { event, steps, involved } = journey;
      const { locale } = request;
      const { m, plain, counted } = portalWords(locale, request.elderly);
      const names = departmentNames(journey.departments, locale);
      const name = inLocale(event.name, locale);
      const services = steps.flatMap((s) => s.services);
      const published = [...new Map(services.flatMap((s) => ('missing' in s ? [] : [[s.code, s]]))).values()];
      const online = published.filter((s) => isOnline(s.onlineDepth)).length;
      const audience = audienceWords(event.audience, m);
      return sendPage(
        request,
        reply,
        {
          title: name,
          breadcrumbs: [{ label: m('lifeEvents.title'), href: '/life-events' }, { label: name }],
        },
        () => (
          <>
            <h1>{name}</h1>
            <p class="lead">{inLocale(event.summary, locale)}</p>
            <SummaryList
              rows={[
                {
                  key: m('lifeEvent.facts.audience'),
                  value: <a href={`/for/${event.audience}`}>{audience.card}</a>,
                },
                {
                  key: m('lifeEvent.facts.steps'),
                  value: m('lifeEvent.facts.stepCount', { count: steps.length }),
                },
                {
                  key: m('lifeEvent.facts.departments'),
                  value: (
                    <ul class="plain-list">
                      {involved.map((code) => (
                        <li key={code}>
                          <a href={`/departments/${code}`}>{names.get(code) ?? code}</a>
                        </li>
                      ))}
                    </ul>
                  ),
                },
                {
                  key: m('lifeEvent.facts.online'),
                  value: counted('lifeEvent.facts.onlineCount', published.length, { online }),
                },
              ]}
            />
            <p>{counted('lifeEvent.oneJourney', involved.length)}</p>
            <h2>{m('lifeEvent.steps')}</h2>
            <ol class="step-list">
              {steps.map(({ step, services: stepServices }, index) => {
                const id = `step-${index + 1}`;
                const found = stepServices.flatMap((s) => ('missing' in s ? [] : [s]));
                const missing = stepServices.flatMap((s) => ('missing' in s ? [s.code] : []));
                return (
                  <li class="step-list__step" key={id}>
                    <h3 class="step-list__title" id={id}>
                      <span class="step-list__number">{m('lifeEvent.step', { n: index + 1 })}</span>{' '}
                      {inLocale(step.title, locale)}
                    </h3>
                    <p>{inLocale(step.description, locale)}</p>
                    {found.length > 0 ? (
                      <CardList
                        headingLevel={4}
                        items={found.map((s) => serviceCard(s, { locale, departments: names, plain }))}
                      />
                    ) : null}
                    {missing.length > 0 ? (
                      <ul>
                        {missing.map((code) => (
                          <li key={code}>{m('lifeEvent.unpublished', { code })}</li>
                        ))}
                      </ul>
                    ) : null}
                  </li>
                );
              })}
            </ol>
          </>
        ),
      );
    },
  );
}
