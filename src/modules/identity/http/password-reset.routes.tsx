import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { ErrorSummary, Panel } from '../../../kernel/views/components.tsx';
import { identityMessages } from '../identity.messages.ts';
import type { PasswordResetService } from '../password-reset.service.ts';
import { ResetConfirmForm, ResetRequestForm } from './identity.schemas.ts';

/** Forgotten password: ask for a link (the answer never says whether the account exists), then set a new one. */
export function registerPasswordResetPages(app: FastifyInstance, resets: PasswordResetService): void {
  const client = (request: FastifyRequest) => ({ clientAddress: request.ip, requestId: String(request.id) });

  app.get('/password-reset', { schema: { hide: true } }, async (request, reply) => {
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: m('reset.title'), breadcrumbs: [{ label: m('reset.title') }] },
      () => (
        <>
          <h1>{m('reset.title')}</h1>
          <p class="lead">{m('reset.lead')}</p>
          <form method="post" action="/password-reset" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <div class="form-group">
              <label for="identifier">{m('reset.identifier')}</label>
              <input id="identifier" name="identifier" type="text" autocomplete="username" />
            </div>
            <button type="submit" class="button">
              {m('reset.submit')}
            </button>
          </form>
        </>
      ),
    );
  });

  app.post(
    '/password-reset',
    { schema: { hide: true }, config: { throttle: 'signIn' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const m = identityMessages.translator(request.locale);
      const form = ResetRequestForm.safeParse(request.body);
      if (form.success) await resets.request(form.data.identifier, request.locale, client(request));
      return sendPage(request, reply, { title: m('reset.sent.title') }, () => (
        <Panel title={m('reset.sent.title')}>
          <p>{m('reset.sent.body')}</p>
        </Panel>
      ));
    },
  );

  function confirmPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    token: string,
    problem?: string,
  ) {
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(request, reply, { title: m('reset.confirm.title'), status }, () => (
      <>
        {problem ? (
          <ErrorSummary
            title={m('reset.confirm.title')}
            errors={[{ fieldId: 'password', message: problem }]}
          />
        ) : null}
        <h1>{m('reset.confirm.title')}</h1>
        <form method="post" action="/password-reset/confirm" novalidate>
          <input type="hidden" name="_csrf" value={csrf} />
          <input type="hidden" name="token" value={token} />
          <div class="form-group">
            <label for="password">{m('reset.confirm.password')}</label>
            <p class="hint" id="password-hint">
              {m('register.passwordHint')}
            </p>
            <input
              id="password"
              name="password"
              type="password"
              autocomplete="new-password"
              aria-describedby="password-hint"
            />
          </div>
          <button type="submit" class="button">
            {m('reset.confirm.submit')}
          </button>
        </form>
      </>
    ));
  }

  app.get('/password-reset/confirm', { schema: { hide: true } }, (request, reply) => {
    const token = String((request.query as Record<string, unknown>).token ?? '');
    // The token stays out of the Referer of anything this page links to.
    reply.header('referrer-policy', 'no-referrer');
    return confirmPage(request, reply, 200, token.slice(0, 100));
  });

  app.post(
    '/password-reset/confirm',
    { schema: { hide: true }, config: { throttle: 'signIn' }, preHandler: app.csrfProtection },
    async (request, reply) => {
      const m = identityMessages.translator(request.locale);
      const form = ResetConfirmForm.safeParse(request.body);
      const token = form.success ? form.data.token : '';
      try {
        await resets.complete(token, form.success ? form.data.password : '', request.locale, client(request));
      } catch (error) {
        if (!(error instanceof AppError)) throw error;
        const message = error.fields[0]?.message ?? error.messageFor(request.locale);
        return confirmPage(request, reply, error.definition.status, token, message);
      }
      return sendPage(request, reply, { title: m('reset.done.title') }, () => (
        <>
          <Panel title={m('reset.done.title')}>
            <p>{m('reset.done.body')}</p>
          </Panel>
          <p>
            <a href="/sign-in">{m('signIn.submit')}</a>
          </p>
        </>
      ));
    },
  );
}
