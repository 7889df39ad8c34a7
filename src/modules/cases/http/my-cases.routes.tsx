import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import {
  DataTable,
  LocalTime,
  NotificationBanner,
  SummaryList,
  TagStatus,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import type { OrganisationsContract } from '../../organisations/index.ts';
import {
  type ApplicantCaseView,
  type ApplicantTask,
  applicantCaseView,
  type TimelineEntry,
} from '../case-views.ts';
import { casesMessages } from '../cases.messages.ts';
import { casesPageMessages } from '../cases-pages.messages.ts';
import type { CasesModule } from '../index.ts';
import type { RatingsService } from '../ratings.service.ts';
import { personOrSignIn } from './guards.ts';
import { CaseRatingSection } from './ratings.routes.tsx';
import { sendFile } from './workbench.routes.tsx';

/**
 * The applicant's side of a case: "my cases", the receipt and progress page (every department's step, the
 * timeline, the dates in working days), answering a supplement request, withdrawing. Plain forms without JavaScript.
 */
export interface MyCasesPagesDeps {
  cases: CasesModule;
  ratings: RatingsService;
  catalogue: CatalogueContract;
  organisations: OrganisationsContract;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;

const TONES = {
  in_progress: 'info',
  supplement: 'warning',
  approved: 'success',
  rejected: 'danger',
  withdrawn: 'neutral',
} as const;

export function registerMyCasesPages(app: FastifyInstance, deps: MyCasesPagesDeps): void {
  const { cases, catalogue, organisations } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  async function names(request: FastifyRequest, codes: readonly string[]) {
    const lang = request.locale === 'en' ? 'en' : 'zh';
    const departments = new Map(
      (await organisations.listDepartments()).map((d) => [d.code, d.name[request.locale]]),
    );
    const services = new Map<string, string>();
    for (const code of new Set(codes)) {
      const item = await catalogue.findService(code);
      services.set(code, item ? item.name[lang] : code);
    }
    return { departments, services };
  }

  function words(request: FastifyRequest) {
    return {
      p: casesPageMessages.translator(request.locale) as Translate,
      c: casesMessages.translator(request.locale) as Translate,
    };
  }

  const taskState = (task: ApplicantTask, p: Translate) =>
    task.state === 'done' ? p(`task.done.${task.outcome}`) : p(`task.${task.state}`);

  function timelineText(entry: TimelineEntry, p: Translate, departments: Map<string, string>) {
    const department = entry.departmentCode
      ? (departments.get(entry.departmentCode) ?? entry.departmentCode)
      : '';
    const missing = Array.isArray(entry.details.missing)
      ? (entry.details.missing as string[]).join('；')
      : '';
    return p(`timeline.${entry.kind}`, {
      department,
      missing,
      reason: typeof entry.details.reason === 'string' ? entry.details.reason : '',
    });
  }

  /** The applicant's page shows only the applicant's view of the case (case-views.ts): no staff internals. */
  async function renderCase(
    request: FastifyRequest,
    reply: FastifyReply,
    view: ApplicantCaseView,
    banner?: string,
  ): Promise<FastifyReply> {
    const { p, c } = words(request);
    const { departments, services } = await names(request, [view.serviceCode]);
    const open = view.state === 'in_progress' || view.state === 'supplement';
    const rating = await deps.ratings.ratingOf(view.id);
    return sendPage(
      request,
      reply,
      {
        title: p('case.title', { number: view.number }),
        breadcrumbs: [{ label: p('mine.title'), href: '/cases' }, { label: view.number }],
      },
      () => (
        <>
          {banner ? <NotificationBanner title={banner} variant="success" /> : null}
          <h1>{p('case.title', { number: view.number })}</h1>
          <SummaryList
            rows={[
              { key: p('receipt.number'), value: <strong>{view.number}</strong> },
              { key: p('case.service'), value: services.get(view.serviceCode) ?? view.serviceCode },
              {
                key: p('case.state'),
                value: <TagStatus text={c(`state.${view.state}`)} tone={TONES[view.state]} />,
              },
              { key: p('receipt.due'), value: view.dueOn ?? p('case.paused') },
              { key: p('receipt.statutory'), value: view.statutoryDueOn ?? p('case.paused') },
            ]}
          />
          {view.state === 'supplement' ? (
            <section aria-labelledby="supplement-title">
              <h2 id="supplement-title">{p('case.supplement.title')}</h2>
              <p>{p('case.supplement.lead')}</p>
              <ul>
                {view.missing.map((item) => (
                  <li key={item}>{item}</li>
                ))}
              </ul>
              <form method="post" action={`/cases/${view.number}/supplement`}>
                <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
                <TextField id="note" label={p('case.supplement.note')} hint={p('case.supplement.hint')} />
                <button type="submit" class="button">
                  {p('case.supplement.submit')}
                </button>
              </form>
            </section>
          ) : null}
          <h2>{p('case.steps')}</h2>
          <DataTable
            caption={p('case.steps')}
            captionHidden
            rows={view.tasks.filter((t) => t.state !== 'cancelled' || view.state !== 'withdrawn')}
            columns={[
              {
                header: p('case.department'),
                cell: (t) => departments.get(t.departmentCode) ?? t.departmentCode,
              },
              { header: p('case.step'), cell: (t) => c(`step.${t.kind}`) },
              { header: p('case.stepState'), cell: (t) => taskState(t, p) },
              {
                header: p('case.due'),
                cell: (t) => (t.state === 'open' ? (t.dueOn ?? p('case.noDue')) : p('case.noDue')),
              },
            ]}
          />
          <h2>{p('case.timeline')}</h2>
          <ol class="timeline">
            {view.timeline
              .filter((entry) => entry.kind !== 'step_opened' || view.tasks.length > 1)
              .map((entry, i) => (
                <li key={String(i)}>
                  <LocalTime value={entry.at} locale={request.locale} timeZone={deps.timeZone} />{' '}
                  {timelineText(entry, p, departments)}
                </li>
              ))}
          </ol>
          <CaseRatingSection
            view={view}
            rating={rating}
            departmentName={departments.get(view.departmentCode) ?? view.departmentCode}
            locale={request.locale}
            timeZone={deps.timeZone}
          />
          {open ? (
            <form method="post" action={`/cases/${view.number}/withdraw`}>
              <h2>{p('case.withdraw.title')}</h2>
              <input type="hidden" name="_csrf" value={reply.generateCsrf()} />
              <TextField id="reason" label={p('case.withdraw.reason')} />
              <button type="submit" class="button button--warning">
                {p('case.withdraw.submit')}
              </button>
            </form>
          ) : null}
        </>
      ),
    );
  }

  app.get('/cases', page, async (request, reply) => {
    const person = await personOrSignIn(request, reply);
    if (!person) return reply;
    const { p, c } = words(request);
    const mine = await cases.listMine(person);
    const { services } = await names(
      request,
      mine.map((x) => x.serviceCode),
    );
    return sendPage(
      request,
      reply,
      { title: p('mine.title'), breadcrumbs: [{ label: p('mine.title') }] },
      () => (
        <>
          <h1>{p('mine.title')}</h1>
          {mine.length === 0 ? (
            <p>{p('mine.empty')}</p>
          ) : (
            <DataTable
              caption={p('mine.title')}
              rows={mine}
              columns={[
                { header: p('mine.number'), cell: (x) => <a href={`/cases/${x.number}`}>{x.number}</a> },
                { header: p('mine.service'), cell: (x) => services.get(x.serviceCode) ?? x.serviceCode },
                {
                  header: p('mine.state'),
                  cell: (x) => <TagStatus text={c(`state.${x.state}`)} tone={TONES[x.state]} />,
                },
                { header: p('mine.due'), cell: (x) => x.dueOn ?? '—' },
                {
                  header: p('mine.submitted'),
                  cell: (x) => (
                    <LocalTime value={x.submittedAt} locale={request.locale} timeZone={deps.timeZone} />
                  ),
                },
              ]}
            />
          )}
        </>
      ),
    );
  });

  app.get<{ Params: { number: string }; Querystring: { submitted?: string; rated?: string } }>(
    '/cases/:number',
    page,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const view = await cases.get(person, request.params.number, clientOf(request));
      const { p } = words(request);
      return renderCase(
        request,
        reply,
        applicantCaseView(view),
        request.query.submitted === '1'
          ? p('receipt.title')
          : request.query.rated === '1'
            ? p('case.rated')
            : undefined,
      );
    },
  );

  app.get<{ Params: { number: string; sha256: string } }>(
    '/cases/:number/files/:sha256',
    page,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      return sendFile(
        reply,
        await cases.file(person, request.params.number, request.params.sha256, clientOf(request)),
      );
    },
  );

  app.post<{ Params: { number: string }; Body: { note?: string } }>(
    '/cases/:number/supplement',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const view = await cases.get(person, request.params.number, clientOf(request));
      const answered = await cases.answerSupplement(
        person,
        view.id,
        String(request.body?.note ?? ''),
        clientOf(request),
      );
      return renderCase(request, reply, applicantCaseView(answered), words(request).p('case.answered'));
    },
  );

  app.post<{ Params: { number: string }; Body: { reason?: string } }>(
    '/cases/:number/withdraw',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const view = await cases.get(person, request.params.number, clientOf(request));
      const withdrawn = await cases.withdraw(
        person,
        view.id,
        String(request.body?.reason ?? ''),
        clientOf(request),
      );
      return renderCase(request, reply, applicantCaseView(withdrawn), words(request).p('case.withdrawn'));
    },
  );
}
