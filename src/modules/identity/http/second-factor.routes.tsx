import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type ErrorDefinition } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import {
  ErrorSummary,
  type FieldError,
  FormGroup,
  NotificationBanner,
  Panel,
  SummaryList,
} from '../../../kernel/views/components.tsx';
import { IdentityErrors, TooManyAttemptsError } from '../identity.errors.ts';
import { identityMessages } from '../identity.messages.ts';
import type { PasswordsService } from '../passwords.service.ts';
import type { RelyingParty, SecondFactorService } from '../second-factor.service.ts';
import type { SecondFactorOutcome, SessionsService } from '../sessions.service.ts';
import {
  authenticationResponseOf,
  NewPasswordForm,
  RecoveryCodeForm,
  SecurityKeyForm,
  TotpForm,
} from './security.schemas.ts';
import { clientOf, nextStepUrl, pendingSession } from './session-guards.ts';
import type { WebAuthnAssets } from './webauthn-assets.ts';

/** A labelled text or password input with its hint and error, linked for screen readers. */
export function TextInput(props: {
  id: string;
  label: string;
  hint?: string;
  error?: string;
  type?: 'text' | 'password';
  autocomplete?: string;
  inputmode?: 'numeric' | 'text';
  value?: string;
}) {
  return (
    <FormGroup id={props.id} label={props.label} hint={props.hint} error={props.error}>
      {(describedBy) => {
        const common = {
          id: props.id,
          name: props.id,
          autocomplete: props.autocomplete,
          spellcheck: false,
          'aria-describedby': describedBy,
          'aria-invalid': props.error ? ('true' as const) : undefined,
        };
        // A password is never sent back to the browser, not even after a refusal.
        return props.type === 'password' ? (
          <input {...common} type="password" />
        ) : (
          <input {...common} type="text" inputmode={props.inputmode} value={props.value ?? ''} />
        );
      }}
    </FormGroup>
  );
}

/** The <script> tags of the WebAuthn enhancement, in order; `defer` keeps that order and lets the page render first. */
export function WebAuthnScripts({ assets }: { assets: WebAuthnAssets }) {
  return (
    <>
      {assets.scripts.map((src) => (
        <script src={src} defer key={src} />
      ))}
    </>
  );
}

/**
 * The problems of a refused form for its error summary: the catalogue error's field problems, or its message
 * linked to the form's main field. A lock also sets Retry-After.
 */
export function problemsOf(
  error: AppError,
  request: FastifyRequest,
  reply: FastifyReply,
  fallbackField: string,
): FieldError[] {
  if (error instanceof TooManyAttemptsError) reply.header('retry-after', String(error.retryAfterSeconds));
  return error.fields.length > 0
    ? error.fields.map((f) => ({ fieldId: f.path, message: f.message }))
    : [{ fieldId: fallbackField, message: error.messageFor(request.locale) }];
}

/** The field's own message among a form's problems, to show beside it. */
export function errorFor(problems: readonly FieldError[], fieldId: string): string | undefined {
  return problems.find((p) => p.fieldId === fieldId)?.message;
}

/**
 * The only time recovery codes are shown: on the answer to the request that made them, never stored in clear,
 * never cached, with the advice to keep them safe.
 */
export function sendRecoveryCodesPage(
  request: FastifyRequest,
  reply: FastifyReply,
  input: { codes: readonly string[]; continueUrl: string; replaced: boolean },
): FastifyReply {
  const m = identityMessages.translator(request.locale);
  reply.header('cache-control', 'no-store');
  return sendPage(request, reply, { title: m('recoveryCodes.title') }, () => (
    <>
      <h1>{m('recoveryCodes.title')}</h1>
      <p class="lead">{m('recoveryCodes.lead', { count: input.codes.length })}</p>
      <NotificationBanner title={m('recoveryCodes.keepSafe.title')}>
        <p>{m('recoveryCodes.keepSafe.body')}</p>
      </NotificationBanner>
      <ol aria-label={m('recoveryCodes.listLabel')}>
        {input.codes.map((code) => (
          <li key={code}>
            <code>{code}</code>
          </li>
        ))}
      </ol>
      {input.replaced ? <p>{m('recoveryCodes.replaced')}</p> : null}
      <p>
        <a class="button" href={input.continueUrl}>
          {m('recoveryCodes.continue')}
        </a>
      </p>
    </>
  ));
}

/** The "cancel" of a sign-in step: signing out is the way back to the start (or to another account). */
function CancelSignIn({ csrf, label }: { csrf: string; label: string }) {
  return (
    <form method="post" action="/sign-out">
      <input type="hidden" name="_csrf" value={csrf} />
      <button type="submit" class="button button--secondary">
        {label}
      </button>
    </form>
  );
}

/**
 * The staff second factor at sign-in: the authenticator app's code (enrolling it the first time, which issues
 * the recovery codes), a recovery code instead, or a security key (shown only when JavaScript can use it); then,
 * when the staff password policy says so, a new password before anything else.
 */
export function registerSecondFactorPages(
  app: FastifyInstance,
  deps: {
    sessions: SessionsService;
    secondFactor: SecondFactorService;
    passwords: PasswordsService;
    relyingParty: RelyingParty;
    assets: WebAuthnAssets;
  },
): void {
  const { sessions, secondFactor, passwords } = deps;
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };
  // Every step of signing in spends the address's sign-in budget: guessing codes is guessing passwords.
  const signInStep = { ...protectedRoute, config: { throttle: 'signIn' as const } };

  async function secondFactorPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    problems: FieldError[] = [],
  ) {
    const session = pendingSession(request, 'password');
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const enrollment = await sessions.beginTotpEnrollment(session);
    const withKey = !enrollment && (await secondFactor.hasSecurityKeys(session.accountId));
    const recoveryError = errorFor(problems, 'recoveryCode');
    const csrf = reply.generateCsrf();
    return sendPage(request, reply, { title: m('secondFactor.title'), status }, () => (
      <>
        <ErrorSummary title={m('signIn.problem')} errors={problems} />
        <h1>{m('secondFactor.title')}</h1>
        <p class="lead">{m('secondFactor.lead')}</p>
        {enrollment ? (
          <>
            <p>{m('secondFactor.enrol')}</p>
            <SummaryList rows={[{ key: m('secondFactor.key'), value: <code>{enrollment.secret}</code> }]} />
            <p>{m('secondFactor.enrolRecovery')}</p>
          </>
        ) : null}
        <form method="post" action="/sign-in/second-factor" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <TextInput
            id="code"
            label={m('secondFactor.code')}
            error={errorFor(problems, 'code')}
            autocomplete="one-time-code"
            inputmode="numeric"
          />
          <button type="submit" class="button">
            {m('secondFactor.submit')}
          </button>
        </form>
        {withKey ? (
          <section
            id="security-key-sign-in"
            hidden
            data-webauthn-origin={deps.relyingParty.origin}
            aria-labelledby="security-key-heading"
          >
            <h2 id="security-key-heading">{m('secondFactor.securityKey.title')}</h2>
            <p>{m('secondFactor.securityKey.lead')}</p>
            <form
              method="post"
              action="/sign-in/second-factor/security-key"
              data-webauthn="authenticate"
              data-webauthn-options="/sign-in/second-factor/security-key/options"
            >
              <input type="hidden" name="_csrf" value={csrf} />
              <input type="hidden" name="response" value="" />
              <button type="submit" class="button" id="securityKey">
                {m('secondFactor.securityKey.submit')}
              </button>
            </form>
          </section>
        ) : null}
        {enrollment ? null : (
          <details open={recoveryError !== undefined}>
            <summary>{m('secondFactor.recovery.summary')}</summary>
            <form method="post" action="/sign-in/second-factor/recovery" novalidate>
              <input type="hidden" name="_csrf" value={csrf} />
              <TextInput
                id="recoveryCode"
                label={m('secondFactor.recovery.label')}
                hint={m('secondFactor.recovery.hint')}
                error={recoveryError}
                autocomplete="off"
              />
              <button type="submit" class="button">
                {m('secondFactor.recovery.submit')}
              </button>
            </form>
          </details>
        )}
        <CancelSignIn csrf={csrf} label={m('secondFactor.cancel')} />
        {withKey ? <WebAuthnScripts assets={deps.assets} /> : null}
      </>
    ));
  }

  /** Shows where a checked second factor leads: its refusal, the recovery codes, or the next step. */
  function afterSecondFactor(
    request: FastifyRequest,
    reply: FastifyReply,
    outcome: SecondFactorOutcome & { recoveryCodesLeft?: number },
    field: string,
    refusal: ErrorDefinition,
  ) {
    const m = identityMessages.translator(request.locale);
    if (outcome.kind === 'locked') {
      const error = new TooManyAttemptsError(outcome.retryAfterSeconds);
      return secondFactorPage(request, reply, 429, problemsOf(error, request, reply, field));
    }
    if (outcome.kind === 'refused') {
      return secondFactorPage(request, reply, 401, [
        { fieldId: field, message: new AppError(refusal).messageFor(request.locale) },
      ]);
    }
    const session = request.identitySession;
    if (outcome.stage === 'complete' && session) {
      request.viewer = { displayName: session.displayName[request.locale], accountUrl: '/account' };
    }
    const continueUrl = nextStepUrl(outcome.stage);
    if (outcome.recoveryCodes) {
      return sendRecoveryCodesPage(request, reply, {
        codes: outcome.recoveryCodes,
        continueUrl,
        replaced: false,
      });
    }
    if (outcome.recoveryCodesLeft !== undefined) {
      const left = outcome.recoveryCodesLeft;
      return sendPage(request, reply, { title: m('recoveryUsed.title') }, () => (
        <>
          <Panel title={m('recoveryUsed.title')}>
            <p>{m('recoveryUsed.left', { count: left })}</p>
          </Panel>
          <p>{m(left <= 3 ? 'recoveryUsed.low' : 'recoveryUsed.advice')}</p>
          <p>
            <a class="button" href={continueUrl}>
              {m('recoveryCodes.continue')}
            </a>
          </p>
        </>
      ));
    }
    return reply.redirect(continueUrl, 303);
  }

  app.get('/sign-in/second-factor', { schema: { hide: true } }, (request, reply) =>
    secondFactorPage(request, reply, 200),
  );

  app.post('/sign-in/second-factor', signInStep, async (request, reply) => {
    const session = pendingSession(request, 'password');
    if (!session) return reply.redirect('/sign-in', 303);
    const form = TotpForm.safeParse(request.body);
    const outcome = await sessions.completeSecondFactor(
      session,
      form.success ? form.data.code : '',
      clientOf(request),
    );
    return afterSecondFactor(request, reply, outcome, 'code', IdentityErrors.codeInvalid);
  });

  app.post('/sign-in/second-factor/recovery', signInStep, async (request, reply) => {
    const session = pendingSession(request, 'password');
    if (!session) return reply.redirect('/sign-in', 303);
    const form = RecoveryCodeForm.safeParse(request.body);
    const outcome = await secondFactor.signInWithRecoveryCode(
      session,
      form.success ? form.data.recoveryCode : '',
      clientOf(request),
    );
    return afterSecondFactor(request, reply, outcome, 'recoveryCode', IdentityErrors.recoveryCodeInvalid);
  });

  // Called by static/webauthn.js: the challenge for this session, as JSON.
  app.post('/sign-in/second-factor/security-key/options', protectedRoute, async (request, reply) => {
    const session = pendingSession(request, 'password');
    if (!session) throw new AppError(IdentityErrors.sessionExpired);
    const options = await secondFactor.authenticationOptions(session);
    return reply.header('cache-control', 'no-store').send(options);
  });

  app.post('/sign-in/second-factor/security-key', signInStep, async (request, reply) => {
    const session = pendingSession(request, 'password');
    if (!session) return reply.redirect('/sign-in', 303);
    const form = SecurityKeyForm.safeParse(request.body);
    const response = form.success ? authenticationResponseOf(form.data.response) : undefined;
    const outcome = await secondFactor.signInWithSecurityKey(session, response, clientOf(request));
    return afterSecondFactor(request, reply, outcome, 'securityKey', IdentityErrors.securityKeyRefused);
  });

  function newPasswordPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    problems: FieldError[] = [],
  ) {
    if (!pendingSession(request, 'new-password')) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(request, reply, { title: m('newPassword.title'), status }, () => (
      <>
        <ErrorSummary title={m('security.problem')} errors={problems} />
        <h1>{m('newPassword.title')}</h1>
        <p class="lead">{m('newPassword.lead')}</p>
        <form method="post" action="/sign-in/new-password" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <TextInput
            id="newPassword"
            type="password"
            label={m('security.password.new')}
            hint={m('register.passwordHint')}
            error={errorFor(problems, 'newPassword')}
            autocomplete="new-password"
          />
          <button type="submit" class="button">
            {m('newPassword.submit')}
          </button>
        </form>
        <CancelSignIn csrf={csrf} label={m('secondFactor.cancel')} />
      </>
    ));
  }

  app.get('/sign-in/new-password', { schema: { hide: true } }, (request, reply) =>
    newPasswordPage(request, reply, 200),
  );

  app.post('/sign-in/new-password', protectedRoute, async (request, reply) => {
    const session = pendingSession(request, 'new-password');
    if (!session) return reply.redirect('/sign-in', 303);
    const form = NewPasswordForm.safeParse(request.body);
    try {
      await passwords.renewExpired(
        session,
        form.success ? form.data.newPassword : '',
        request.locale,
        clientOf(request),
      );
    } catch (error) {
      if (!(error instanceof AppError)) throw error;
      return newPasswordPage(
        request,
        reply,
        error.definition.status,
        problemsOf(error, request, reply, 'newPassword'),
      );
    }
    const m = identityMessages.translator(request.locale);
    request.viewer = { displayName: session.displayName[request.locale], accountUrl: '/account' };
    return sendPage(request, reply, { title: m('newPassword.done.title') }, () => (
      <>
        <Panel title={m('newPassword.done.title')}>
          <p>{m('newPassword.done.body')}</p>
        </Panel>
        <p>
          <a class="button" href="/account">
            {m('recoveryCodes.continue')}
          </a>
        </p>
      </>
    ));
  });
}
