import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  AuthorizationError,
  type DepartmentScope,
  type Permission,
  type StaffActor,
} from '../../../kernel/authz/authz.ts';
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
  SummaryList,
  TagStatus,
  type TagTone,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { IdentityContract } from '../../identity/index.ts';
import { CertificatesErrors } from '../certificates.errors.ts';
import { CertificatesPermissions } from '../certificates.policy.ts';
import type {
  Certificate,
  CertificateStatus,
  CertificateType,
  HolderInput,
} from '../certificates.service.ts';
import { certificatesPageMessages } from '../certificates-pages.messages.ts';
import type { CertificatesModule } from '../index.ts';
import { certificatesStaffMessages } from '../staff-pages.messages.ts';

/**
 * The staff's certificate pages, plain forms without JavaScript in both languages: the workbench's lookup and the
 * types one's department issues (`/workbench/certificates`), a certificate as the issuing department sees it with the
 * head's revoke and reissue forms, issuing by hand, and the platform administrator's certificate types (edited as
 * JSON) and signing-key rotation. The service decides every permission; these pages only choose what to offer.
 */
export interface CertificateStaffPagesDeps {
  certificates: CertificatesModule;
  /** Finds the holder a clerk names: a person by user name, an organisation by credit code. */
  identity: IdentityContract;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;

/** As long as the API accepts. */
const NUMBER_MAX = 40;
const HOLDER_MAX = 64;
const FIELD_MAX = 500;
const REASON_MAX = 500;
/** The form of a type's code (domain/certificate-type.ts): anything else names no type. */
const TYPE_CODE = /^[a-z][a-z0-9-]{1,40}$/;
/** A unified social credit code's shape; a user name of that shape is looked up as one too. */
const CREDIT_CODE_SHAPE = /^[0-9A-Za-z]{18}$/;
/** Where the status is shown: what a refusal because of it links to. */
const STATUS_ID = 'certificate-status';

const STATUS_TONES: Record<CertificateStatus, TagTone> = {
  valid: 'success',
  revoked: 'danger',
  expired: 'warning',
};

/** What a new type's editor starts with: every member the definition has, to be filled in. */
const NEW_TYPE = {
  name: { 'zh-CN': '', en: '' },
  departmentCode: '',
  serviceCode: null,
  numberPrefix: '',
  validityYears: null,
  fields: [],
  layout: { orientation: 'portrait' },
};

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);
const pageOf = (number: string) => `/workbench/certificates/${encodeURIComponent(number)}`;

/** A type as the administrator edits it: what `defineType` takes, without the code (the address gives it). */
const editable = (type: CertificateType) => ({
  name: type.name,
  departmentCode: type.departmentCode,
  serviceCode: type.serviceCode,
  numberPrefix: type.numberPrefix,
  validityYears: type.validityYears,
  fields: type.fields,
  layout: type.layout,
});

const dateFormats = new Map<Locale, Intl.DateTimeFormat>();
/** A calendar date (`YYYY-MM-DD`, as a certificate prints it) in the reader's language. */
function CivilDate({ value, locale }: { value: string; locale: Locale }) {
  let format = dateFormats.get(locale);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone: 'UTC', dateStyle: 'long' });
    dateFormats.set(locale, format);
  }
  const shown = /^\d{4}-\d{2}-\d{2}$/.test(value) ? format.format(new Date(`${value}T00:00:00Z`)) : value;
  return <time datetime={value}>{shown}</time>;
}

/**
 * Whether one of the member of staff's roles reaches a department under a permission's grants: which types to offer
 * and which forms to show. Not a decision: the service decides, and audits a refusal.
 */
function reaches(actor: StaffActor, permission: Permission, departmentCode: string): boolean {
  const roles = (permission.grantedTo.roles ?? {}) as Readonly<Record<string, DepartmentScope | undefined>>;
  return actor.roles.some((assignment) => {
    const scope = Object.hasOwn(roles, assignment.role) ? roles[assignment.role] : undefined;
    return (
      scope === 'any-department' ||
      (scope === 'own-department' && assignment.departmentCode === departmentCode)
    );
  });
}

/** The refusal of a page the member of staff's roles do not reach (the usual 403 page). */
function refusal(actor: StaffActor, permission: Permission): AuthorizationError {
  const roles = permission.grantedTo.roles ?? {};
  const holdsRole = actor.roles.some((r) => Object.hasOwn(roles, r.role));
  return new AuthorizationError(holdsRole ? 'other-department' : 'no-role', permission.name);
}

/** The signed-in member of staff; visitors are sent to sign in, and people who are not staff refused (403). */
async function staffOrSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
  permission: Permission,
): Promise<StaffActor | undefined> {
  const actor = await request.actor();
  if (actor.kind === 'staff') return actor;
  if (actor.kind === 'anonymous') {
    reply.redirect('/sign-in', 303);
    return undefined;
  }
  throw new AuthorizationError('no-role', permission.name);
}

export function registerCertificateStaffPages(app: FastifyInstance, deps: CertificateStaffPagesDeps): void {
  const { certificates, identity } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  const words = (request: FastifyRequest) => ({
    s: certificatesStaffMessages.translator(request.locale) as Translate,
    p: certificatesPageMessages.translator(request.locale) as Translate,
    locale: request.locale,
  });

  /** The administrator of certificate types and keys; others are refused (403) before anything is shown. */
  async function adminOrSignIn(request: FastifyRequest, reply: FastifyReply) {
    const actor = await staffOrSignIn(request, reply, CertificatesPermissions.typeManage);
    if (actor && !reaches(actor, CertificatesPermissions.typeManage, '')) {
      throw refusal(actor, CertificatesPermissions.typeManage);
    }
    return actor;
  }

  async function typeOf(code: string): Promise<CertificateType> {
    const type = TYPE_CODE.test(code) ? (await certificates.types()).find((t) => t.code === code) : undefined;
    if (!type) throw new AppError(CertificatesErrors.typeNotFound, { code: code.slice(0, 41) });
    return type;
  }

  /** The holder a clerk named: an organisation by its credit code, else a person (never staff) by user name. */
  async function holderNamed(typed: string): Promise<HolderInput | undefined> {
    if (CREDIT_CODE_SHAPE.test(typed)) {
      const organisation = await identity.findOrganisation(typed.toUpperCase());
      if (organisation) return { organisationId: organisation.id };
    }
    const account = await identity.findAccount(typed);
    return account?.kind === 'public' ? { accountId: account.id } : undefined;
  }

  // ---------- The workbench: lookup, and the types one's department issues ----------

  interface ListExtras {
    status?: number;
    typed?: string;
    error?: string;
  }

  async function renderList(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: StaffActor,
    extras: ListExtras = {},
  ) {
    const { s, locale } = words(request);
    const issued = (await certificates.types()).filter((t) =>
      reaches(actor, CertificatesPermissions.certificateIssue, t.departmentCode),
    );
    const admin = reaches(actor, CertificatesPermissions.typeManage, '');
    const errors: FieldError[] = extras.error ? [{ fieldId: 'number', message: extras.error }] : [];
    return sendPage(
      request,
      reply,
      { title: s('list.title'), breadcrumbs: [{ label: s('list.title') }], status: extras.status },
      () => (
        <>
          <ErrorSummary title={s('problem')} errors={errors} />
          <h1>{s('list.title')}</h1>
          <p>{s('list.lead')}</p>
          {admin ? (
            <p>
              <a href="/admin/certificate-types">{s('list.admin')}</a>
            </p>
          ) : null}
          <form method="get" action="/workbench/certificates" novalidate>
            <h2>{s('lookup.title')}</h2>
            <TextField
              id="number"
              label={s('lookup.number')}
              hint={s('lookup.hint')}
              value={extras.typed}
              error={extras.error}
              autocapitalize="characters"
              spellcheck={false}
              maxLength={NUMBER_MAX}
            />
            <button type="submit" class="button">
              {s('lookup.submit')}
            </button>
          </form>
          <h2>{s('types.title')}</h2>
          {issued.length === 0 ? (
            <p>{s('types.none')}</p>
          ) : (
            <>
              <p>{s('types.lead')}</p>
              <DataTable
                caption={s('types.title')}
                captionHidden
                rows={issued}
                rowKey={(t) => t.code}
                rowHeaders
                columns={[
                  { header: s('types.name'), cell: (t) => t.name[locale] },
                  { header: s('types.department'), cell: (t) => t.issuerName[locale] },
                  { header: s('types.service'), cell: (t) => t.serviceCode ?? s('types.manualOnly') },
                  {
                    header: s('types.action'),
                    cell: (t) => (
                      <a href={`/workbench/certificates/issue/${t.code}`}>
                        {s('types.issue')}
                        <span class="visually-hidden"> {t.name[locale]}</span>
                      </a>
                    ),
                  },
                ]}
              />
            </>
          )}
        </>
      ),
    );
  }

  app.get<{ Querystring: { number?: unknown } }>('/workbench/certificates', page, async (request, reply) => {
    const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateIssue);
    if (!actor) return reply;
    const { s } = words(request);
    const query = request.query ?? {};
    if (query.number === undefined) return renderList(request, reply, actor);
    const typed = text(query.number)?.trim() ?? '';
    if (typed === '') return renderList(request, reply, actor, { status: 400, error: s('lookup.missing') });
    if (typed.length > NUMBER_MAX)
      return renderList(request, reply, actor, {
        status: 400,
        typed,
        error: s('lookup.tooLong', { max: NUMBER_MAX }),
      });
    // Whether the number exists is public (anyone may check it): the certificate's page decides who sees it.
    const found = (await certificates.verify({ number: typed })).certificate;
    if (!found)
      return renderList(request, reply, actor, {
        status: 404,
        typed,
        error: s('lookup.notFound', { number: typed }),
      });
    return reply.redirect(pageOf(found.number), 303);
  });

  // ---------- A certificate, as the issuing department sees it ----------

  interface CertificateExtras {
    status?: number;
    banner?: string;
    errors?: FieldError[];
    reason?: string;
  }

  function renderCertificate(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: StaffActor,
    c: Certificate,
    extras: CertificateExtras = {},
  ) {
    const { s, p, locale } = words(request);
    const head = reaches(actor, CertificatesPermissions.certificateRevoke, c.issuer.departmentCode);
    const csrf = reply.generateCsrf();
    const title = s('certificate.title', { number: c.number });
    const reasonError = extras.errors?.find((e) => e.fieldId === 'reason')?.message;
    // The holder's details, even masked, stay out of shared caches.
    reply.header('cache-control', 'private, no-store');
    return sendPage(
      request,
      reply,
      {
        title,
        breadcrumbs: [{ label: s('list.title'), href: '/workbench/certificates' }, { label: c.number }],
        status: extras.status,
      },
      () => (
        <>
          <ErrorSummary title={s('problem')} errors={extras.errors ?? []} />
          {extras.banner ? <NotificationBanner title={extras.banner} variant="success" /> : null}
          <h1>{title}</h1>
          <SummaryList
            rows={[
              { key: p('certificate.type'), value: c.type.name[locale] },
              { key: p('certificate.number'), value: c.number },
              {
                key: p('certificate.status'),
                value: (
                  <span id={STATUS_ID}>
                    <TagStatus text={p(`status.${c.status}`)} tone={STATUS_TONES[c.status]} />
                  </span>
                ),
              },
              { key: p('certificate.holder'), value: c.holderName },
              { key: p('certificate.holderId'), value: c.holderId },
              ...c.fields.map((field) => ({
                key: field.label[locale],
                value: field.value.trim() === '' ? p('certificate.empty') : field.value,
              })),
              { key: p('certificate.issuedOn'), value: <CivilDate value={c.issuedOn} locale={locale} /> },
              {
                key: p('certificate.validUntil'),
                value: c.validUntil ? (
                  <CivilDate value={c.validUntil} locale={locale} />
                ) : (
                  p('certificate.longTerm')
                ),
              },
              { key: p('certificate.issuer'), value: c.issuer.name[locale] },
              {
                key: s('certificate.origin'),
                value: s(c.caseId ? 'certificate.origin.case' : 'certificate.origin.manual'),
              },
              ...(c.revokedAt
                ? [
                    {
                      key: s('certificate.revokedAt'),
                      value: <LocalTime value={c.revokedAt} locale={locale} timeZone={deps.timeZone} />,
                    },
                  ]
                : []),
              ...(c.revocationReason && !c.replacedBy
                ? [{ key: s('certificate.reason'), value: c.revocationReason }]
                : []),
              ...(c.replacedBy
                ? [
                    {
                      key: s('certificate.replacedBy'),
                      value: <a href={pageOf(c.replacedBy)}>{c.replacedBy}</a>,
                    },
                  ]
                : []),
            ]}
          />
          <p class="secondary-text">{s('certificate.masked')}</p>
          <p>
            <a href={`/certificates/verify?number=${encodeURIComponent(c.number)}`}>
              {s('certificate.verify')}
            </a>
          </p>
          {c.status === 'revoked' ? (
            <p>{s('certificate.revokedNote')}</p>
          ) : !head ? (
            <p>{s('certificate.headOnly')}</p>
          ) : (
            <>
              <section aria-labelledby="revoke-title">
                <h2 id="revoke-title">{s('revoke.title')}</h2>
                <p>{s('revoke.confirm')}</p>
                <form method="post" action={`${pageOf(c.number)}/revoke`} novalidate>
                  <input type="hidden" name="_csrf" value={csrf} />
                  <TextField
                    id="reason"
                    label={s('revoke.reason')}
                    hint={s('revoke.reasonHint')}
                    value={extras.reason}
                    error={reasonError}
                    maxLength={REASON_MAX}
                  />
                  <button type="submit" class="button button--warning">
                    {s('revoke.submit')}
                  </button>
                </form>
              </section>
              {c.status === 'valid' ? (
                <section aria-labelledby="reissue-title">
                  <h2 id="reissue-title">{s('reissue.title')}</h2>
                  <p>{s('reissue.confirm')}</p>
                  <form method="post" action={`${pageOf(c.number)}/reissue`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <button type="submit" class="button button--secondary">
                      {s('reissue.submit')}
                    </button>
                  </form>
                </section>
              ) : (
                <p>{s('reissue.expired')}</p>
              )}
            </>
          )}
        </>
      ),
    );
  }

  const DONE = { issued: 'issue.done', revoked: 'revoke.done', reissued: 'reissue.done' } as const;

  app.get<{ Params: { number: string }; Querystring: { done?: string } }>(
    '/workbench/certificates/:number',
    page,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateIssue);
      if (!actor) return reply;
      const { s } = words(request);
      const certificate = await certificates.get(actor, request.params.number, clientOf(request));
      const done = request.query?.done;
      const banner = done && Object.hasOwn(DONE, done) ? s(DONE[done as keyof typeof DONE]) : undefined;
      return renderCertificate(request, reply, actor, certificate, { banner });
    },
  );

  /**
   * A revocation or reissue the service refused for a reason people can act on — a missing reason (400), or the
   * certificate's state (409: already revoked, expired) — the page again, with that status. Refusals of permission
   * and unknown numbers go to the usual error pages.
   */
  async function refusedChange(
    request: FastifyRequest<{ Params: { number: string } }>,
    reply: FastifyReply,
    actor: StaffActor,
    error: unknown,
    reason?: string,
  ) {
    if (
      !(error instanceof AppError) ||
      error instanceof AuthorizationError ||
      ![400, 409].includes(error.definition.status)
    )
      throw error;
    const certificate = await certificates.get(actor, request.params.number, clientOf(request));
    const fieldId = error.definition === CertificatesErrors.reasonRequired ? 'reason' : STATUS_ID;
    return renderCertificate(request, reply, actor, certificate, {
      status: error.definition.status,
      errors: [{ fieldId, message: error.messageFor(request.locale) }],
      ...(reason !== undefined ? { reason } : {}),
    });
  }

  app.post<{ Params: { number: string }; Body: Record<string, unknown> | undefined }>(
    '/workbench/certificates/:number/revoke',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateRevoke);
      if (!actor) return reply;
      const reason = (text(request.body?.reason) ?? '').slice(0, REASON_MAX);
      try {
        const revoked = await certificates.revoke(actor, request.params.number, reason, clientOf(request));
        return reply.redirect(`${pageOf(revoked.number)}?done=revoked`, 303);
      } catch (error) {
        return refusedChange(request, reply, actor, error, reason);
      }
    },
  );

  app.post<{ Params: { number: string } }>(
    '/workbench/certificates/:number/reissue',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateRevoke);
      if (!actor) return reply;
      try {
        const replacement = await certificates.reissue(actor, request.params.number, clientOf(request));
        // To the new certificate: the one to hand over; the old one's page names it as its replacement.
        return reply.redirect(`${pageOf(replacement.number)}?done=reissued`, 303);
      } catch (error) {
        return refusedChange(request, reply, actor, error);
      }
    },
  );

  // ---------- Issuing by hand ----------

  const fieldId = (id: string) => `field-${id}`;

  interface IssueExtras {
    status?: number;
    holder?: string;
    fields?: Record<string, string>;
    errors?: FieldError[];
  }

  function renderIssue(
    request: FastifyRequest,
    reply: FastifyReply,
    type: CertificateType,
    extras: IssueExtras = {},
  ) {
    const { s, p, locale } = words(request);
    const csrf = reply.generateCsrf();
    const title = s('issue.title', { name: type.name[locale] });
    const errorOf = (id: string) => extras.errors?.find((e) => e.fieldId === id)?.message;
    return sendPage(
      request,
      reply,
      {
        title,
        breadcrumbs: [{ label: s('list.title'), href: '/workbench/certificates' }, { label: title }],
        status: extras.status,
      },
      () => (
        <>
          <ErrorSummary title={s('problem')} errors={extras.errors ?? []} />
          <h1>{title}</h1>
          <p>{s('issue.lead')}</p>
          <SummaryList
            rows={[
              { key: p('certificate.type'), value: type.name[locale] },
              { key: p('certificate.issuer'), value: type.issuerName[locale] },
              {
                key: s('issue.validity'),
                value: type.validityYears
                  ? s('issue.validityYears', { years: type.validityYears })
                  : s('issue.longTerm'),
              },
            ]}
          />
          <form method="post" action={`/workbench/certificates/issue/${type.code}`} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="holder"
              label={s('issue.holder')}
              hint={s('issue.holderHint')}
              value={extras.holder}
              error={errorOf('holder')}
              autocomplete="off"
              spellcheck={false}
              maxLength={HOLDER_MAX}
            />
            {type.fields.length > 0 ? (
              <fieldset>
                <legend>{s('issue.fields')}</legend>
                {type.fields.map((field) => (
                  <TextField
                    key={field.id}
                    id={fieldId(field.id)}
                    label={field.label[locale]}
                    hint={field.fallback ? s('issue.fieldHint', { fallback: field.fallback }) : undefined}
                    value={extras.fields?.[field.id]}
                    error={errorOf(fieldId(field.id))}
                    maxLength={FIELD_MAX}
                  />
                ))}
              </fieldset>
            ) : null}
            <p>{s('issue.confirm')}</p>
            <button type="submit" class="button">
              {s('issue.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get<{ Params: { typeCode: string } }>(
    '/workbench/certificates/issue/:typeCode',
    page,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateIssue);
      if (!actor) return reply;
      const type = await typeOf(request.params.typeCode);
      // No form for those who could not use it.
      if (!reaches(actor, CertificatesPermissions.certificateIssue, type.departmentCode))
        throw refusal(actor, CertificatesPermissions.certificateIssue);
      return renderIssue(request, reply, type);
    },
  );

  app.post<{ Params: { typeCode: string }; Body: Record<string, unknown> | undefined }>(
    '/workbench/certificates/issue/:typeCode',
    protectedRoute,
    async (request, reply) => {
      const actor = await staffOrSignIn(request, reply, CertificatesPermissions.certificateIssue);
      if (!actor) return reply;
      const { s } = words(request);
      const type = await typeOf(request.params.typeCode);
      const body = request.body ?? {};
      const typed = (text(body.holder) ?? '').trim().slice(0, HOLDER_MAX);
      const sent = Object.fromEntries(
        type.fields.map((f) => [f.id, (text(body[fieldId(f.id)]) ?? '').trim().slice(0, FIELD_MAX)]),
      );
      const again = (message: string, status = 400) => {
        // A mistake in the form is shown only to those who may issue: the others are refused as the service would.
        if (!reaches(actor, CertificatesPermissions.certificateIssue, type.departmentCode))
          throw refusal(actor, CertificatesPermissions.certificateIssue);
        return renderIssue(request, reply, type, {
          status,
          holder: typed,
          fields: sent,
          errors: [{ fieldId: 'holder', message }],
        });
      };
      if (typed === '') return again(s('issue.holderMissing'));
      const holder = await holderNamed(typed);
      if (!holder) return again(s('issue.holderUnknown', { holder: typed }));
      // An empty field takes the type's stated value, as on a certificate an approval issues.
      const fields = Object.fromEntries(type.fields.map((f) => [f.id, sent[f.id] || f.fallback || '']));
      let issued: Certificate;
      try {
        issued = await certificates.issue(actor, { typeCode: type.code, holder, fields }, clientOf(request));
      } catch (error) {
        if (
          !(error instanceof AppError) ||
          error instanceof AuthorizationError ||
          error.definition !== CertificatesErrors.holderRequired
        )
          throw error;
        return again(error.messageFor(request.locale), error.definition.status);
      }
      return reply.redirect(`${pageOf(issued.number)}?done=issued`, 303);
    },
  );

  // ---------- The administrator: certificate types and the signing key ----------

  interface TypesExtras {
    status?: number;
    banner?: string;
    typed?: string;
    error?: string;
  }

  async function renderTypes(request: FastifyRequest, reply: FastifyReply, extras: TypesExtras = {}) {
    const { s, locale } = words(request);
    const types = await certificates.types();
    const jwks = await certificates.keys.jwks();
    const csrf = reply.generateCsrf();
    const validity = (years: number | null) =>
      years === null ? s('admin.longTerm') : years === 1 ? s('admin.oneYear') : s('admin.years', { years });
    const errors: FieldError[] = extras.error ? [{ fieldId: 'code', message: extras.error }] : [];
    return sendPage(
      request,
      reply,
      { title: s('admin.title'), breadcrumbs: [{ label: s('admin.title') }], status: extras.status },
      () => (
        <>
          <ErrorSummary title={s('problem')} errors={errors} />
          {extras.banner ? <NotificationBanner title={extras.banner} variant="success" /> : null}
          <h1>{s('admin.title')}</h1>
          <p>{s('admin.lead')}</p>
          <DataTable
            caption={s('admin.title')}
            captionHidden
            rows={types}
            rowKey={(t) => t.code}
            rowHeaders
            columns={[
              {
                header: s('admin.name'),
                cell: (t) => <a href={`/admin/certificate-types/${t.code}`}>{t.name[locale]}</a>,
              },
              { header: s('admin.code'), cell: (t) => <code>{t.code}</code> },
              { header: s('admin.department'), cell: (t) => `${t.issuerName[locale]} (${t.departmentCode})` },
              { header: s('admin.service'), cell: (t) => t.serviceCode ?? s('admin.manualOnly') },
              { header: s('admin.validity'), cell: (t) => validity(t.validityYears) },
            ]}
          />
          <form method="get" action="/admin/certificate-types" novalidate>
            <h2>{s('admin.new.title')}</h2>
            <TextField
              id="code"
              label={s('admin.new.code')}
              hint={s('admin.new.hint')}
              value={extras.typed}
              error={extras.error}
              spellcheck={false}
              maxLength={41}
            />
            <button type="submit" class="button button--secondary">
              {s('admin.new.submit')}
            </button>
          </form>
          <section aria-labelledby="keys-title">
            <h2 id="keys-title">{s('keys.title')}</h2>
            <p>{s('keys.lead')}</p>
            <DataTable
              caption={s('keys.published')}
              rows={jwks.keys}
              rowKey={(k) => k.kid}
              columns={[
                { header: s('keys.kid'), cell: (k) => <code>{k.kid}</code> },
                { header: s('keys.alg'), cell: (k) => k.alg },
              ]}
            />
            <p>{s('keys.confirm')}</p>
            <form method="post" action="/admin/certificate-keys/rotate">
              <input type="hidden" name="_csrf" value={csrf} />
              <button type="submit" class="button button--warning">
                {s('keys.rotate')}
              </button>
            </form>
          </section>
        </>
      ),
    );
  }

  app.get<{ Querystring: { code?: unknown; rotated?: string } }>(
    '/admin/certificate-types',
    page,
    async (request, reply) => {
      if (!(await adminOrSignIn(request, reply))) return reply;
      const { s } = words(request);
      const query = request.query ?? {};
      if (query.code !== undefined) {
        // "Define a new type": on to its editor, once the code has a type code's form.
        const typed = text(query.code)?.trim() ?? '';
        if (!TYPE_CODE.test(typed))
          return renderTypes(request, reply, {
            status: 400,
            typed: typed.slice(0, 41),
            error: s('admin.new.invalid'),
          });
        return reply.redirect(`/admin/certificate-types/${typed}`, 303);
      }
      return renderTypes(request, reply, query.rotated === '1' ? { banner: s('keys.rotated') } : {});
    },
  );

  app.post('/admin/certificate-keys/rotate', protectedRoute, async (request, reply) => {
    const actor = await staffOrSignIn(request, reply, CertificatesPermissions.keyRotate);
    if (!actor) return reply;
    await certificates.keys.rotate(actor, clientOf(request));
    return reply.redirect('/admin/certificate-types?rotated=1', 303);
  });

  interface EditorExtras {
    status?: number;
    banner?: string;
    draft?: string;
    summary?: string;
    problems?: { path: string; message: string }[];
  }

  async function renderEditor(
    request: FastifyRequest,
    reply: FastifyReply,
    code: string,
    extras: EditorExtras = {},
  ) {
    const { s } = words(request);
    const existing = (await certificates.types()).find((t) => t.code === code);
    const csrf = reply.generateCsrf();
    const title = s(existing ? 'edit.title.existing' : 'edit.title.new', { code });
    const problems = extras.problems ?? [];
    return sendPage(
      request,
      reply,
      {
        title,
        breadcrumbs: [{ label: s('admin.title'), href: '/admin/certificate-types' }, { label: code }],
        status: extras.status,
      },
      () => (
        <>
          <ErrorSummary
            title={s('edit.problem')}
            description={extras.summary ? <p>{extras.summary}</p> : undefined}
            errors={problems.map((problem) => ({
              fieldId: 'definition',
              message: problem.path ? `${problem.path}: ${problem.message}` : problem.message,
            }))}
          />
          {extras.banner ? <NotificationBanner title={extras.banner} variant="success" /> : null}
          <h1>{title}</h1>
          <p>{s('edit.lead')}</p>
          <form method="post" action={`/admin/certificate-types/${code}`} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <FormGroup
              id="definition"
              label={s('edit.json')}
              hint={s('edit.jsonHint')}
              error={problems.length > 0 ? s('edit.problem') : undefined}
            >
              {(describedBy) => (
                <textarea
                  id="definition"
                  name="definition"
                  rows={24}
                  class="code"
                  spellcheck={false}
                  aria-describedby={describedBy}
                  aria-invalid={problems.length > 0 ? 'true' : undefined}
                >
                  {extras.draft ?? JSON.stringify(existing ? editable(existing) : NEW_TYPE, null, 2)}
                </textarea>
              )}
            </FormGroup>
            <button type="submit" class="button">
              {s('edit.save')}
            </button>
          </form>
        </>
      ),
    );
  }

  function codeOf(request: FastifyRequest): string {
    const code = String((request.params as { code?: string }).code ?? '');
    if (!TYPE_CODE.test(code))
      throw new AppError(CertificatesErrors.typeNotFound, { code: code.slice(0, 41) });
    return code;
  }

  app.get<{ Params: { code: string }; Querystring: { saved?: string } }>(
    '/admin/certificate-types/:code',
    page,
    async (request, reply) => {
      if (!(await adminOrSignIn(request, reply))) return reply;
      const { s } = words(request);
      return renderEditor(
        request,
        reply,
        codeOf(request),
        request.query?.saved === '1' ? { banner: s('edit.saved') } : {},
      );
    },
  );

  app.post<{ Params: { code: string }; Body: Record<string, unknown> | undefined }>(
    '/admin/certificate-types/:code',
    protectedRoute,
    async (request, reply) => {
      const actor = await adminOrSignIn(request, reply);
      if (!actor) return reply;
      const { s } = words(request);
      const code = codeOf(request);
      const draft = text(request.body?.definition) ?? '';
      let parsed: unknown;
      try {
        parsed = JSON.parse(draft);
      } catch (error) {
        return renderEditor(request, reply, code, {
          status: 400,
          draft,
          problems: [{ path: 'JSON', message: (error as Error).message }],
        });
      }
      if (typeof parsed !== 'object' || parsed === null || Array.isArray(parsed))
        return renderEditor(request, reply, code, {
          status: 400,
          draft,
          problems: [{ path: 'JSON', message: s('edit.notObject') }],
        });
      try {
        await certificates.defineType(actor, { ...parsed, code }, clientOf(request), request.locale);
      } catch (error) {
        if (!(error instanceof AppError) || error.definition !== CertificatesErrors.typeInvalid) throw error;
        return renderEditor(request, reply, code, {
          status: error.definition.status,
          draft,
          summary: error.messageFor(request.locale),
          problems: error.fields,
        });
      }
      return reply.redirect(`/admin/certificate-types/${code}?saved=1`, 303);
    },
  );
}
