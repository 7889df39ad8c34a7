import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { ErrorSummary, Panel, TextField } from '../../../kernel/views/components.tsx';
import { IdentityErrors } from '../identity.errors.ts';
import { identityMessages } from '../identity.messages.ts';
import type { RegistrationService, VerificationChannel } from '../registration.service.ts';
import { RegisterForm, VerifyForm } from './identity.schemas.ts';

type Values = Partial<
  Record<'displayName' | 'username' | 'idType' | 'idNumber' | 'email' | 'phone' | 'channel', string>
>;

/**
 * Where the code should go: e-mail or text message, as radio buttons in a fieldset (works without JavaScript; the
 * first button carries the group's id, for links from the error summary).
 */
function ChannelChoice(props: {
  legend: string;
  hint: string;
  options: [VerificationChannel, string][];
  value: string;
}) {
  return (
    <fieldset aria-describedby="channel-hint">
      <legend>{props.legend}</legend>
      <p class="hint" id="channel-hint">
        {props.hint}
      </p>
      {props.options.map(([channel, label], i) => {
        const id = i === 0 ? 'channel' : `channel-${channel}`;
        return (
          <label for={id} key={channel}>
            <input type="radio" id={id} name="channel" value={channel} checked={props.value === channel} />
            {label}
          </label>
        );
      })}
    </fieldset>
  );
}

/**
 * Registration by a code sent by e-mail or text message: one form (every problem reported at once), then the code,
 * then the account.
 */
export function registerRegistrationPages(app: FastifyInstance, registration: RegistrationService): void {
  const client = (request: FastifyRequest) => ({ clientAddress: request.ip, requestId: String(request.id) });

  function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: Values = {},
    problems: FieldProblem[] = [],
    summary?: string,
    /** The field a summary without field problems links to. */
    summaryField = 'username',
  ) {
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    const errorOf = (field: string) => problems.find((p) => p.path === field)?.message;
    const channel = values.channel === 'phone' ? 'phone' : 'email';
    return sendPage(
      request,
      reply,
      { title: m('register.title'), status, breadcrumbs: [{ label: m('register.title') }] },
      () => (
        <>
          {problems.length > 0 || summary ? (
            <ErrorSummary
              title={m('register.problem')}
              errors={
                problems.length > 0
                  ? problems.map((p) => ({ fieldId: p.path, message: p.message }))
                  : [{ fieldId: summaryField, message: summary ?? '' }]
              }
            />
          ) : null}
          <h1>{m('register.title')}</h1>
          <p class="lead">{m('register.lead')}</p>
          <form method="post" action="/register" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="displayName"
              label={m('register.displayName')}
              value={values.displayName}
              error={errorOf('displayName')}
              autocomplete="name"
            />
            <TextField
              id="username"
              label={m('register.username')}
              hint={m('register.usernameHint')}
              value={values.username}
              error={errorOf('username')}
              autocomplete="username"
            />
            <div class="form-group">
              <label for="idType">{m('register.idType')}</label>
              <select id="idType" name="idType">
                {(['resident_id', 'passport', 'other'] as const).map((t) => (
                  <option value={t} selected={values.idType === t}>
                    {m(`register.idType.${t}`)}
                  </option>
                ))}
              </select>
            </div>
            <TextField
              id="idNumber"
              label={m('register.idNumber')}
              value={values.idNumber}
              error={errorOf('idNumber')}
            />
            <ChannelChoice
              legend={m('register.channel')}
              hint={m('register.channelHint')}
              options={[
                ['email', m('register.channel.email')],
                ['phone', m('register.channel.phone')],
              ]}
              value={channel}
            />
            <TextField
              id="email"
              label={m('register.email')}
              type="email"
              hint={m('register.emailHint')}
              value={values.email}
              error={errorOf('email')}
              autocomplete="email"
            />
            <TextField
              id="phone"
              label={m('register.phone')}
              type="tel"
              hint={m('register.phoneHint')}
              value={values.phone}
              error={errorOf('phone')}
              autocomplete="tel"
            />
            <TextField
              id="password"
              label={m('register.password')}
              type="password"
              hint={m('register.passwordHint')}
              error={errorOf('password')}
              autocomplete="new-password"
            />
            <button type="submit" class="button">
              {m('register.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  async function verifyPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    registrationId: string,
    problem?: string,
  ) {
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    // The page says where the code went; an unknown registration gets the e-mail wording.
    const delivery = await registration.codeDelivery(registrationId);
    const title = delivery?.channel === 'phone' ? m('register.verify.sms.title') : m('register.verify.title');
    const lead =
      delivery?.channel === 'phone'
        ? m('register.verify.sms.lead', { phone: delivery.maskedPhone })
        : m('register.verify.lead');
    return sendPage(request, reply, { title, status }, () => (
      <>
        {problem ? (
          <ErrorSummary title={m('register.problem')} errors={[{ fieldId: 'code', message: problem }]} />
        ) : null}
        <h1>{title}</h1>
        <p class="lead">{lead}</p>
        <form method="post" action="/register/verify" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="registration" value={registrationId} />
          <TextField id="code" label={m('register.verify.code')} autocomplete="one-time-code" />
          <button type="submit" class="button">
            {m('register.verify.submit')}
          </button>
        </form>
      </>
    ));
  }

  app.get('/register', { schema: { hide: true } }, (request, reply) => formPage(request, reply, 200));

  app.post(
    '/register',
    { schema: { hide: true }, config: { throttle: 'signIn' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const form = RegisterForm.parse(request.body ?? {});
      const { password: _password, _csrf, ...values } = form;
      try {
        const id = await registration.start({ ...form, locale: request.locale }, client(request));
        return reply.redirect(`/register/verify?registration=${id}`, 303);
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const limited = error.definition === IdentityErrors.codeSendLimited;
        if (limited) reply.header('retry-after', String(error.params.retryAfterSeconds));
        return formPage(
          request,
          reply,
          error.definition.status,
          values,
          error.fields,
          error.messageFor(request.locale),
          limited ? (form.channel === 'phone' ? 'phone' : 'email') : 'username',
        );
      }
    },
  );

  app.get('/register/verify', { schema: { hide: true } }, (request, reply) => {
    const id = String((request.query as Record<string, unknown>).registration ?? '');
    if (!/^reg_[0-9A-HJKMNP-TV-Z]{26}$/.test(id)) return reply.redirect('/register', 303);
    return verifyPage(request, reply, 200, id);
  });

  app.post(
    '/register/verify',
    { schema: { hide: true }, config: { throttle: 'signIn' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const parsed = VerifyForm.safeParse(request.body);
      if (!parsed.success) return reply.redirect('/register', 303);
      const m = identityMessages.translator(request.locale);
      try {
        const account = await registration.confirm(
          parsed.data.registration,
          parsed.data.code,
          client(request),
        );
        // The next step sits under the panel, not in it (GOV.UK's confirmation pattern; links on green fail contrast).
        return sendPage(request, reply, { title: m('register.done.title') }, () => (
          <>
            <Panel title={m('register.done.title')}>
              <p>{m('register.done.level', { level: account.assuranceLevel })}</p>
            </Panel>
            <p>
              <a href="/sign-in">{m('register.done.next')}</a>
            </p>
          </>
        ));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        return verifyPage(
          request,
          reply,
          error.definition.status,
          parsed.data.registration,
          error.messageFor(request.locale),
        );
      }
    },
  );
}
