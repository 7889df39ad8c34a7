import type { FastifyInstance } from 'fastify';
import { PUBLIC_PAGE_CACHE } from '../../../kernel/http/page-cache.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Locale, Translate } from '../../../kernel/i18n/index.ts';
import { CardList, ErrorSummary, SelectField, TagStatus } from '../../../kernel/views/components.tsx';
import type { Department, OrganisationsContract } from '../../organisations/index.ts';
import { type CataloguePagesMessageKey, cataloguePagesMessages } from '../catalogue-pages.messages.ts';
import type { CatalogueContract, SearchResult, ServiceSummary } from '../contract.ts';
import { AUDIENCES, type Audience } from '../domain/catalogue-file.ts';
import type { Highlighted } from '../domain/search-plan.ts';
import { inLocale } from './guide.presenters.ts';

type M = Translate<CataloguePagesMessageKey>;

/** Results per page of the search page. */
export const RESULTS_PER_PAGE = 20;

/** The number of matches as the page says it: counting stops at 1,000, so beyond that "1000+". */
const countText = (result: { total: number; totalIsExact: boolean }) =>
  result.totalIsExact ? String(result.total) : `${result.total}+`;
/** The longest query searched, in characters: anything longer is refused before it costs a query. */
export const MAX_QUERY_LENGTH = 100;
/** The deepest page offered: beyond it nobody is reading, and the offset stays cheap. */
const MAX_PAGE = 500;

/** What the search page was asked, read leniently: an unknown filter is ignored, a bad page number is page 1. */
export interface SearchParams {
  q: string;
  audience?: Audience;
  department?: string;
  page: number;
  /** Set when the query cannot be searched (too long): the page shows the form with this problem. */
  tooLong: boolean;
}

const firstValue = (value: unknown): string | undefined => {
  const one = Array.isArray(value) ? value[0] : value;
  return typeof one === 'string' ? one : undefined;
};

/** Reads the search page's query string; departments are the codes of the directory. */
export function readSearchParams(query: unknown, departments: ReadonlySet<string>): SearchParams {
  const raw = (query ?? {}) as Record<string, unknown>;
  const q = (firstValue(raw.q) ?? '').trim();
  const audience = firstValue(raw.audience);
  const department = firstValue(raw.department)?.toUpperCase();
  const page = Number.parseInt(firstValue(raw.page) ?? '1', 10);
  return {
    q,
    audience: (AUDIENCES as readonly string[]).includes(audience ?? '') ? (audience as Audience) : undefined,
    department: department && departments.has(department) ? department : undefined,
    page: Number.isSafeInteger(page) && page >= 1 ? Math.min(page, MAX_PAGE) : 1,
    tooLong: Array.from(q).length > MAX_QUERY_LENGTH,
  };
}

/** The search page's URL for these parameters (page 1 is left out). */
export function searchUrl(params: {
  q: string;
  audience?: string;
  department?: string;
  page?: number;
}): string {
  const query = new URLSearchParams({ q: params.q });
  if (params.audience) query.set('audience', params.audience);
  if (params.department) query.set('department', params.department);
  if (params.page && params.page > 1) query.set('page', String(params.page));
  return `/search?${query}`;
}

/** A text with its matching pieces in <mark>: each piece is text, escaped by Preact, never HTML. */
export function Highlight({ pieces }: { pieces: Highlighted }) {
  return <>{pieces.map((piece, i) => (piece.match ? <mark key={i}>{piece.text}</mark> : piece.text))}</>;
}

/** The 12345 hotline and the service centre's counter: where to turn when the site does not help. */
export function CatalogueHelp({ m }: { m: M }) {
  return (
    <section class="catalogue-help" aria-labelledby="catalogue-help-title">
      <h2 id="catalogue-help-title">{m('help.title')}</h2>
      <p>{m('help.hotline')}</p>
      <p>
        <a class="catalogue-help__call" href="tel:12345">
          {m('help.call')}
        </a>
      </p>
      <p>{m('help.counter')}</p>
    </section>
  );
}

/** The search form: a plain GET form, so it works without JavaScript; filters only where asked for. */
export function SearchForm(props: {
  m: M;
  locale: Locale;
  q?: string;
  error?: string;
  /** The departments to filter by; without them the form has the query box only. */
  departments?: readonly Department[];
  audience?: Audience;
  department?: string;
}) {
  const { m, error } = props;
  const audiences: { value: string; label: string }[] = [
    { value: '', label: m('search.audience.all') },
    ...AUDIENCES.map((a) => ({ value: a, label: m(`audience.${a}`) })),
  ];
  return (
    <search class="search-form" aria-label={m('search.form')}>
      <form method="get" action="/search">
        <div class={error ? 'form-group form-group--error' : 'form-group'}>
          <label for="q">{m('search.label')}</label>
          <p class="hint" id="q-hint">
            {m('search.hint')}
          </p>
          {error ? (
            <p class="error-message" id="q-error">
              {error}
            </p>
          ) : null}
          <div class="search-form__bar">
            <input
              id="q"
              name="q"
              type="search"
              value={props.q ?? ''}
              maxLength={MAX_QUERY_LENGTH}
              autocomplete="off"
              enterkeyhint="search"
              aria-describedby={error ? 'q-hint q-error' : 'q-hint'}
              aria-invalid={error ? 'true' : undefined}
            />
            <button type="submit" class="search-form__submit">
              {m('search.submit')}
            </button>
          </div>
        </div>
        {props.departments ? (
          <div class="search-form__filters">
            <fieldset class="fieldset search-form__audience" id="audience">
              <legend class="fieldset__legend">{m('search.audience')}</legend>
              {audiences.map((option, i) => (
                <div class="choice" key={option.value}>
                  <input
                    type="radio"
                    id={`audience-${i}`}
                    name="audience"
                    value={option.value}
                    checked={(props.audience ?? '') === option.value}
                  />
                  <label for={`audience-${i}`}>{option.label}</label>
                </div>
              ))}
            </fieldset>
            <SelectField
              id="department"
              label={m('search.department')}
              value={props.department ?? ''}
              options={[
                { value: '', label: m('search.department.all') },
                ...props.departments.map((d) => ({ value: d.code, label: d.name[props.locale] })),
              ]}
            />
          </div>
        ) : null}
      </form>
    </search>
  );
}

/** One result: the name (a link to the guide) and the summary with the matching words marked. */
function SearchResultItem(props: {
  hit: SearchResult['hits'][number];
  m: M;
  locale: Locale;
  departmentName: string;
}) {
  const { hit, m, locale } = props;
  const online = hit.onlineDepth === 'transact' || hit.onlineDepth === 'integrate';
  return (
    <li class="search-result">
      <h3 class="search-result__title">
        <a href={`/services/${hit.code}`}>
          <Highlight pieces={inLocale(hit.highlighted.name, locale)} />
        </a>
      </h3>
      <p class="search-result__summary">
        <Highlight pieces={inLocale(hit.highlighted.summary, locale)} />
      </p>
      <p class="search-result__meta">
        <span>{m('search.meta.department', { name: props.departmentName })}</span>
        <span>{m('search.meta.code', { code: hit.code })}</span>
        {online ? <TagStatus text={m('search.meta.online')} tone="success" /> : null}
      </p>
    </li>
  );
}

/** Previous, numbered and next links; the current page is marked for screen readers. */
function Pagination(props: { m: M; page: number; pages: number; url: (page: number) => string }) {
  const { m, page, pages } = props;
  if (pages <= 1) return null;
  const shown = [...new Set([1, page - 2, page - 1, page, page + 1, page + 2, pages])]
    .filter((n) => n >= 1 && n <= pages)
    .sort((a, b) => a - b);
  const items: (number | 'gap')[] = [];
  for (const n of shown) {
    const previous = items[items.length - 1];
    if (typeof previous === 'number' && n - previous > 1) items.push('gap');
    items.push(n);
  }
  return (
    <nav class="search-pagination" aria-label={m('search.pagination')}>
      <p class="search-pagination__status">{m('search.pageOf', { page, pages })}</p>
      <ul class="search-pagination__list">
        {page > 1 ? (
          <li class="search-pagination__item search-pagination__item--previous">
            <a href={props.url(page - 1)} rel="prev">
              {m('search.previous')}
            </a>
          </li>
        ) : null}
        {items.map((n, i) =>
          n === 'gap' ? (
            <li
              class="search-pagination__item search-pagination__item--gap"
              key={`gap-${i}`}
              aria-hidden="true"
            >
              …
            </li>
          ) : (
            <li class="search-pagination__item" key={n}>
              <a
                href={props.url(n)}
                aria-label={m('search.pageLabel', { page: n })}
                aria-current={n === page ? 'page' : undefined}
              >
                {n}
              </a>
            </li>
          ),
        )}
        {page < pages ? (
          <li class="search-pagination__item search-pagination__item--next">
            <a href={props.url(page + 1)} rel="next">
              {m('search.next')}
            </a>
          </li>
        ) : null}
      </ul>
    </nav>
  );
}

/** The results of a search that found something. */
function Results(props: {
  m: M;
  locale: Locale;
  params: SearchParams;
  result: SearchResult;
  departmentName: (code: string) => string;
}) {
  const { m, locale, params, result } = props;
  const from = (params.page - 1) * RESULTS_PER_PAGE + 1;
  const to = from + result.hits.length - 1;
  const pages = Math.ceil(result.total / RESULTS_PER_PAGE);
  const shown = countText(result);
  const count =
    result.total === 1
      ? m('search.count.one')
      : pages > 1
        ? m('search.count.range', { count: shown, from, to })
        : m('search.count', { count: shown });
  return (
    <section class="search-results" aria-labelledby="search-results-title">
      <h2 id="search-results-title">{m('search.results')}</h2>
      <p class="search-results__count" role="status">
        {count}
      </p>
      {result.correctedQuery ? (
        <p class="search-results__suggestion">
          {m('search.didYouMean')}{' '}
          <a href={searchUrl({ ...params, q: result.correctedQuery, page: 1 })}>{result.correctedQuery}</a>
        </p>
      ) : null}
      {result.fuzzy ? <p class="secondary-text">{m('search.fuzzy')}</p> : null}
      <ol class="search-results__list" start={from}>
        {result.hits.map((hit) => (
          <SearchResultItem
            key={hit.code}
            hit={hit}
            m={m}
            locale={locale}
            departmentName={props.departmentName(hit.department)}
          />
        ))}
      </ol>
      <Pagination m={m} page={params.page} pages={pages} url={(page) => searchUrl({ ...params, page })} />
    </section>
  );
}

/** Nothing found: what to try instead, the services people use most, and the hotline. */
function NoResults(props: {
  m: M;
  locale: Locale;
  params: SearchParams;
  popular: readonly ServiceSummary[];
  departmentName: (code: string) => string;
}) {
  const { m, locale, params } = props;
  const filtered = params.audience !== undefined || params.department !== undefined;
  return (
    <section class="search-results search-results--none" aria-labelledby="search-results-title">
      <h2 id="search-results-title">{m('search.none.title', { q: params.q })}</h2>
      <p class="search-results__count" role="status">
        {m('search.count', { count: 0 })}
      </p>
      <p>{m('search.none.tips')}</p>
      <ul>
        <li>{m('search.none.spelling')}</li>
        <li>{m('search.none.words')}</li>
        {filtered ? (
          <li>
            <a href={searchUrl({ q: params.q })}>{m('search.none.filters')}</a>
          </li>
        ) : null}
      </ul>
      {props.popular.length > 0 ? (
        <>
          <h2>{m('search.popular')}</h2>
          <CardList
            headingLevel={3}
            items={props.popular.map((s) => ({
              title: inLocale(s.name, locale),
              href: `/services/${s.code}`,
              description: inLocale(s.summary, locale),
              meta: props.departmentName(s.department),
            }))}
          />
        </>
      ) : null}
    </section>
  );
}

/** The public search page: `/search?q=&audience=&department=&page=`. */
export function registerSearchPage(
  app: FastifyInstance,
  catalogue: CatalogueContract,
  organisations: OrganisationsContract,
): void {
  app.get(
    '/search',
    {
      schema: { hide: true },
      config: {
        pageCache: { ...PUBLIC_PAGE_CACHE, varyBy: ['q', 'audience', 'department', 'page'] },
        throttle: 'lookups',
      },
    },
    async (request, reply) => {
      const m = cataloguePagesMessages.translator(request.locale);
      const departments = await organisations.listDepartments();
      const params = readSearchParams(request.query, new Set(departments.map((d) => d.code)));
      const names = new Map(departments.map((d) => [d.code, d.name[request.locale]]));
      const departmentName = (code: string) => names.get(code) ?? code;
      const error = params.tooLong ? m('search.error.tooLong') : undefined;
      const result =
        params.q && !error
          ? await catalogue.search({
              q: params.q,
              audience: params.audience,
              department: params.department,
              limit: RESULTS_PER_PAGE,
              offset: (params.page - 1) * RESULTS_PER_PAGE,
            })
          : undefined;
      const nothing = result !== undefined && result.hits.length === 0 && params.page === 1;
      const popular = nothing ? await catalogue.popularServices(6) : [];

      let title = m('search.title');
      if (error) title = m('title.pair', { first: m('search.error.title'), second: title });
      else if (result) {
        const heading =
          params.page > 1
            ? m('search.resultsTitle.page', { q: params.q, page: params.page })
            : m('search.resultsTitle', { q: params.q });
        // The count in the title is the first thing a screen reader says when the results page loads.
        const count =
          result.total === 1 ? m('search.count.one') : m('search.count', { count: countText(result) });
        title = m('title.pair', { first: heading, second: count });
      }
      return sendPage(
        request,
        reply,
        {
          title,
          status: error ? 400 : 200,
          breadcrumbs: [{ label: m('search.title') }],
        },
        (ctx) => (
          <>
            {error ? (
              <ErrorSummary title={m('search.error.title')} errors={[{ fieldId: 'q', message: error }]} />
            ) : null}
            <h1>{m('search.title')}</h1>
            {result ? null : <p class="lead">{m('search.lead')}</p>}
            <SearchForm
              m={m}
              locale={ctx.locale}
              q={params.q}
              error={error}
              departments={departments}
              audience={params.audience}
              department={params.department}
            />
            {result && result.hits.length > 0 ? (
              <Results
                m={m}
                locale={ctx.locale}
                params={params}
                result={result}
                departmentName={departmentName}
              />
            ) : null}
            {result && result.hits.length === 0 && !nothing ? (
              <section class="search-results" aria-labelledby="search-results-title">
                <h2 id="search-results-title">{m('search.results')}</h2>
                <p>{m('search.beyond')}</p>
                <p>
                  <a href={searchUrl({ ...params, page: 1 })}>{m('search.firstPage')}</a>
                </p>
              </section>
            ) : null}
            {nothing ? (
              <NoResults
                m={m}
                locale={ctx.locale}
                params={params}
                popular={popular}
                departmentName={departmentName}
              />
            ) : null}
            <CatalogueHelp m={m} />
          </>
        ),
      );
    },
  );
}
