import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../kernel/authz/authz.ts';
import { AppError, type FieldProblem } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Locale } from '../../../kernel/i18n/index.ts';
import {
  CheckboxGroup,
  DataTable,
  ErrorSummary,
  NotificationBanner,
  SummaryList,
  TagStatus,
  TextField,
} from '../../../kernel/views/components.tsx';
import { identityMessages } from '../identity.messages.ts';
import { legalEntityMessages } from '../legal-entities.messages.ts';
import type {
  GrantInput,
  LegalEntitiesService,
  LegalEntityPage,
  LegalEntityView,
  MandateView,
} from '../legal-entities.service.ts';
import {
  AdminSearchQuery,
  ClaimForm,
  GrantForm,
  LegalEntityParams,
  MandateParams,
  RecordForm,
  RevokeForm,
} from './legal-entities.schemas.ts';

const KINDS = ['enterprise', 'social_organisation', 'public_institution', 'other'] as const;

function clientOf(request: FastifyRequest) {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}

/** A date as people of the platform read it: the civil day in the platform's time zone. */
function dayOf(date: Date, locale: Locale, timeZone: string): string {
  return new Intl.DateTimeFormat(locale, { dateStyle: 'medium', timeZone }).format(date);
}

/** The pages of legal entities (法人) and mandates (授权/代办): plain HTML forms, every state change audited. */
export function registerLegalEntityPages(
  app: FastifyInstance,
  service: LegalEntitiesService,
  options: {
    actorOf: (accountId: string) => Promise<Actor>;
    timeZone: string;
  },
): void {
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  /** The signed-in account (second factor passed) and its authorisation actor, or a redirect to sign in. */
  async function signedInActor(request: FastifyRequest) {
    const session = request.identitySession;
    if (session?.stage !== 'complete') return undefined;
    return { session, actor: await options.actorOf(session.accountId) };
  }

  const scopeLabel = (name: string, locale: Locale) =>
    service.grantablePermissions().find((p) => p.name === name)?.labels?.[locale] ?? name;

  function statusTag(mandate: MandateView, t: (key: 'mandate.status.active') => string) {
    const key = mandate.active
      ? 'mandate.status.active'
      : mandate.revokedAt
        ? 'mandate.status.revoked'
        : 'mandate.status.expired';
    return (
      <TagStatus text={t(key as 'mandate.status.active')} tone={mandate.active ? 'success' : 'neutral'} />
    );
  }

  const entityRows = (entity: LegalEntityView, locale: Locale) => {
    const m = legalEntityMessages.translator(locale);
    return [
      { key: m('entity.name'), value: entity.name[locale] },
      { key: m('entity.creditCode'), value: <code>{entity.creditCode}</code> },
      { key: m('entity.kind'), value: m(`entity.kind.${entity.kind}`) },
      { key: m('entity.representative'), value: entity.legalRepresentative.displayName[locale] },
      { key: m('entity.verifiedBy'), value: m(`entity.verifiedBy.${entity.verifiedBy}`) },
    ];
  };

  app.get('/account/legal-entities', { schema: { hide: true } }, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const mine = await service.mine(who.session.accountId);
    const m = legalEntityMessages.translator(request.locale);
    const im = identityMessages.translator(request.locale);
    return sendPage(
      request,
      reply,
      {
        title: m('mine.title'),
        breadcrumbs: [{ label: im('account.title'), href: '/account' }, { label: m('mine.title') }],
      },
      (ctx) => (
        <>
          <h1>{m('mine.title')}</h1>
          <p class="lead">{m('mine.lead')}</p>
          <h2>{m('mine.represented')}</h2>
          <DataTable
            caption={m('mine.represented.caption')}
            captionHidden
            columns={[
              {
                header: m('entity.name'),
                cell: (e) => <a href={`/legal-entities/${e.id}`}>{e.name[ctx.locale]}</a>,
              },
              { header: m('entity.creditCode'), cell: (e) => <code>{e.creditCode}</code> },
            ]}
            rows={mine.represented}
            rowKey={(e) => e.id}
            empty={m('mine.represented.empty')}
          />
          {who.actor.kind === 'person' ? (
            <p>
              <a href="/account/legal-entities/claim">{m('mine.add')}</a>
            </p>
          ) : null}
          <h2>{m('mine.held')}</h2>
          <DataTable
            caption={m('mine.held.caption')}
            captionHidden
            columns={[
              {
                header: m('entity.name'),
                cell: (h) =>
                  h.active ? (
                    <a href={`/legal-entities/${h.legalEntityId}`}>{h.legalEntity.name[ctx.locale]}</a>
                  ) : (
                    h.legalEntity.name[ctx.locale]
                  ),
              },
              {
                header: m('mandate.scope'),
                cell: (h) => h.scope.map((s) => scopeLabel(s, ctx.locale)).join('；'),
              },
              {
                header: m('mandate.validUntil'),
                cell: (h) => dayOf(h.validUntil, ctx.locale, options.timeZone),
              },
              { header: m('mandate.status'), cell: (h) => statusTag(h, m) },
            ]}
            rows={mine.mandatesHeld}
            rowKey={(h) => h.id}
            empty={m('mine.held.empty')}
          />
        </>
      ),
    );
  });

  function claimPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    value = '',
    problems: FieldProblem[] = [],
    summary?: string,
  ) {
    const m = legalEntityMessages.translator(request.locale);
    const im = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      {
        title: m('claim.title'),
        status,
        breadcrumbs: [
          { label: im('account.title'), href: '/account' },
          { label: m('mine.title'), href: '/account/legal-entities' },
          { label: m('claim.title') },
        ],
      },
      () => (
        <>
          {problems.length > 0 || summary ? (
            <ErrorSummary
              title={m('claim.problem')}
              errors={
                problems.length > 0
                  ? problems.map((p) => ({ fieldId: p.path, message: p.message }))
                  : [{ fieldId: 'creditCode', message: summary ?? '' }]
              }
            />
          ) : null}
          <h1>{m('claim.title')}</h1>
          <p class="lead">{m('claim.lead')}</p>
          <form method="post" action="/account/legal-entities/claim" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="creditCode"
              label={m('claim.creditCode')}
              hint={m('claim.creditCodeHint')}
              value={value}
              error={problems.find((p) => p.path === 'creditCode')?.message}
              autocomplete="off"
            />
            <button type="submit" class="button">
              {m('claim.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get('/account/legal-entities/claim', { schema: { hide: true } }, async (request, reply) => {
    if (!(await signedInActor(request))) return reply.redirect('/sign-in', 303);
    return claimPage(request, reply, 200);
  });

  app.post('/account/legal-entities/claim', protectedRoute, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const form = ClaimForm.parse(request.body ?? {});
    try {
      const id = await service.claim(who.actor, form.creditCode, request.locale, clientOf(request));
      return reply.redirect(`/legal-entities/${id}?claimed=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.name === 'AuthorizationError') throw error;
      return claimPage(
        request,
        reply,
        error.definition.status,
        form.creditCode,
        error.fields,
        error.messageFor(request.locale),
      );
    }
  });

  function entityPage(
    request: FastifyRequest,
    reply: FastifyReply,
    page: LegalEntityPage,
    status = 200,
    form: { values?: Partial<GrantInput>; problems?: FieldProblem[]; summary?: string } = {},
  ) {
    const m = legalEntityMessages.translator(request.locale);
    const im = identityMessages.translator(request.locale);
    const query = request.query as Record<string, unknown>;
    const csrf = reply.generateCsrf();
    const { entity } = page;
    const problems = form.problems ?? [];
    const errorOf = (field: string) => problems.find((p) => p.path === field)?.message;
    const names = new Map((page.mandates ?? []).map((md) => [md.grantee.accountId, md.grantee.displayName]));
    const byAdministrator = request.identitySession?.kind === 'staff';
    return sendPage(
      request,
      reply,
      {
        title: entity.name[request.locale],
        status,
        breadcrumbs: [
          { label: im('account.title'), href: '/account' },
          { label: m('mine.title'), href: '/account/legal-entities' },
          { label: entity.name[request.locale] },
        ],
      },
      (ctx) => (
        <>
          {problems.length > 0 || form.summary ? (
            <ErrorSummary
              title={m('grant.problem')}
              errors={
                problems.length > 0
                  ? problems.map((p) => ({ fieldId: p.path, message: p.message }))
                  : [{ fieldId: 'granteeUsername', message: form.summary ?? '' }]
              }
            />
          ) : null}
          {query.claimed === '1' ? (
            <NotificationBanner
              variant="success"
              title={m('claim.done', { name: entity.name[ctx.locale] })}
            />
          ) : null}
          {typeof query.granted === 'string' ? (
            <NotificationBanner variant="success" title={m('grant.done', { name: query.granted })} />
          ) : null}
          {query.revoked === '1' ? (
            <NotificationBanner variant="success" title={m('mandate.status.revoked')} />
          ) : null}
          <h1>{entity.name[ctx.locale]}</h1>
          <SummaryList rows={entityRows(entity, ctx.locale)} />
          {page.myMandate ? (
            <>
              <h2>{m('page.myMandate')}</h2>
              <SummaryList
                rows={[
                  {
                    key: m('mandate.scope'),
                    value: page.myMandate.scope.map((s) => scopeLabel(s, ctx.locale)).join('；'),
                  },
                  {
                    key: m('mandate.validUntil'),
                    value: dayOf(page.myMandate.validUntil, ctx.locale, options.timeZone),
                  },
                ]}
              />
            </>
          ) : null}
          {page.mandates ? (
            <>
              <h2>{m('page.mandates')}</h2>
              <DataTable
                caption={m('page.mandates.caption')}
                captionHidden
                columns={[
                  {
                    header: m('mandate.grantee'),
                    cell: (md) => `${md.grantee.displayName[ctx.locale]}（${md.grantee.username}）`,
                  },
                  {
                    header: m('mandate.scope'),
                    cell: (md) => md.scope.map((s) => scopeLabel(s, ctx.locale)).join('；'),
                  },
                  {
                    header: m('mandate.validUntil'),
                    cell: (md) => dayOf(md.validUntil, ctx.locale, options.timeZone),
                  },
                  {
                    header: m('mandate.status'),
                    cell: (md) => (
                      <>
                        {statusTag(md, m)}
                        {md.grantedAs === 'administrator' ? ` ${m('mandate.grantedAs.administrator')}` : ''}
                        {md.active ? (
                          <>
                            {' '}
                            <a href={`/legal-entities/${entity.id}/mandates/${md.id}/revoke`}>
                              {m('mandate.revoke')}
                              <span class="visually-hidden"> {md.grantee.displayName[ctx.locale]}</span>
                            </a>
                          </>
                        ) : null}
                      </>
                    ),
                  },
                ]}
                rows={page.mandates}
                rowKey={(md) => md.id}
                empty={m('page.mandates.empty')}
              />
              <h2>{m('grant.title')}</h2>
              <p>{m('grant.lead')}</p>
              <form method="post" action={`/legal-entities/${entity.id}/mandates`} novalidate>
                <input type="hidden" name="_csrf" value={csrf} />
                <TextField
                  id="granteeUsername"
                  label={m('grant.granteeUsername')}
                  value={form.values?.granteeUsername}
                  error={errorOf('granteeUsername')}
                  autocomplete="off"
                />
                <TextField
                  id="granteeName"
                  label={m('grant.granteeName')}
                  value={form.values?.granteeName}
                  error={errorOf('granteeName')}
                  autocomplete="off"
                />
                <CheckboxGroup
                  id="scope"
                  name="scope"
                  legend={m('grant.scope')}
                  error={errorOf('scope')}
                  options={service.grantablePermissions().map((p) => ({
                    value: p.name,
                    label: p.labels?.[ctx.locale] ?? p.name,
                    checked: form.values?.scope?.includes(p.name),
                  }))}
                />
                <TextField
                  id="validUntil"
                  label={m('grant.validUntil')}
                  hint={m('grant.validUntilHint')}
                  value={form.values?.validUntil}
                  error={errorOf('validUntil')}
                  inputmode="numeric"
                />
                {byAdministrator ? (
                  <TextField
                    id="note"
                    label={m('grant.note')}
                    hint={m('grant.noteHint')}
                    value={form.values?.note}
                    error={errorOf('note')}
                  />
                ) : null}
                <button type="submit" class="button">
                  {m('grant.submit')}
                </button>
              </form>
              <h2>{m('page.actions')}</h2>
              <p>{m('page.actions.lead')}</p>
              <DataTable
                caption={m('page.actions.caption')}
                captionHidden
                columns={[
                  {
                    header: m('action.when'),
                    cell: (a) =>
                      new Intl.DateTimeFormat(ctx.locale, {
                        dateStyle: 'medium',
                        timeStyle: 'short',
                        timeZone: options.timeZone,
                      }).format(a.occurredAt),
                  },
                  {
                    header: m('action.who'),
                    cell: (a) => (a.actorId ? names.get(a.actorId)?.[ctx.locale] : undefined) ?? '—',
                  },
                  { header: m('action.what'), cell: (a) => scopeLabel(a.action, ctx.locale) },
                  {
                    header: m('action.mandate'),
                    cell: (a) => (a.mandateId ? <code>{a.mandateId}</code> : '—'),
                  },
                ]}
                rows={page.actionsUnderMandates ?? []}
                rowKey={(a) => a.seq}
                empty={m('page.actions.empty')}
              />
            </>
          ) : null}
        </>
      ),
    );
  }

  app.get('/legal-entities/:id', { schema: { hide: true } }, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const params = LegalEntityParams.safeParse(request.params);
    const page = await service.page(who.actor, params.success ? params.data.id : '', clientOf(request));
    return entityPage(request, reply, page);
  });

  app.post('/legal-entities/:id/mandates', protectedRoute, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const params = LegalEntityParams.safeParse(request.params);
    const id = params.success ? params.data.id : '';
    const form = GrantForm.parse(request.body ?? {});
    const input: GrantInput = {
      granteeUsername: form.granteeUsername,
      granteeName: form.granteeName,
      scope: form.scope,
      validUntil: form.validUntil,
      note: form.note,
    };
    try {
      await service.grant(who.actor, id, input, request.locale, clientOf(request));
      return reply.redirect(
        `/legal-entities/${id}?granted=${encodeURIComponent(form.granteeName.trim())}`,
        303,
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.name === 'AuthorizationError') throw error;
      const page = await service.page(who.actor, id, clientOf(request));
      return entityPage(request, reply, page, error.definition.status, {
        values: input,
        problems: error.fields,
        summary: error.messageFor(request.locale),
      });
    }
  });

  async function revokePage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    problem?: string,
  ): Promise<FastifyReply> {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const params = MandateParams.safeParse(request.params);
    const page = await service.page(who.actor, params.success ? params.data.id : '', clientOf(request));
    const mandate = page.mandates?.find(
      (md) => params.success && md.id === params.data.mandateId && md.active,
    );
    const m = legalEntityMessages.translator(request.locale);
    if (!mandate) {
      return reply.redirect(`/legal-entities/${page.entity.id}`, 303);
    }
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      {
        title: m('mandate.revoke.title'),
        status,
        breadcrumbs: [
          { label: m('mine.title'), href: '/account/legal-entities' },
          { label: page.entity.name[request.locale], href: `/legal-entities/${page.entity.id}` },
          { label: m('mandate.revoke.title') },
        ],
      },
      (ctx) => (
        <>
          {problem ? (
            <ErrorSummary title={m('grant.problem')} errors={[{ fieldId: 'reason', message: problem }]} />
          ) : null}
          <h1>{m('mandate.revoke.title')}</h1>
          <p class="lead">{m('mandate.revoke.lead', { name: mandate.grantee.displayName[ctx.locale] })}</p>
          <SummaryList
            rows={[
              { key: m('mandate.grantee'), value: mandate.grantee.displayName[ctx.locale] },
              {
                key: m('mandate.scope'),
                value: mandate.scope.map((s) => scopeLabel(s, ctx.locale)).join('；'),
              },
              {
                key: m('mandate.validUntil'),
                value: dayOf(mandate.validUntil, ctx.locale, options.timeZone),
              },
            ]}
          />
          <form
            method="post"
            action={`/legal-entities/${page.entity.id}/mandates/${mandate.id}/revoke`}
            novalidate
          >
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField id="reason" label={m('mandate.revokeReason')} error={problem} />
            <button type="submit" class="button button--warning">
              {m('mandate.revoke.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get('/legal-entities/:id/mandates/:mandateId/revoke', { schema: { hide: true } }, (request, reply) =>
    revokePage(request, reply, 200),
  );

  app.post('/legal-entities/:id/mandates/:mandateId/revoke', protectedRoute, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const params = MandateParams.safeParse(request.params);
    const form = RevokeForm.parse(request.body ?? {});
    const id = params.success ? params.data.id : '';
    try {
      await service.revoke(
        who.actor,
        id,
        params.success ? params.data.mandateId : '',
        form.reason,
        request.locale,
        clientOf(request),
      );
      return reply.redirect(`/legal-entities/${id}?revoked=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.name === 'AuthorizationError') throw error;
      return revokePage(request, reply, error.definition.status, error.fields[0]?.message);
    }
  });

  function recordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    entities: LegalEntityView[],
    q: string,
    form: { values?: Record<string, string>; problems?: FieldProblem[]; summary?: string } = {},
  ) {
    const m = legalEntityMessages.translator(request.locale);
    const im = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    const problems = form.problems ?? [];
    const errorOf = (field: string) => problems.find((p) => p.path === field)?.message;
    return sendPage(
      request,
      reply,
      {
        title: m('admin.title'),
        status,
        breadcrumbs: [{ label: im('account.title'), href: '/account' }, { label: m('admin.title') }],
      },
      (ctx) => (
        <>
          {problems.length > 0 || form.summary ? (
            <ErrorSummary
              title={m('admin.problem')}
              errors={
                problems.length > 0
                  ? problems.map((p) => ({ fieldId: p.path, message: p.message }))
                  : [{ fieldId: 'creditCode', message: form.summary ?? '' }]
              }
            />
          ) : null}
          <h1>{m('admin.title')}</h1>
          <p class="lead">{m('admin.lead')}</p>
          <form method="get" action="/admin/legal-entities">
            <TextField id="q" label={m('admin.search')} value={q} />
            <button type="submit" class="button button--secondary">
              {m('admin.searchSubmit')}
            </button>
          </form>
          <DataTable
            caption={m('admin.caption')}
            columns={[
              {
                header: m('entity.name'),
                cell: (e) => <a href={`/legal-entities/${e.id}`}>{e.name[ctx.locale]}</a>,
              },
              { header: m('entity.creditCode'), cell: (e) => <code>{e.creditCode}</code> },
              {
                header: m('entity.representative'),
                cell: (e) => e.legalRepresentative.displayName[ctx.locale],
              },
            ]}
            rows={entities}
            rowKey={(e) => e.id}
            empty={m('admin.empty')}
          />
          <h2>{m('admin.new')}</h2>
          <form method="post" action="/admin/legal-entities" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="creditCode"
              label={m('claim.creditCode')}
              hint={m('claim.creditCodeHint')}
              value={form.values?.creditCode}
              error={errorOf('creditCode')}
            />
            <TextField
              id="nameZh"
              label={m('admin.nameZh')}
              value={form.values?.nameZh}
              error={errorOf('nameZh')}
            />
            <TextField
              id="nameEn"
              label={m('admin.nameEn')}
              value={form.values?.nameEn}
              error={errorOf('nameEn')}
            />
            <div class="form-group">
              <label for="kind">{m('admin.kind')}</label>
              <select id="kind" name="kind">
                {KINDS.map((k) => (
                  <option value={k} selected={form.values?.kind === k}>
                    {m(`entity.kind.${k}`)}
                  </option>
                ))}
              </select>
            </div>
            <TextField
              id="legalRepresentativeUsername"
              label={m('admin.representative')}
              value={form.values?.legalRepresentativeUsername}
              error={errorOf('legalRepresentativeUsername')}
            />
            <button type="submit" class="button">
              {m('admin.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get('/admin/legal-entities', { schema: { hide: true } }, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const { q } = AdminSearchQuery.parse(request.query ?? {});
    return recordPage(request, reply, 200, await service.list(who.actor, q), q);
  });

  app.post('/admin/legal-entities', protectedRoute, async (request, reply) => {
    const who = await signedInActor(request);
    if (!who) return reply.redirect('/sign-in', 303);
    const form = RecordForm.parse(request.body ?? {});
    const entities = await service.list(who.actor, '');
    try {
      const id = await service.recordByAdministrator(who.actor, form, request.locale, clientOf(request));
      return reply.redirect(`/legal-entities/${id}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.name === 'AuthorizationError') throw error;
      const { _csrf, ...values } = form;
      return recordPage(request, reply, error.definition.status, entities, '', {
        values: values as Record<string, string>,
        problems: error.fields,
        summary: error.messageFor(request.locale),
      });
    }
  });
}
