import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import {
  DataTable,
  ErrorSummary,
  type FieldError,
  NotificationBanner,
  SummaryList,
} from '../../../kernel/views/components.tsx';
import { IdentityErrors } from '../identity.errors.ts';
import { identityMessages } from '../identity.messages.ts';
import type { PasswordsService } from '../passwords.service.ts';
import type { RelyingParty, SecondFactorService } from '../second-factor.service.ts';
import {
  errorFor,
  problemsOf,
  sendRecoveryCodesPage,
  TextInput,
  WebAuthnScripts,
} from './second-factor.routes.tsx';
import {
  AddSecurityKeyForm,
  ChangePasswordForm,
  RegenerateCodesForm,
  registrationResponseOf,
  SecurityKeyParams,
} from './security.schemas.ts';
import { clientOf, signedIn } from './session-guards.ts';
import type { WebAuthnAssets } from './webauthn-assets.ts';

/** The confirmations the security page shows after a change (`?done=`). */
const DONE = ['password', 'key-added', 'key-removed'] as const;
type Done = (typeof DONE)[number];

/** What the page shows again after a refused form: its problems, and what may be kept of what was typed. */
interface Refusal {
  status: number;
  problems: FieldError[];
  keyName?: string;
}

/**
 * "My account › Security": change the password (everyone); for staff also the recovery codes (how many are left,
 * a fresh set after a current TOTP code) and security keys (list, remove, and — with JavaScript — add one).
 */
export function registerSecurityPages(
  app: FastifyInstance,
  deps: {
    secondFactor: SecondFactorService;
    passwords: PasswordsService;
    relyingParty: RelyingParty;
    assets: WebAuthnAssets;
    /** The platform's time zone (configuration), in which dates are shown. */
    timeZone: string;
  },
): void {
  const { secondFactor, passwords } = deps;
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  async function securityPage(request: FastifyRequest, reply: FastifyReply, refusal?: Refusal) {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const doneParam = (request.query as Record<string, unknown>).done;
    const done = DONE.find((d) => d === doneParam) as Done | undefined;
    const password = await passwords.status(session);
    const staff = session.kind === 'staff' ? await secondFactor.overview(session) : undefined;
    const problems = refusal?.problems ?? [];
    const csrf = reply.generateCsrf();
    const date = new Intl.DateTimeFormat(request.locale, { dateStyle: 'medium', timeZone: deps.timeZone });
    const dateTime = new Intl.DateTimeFormat(request.locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: deps.timeZone,
    });
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      {
        title: m('security.title'),
        status: refusal?.status ?? 200,
        breadcrumbs: [{ label: m('account.title'), href: '/account' }, { label: m('security.title') }],
      },
      () => (
        <>
          <ErrorSummary title={m('security.problem')} errors={problems} />
          {done ? (
            <NotificationBanner variant="success" title={m(`security.done.${done}`)}>
              {done === 'password' ? <p>{m('security.done.password.body')}</p> : null}
            </NotificationBanner>
          ) : null}
          <h1>{m('security.title')}</h1>

          <h2>{m('security.password.title')}</h2>
          <SummaryList
            rows={[
              { key: m('security.password.changedAt'), value: date.format(password.changedAt) },
              ...(password.expiresAt
                ? [{ key: m('security.password.expiresAt'), value: date.format(password.expiresAt) }]
                : []),
            ]}
          />
          <form method="post" action="/account/security/password" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextInput
              id="currentPassword"
              type="password"
              label={m('security.password.current')}
              error={errorFor(problems, 'currentPassword')}
              autocomplete="current-password"
            />
            <TextInput
              id="newPassword"
              type="password"
              label={m('security.password.new')}
              hint={`${m('register.passwordHint')} ${m('security.password.othersEnd')}`}
              error={errorFor(problems, 'newPassword')}
              autocomplete="new-password"
            />
            <button type="submit" class="button">
              {m('security.password.submit')}
            </button>
          </form>

          {staff ? (
            <>
              <h2>{m('security.codes.title')}</h2>
              <p>
                {staff.recoveryCodesLeft > 0
                  ? m('security.codes.left', { count: staff.recoveryCodesLeft })
                  : m('security.codes.none')}
              </p>
              <form method="post" action="/account/security/recovery-codes" novalidate>
                <input type="hidden" name="_csrf" value={csrf} />
                <TextInput
                  id="totpCode"
                  label={m('security.codes.totp')}
                  hint={m('security.codes.hint')}
                  error={errorFor(problems, 'totpCode')}
                  autocomplete="one-time-code"
                  inputmode="numeric"
                />
                <button type="submit" class="button">
                  {m('security.codes.submit')}
                </button>
              </form>

              <h2>{m('security.keys.title')}</h2>
              <p>{m('security.keys.lead')}</p>
              <DataTable
                caption={m('security.keys.caption')}
                columns={[
                  { header: m('security.keys.name'), cell: (k) => k.name },
                  { header: m('security.keys.added'), cell: (k) => dateTime.format(k.createdAt) },
                  {
                    header: m('security.keys.lastUsed'),
                    cell: (k) => (k.lastUsedAt ? dateTime.format(k.lastUsedAt) : m('security.keys.never')),
                  },
                  {
                    header: m('security.keys.remove'),
                    cell: (k) => (
                      <form method="post" action={`/account/security/keys/${k.id}/remove`}>
                        <input type="hidden" name="_csrf" value={csrf} />
                        <button type="submit" class="button button--secondary">
                          {m('security.keys.remove')}
                          <span class="visually-hidden"> {k.name}</span>
                        </button>
                      </form>
                    ),
                  },
                ]}
                rows={staff.securityKeys}
                rowKey={(k) => k.id}
                empty={m('security.keys.empty')}
              />
              <p data-webauthn-unavailable="add-security-key">{m('security.keys.unavailable')}</p>
              <section
                id="add-security-key"
                hidden
                data-webauthn-origin={deps.relyingParty.origin}
                aria-labelledby="add-security-key-heading"
              >
                <h3 id="add-security-key-heading">{m('security.keys.add.title')}</h3>
                <form
                  method="post"
                  action="/account/security/keys"
                  data-webauthn="register"
                  data-webauthn-options="/account/security/keys/options"
                  novalidate
                >
                  <input type="hidden" name="_csrf" value={csrf} />
                  <input type="hidden" name="response" value="" />
                  <TextInput
                    id="keyName"
                    label={m('security.keys.add.name')}
                    hint={m('security.keys.add.nameHint')}
                    error={errorFor(problems, 'keyName')}
                    value={refusal?.keyName}
                    autocomplete="off"
                  />
                  <TextInput
                    id="keyPassword"
                    type="password"
                    label={m('security.password.current')}
                    hint={m('security.keys.add.passwordHint')}
                    error={errorFor(problems, 'keyPassword')}
                    autocomplete="current-password"
                  />
                  <button type="submit" class="button" id="addKey">
                    {m('security.keys.add.submit')}
                  </button>
                </form>
              </section>
              <WebAuthnScripts assets={deps.assets} />
            </>
          ) : null}
          <p>
            <a href="/account">{m('security.back')}</a>
          </p>
        </>
      ),
    );
  }

  /** Runs a change; a refusal (a catalogue error) shows the page again with its problems, anything else fails. */
  async function refusedOr(
    request: FastifyRequest,
    reply: FastifyReply,
    fallbackField: string,
    change: () => Promise<FastifyReply>,
    keep: Omit<Refusal, 'status' | 'problems'> = {},
  ) {
    try {
      return await change();
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return securityPage(request, reply, {
        ...keep,
        status: error.definition.status,
        problems: problemsOf(error, request, reply, fallbackField),
      });
    }
  }

  app.get('/account/security', { schema: { hide: true } }, (request, reply) => securityPage(request, reply));

  app.post('/account/security/password', protectedRoute, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const form = ChangePasswordForm.safeParse(request.body);
    const input = form.success ? form.data : { currentPassword: '', newPassword: '' };
    return refusedOr(request, reply, 'currentPassword', async () => {
      await passwords.change(session, input, request.locale, clientOf(request));
      return reply.redirect('/account/security?done=password', 303);
    });
  });

  app.post('/account/security/recovery-codes', protectedRoute, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const form = RegenerateCodesForm.safeParse(request.body);
    return refusedOr(request, reply, 'totpCode', async () => {
      const codes = await secondFactor.regenerateRecoveryCodes(
        session,
        form.success ? form.data.totpCode : '',
        request.locale,
        clientOf(request),
      );
      return sendRecoveryCodesPage(request, reply, {
        codes,
        continueUrl: '/account/security',
        replaced: true,
      });
    });
  });

  // Called by static/webauthn.js: the registration challenge for this session, as JSON.
  app.post('/account/security/keys/options', protectedRoute, async (request, reply) => {
    const session = signedIn(request);
    if (!session) throw new AppError(IdentityErrors.sessionExpired);
    const options = await secondFactor.registrationOptions(session);
    return reply.header('cache-control', 'no-store').send(options);
  });

  app.post('/account/security/keys', protectedRoute, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const form = AddSecurityKeyForm.safeParse(request.body);
    const input = form.success ? form.data : { keyName: '', keyPassword: '', response: '' };
    return refusedOr(
      request,
      reply,
      'keyName',
      async () => {
        await secondFactor.registerSecurityKey(
          session,
          {
            name: input.keyName,
            password: input.keyPassword,
            response: registrationResponseOf(input.response),
          },
          request.locale,
          clientOf(request),
        );
        return reply.redirect('/account/security?done=key-added', 303);
      },
      { keyName: input.keyName.slice(0, 50) },
    );
  });

  app.post('/account/security/keys/:id/remove', protectedRoute, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const params = SecurityKeyParams.safeParse(request.params);
    if (!params.success) throw new AppError(IdentityErrors.securityKeyNotFound);
    await secondFactor.removeSecurityKey(session, params.data.id, clientOf(request));
    return reply.redirect('/account/security?done=key-removed', 303);
  });
}
