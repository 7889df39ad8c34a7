import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, AuthorizationError, type StaffActor } from '../../../kernel/authz/authz.ts';
import { civilDate, type WorkingDayCalendar } from '../../../kernel/calendar/working-days.ts';
import { AppError, KernelErrors } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import {
  DataTable,
  ErrorSummary,
  FormGroup,
  LocalTime,
  NotificationBanner,
  RadioGroup,
  SummaryList,
  TagStatus,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import type { FormsService } from '../../forms/index.ts';
import { certificateMaterials, visiblePages, visibleQuestions } from '../../forms/index.ts';
import type { OrganisationsContract } from '../../organisations/index.ts';
import { staffCaseView } from '../case-views.ts';
import { CasesErrors } from '../cases.errors.ts';
import { casesMessages } from '../cases.messages.ts';
import { type CaseTask, type CaseView, filesIn, holdsStepRole, type InboxFilter } from '../cases.service.ts';
import { casesPageMessages } from '../cases-pages.messages.ts';
import { trafficLight } from '../domain/clock.ts';
import type { CasesModule } from '../index.ts';
import { workbenchMessages } from '../workbench.messages.ts';
import { answerText } from './apply.routes.tsx';
import { staffOrSignIn } from './guards.ts';
import { NoticeList } from './notifications.routes.tsx';

/**
 * The staff workbench (/workbench/tasks): the inbox of one's department and role with the traffic light, claiming,
 * and a case with the applicant's answers (identifiers masked unless a recorded reason is given), the materials, every
 * department's branch, internal comments and the decision form — approve, refuse with a reason, or ask for every
 * missing item at once. Plain forms without JavaScript; a decision names the step's revision, so a second person's
 * decision on the same step is refused (409) rather than applied twice.
 */
export interface WorkbenchPagesDeps {
  cases: CasesModule;
  forms: FormsService;
  catalogue: CatalogueContract;
  organisations: OrganisationsContract;
  calendar: () => WorkingDayCalendar;
  timeZone: string;
  /** A member of staff's account id, by user name. */
  findStaff: (username: string) => Promise<string | undefined>;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;

const VIEWS = ['all', 'soon', 'overdue', 'paused', 'mine'] as const;
const LIGHT_TONES = { green: 'success', amber: 'warning', red: 'danger', paused: 'neutral' } as const;
/** Refusals of a decision that are nobody's typing mistake: shown on the case page with 409. */
const CONFLICTS = [CasesErrors.taskChanged, CasesErrors.casePaused, CasesErrors.caseClosed];

export function registerWorkbenchPages(app: FastifyInstance, deps: WorkbenchPagesDeps): void {
  const { cases, forms, catalogue, organisations } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };
  const today = () => civilDate(new Date(), deps.timeZone);

  function words(request: FastifyRequest) {
    return {
      w: workbenchMessages.translator(request.locale) as Translate,
      c: casesMessages.translator(request.locale) as Translate,
      p: casesPageMessages.translator(request.locale) as Translate,
      lang: request.locale,
    };
  }

  async function names(request: FastifyRequest, serviceCodes: readonly string[]) {
    const lang = request.locale === 'en' ? 'en' : 'zh';
    const departments = new Map(
      (await organisations.listDepartments()).map((d) => [d.code, d.name[request.locale]]),
    );
    const services = new Map<string, string>();
    for (const code of new Set(serviceCodes))
      services.set(code, (await catalogue.findService(code))?.name[lang] ?? code);
    return { departments, services };
  }

  const light = (task: CaseTask, caseState: string, w: Translate) => {
    const colour = trafficLight(
      deps.calendar(),
      { due: task.dueOn ?? undefined, paused: caseState === 'supplement', pausedDays: 0 },
      today(),
    );
    // A step without a limit of its own is on time until the case's own dates say otherwise.
    const shown = task.dueOn === null && colour === 'paused' && caseState !== 'supplement' ? 'green' : colour;
    return <TagStatus text={w(`light.${shown}`)} tone={LIGHT_TONES[shown]} />;
  };

  // ---------- The inbox ----------

  async function renderInbox(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: StaffActor,
    view: InboxFilter['view'],
    banner?: { title: string; status: number },
  ) {
    const { w, c } = words(request);
    const items = await cases.inbox(actor, { view, limit: 200 });
    // The department's warnings of the last days: steps due soon, and for heads the overdue ones escalated to them.
    const alerts = (await cases.notifications.list(actor, 20))
      .filter((n) => n.departmentCode !== null)
      .slice(0, 10);
    const { services } = await names(
      request,
      items.map((i) => i.serviceCode),
    );
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: w('inbox.title'), breadcrumbs: [{ label: w('inbox.title') }], status: banner?.status },
      () => (
        <>
          {banner ? <NotificationBanner title={banner.title} /> : null}
          <h1>{w('inbox.title')}</h1>
          <p>{w('inbox.lead')}</p>
          <p>
            <a href="/workbench/rectifications">{w('inbox.rectifications')}</a>
          </p>
          {alerts.length > 0 ? (
            <section aria-labelledby="alerts-title">
              <h2 id="alerts-title">{w('inbox.alerts')}</h2>
              <NoticeList
                notices={alerts}
                locale={request.locale}
                timeZone={deps.timeZone}
                hrefOf={(n) => `/workbench/cases/${n.caseNumber}`}
              />
            </section>
          ) : null}
          <nav aria-label={w('inbox.views')}>
            <ul class="inline-list">
              {VIEWS.map((v) => (
                <li key={v}>
                  <a
                    href={`/workbench/tasks?view=${v}`}
                    aria-current={v === (view ?? 'all') ? 'page' : undefined}
                  >
                    {w(`inbox.view.${v}`)}
                  </a>
                </li>
              ))}
            </ul>
          </nav>
          <DataTable
            caption={w(`inbox.view.${view ?? 'all'}`)}
            rows={items}
            rowKey={(item) => item.id}
            empty={w('inbox.empty')}
            columns={[
              {
                header: w('inbox.case'),
                cell: (item) => <a href={`/workbench/cases/${item.caseNumber}`}>{item.caseNumber}</a>,
              },
              {
                header: w('inbox.service'),
                cell: (item) => services.get(item.serviceCode) ?? item.serviceCode,
              },
              { header: w('inbox.step'), cell: (item) => c(`step.${item.kind}`) },
              { header: w('inbox.due'), cell: (item) => item.dueOn ?? '—' },
              { header: w('inbox.light'), cell: (item) => light(item, item.caseState, w) },
              {
                header: w('inbox.claimedBy'),
                cell: (item) => {
                  const mine = item.claimedBy === actor.accountId;
                  return (
                    <form method="post" action={`/workbench/tasks/${item.id}/${mine ? 'release' : 'claim'}`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <input type="hidden" name="revision" value={String(item.revision)} />
                      {item.claimedBy ? <span>{mine ? w('inbox.claimedByMe') : item.claimedBy} </span> : null}
                      {!item.claimedBy || mine ? (
                        <button type="submit" class="button button--secondary">
                          {w(mine ? 'release' : 'claim')}
                          <span class="visually-hidden"> {item.caseNumber}</span>
                        </button>
                      ) : null}
                    </form>
                  );
                },
              },
            ]}
          />
        </>
      ),
    );
  }

  app.get<{ Querystring: { view?: string } }>('/workbench/tasks', page, async (request, reply) => {
    const actor = await staffOrSignIn(request, reply);
    if (!actor) return reply;
    const view = VIEWS.find((v) => v === request.query.view) ?? 'all';
    return renderInbox(request, reply, actor, view);
  });

  for (const change of ['claim', 'release'] as const) {
    app.post<{ Params: { id: string }; Body: { revision?: string } }>(
      `/workbench/tasks/:id/${change}`,
      protectedRoute,
      async (request, reply) => {
        const actor = await staffOrSignIn(request, reply);
        if (!actor) return reply;
        try {
          await cases[change](actor, request.params.id, Number(request.body?.revision), clientOf(request));
        } catch (error) {
          if (!(error instanceof AppError) || !CONFLICTS.includes(error.definition)) throw error;
          return renderInbox(request, reply, actor, 'all', {
            title: error.messageFor(request.locale),
            status: 409,
          });
        }
        return reply.redirect(`/workbench/tasks${change === 'claim' ? '?view=mine' : ''}`, 303);
      },
    );
  }

  // ---------- A case ----------

  interface CaseExtras {
    banner?: { title: string; variant: 'info' | 'success' };
    status?: number;
    reveal?: boolean;
    /** The decision form that was sent with mistakes: its step, fields and errors. */
    decision?: {
      taskId: string;
      fields: Record<string, string>;
      errors: { fieldId: string; message: string }[];
    };
  }

  async function renderCase(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: StaffActor,
    view: CaseView,
    extras: CaseExtras = {},
  ) {
    const { w, c, p, lang } = words(request);
    const { departments, services } = await names(request, [view.serviceCode]);
    const form = view.formId ? await forms.form(view.formId) : undefined;
    const comments = await cases.comments(actor, view.id);
    const csrf = reply.generateCsrf();
    const mine = view.tasks.filter((t) => t.state === 'open' && holdsStepRole(actor, t));
    // The applicant's identifiers masked as in the API (case-views.ts), unless shown whole by the audited reveal.
    const answers = extras.reveal ? view.answers : staffCaseView(view, form?.definition).answers;
    const files = filesIn(answers);
    // Certificates standing in for materials, each checked now: the clerk sees whether it is still valid.
    const certificates = await Promise.all(
      certificateMaterials(answers).map(async ({ material }) => ({
        material,
        status: (await cases.materialStatus(material)) ?? 'unknown',
      })),
    );
    return sendPage(
      request,
      reply,
      {
        title: w('case.title', { number: view.number }),
        breadcrumbs: [{ label: w('inbox.title'), href: '/workbench/tasks' }, { label: view.number }],
        status: extras.status,
      },
      () => (
        <>
          {extras.decision ? (
            <ErrorSummary title={w('decide.problem')} errors={extras.decision.errors} />
          ) : null}
          {extras.banner ? (
            <NotificationBanner title={extras.banner.title} variant={extras.banner.variant} />
          ) : null}
          <h1>{w('case.title', { number: view.number })}</h1>
          <SummaryList
            rows={[
              { key: p('case.service'), value: services.get(view.serviceCode) ?? view.serviceCode },
              { key: p('case.state'), value: c(`state.${view.state}`) },
              { key: p('receipt.due'), value: view.dueOn ?? p('case.paused') },
              { key: p('receipt.statutory'), value: view.statutoryDueOn ?? p('case.paused') },
            ]}
          />

          {mine.map((task) => {
            const sent = extras.decision?.taskId === task.id ? extras.decision.fields : {};
            const errorOf = (id: string) => extras.decision?.errors.find((e) => e.fieldId === id)?.message;
            return (
              <section key={task.id} aria-labelledby={`decide-${task.id}`}>
                <h2 id={`decide-${task.id}`}>{w('decide.title', { step: c(`step.${task.kind}`) })}</h2>
                <form method="post" action={`/workbench/tasks/${task.id}/decision`} novalidate>
                  <input type="hidden" name="_csrf" value={csrf} />
                  <input type="hidden" name="revision" value={String(task.revision)} />
                  <RadioGroup
                    id="outcome"
                    name="outcome"
                    legend={w('decide.outcome')}
                    error={errorOf('outcome')}
                    value={sent.outcome}
                    options={[
                      { value: 'approve', label: w('decide.approve') },
                      { value: 'reject', label: w('decide.reject') },
                      { value: 'supplement', label: w('decide.supplement') },
                    ]}
                  />
                  <TextArea
                    id="reason"
                    label={w('decide.reason')}
                    hint={w('decide.reasonHint')}
                    value={sent.reason}
                    error={errorOf('reason')}
                  />
                  <TextArea
                    id="missing"
                    label={w('decide.missing')}
                    hint={w('decide.missingHint')}
                    value={sent.missing}
                    error={errorOf('missing')}
                  />
                  <TextField id="note" label={w('decide.note')} value={sent.note} />
                  <button type="submit" class="button">
                    {w('decide.submit')}
                  </button>
                </form>
                {task.role !== 'head' ? (
                  <form method="post" action={`/workbench/tasks/${task.id}/escalate`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <input type="hidden" name="revision" value={String(task.revision)} />
                    <TextField id={`escalate-${task.id}`} label={w('escalate.reason')} />
                    <button type="submit" class="button button--secondary">
                      {w('escalate.submit')}
                    </button>
                  </form>
                ) : null}
                {actor.roles.some((r) => r.departmentCode === task.departmentCode && r.role === 'head') ? (
                  <form method="post" action={`/workbench/tasks/${task.id}/reassign`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <input type="hidden" name="revision" value={String(task.revision)} />
                    <TextField
                      id={`reassign-${task.id}`}
                      label={w('reassign.to')}
                      hint={w('reassign.hint')}
                    />
                    <button type="submit" class="button button--secondary">
                      {w('reassign.submit')}
                    </button>
                  </form>
                ) : null}
              </section>
            );
          })}

          <h2>{w('case.answers')}</h2>
          {!extras.reveal ? (
            <form method="post" action={`/workbench/cases/${view.number}/reveal`}>
              <p>{w('case.masked')}</p>
              <input type="hidden" name="_csrf" value={csrf} />
              <TextField id="purpose" label={w('case.reveal.purpose')} hint={w('case.reveal.purposeHint')} />
              <button type="submit" class="button button--secondary">
                {w('case.reveal')}
              </button>
            </form>
          ) : null}
          {form
            ? visiblePages(form.definition, view.answers).map((formPage) => {
                // Which questions were asked follows the answers as given; what shows is the (masked) answer.
                const values = (answers[formPage.id] ?? {}) as Record<string, unknown>;
                return (
                  <section key={formPage.id}>
                    <h3>{formPage.title[lang]}</h3>
                    <SummaryList
                      rows={visibleQuestions(formPage, view.answers).map((q) => ({
                        key: q.label[lang],
                        value: answerText(q, values[q.id], lang),
                      }))}
                    />
                  </section>
                );
              })
            : null}

          <h2>{w('case.materials')}</h2>
          {files.length === 0 && certificates.length === 0 ? (
            <p>{w('case.noMaterials')}</p>
          ) : (
            <ul>
              {files.map((file) => (
                <li key={file.sha256}>
                  <a href={`/workbench/cases/${view.number}/files/${file.sha256}`}>{file.name}</a>
                  {file.scan === 'not_scanned' ? ` ${w('case.notScanned')}` : ''}
                </li>
              ))}
              {certificates.map(({ material, status }) => (
                <li key={material.certificate}>
                  {w('case.certificate', { name: material.name })}{' '}
                  <a href={`/certificates/verify?number=${encodeURIComponent(material.certificate)}`}>
                    {material.certificate}
                  </a>{' '}
                  <TagStatus
                    text={w(`case.certificate.${status}` as 'case.certificate.valid')}
                    tone={status === 'valid' ? 'success' : 'danger'}
                  />
                </li>
              ))}
            </ul>
          )}

          <h2>{w('case.branches')}</h2>
          <DataTable
            caption={w('case.branches')}
            captionHidden
            rows={view.tasks.filter((t) => t.state !== 'cancelled')}
            rowKey={(t) => t.id}
            columns={[
              {
                header: p('case.department'),
                cell: (t) => departments.get(t.departmentCode) ?? t.departmentCode,
              },
              { header: p('case.step'), cell: (t) => c(`step.${t.kind}`) },
              {
                header: p('case.stepState'),
                cell: (t) => (t.state === 'done' ? p(`task.done.${t.outcome}`) : p(`task.${t.state}`)),
              },
              { header: w('inbox.due'), cell: (t) => (t.state === 'open' ? (t.dueOn ?? '—') : '—') },
              { header: w('inbox.light'), cell: (t) => (t.state === 'open' ? light(t, view.state, w) : '—') },
            ]}
          />

          <h2>{w('case.comments')}</h2>
          {comments.length === 0 ? (
            <p>{w('case.noComments')}</p>
          ) : (
            <ul>
              {comments.map((comment) => (
                <li key={comment.id}>
                  <LocalTime value={comment.createdAt} locale={request.locale} timeZone={deps.timeZone} />{' '}
                  {departments.get(comment.departmentCode) ?? comment.departmentCode}: {comment.body}
                </li>
              ))}
            </ul>
          )}
          <form method="post" action={`/workbench/cases/${view.number}/comments`}>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextArea id="body" label={w('case.comment.label')} />
            <button type="submit" class="button button--secondary">
              {w('case.comment.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  async function caseFor(request: FastifyRequest, actor: Actor) {
    return cases.get(actor, (request.params as { number: string }).number, clientOf(request));
  }

  app.get<{ Params: { number: string }; Querystring: { decided?: string; commented?: string } }>(
    '/workbench/cases/:number',
    page,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      const { w } = words(request);
      const view = await caseFor(request, actor);
      const banner =
        request.query.decided === '1'
          ? { title: w('decide.done'), variant: 'success' as const }
          : request.query.commented === '1'
            ? { title: w('case.comment.added'), variant: 'success' as const }
            : undefined;
      return renderCase(request, reply, actor, view, { banner });
    },
  );

  app.post<{ Params: { number: string }; Body: { purpose?: string } }>(
    '/workbench/cases/:number/reveal',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      const purpose = String(request.body?.purpose ?? '').trim();
      if (!purpose) throw new AppError(KernelErrors.validation);
      const view = await cases.reveal(actor, request.params.number, purpose, clientOf(request));
      return renderCase(request, reply, actor, view, {
        reveal: true,
        banner: { title: words(request).w('case.reveal.shown'), variant: 'info' },
      });
    },
  );

  app.post<{ Params: { number: string }; Body: { body?: string } }>(
    '/workbench/cases/:number/comments',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      const view = await caseFor(request, actor);
      await cases.comment(actor, view.id, String(request.body?.body ?? ''), clientOf(request));
      return reply.redirect(`/workbench/cases/${view.number}?commented=1`, 303);
    },
  );

  app.get<{ Params: { number: string; sha256: string } }>(
    '/workbench/cases/:number/files/:sha256',
    page,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      return sendFile(
        reply,
        await cases.file(actor, request.params.number, request.params.sha256, clientOf(request)),
      );
    },
  );

  // Escalating to the head, and the head giving a step to someone: back to the case, or 409 as a decision would.
  for (const change of ['escalate', 'reassign'] as const) {
    app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
      `/workbench/tasks/:id/${change}`,
      protectedRoute,
      async (request, reply) => {
        const actor = await staffOrSignIn(request, reply);
        if (!actor) return reply;
        const body = request.body ?? {};
        const value = String(body[`${change}-${request.params.id}`] ?? '').trim();
        const revision = Number(body.revision);
        const task = await cases.task(actor, request.params.id, clientOf(request));
        try {
          if (change === 'escalate') await cases.escalate(actor, task.id, revision, value, clientOf(request));
          else {
            const to = await deps.findStaff(value);
            if (!to) throw new AppError(CasesErrors.applicantNotFound);
            await cases.reassign(actor, task.id, revision, to, clientOf(request));
          }
        } catch (error) {
          if (!(error instanceof AppError) || error instanceof AuthorizationError) throw error;
          const status = CONFLICTS.includes(error.definition) ? 409 : error.definition.status;
          return renderCase(request, reply, actor, await cases.get(actor, task.caseId, clientOf(request)), {
            status,
            banner: {
              title: `${words(request).w('decide.conflict')}: ${error.messageFor(request.locale)}`,
              variant: 'info',
            },
          });
        }
        const view = await cases.get(actor, task.caseId, clientOf(request));
        return reply.redirect(`/workbench/cases/${view.number}?decided=1`, 303);
      },
    );
  }

  app.post<{ Params: { id: string }; Body: Record<string, string | undefined> }>(
    '/workbench/tasks/:id/decision',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply);
      if (!actor) return reply;
      const { w } = words(request);
      const body = request.body ?? {};
      const fields = {
        outcome: String(body.outcome ?? ''),
        reason: String(body.reason ?? ''),
        missing: String(body.missing ?? ''),
        note: String(body.note ?? ''),
      };
      const revision = Number(body.revision);
      const missing = fields.missing
        .split(/\r?\n/)
        .map((line) => line.trim())
        .filter(Boolean);
      const errors: { fieldId: string; message: string }[] = [];
      if (!['approve', 'reject', 'supplement'].includes(fields.outcome))
        errors.push({ fieldId: 'outcome', message: w('decide.outcomeRequired') });
      if (fields.outcome === 'reject' && !fields.reason.trim())
        errors.push({ fieldId: 'reason', message: w('decide.reasonRequired') });
      if (fields.outcome === 'supplement' && missing.length === 0)
        errors.push({ fieldId: 'missing', message: w('decide.missingRequired') });
      const task = await cases.task(actor, request.params.id, clientOf(request));
      const view = await cases.get(actor, task.caseId, clientOf(request));
      if (errors.length > 0 || !Number.isInteger(revision))
        return renderCase(request, reply, actor, view, {
          status: 400,
          decision: {
            taskId: task.id,
            fields,
            errors:
              errors.length > 0 ? errors : [{ fieldId: 'outcome', message: w('decide.outcomeRequired') }],
          },
        });
      try {
        await cases.decide(
          actor,
          task.id,
          fields.outcome === 'approve'
            ? { outcome: 'approve', revision, note: fields.note }
            : fields.outcome === 'reject'
              ? { outcome: 'reject', revision, reason: fields.reason }
              : { outcome: 'supplement', revision, missing },
          clientOf(request),
        );
      } catch (error) {
        if (!(error instanceof AppError) || !CONFLICTS.includes(error.definition)) throw error;
        // Someone decided first, or the case changed: say so on the case as it is now; nothing was done.
        return renderCase(request, reply, actor, await cases.get(actor, task.caseId, clientOf(request)), {
          status: 409,
          banner: { title: `${w('decide.conflict')}: ${error.messageFor(request.locale)}`, variant: 'info' },
        });
      }
      return reply.redirect(`/workbench/cases/${view.number}?decided=1`, 303);
    },
  );
}

function TextArea(props: { id: string; label: string; hint?: string; value?: string; error?: string }) {
  return (
    <FormGroup id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => (
        <textarea
          id={props.id}
          name={props.id}
          rows={4}
          maxLength={2000}
          aria-describedby={describedBy}
          aria-invalid={props.error ? 'true' : undefined}
        >
          {props.value ?? ''}
        </textarea>
      )}
    </FormGroup>
  );
}

/** A case's file as a download: its stored type, never rendered inline (the name is the applicant's, encoded). */
export function sendFile(reply: FastifyReply, file: { bytes: Uint8Array; name: string; mime: string }) {
  const ascii = file.name.replace(/[^\w.-]/g, '_');
  return reply
    .type(file.mime)
    .header(
      'content-disposition',
      `attachment; filename="${ascii}"; filename*=UTF-8''${encodeURIComponent(file.name)}`,
    )
    .header('cache-control', 'private, no-store')
    .send(Buffer.from(file.bytes));
}
