import type { FastifyInstance } from 'fastify';
import { civilDate } from '../../../kernel/calendar/working-days.ts';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { KernelContext } from '../../../kernel/modules.ts';
import { CardList, SummaryList } from '../../../kernel/views/components.tsx';
import { AUDIENCES } from '../domain/audiences.ts';
import { describeTodayCached } from '../domain/today.ts';
import type { PortalQueries } from '../portal.service.ts';
import {
  audienceWords,
  departmentNames,
  inLocale,
  lifeEventCard,
  portalWords,
  serviceCard,
} from './portal.presenters.tsx';

/** What the portal's pages read: the calendar (is the counter open today) and the catalogue, by way of the queries. */
export interface PortalDeps {
  kernel: KernelContext;
  queries: PortalQueries;
}

/** How many life events and popular services the home page shows before "see all". */
const HOME_LIFE_EVENTS = 9;
const HOME_POPULAR = 8;

/** The portal's front door (by need: search, audiences, life events, popular services, topics) and its fixed pages. */
export function registerPortalPages(app: FastifyInstance, deps: PortalDeps): void {
  const { kernel, queries } = deps;

  app.get(
    '/',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const { departments, popular, lifeEvents, topics } = await queries.homePage(HOME_POPULAR);
      const { locale } = request;
      const { m, plain } = portalWords(locale, request.elderly);
      const names = departmentNames(departments, locale);
      const today = describeTodayCached(
        kernel.calendar,
        civilDate(new Date(), kernel.config.timeZone),
        locale,
      );
      return sendPage(request, reply, { title: m('home.title') }, (ctx) => (
        <>
          <h1>{ctx.t('site.portalName')}</h1>
          <p class="lead">{plain('home.lead')}</p>
          <search class="portal-search">
            <form method="get" action="/search">
              <label class="portal-search__label" for="home-search">
                {m('home.search.label')}
              </label>
              <p class="hint" id="home-search-hint">
                {m('home.search.hint')}
              </p>
              <div class="portal-search__row">
                <input
                  class="portal-search__input"
                  type="search"
                  id="home-search"
                  name="q"
                  maxLength={100}
                  aria-describedby="home-search-hint"
                />
                <button class="portal-search__button" type="submit">
                  {m('home.search.button')}
                </button>
              </div>
            </form>
          </search>

          <h2>{m('home.audiences')}</h2>
          <CardList
            items={AUDIENCES.map((audience) => {
              const words = audienceWords(audience, m);
              return { title: words.card, href: `/for/${audience}`, description: words.text };
            })}
          />

          {lifeEvents.length > 0 ? (
            <>
              <h2>{m('home.lifeEvents')}</h2>
              <p>{m('home.lifeEvents.text')}</p>
              <CardList
                items={lifeEvents.slice(0, HOME_LIFE_EVENTS).map((e) => lifeEventCard(e, locale, m))}
              />
              <p>
                <a href="/life-events">{m('home.lifeEvents.all')}</a>
              </p>
            </>
          ) : null}

          {popular.length > 0 ? (
            <>
              <h2>{m('home.popular')}</h2>
              <CardList items={popular.map((s) => serviceCard(s, { locale, departments: names, plain }))} />
            </>
          ) : null}

          {topics.length > 0 ? (
            <>
              <h2>{m('home.topics')}</h2>
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
          ) : null}

          <h2>{m('home.today')}</h2>
          <p>{today.status}</p>
          {today.next ? <p>{today.next}</p> : null}
          <h2>{m('home.channels')}</h2>
          <SummaryList
            rows={[
              { key: m('home.channel.online'), value: m('home.channel.online.text') },
              { key: m('home.channel.hotline'), value: m('home.channel.hotline.text') },
              { key: m('home.channel.counter'), value: m('home.channel.counter.text') },
            ]}
          />
          <p class="secondary-text">
            {m('home.departments.text', { count: departments.length })}{' '}
            <a href="/departments">{m('home.departments.link')}</a>
          </p>
        </>
      ));
    },
  );

  app.get(
    '/accessibility',
    { schema: { hide: true }, config: { pageCache: PUBLIC_PAGE_CACHE } },
    async (request, reply) => {
      const { m } = portalWords(request.locale, request.elderly);
      return sendPage(
        request,
        reply,
        { title: m('accessibility.title'), breadcrumbs: [{ label: m('accessibility.title') }] },
        () => (
          <>
            <h1>{m('accessibility.title')}</h1>
            <p class="lead">{m('accessibility.intro')}</p>
            <p>{m('accessibility.standards')}</p>
            <h2>{m('accessibility.how')}</h2>
            <ul>
              <li>{m('accessibility.how.nojs')}</li>
              <li>{m('accessibility.how.keyboard')}</li>
              <li>{m('accessibility.how.phone')}</li>
              <li>{m('accessibility.how.language')}</li>
              <li>{m('accessibility.how.elderly')}</li>
              <li>{m('accessibility.how.checks')}</li>
            </ul>
            <h2>{m('accessibility.contact')}</h2>
            <p>{m('accessibility.contact.text')}</p>
          </>
        ),
      );
    },
  );
}
