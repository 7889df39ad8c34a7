import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { StaffActor } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import type { Locale } from '../../../kernel/i18n/index.ts';
import {
  DataTable,
  ErrorSummary,
  type FieldError,
  FormGroup,
  LocalTime,
  NotificationBanner,
  RadioGroup,
  SummaryList,
  TagStatus,
} from '../../../kernel/views/components.tsx';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import type { OrganisationsContract } from '../../organisations/index.ts';
import type { CasesService, CaseView } from '../cases.service.ts';
import { casesPageMessages } from '../cases-pages.messages.ts';
import {
  RATING_DIMENSION_KEYS,
  RATING_DIMENSIONS,
  RATING_LEVEL_KEYS,
  RATING_LEVELS,
  type RatingDimension,
  type RatingScores,
} from '../db/ratings.tables.ts';
import { RatingsErrors } from '../ratings.errors.ts';
import { ratingsMessages } from '../ratings.messages.ts';
import {
  type CaseRating,
  COMMENT_MAX,
  OUTCOME_MAX,
  type RatingsService,
  type Rectification,
  type RectificationItem,
} from '../ratings.service.ts';
import { personOrSignIn, staffOrSignIn } from './guards.ts';

/**
 * Rating a closed case (好差评) and the rectification (整改) a poor rating opens. The applicant's page
 * (/cases/:number/rating) asks the level, a score per dimension and a comment, or shows the rating given and what the
 * department did about it; the staff list (/workbench/rectifications) has a form per open rectification to record
 * the outcome. Plain forms without JavaScript, in both languages.
 */
export interface RatingPagesDeps {
  cases: Pick<CasesService, 'get'>;
  ratings: RatingsService;
  catalogue: CatalogueContract;
  organisations: OrganisationsContract;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;

/** The form's field for a problem the service reports at a path (`scores.attitude` → `score-attitude`). */
const fieldIdOf = (path: string) => (path.startsWith('scores.') ? `score-${path.slice(7)}` : path);
const scoreField = (dimension: RatingDimension) => `score-${dimension}`;
/** Refusals of a rating that are nobody's typing mistake: the page says so with 409 and shows the case as it is. */
const RATING_CONFLICTS = [RatingsErrors.alreadyRated, RatingsErrors.notClosed, RatingsErrors.withdrawn];

const isClosed = (state: CaseView['state']) => state === 'approved' || state === 'rejected';

/** The scores in one line: "办事效率 4，服务态度 5…" (a dimension added later is missing from old ratings). */
export function scoresText(scores: Partial<RatingScores>, locale: Locale): string {
  return RATING_DIMENSION_KEYS.filter((d) => scores[d] !== undefined)
    .map((d) => `${RATING_DIMENSIONS[d][locale]} ${scores[d]}`)
    .join(locale === 'en' ? ', ' : '，');
}

function RectificationTag({ rectification, t }: { rectification: Rectification; t: Translate }) {
  if (rectification.state === 'done') return <TagStatus text={t('state.done')} tone="success" />;
  return rectification.overdue ? (
    <TagStatus text={t('state.overdue')} tone="danger" />
  ) : (
    <TagStatus text={t('state.open')} tone="info" />
  );
}

/**
 * What a case shows of its rating: the rating given and the rectification's progress or outcome, or, for a closed
 * case not yet rated, a link to rate it. Exported so the applicant's case page can show the same.
 */
export function CaseRatingSection(props: {
  view: Pick<CaseView, 'number' | 'state'>;
  rating: CaseRating | undefined;
  /** The name of the case's responsible department, in the reader's language. */
  departmentName: string;
  locale: Locale;
  timeZone: string;
}) {
  const { view, rating, locale } = props;
  const t = ratingsMessages.translator(locale) as Translate;
  if (!rating) {
    if (!isClosed(view.state)) return null;
    return (
      <section aria-labelledby="rating-title">
        <h2 id="rating-title">{t('rated.title')}</h2>
        <p>{t('rate.invite')}</p>
        <p>
          <a href={`/cases/${view.number}/rating`}>{t('rate.link')}</a>
        </p>
      </section>
    );
  }
  const { rectification } = rating;
  return (
    <section aria-labelledby="rating-title">
      <h2 id="rating-title">{t('rated.title')}</h2>
      <SummaryList
        rows={[
          { key: t('rated.level'), value: RATING_LEVELS[rating.level][locale] },
          ...RATING_DIMENSION_KEYS.filter((d) => rating.scores[d] !== undefined).map((d) => ({
            key: RATING_DIMENSIONS[d][locale],
            value: `${rating.scores[d]} / 5`,
          })),
          { key: t('rated.comment'), value: rating.comment ?? t('rated.none') },
          {
            key: t('rated.at'),
            value: <LocalTime value={rating.createdAt} locale={locale} timeZone={props.timeZone} />,
          },
        ]}
      />
      {rectification ? (
        <>
          <h3>{t('rectification.title')}</h3>
          <p>
            <RectificationTag rectification={rectification} t={t} />{' '}
            {rectification.state === 'done'
              ? t('rectification.done', { department: props.departmentName })
              : t(rectification.overdue ? 'rectification.overdue' : 'rectification.open', {
                  department: props.departmentName,
                  due: rectification.dueOn,
                })}
          </p>
          {rectification.state === 'done' ? (
            <>
              <blockquote>{rectification.outcome}</blockquote>
              {rectification.completedAt ? (
                <p>
                  {t('rectification.completedAt')}
                  {locale === 'en' ? ': ' : '：'}
                  <LocalTime value={rectification.completedAt} locale={locale} timeZone={props.timeZone} />
                </p>
              ) : null}
            </>
          ) : null}
        </>
      ) : null}
    </section>
  );
}

function TextArea(props: {
  id: string;
  name: string;
  label: string;
  hint?: string;
  value?: string;
  error?: string;
  maxLength: number;
}) {
  return (
    <FormGroup id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <textarea
          id={props.id}
          name={props.name}
          rows={5}
          maxLength={props.maxLength}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
        >
          {props.value ?? ''}
        </textarea>
      )}
    </FormGroup>
  );
}

export function registerRatingPages(app: FastifyInstance, deps: RatingPagesDeps): void {
  const { cases, ratings, catalogue, organisations } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  const words = (request: FastifyRequest) => ratingsMessages.translator(request.locale) as Translate;

  async function departmentNames(request: FastifyRequest) {
    return new Map((await organisations.listDepartments()).map((d) => [d.code, d.name[request.locale]]));
  }

  async function serviceNames(request: FastifyRequest, codes: readonly string[]) {
    const lang = request.locale === 'en' ? 'en' : 'zh';
    const names = new Map<string, string>();
    for (const code of new Set(codes))
      names.set(code, (await catalogue.findService(code))?.name[lang] ?? code);
    return names;
  }

  // ---------- The applicant's rating ----------

  interface RatingExtras {
    status?: number;
    banner?: string;
    fields?: Record<string, string>;
    errors?: FieldError[];
  }

  async function renderRating(
    request: FastifyRequest,
    reply: FastifyReply,
    view: CaseView,
    extras: RatingExtras = {},
  ) {
    const t = words(request);
    const locale = request.locale;
    const rating = await ratings.ratingOf(view.id);
    const departments = await departmentNames(request);
    const fields = extras.fields ?? {};
    const errorOf = (id: string) => extras.errors?.find((e) => e.fieldId === id)?.message;
    const title = t('rate.title', { number: view.number });
    return sendPage(
      request,
      reply,
      {
        title,
        breadcrumbs: [
          { label: casesPageMessages.translator(request.locale)('mine.title'), href: '/cases' },
          { label: view.number, href: `/cases/${view.number}` },
          { label: t('rate.crumb') },
        ],
        status: extras.status,
      },
      () => (
        <>
          {extras.errors && extras.errors.length > 0 ? (
            <ErrorSummary title={t('rate.problem')} errors={extras.errors} />
          ) : null}
          {extras.banner ? <NotificationBanner title={extras.banner} /> : null}
          <h1>{title}</h1>
          {rating ? (
            <CaseRatingSection
              view={view}
              rating={rating}
              departmentName={departments.get(view.departmentCode) ?? view.departmentCode}
              locale={locale}
              timeZone={deps.timeZone}
            />
          ) : view.state === 'withdrawn' ? (
            <p>{t('rate.withdrawn')}</p>
          ) : !isClosed(view.state) ? (
            <p>{t('rate.notYet')}</p>
          ) : (
            <form method="post" action={`/cases/${view.number}/rating`} novalidate>
              <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
              <p>{t('rate.lead')}</p>
              <RadioGroup
                id="level"
                name="level"
                legend={t('rate.level')}
                value={fields.level}
                error={errorOf('level')}
                options={RATING_LEVEL_KEYS.map((level) => ({
                  value: level,
                  label: RATING_LEVELS[level][locale],
                }))}
              />
              <h2>{t('rate.scores')}</h2>
              <p class="hint">{t('rate.scoreHint')}</p>
              {RATING_DIMENSION_KEYS.map((dimension) => (
                <RadioGroup
                  key={dimension}
                  id={scoreField(dimension)}
                  name={scoreField(dimension)}
                  legend={RATING_DIMENSIONS[dimension][locale]}
                  value={fields[scoreField(dimension)]}
                  error={errorOf(scoreField(dimension))}
                  options={[1, 2, 3, 4, 5].map((n) => ({ value: String(n), label: t('rate.score', { n }) }))}
                />
              ))}
              <TextArea
                id="comment"
                name="comment"
                label={t('rate.comment')}
                hint={t('rate.commentHint')}
                value={fields.comment}
                error={errorOf('comment')}
                maxLength={COMMENT_MAX}
              />
              <p>{t('rate.rectifyNote')}</p>
              <button type="submit" class="button">
                {t('rate.submit')}
              </button>
            </form>
          )}
          <p>
            <a href={`/cases/${view.number}`}>{t('rate.back')}</a>
          </p>
        </>
      ),
    );
  }

  app.get<{ Params: { number: string } }>('/cases/:number/rating', page, async (request, reply) => {
    const person = await personOrSignIn(request, reply);
    if (!person) return reply;
    const view = await cases.get(person, request.params.number, clientOf(request));
    return renderRating(request, reply, view);
  });

  app.post<{ Params: { number: string }; Body: Record<string, unknown> }>(
    '/cases/:number/rating',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const view = await cases.get(person, request.params.number, clientOf(request));
      const body = request.body ?? {};
      const text = (name: string) => (typeof body[name] === 'string' ? (body[name] as string) : '');
      const fields: Record<string, string> = {
        level: text('level'),
        comment: text('comment'),
        ...Object.fromEntries(RATING_DIMENSION_KEYS.map((d) => [scoreField(d), text(scoreField(d))])),
      };
      // An unanswered question is left out rather than sent as 0, so the service names it as missing.
      const scores = Object.fromEntries(
        RATING_DIMENSION_KEYS.filter((d) => fields[scoreField(d)] !== '').map((d) => [
          d,
          Number(fields[scoreField(d)]),
        ]),
      );
      try {
        await ratings.rate(
          person,
          view.id,
          { level: fields.level ?? '', scores, comment: fields.comment ?? '' },
          clientOf(request),
          request.locale,
        );
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.definition === RatingsErrors.ratingInvalid)
          return renderRating(request, reply, view, {
            status: 400,
            fields,
            errors: error.fields.map((f) => ({ fieldId: fieldIdOf(f.path), message: f.message })),
          });
        if (RATING_CONFLICTS.includes(error.definition))
          return renderRating(request, reply, view, {
            status: 409,
            banner: error.messageFor(request.locale),
          });
        throw error;
      }
      return reply.redirect(`/cases/${view.number}?rated=1`, 303);
    },
  );

  // ---------- The department's rectifications ----------

  interface ListExtras {
    status?: number;
    banner?: { title: string; variant: 'info' | 'success' };
    /** The form sent with a problem: its rectification, what was typed, and the problem. */
    failed?: { id: string; outcome: string; message: string };
  }

  async function renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: StaffActor,
    extras: ListExtras = {},
  ) {
    const t = words(request);
    const locale = request.locale;
    const [open, done] = await Promise.all([
      ratings.rectificationsFor(actor, { state: 'open', limit: 200 }),
      ratings.rectificationsFor(actor, { state: 'done', limit: 50 }),
    ]);
    const departments = await departmentNames(request);
    const services = await serviceNames(
      request,
      [...open, ...done].map((r) => r.serviceCode),
    );
    const csrf = reply.generateCsrf();
    const failed = extras.failed;
    const caseLink = (item: RectificationItem) => (
      <a href={`/workbench/cases/${item.caseNumber}`}>{item.caseNumber}</a>
    );
    return sendPage(
      request,
      reply,
      { title: t('list.title'), breadcrumbs: [{ label: t('list.title') }], status: extras.status },
      () => (
        <>
          {failed ? (
            <ErrorSummary
              title={t('complete.problem')}
              errors={[{ fieldId: `outcome-${failed.id}`, message: failed.message }]}
            />
          ) : null}
          {extras.banner ? (
            <NotificationBanner title={extras.banner.title} variant={extras.banner.variant} />
          ) : null}
          <h1>{t('list.title')}</h1>
          <p>{t('list.lead')}</p>
          <h2>{t('list.open')}</h2>
          {open.length === 0 ? <p>{t('list.noneOpen')}</p> : null}
          {open.map((item) => {
            const fieldId = `outcome-${item.id}`;
            const mine = failed?.id === item.id ? failed : undefined;
            return (
              <section key={item.id} aria-labelledby={`rectification-${item.id}`}>
                <h3 id={`rectification-${item.id}`}>{t('list.item', { number: item.caseNumber })}</h3>
                <SummaryList
                  rows={[
                    { key: t('list.case'), value: caseLink(item) },
                    { key: t('list.service'), value: services.get(item.serviceCode) ?? item.serviceCode },
                    {
                      key: t('list.department'),
                      value: departments.get(item.departmentCode) ?? item.departmentCode,
                    },
                    { key: t('list.level'), value: RATING_LEVELS[item.level][locale] },
                    { key: t('list.scores'), value: scoresText(item.scores, locale) },
                    { key: t('list.comment'), value: item.comment ?? t('rated.none') },
                    {
                      key: t('list.ratedAt'),
                      value: <LocalTime value={item.ratedAt} locale={locale} timeZone={deps.timeZone} />,
                    },
                    {
                      key: t('list.due'),
                      value: (
                        <>
                          {item.dueOn} <RectificationTag rectification={item} t={t} />
                        </>
                      ),
                    },
                  ]}
                />
                <form method="post" action={`/workbench/rectifications/${item.id}`} novalidate>
                  <input type="hidden" name="_csrf" value={csrf} />
                  <TextArea
                    id={fieldId}
                    name="outcome"
                    label={t('complete.outcome')}
                    hint={t('complete.hint')}
                    value={mine?.outcome}
                    error={mine?.message}
                    maxLength={OUTCOME_MAX}
                  />
                  <button type="submit" class="button">
                    {t('complete.submit')}
                    <span class="visually-hidden"> {item.caseNumber}</span>
                  </button>
                </form>
              </section>
            );
          })}
          <h2>{t('list.done')}</h2>
          <DataTable
            caption={t('list.done')}
            captionHidden
            rows={done}
            rowKey={(item) => item.id}
            empty={t('list.noneDone')}
            columns={[
              { header: t('list.case'), cell: caseLink },
              {
                header: t('list.service'),
                cell: (item) => services.get(item.serviceCode) ?? item.serviceCode,
              },
              { header: t('list.level'), cell: (item) => RATING_LEVELS[item.level][locale] },
              { header: t('list.due'), cell: (item) => item.dueOn },
              {
                header: t('list.completedAt'),
                cell: (item) =>
                  item.completedAt ? (
                    <LocalTime value={item.completedAt} locale={locale} timeZone={deps.timeZone} />
                  ) : (
                    '—'
                  ),
              },
              { header: t('list.outcome'), cell: (item) => item.outcome ?? '—' },
            ]}
          />
        </>
      ),
    );
  }

  app.get<{ Querystring: { done?: string } }>('/workbench/rectifications', page, async (request, reply) => {
    const actor = await staffOrSignIn(request, reply);
    if (!actor) return reply;
    return renderList(
      request,
      reply,
      actor,
      request.query.done === '1'
        ? { banner: { title: words(request)('complete.done'), variant: 'success' } }
        : {},
    );
  });

  app.post<{ Params: { id: string }; Body: { outcome?: unknown } }>(
    '/workbench/rectifications/:id',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      const outcome = typeof request.body?.outcome === 'string' ? request.body.outcome : '';
      try {
        await ratings.completeRectification(actor, request.params.id, outcome, clientOf(request));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        if (error.definition === RatingsErrors.outcomeInvalid)
          return renderList(request, reply, actor, {
            status: 400,
            failed: { id: request.params.id, outcome, message: error.messageFor(request.locale) },
          });
        if (error.definition === RatingsErrors.rectificationDone)
          return renderList(request, reply, actor, {
            status: 409,
            banner: { title: error.messageFor(request.locale), variant: 'info' },
          });
        throw error;
      }
      return reply.redirect('/workbench/rectifications?done=1', 303);
    },
  );
}
