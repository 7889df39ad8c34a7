import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { ComponentChildren } from 'preact';
import type { PersonActor } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { personOrSignIn } from '../../../kernel/http/guards.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import type { Locale } from '../../../kernel/i18n/index.ts';
import {
  ErrorSummary,
  type FieldError,
  FormGroup,
  LocalTime,
  NotificationBanner,
  Panel,
  SummaryList,
  TagStatus,
  type TagTone,
  TextField,
} from '../../../kernel/views/components.tsx';
import { CertificatesErrors } from '../certificates.errors.ts';
import type { Certificate, PublicCertificate, Verification } from '../certificates.service.ts';
import { certificatesPageMessages } from '../certificates-pages.messages.ts';
import type { CertificatesModule } from '../index.ts';

/**
 * The certificate pages, plain HTML without JavaScript in both languages: public verification by number or by the
 * QR code's credential (`/certificates/verify`), the view a holder's sharing link opens (`/certificates/shared/:token`),
 * and the holder's wallet (`/wallet`) with the PDF download and a form to make a sharing link.
 */
export interface CertificatePagesDeps {
  /** The platform's public address, for the links a holder shares. */
  baseUrl: string;
  certificates: CertificatesModule;
  /** The printable PDF of a certificate, in the reader's language. */
  renderPdf: (certificate: Certificate, locale: Locale) => Promise<Buffer>;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;
type VerificationStatus = Verification['status'];

/** As long as the API accepts: a typed number, and the compact credential a QR code carries. */
const NUMBER_MAX = 40;
const CREDENTIAL_MAX = 20_000;
const SHARE_DAYS_MAX = 30;
const SHARE_DAYS_DEFAULT = 7;

const STATUS_TONES: Record<VerificationStatus, TagTone> = {
  valid: 'success',
  revoked: 'danger',
  expired: 'warning',
  unknown: 'warning',
  tampered: 'danger',
};

const words = (locale: Locale) => certificatesPageMessages.translator(locale) as Translate;

// One date format per language and zone, kept (building one costs about 100 µs).
const dateFormats = new Map<string, Intl.DateTimeFormat>();
function dateFormat(locale: Locale, timeZone: string): Intl.DateTimeFormat {
  const key = `${locale}|${timeZone}`;
  let format = dateFormats.get(key);
  if (!format) {
    format = new Intl.DateTimeFormat(locale, { timeZone, dateStyle: 'long' });
    dateFormats.set(key, format);
  }
  return format;
}

/** A calendar date (`YYYY-MM-DD`, as a certificate prints it) in the reader's language. */
const civilDateText = (date: string, locale: Locale) =>
  /^\d{4}-\d{2}-\d{2}$/.test(date) ? dateFormat(locale, 'UTC').format(new Date(`${date}T00:00:00Z`)) : date;

function CivilDate({ value, locale }: { value: string; locale: Locale }) {
  return <time datetime={value}>{civilDateText(value, locale)}</time>;
}

function StatusTag({ status, t }: { status: VerificationStatus; t: Translate }) {
  return <TagStatus text={t(`status.${status}`)} tone={STATUS_TONES[status]} />;
}

/** What the certificate shows, and nothing more: the holder's ID is already masked by the service. */
function CertificateDetails(props: { certificate: PublicCertificate; locale: Locale; t: Translate }) {
  const { certificate: c, locale, t } = props;
  return (
    <SummaryList
      rows={[
        { key: t('certificate.type'), value: c.type.name[locale] },
        { key: t('certificate.number'), value: c.number },
        { key: t('certificate.holder'), value: c.holderName },
        { key: t('certificate.holderId'), value: c.holderId },
        ...c.fields.map((field) => ({
          key: field.label[locale],
          value: field.value.trim() === '' ? t('certificate.empty') : field.value,
        })),
        { key: t('certificate.issuedOn'), value: <CivilDate value={c.issuedOn} locale={locale} /> },
        {
          key: t('certificate.validUntil'),
          value: c.validUntil ? (
            <CivilDate value={c.validUntil} locale={locale} />
          ) : (
            t('certificate.longTerm')
          ),
        },
        { key: t('certificate.issuer'), value: c.issuer.name[locale] },
        { key: t('certificate.status'), value: <StatusTag status={c.status} t={t} /> },
      ]}
    />
  );
}

/** The verdict in plain words (what it means, what to do), then what the certificate shows. */
function VerificationResult(props: { verification: Verification; locale: Locale; timeZone: string }) {
  const { verification, locale, timeZone } = props;
  const t = words(locale);
  const c = verification.certificate;
  const issuer = c?.issuer.name[locale] ?? '';
  const checkedAt = (
    <p class="secondary-text">
      {t('verify.checkedAt')}
      {locale === 'en' ? ': ' : '：'}
      <LocalTime value={new Date()} locale={locale} timeZone={timeZone} />
    </p>
  );
  let banner: ComponentChildren;
  switch (verification.status) {
    case 'valid':
      banner = (
        <NotificationBanner title={t('result.valid.title')} variant="success">
          <p>
            <StatusTag status="valid" t={t} />
          </p>
          <p>{t('result.valid.body', { issuer })}</p>
          {checkedAt}
        </NotificationBanner>
      );
      break;
    case 'revoked': {
      const date = c?.revokedAt ? dateFormat(locale, timeZone).format(c.revokedAt) : '—';
      banner = (
        <NotificationBanner title={t('result.revoked.title')}>
          <p>
            <StatusTag status="revoked" t={t} />
          </p>
          <p>{t('result.revoked.body', { issuer, date })}</p>
          {c?.replacedBy ? (
            <>
              <p>{t('result.revoked.replaced', { number: c.replacedBy })}</p>
              <p>
                <a href={`/certificates/verify?number=${encodeURIComponent(c.replacedBy)}`}>
                  {t('result.revoked.checkNew', { number: c.replacedBy })}
                </a>
              </p>
            </>
          ) : c?.revocationReason ? (
            <p>{t('result.revoked.reason', { reason: c.revocationReason })}</p>
          ) : null}
          {checkedAt}
        </NotificationBanner>
      );
      break;
    }
    case 'expired':
      banner = (
        <NotificationBanner title={t('result.expired.title')}>
          <p>
            <StatusTag status="expired" t={t} />
          </p>
          <p>
            {t('result.expired.body', {
              issuer,
              date: c?.validUntil ? civilDateText(c.validUntil, locale) : '—',
            })}
          </p>
          {checkedAt}
        </NotificationBanner>
      );
      break;
    case 'tampered':
      banner = (
        <NotificationBanner title={t('result.tampered.title')}>
          <p>
            <StatusTag status="tampered" t={t} />
          </p>
          <p>{t('result.tampered.body')}</p>
          <p>{t('result.tampered.advice')}</p>
          {checkedAt}
        </NotificationBanner>
      );
      break;
    default: {
      const known = ['not-issued', 'unknown-key', 'malformed', 'superseded-credential'];
      banner = (
        <NotificationBanner title={t('result.unknown.title')}>
          <p>
            <StatusTag status="unknown" t={t} />
          </p>
          <p>
            {known.includes(verification.reason)
              ? t(`result.unknown.${verification.reason}`)
              : t('result.unknown.other')}
          </p>
          <p>{t('result.unknown.advice')}</p>
          {checkedAt}
        </NotificationBanner>
      );
    }
  }
  // A tampered or unknown credential shows nothing: what it claims is exactly what cannot be trusted.
  const shown = verification.status === 'unknown' || verification.status === 'tampered' ? undefined : c;
  return (
    <>
      {banner}
      {shown ? (
        <section aria-labelledby="certificate-title">
          <h2 id="certificate-title">{t('certificate.title')}</h2>
          <p>{t('certificate.lead')}</p>
          <CertificateDetails certificate={shown} locale={locale} t={t} />
        </section>
      ) : null}
    </>
  );
}

/** The form that asks for a certificate number (GET, so a result can be bookmarked or shared). */
function NumberForm(props: { t: Translate; value?: string; error?: string; heading?: string }) {
  const { t } = props;
  return (
    <form method="get" action="/certificates/verify" novalidate>
      {props.heading ? <h2>{props.heading}</h2> : null}
      <TextField
        id="number"
        label={t('verify.number')}
        hint={t('verify.numberHint')}
        value={props.value}
        error={props.error}
        autocapitalize="characters"
        spellcheck={false}
        maxLength={NUMBER_MAX}
      />
      <button type="submit" class="button">
        {t('verify.submit')}
      </button>
    </form>
  );
}

const text = (value: unknown) => (typeof value === 'string' ? value : undefined);

export function registerCertificatePages(app: FastifyInstance, deps: CertificatePagesDeps): void {
  const { certificates } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  // ---------- Public verification ----------

  interface VerifyExtras {
    status?: number;
    verification?: Verification;
    typed?: string;
    error?: string;
  }

  function renderVerify(request: FastifyRequest, reply: FastifyReply, extras: VerifyExtras = {}) {
    const locale = request.locale;
    const t = words(locale);
    const errors: FieldError[] = extras.error ? [{ fieldId: 'number', message: extras.error }] : [];
    return sendPage(
      request,
      reply,
      { title: t('verify.title'), breadcrumbs: [{ label: t('verify.title') }], status: extras.status },
      () => (
        <>
          <ErrorSummary title={t('verify.problem')} errors={errors} />
          <h1>{t('verify.title')}</h1>
          {extras.verification ? (
            <>
              <VerificationResult
                verification={extras.verification}
                locale={locale}
                timeZone={deps.timeZone}
              />
              <NumberForm t={t} value={extras.typed} heading={t('verify.again')} />
            </>
          ) : (
            <>
              <p>{t('verify.lead')}</p>
              <NumberForm t={t} value={extras.typed} error={extras.error} />
            </>
          )}
        </>
      ),
    );
  }

  app.get<{ Querystring: { number?: unknown; c?: unknown } }>(
    '/certificates/verify',
    // Anyone may check a number; a script trying numbers one after another spends the address's look-up budget.
    { ...page, config: { throttle: 'lookups' } },
    async (request, reply) => {
      const t = words(request.locale);
      const query = request.query ?? {};
      // The QR code's link carries the credential as `c`; the form sends what someone typed as `number`.
      if (query.c !== undefined) {
        const credential = text(query.c)?.trim() ?? '';
        if (credential === '' || credential.length > CREDENTIAL_MAX)
          return renderVerify(request, reply, { status: 400, error: t('verify.codeInvalid') });
        const verification = await certificates.verify({ jws: credential });
        return renderVerify(request, reply, { verification });
      }
      if (query.number === undefined) return renderVerify(request, reply);
      const typed = text(query.number)?.trim() ?? '';
      if (typed === '')
        return renderVerify(request, reply, { status: 400, error: t('verify.numberMissing') });
      if (typed.length > NUMBER_MAX)
        return renderVerify(request, reply, {
          status: 400,
          typed,
          error: t('verify.numberTooLong', { max: NUMBER_MAX }),
        });
      const verification = await certificates.verify({ number: typed });
      return renderVerify(request, reply, { verification, typed });
    },
  );

  // ---------- A holder's sharing link ----------

  app.get<{ Params: { token: string } }>('/certificates/shared/:token', page, async (request, reply) => {
    const locale = request.locale;
    const t = words(locale);
    // The token is the whole secret: keep the page out of caches and search engines.
    reply.header('cache-control', 'private, no-store').header('x-robots-tag', 'noindex, nofollow');
    let verification: Verification;
    try {
      verification = await certificates.shared(request.params.token);
    } catch (error) {
      if (!(error instanceof AppError) || error.definition !== CertificatesErrors.shareExpired) throw error;
      return sendPage(
        request,
        reply,
        {
          title: t('shared.gone.title'),
          breadcrumbs: [
            { label: t('verify.title'), href: '/certificates/verify' },
            { label: t('shared.gone.title') },
          ],
          status: error.definition.status,
        },
        () => (
          <>
            <h1>{t('shared.gone.title')}</h1>
            <p>{t('shared.gone.body')}</p>
            <p>{t('shared.gone.next')}</p>
            <NumberForm t={t} />
          </>
        ),
      );
    }
    return sendPage(
      request,
      reply,
      {
        title: t('shared.title'),
        breadcrumbs: [
          { label: t('verify.title'), href: '/certificates/verify' },
          { label: t('shared.title') },
        ],
      },
      () => (
        <>
          <h1>{t('shared.title')}</h1>
          <p>{t('shared.lead')}</p>
          <VerificationResult verification={verification} locale={locale} timeZone={deps.timeZone} />
        </>
      ),
    );
  });

  // ---------- The holder's wallet ----------

  const shareFieldId = (number: string) => `days-${number}`;

  interface WalletExtras {
    status?: number;
    /** A share form sent with a problem: its certificate and the problem. */
    failed?: { number: string; message: string };
  }

  async function renderWallet(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: PersonActor,
    extras: WalletExtras = {},
  ) {
    const locale = request.locale;
    const t = words(locale);
    const held = await certificates.wallet(actor);
    const failed = extras.failed;
    if (failed && !held.some((c) => c.number === failed.number))
      throw new AppError(CertificatesErrors.certificateNotFound);
    const csrf = reply.generateCsrf();
    reply.header('cache-control', 'private, no-store');
    const dayOptions = Array.from({ length: SHARE_DAYS_MAX }, (_, i) => i + 1);
    return sendPage(
      request,
      reply,
      { title: t('wallet.title'), breadcrumbs: [{ label: t('wallet.title') }], status: extras.status },
      () => (
        <>
          {failed ? (
            <ErrorSummary
              title={t('wallet.share.problem')}
              errors={[{ fieldId: shareFieldId(failed.number), message: failed.message }]}
            />
          ) : null}
          <h1>{t('wallet.title')}</h1>
          {held.length === 0 ? (
            <NotificationBanner title={t('wallet.empty.title')}>
              <p>{t('wallet.empty.body')}</p>
              <p>
                <a href="/cases">{t('wallet.empty.cases')}</a>
              </p>
            </NotificationBanner>
          ) : (
            <>
              <p>{t('wallet.lead')}</p>
              {held.map((c) => {
                const headingId = `certificate-${c.number}`;
                const fieldId = shareFieldId(c.number);
                const error = failed?.number === c.number ? failed.message : undefined;
                return (
                  <section key={c.number} aria-labelledby={headingId} class="certificate">
                    <h2 id={headingId}>{c.type.name[locale]}</h2>
                    <SummaryList
                      rows={[
                        { key: t('certificate.number'), value: c.number },
                        { key: t('certificate.holder'), value: c.holderName },
                        { key: t('certificate.status'), value: <StatusTag status={c.status} t={t} /> },
                        {
                          key: t('certificate.issuedOn'),
                          value: <CivilDate value={c.issuedOn} locale={locale} />,
                        },
                        {
                          key: t('certificate.validUntil'),
                          value: c.validUntil ? (
                            <CivilDate value={c.validUntil} locale={locale} />
                          ) : (
                            t('certificate.longTerm')
                          ),
                        },
                        { key: t('certificate.issuer'), value: c.issuer.name[locale] },
                      ]}
                    />
                    <ul>
                      <li>
                        <a href={`/wallet/certificates/${encodeURIComponent(c.number)}.pdf`} download>
                          {t('wallet.download')}
                          <span class="visually-hidden"> {c.number}</span>
                        </a>
                      </li>
                      <li>
                        <a href={`/certificates/verify?number=${encodeURIComponent(c.number)}`}>
                          {t('wallet.verifyLink')}
                          <span class="visually-hidden"> {c.number}</span>
                        </a>
                      </li>
                    </ul>
                    <form
                      method="post"
                      action={`/wallet/certificates/${encodeURIComponent(c.number)}/share`}
                      novalidate
                    >
                      <input type="hidden" name="_csrf" value={csrf} />
                      <h3>{t('wallet.share.title')}</h3>
                      <p>{t('wallet.share.lead')}</p>
                      <FormGroup id={fieldId} label={t('wallet.share.days')} error={error}>
                        {(describedBy) => (
                          <select
                            id={fieldId}
                            name="days"
                            aria-describedby={describedBy}
                            aria-invalid={error ? 'true' : undefined}
                          >
                            {dayOptions.map((n) => (
                              <option value={String(n)} selected={n === SHARE_DAYS_DEFAULT} key={n}>
                                {n === 1 ? t('wallet.share.oneDay') : t('wallet.share.dayOption', { n })}
                              </option>
                            ))}
                          </select>
                        )}
                      </FormGroup>
                      <button type="submit" class="button button--secondary">
                        {t('wallet.share.submit')}
                        <span class="visually-hidden"> {c.number}</span>
                      </button>
                    </form>
                  </section>
                );
              })}
            </>
          )}
        </>
      ),
    );
  }

  app.get('/wallet', page, async (request, reply) => {
    const person = await personOrSignIn(request, reply);
    if (!person) return reply;
    return renderWallet(request, reply, person);
  });

  app.post<{ Params: { number: string }; Body: Record<string, unknown> | undefined }>(
    '/wallet/certificates/:number/share',
    protectedRoute,
    async (request, reply) => {
      const person = await personOrSignIn(request, reply);
      if (!person) return reply;
      const locale = request.locale;
      const t = words(locale);
      const number = request.params.number;
      const raw = text(request.body?.days) ?? '';
      const days = /^\d{1,2}$/.test(raw) ? Number(raw) : Number.NaN;
      if (!(days >= 1 && days <= SHARE_DAYS_MAX))
        return renderWallet(request, reply, person, {
          status: 400,
          failed: { number, message: t('wallet.share.daysInvalid', { max: SHARE_DAYS_MAX }) },
        });
      const link = await certificates.share(person, number, days, clientOf(request));
      // The platform's public address, never the request's Host header: the link is for others to open.
      const url = new URL(`/certificates/shared/${encodeURIComponent(link.token)}`, deps.baseUrl).toString();
      // Shown once: never kept by a cache, never offered again by the back button from a cache.
      reply.header('cache-control', 'private, no-store');
      return sendPage(
        request,
        reply,
        {
          title: t('share.done.title'),
          breadcrumbs: [{ label: t('wallet.title'), href: '/wallet' }, { label: t('share.done.title') }],
          status: 201,
        },
        () => (
          <>
            <Panel title={t('share.done.title')}>
              <p>
                {t('share.done.certificate')}
                {locale === 'en' ? ': ' : '：'}
                {number}
              </p>
            </Panel>
            <FormGroup id="share-url" label={t('share.done.url')} hint={t('share.done.urlHint')}>
              {(describedBy) => (
                <input
                  id="share-url"
                  type="url"
                  value={url}
                  readonly
                  spellcheck={false}
                  aria-describedby={describedBy}
                />
              )}
            </FormGroup>
            <SummaryList
              rows={[
                {
                  key: t('share.done.expires'),
                  value: <LocalTime value={link.expiresAt} locale={locale} timeZone={deps.timeZone} />,
                },
              ]}
            />
            <p>{t('share.done.once')}</p>
            <p>
              <a href={url}>{t('share.done.open')}</a>
            </p>
            <p>
              <a href="/wallet">{t('share.done.back')}</a>
            </p>
          </>
        ),
      );
    },
  );

  app.get<{ Params: { number: string } }>(
    '/wallet/certificates/:number.pdf',
    page,
    async (request, reply) => {
      const actor = await request.actor();
      if (actor.kind === 'anonymous') return reply.redirect('/sign-in', 303);
      // The holder, or staff of the issuing department (the service decides, and records a staff member's reading).
      const certificate = await certificates.get(actor, request.params.number, clientOf(request));
      const pdf = await deps.renderPdf(certificate, request.locale);
      return reply
        .header('content-type', 'application/pdf')
        .header('content-disposition', `attachment; filename="${certificate.number}.pdf"`)
        .header('cache-control', 'private, no-store')
        .send(pdf);
    },
  );
}
