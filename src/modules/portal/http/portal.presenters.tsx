/*
 * How the catalogue reads on the portal's pages: cards for services and life events in the reader's language, with
 * the department's name, the promised time and whether it can be done online; the audiences; pagination.
 */
import type { Locale, MessageParams, Translate } from '../../../kernel/i18n/index.ts';
import { CardList, type ServiceCardProps } from '../../../kernel/views/components.tsx';
import type { LifeEvent, ServiceItem, ServiceSummary } from '../../catalogue/index.ts';
import type { Department } from '../../organisations/index.ts';
import type { Audience } from '../domain/audiences.ts';
import { type PortalMessageKey, portalMessages } from '../portal.messages.ts';
import type { TopicGroup } from '../portal.service.ts';

/** An audience's words: its name on a card ("I am… a resident"), its page title and what it covers. */
export function audienceWords(
  audience: Audience,
  m: Translate<PortalMessageKey>,
): { card: string; title: string; text: string } {
  return {
    card: m(`audience.${audience}.card`),
    title: m(`audience.${audience}.title`),
    text: m(`audience.${audience}.text`),
  };
}

/** The reader's half of a bilingual text. */
export function inLocale(text: { zh: string; en: string }, locale: Locale): string {
  return locale === 'en' ? text.en : text.zh;
}

/** The portal's words for one page (see `portalWords`). */
export interface PortalWords {
  /** The message, as written. */
  m: Translate<PortalMessageKey>;
  /** In elderly mode, the plainer wording of a text (`<key>.plain`) where there is one. */
  plain: Translate<PortalMessageKey>;
  /** A message about `count` things: `<key>.one` for one, where there is one; plainer in elderly mode. */
  counted: (key: PortalMessageKey, count: number, params?: MessageParams) => string;
}

/** The portal's translator for one page, in its language and mode. */
export function portalWords(locale: Locale, elderly: boolean): PortalWords {
  const m = portalMessages.translator(locale);
  const plain: Translate<PortalMessageKey> = (key, params) => {
    const plainer = `${key}.plain`;
    return m(elderly && portalMessages.has(plainer) ? plainer : key, params);
  };
  const counted: PortalWords['counted'] = (key, count, params) => {
    const one = `${key}.one`;
    return plain(count === 1 && portalMessages.has(one) ? one : key, { ...params, count });
  };
  return { m, plain, counted };
}

/** Department names by code, in the reader's language. */
export function departmentNames(departments: readonly Department[], locale: Locale): Map<string, string> {
  return new Map(departments.map((d) => [d.code, d.name[locale]]));
}

/** Whether a person can apply for the service online (the maturity index's "transact" or deeper). */
export function isOnline(depth: ServiceSummary['onlineDepth']): boolean {
  return depth === 'transact' || depth === 'integrate';
}

/** The small print of a service card: department (where useful) · promised time (when known) · online or not. */
function ServiceMeta(props: {
  department?: string;
  promisedDays?: number;
  online: boolean;
  plain: Translate<PortalMessageKey>;
}) {
  const { plain } = props;
  const promised =
    props.promisedDays === undefined
      ? undefined
      : props.promisedDays === 0
        ? plain('service.promised.zero')
        : plain('service.promised', { days: props.promisedDays });
  return (
    <ul class="service-meta">
      {props.department ? <li class="service-meta__item">{props.department}</li> : null}
      {promised ? <li class="service-meta__item">{promised}</li> : null}
      <li class="service-meta__item">
        <strong class={props.online ? 'tag tag--success' : 'tag'}>
          {plain(props.online ? 'service.online' : 'service.counter')}
        </strong>
      </li>
    </ul>
  );
}

/** A service as a card linking to its guide page (`/services/:code`). */
export function serviceCard(
  service: ServiceSummary | ServiceItem,
  context: {
    locale: Locale;
    /** Department names by code; none on a department's own page, where every card would repeat its name. */
    departments?: Map<string, string>;
    plain: Translate<PortalMessageKey>;
  },
): ServiceCardProps {
  const { locale } = context;
  return {
    title: inLocale(service.name, locale),
    href: `/services/${encodeURIComponent(service.code)}`,
    description: inLocale(service.summary, locale),
    meta: (
      <ServiceMeta
        department={
          context.departments && (context.departments.get(service.department) ?? service.department)
        }
        promisedDays={'promisedDays' in service ? service.promisedDays : undefined}
        online={isOnline(service.onlineDepth)}
        plain={context.plain}
      />
    ),
  };
}

/**
 * One topic's services in a list of topics (an audience's page, a department's page): the topic and how many it
 * holds, the first few as cards, and a link to all of them when there are more.
 */
export function TopicGroupSection(props: {
  group: TopicGroup;
  locale: Locale;
  words: Pick<PortalWords, 'm' | 'plain' | 'counted'>;
  departments?: Map<string, string>;
  /** Where all the topic's services are listed, and the link's text (given the topic and the count). */
  more: { href: string; text: (topic: string, count: number) => string };
}) {
  const { group, locale, words } = props;
  const topic = inLocale(group.topic.name, locale);
  return (
    <section class="topic-group">
      <h3 id={`topic-${group.topic.code}`}>
        {topic} <span class="topic-group__count">{words.counted('audience.topic.count', group.total)}</span>
      </h3>
      <CardList
        headingLevel={4}
        items={group.items.map((s) =>
          serviceCard(s, { locale, departments: props.departments, plain: words.plain }),
        )}
      />
      {group.total > group.items.length ? (
        <p>
          <a href={props.more.href}>{props.more.text(topic, group.total)}</a>
        </p>
      ) : null}
    </section>
  );
}

/** A life event as a card linking to its journey (`/life-events/:code`). */
export function lifeEventCard(
  event: LifeEvent,
  locale: Locale,
  m: Translate<PortalMessageKey>,
): ServiceCardProps {
  return {
    title: inLocale(event.name, locale),
    href: `/life-events/${encodeURIComponent(event.code)}`,
    description: inLocale(event.summary, locale),
    meta: m('lifeEvent.card.steps', { count: event.steps.length }),
  };
}

/** Previous and next links with "page 2 of 5"; nothing when everything fits on one page. */
export function Pagination(props: {
  page: number;
  pages: number;
  /** The URL of a page number (1 is the list's own URL). */
  href: (page: number) => string;
  m: Translate<PortalMessageKey>;
}) {
  const { page, pages, href, m } = props;
  if (pages <= 1) return null;
  return (
    <nav class="pagination" aria-label={m('pagination.label')}>
      <ul class="pagination__list">
        {page > 1 ? (
          <li class="pagination__item pagination__item--previous">
            <a class="pagination__link" href={href(page - 1)} rel="prev">
              {m('pagination.previous')}
            </a>
          </li>
        ) : null}
        <li class="pagination__item pagination__item--status">{m('pagination.status', { page, pages })}</li>
        {page < pages ? (
          <li class="pagination__item pagination__item--next">
            <a class="pagination__link" href={href(page + 1)} rel="next">
              {m('pagination.next')}
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}
