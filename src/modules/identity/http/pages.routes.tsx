import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { SubjectAccess } from '../../../kernel/audit/audit.ts';
import type { Actor } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import {
  DataTable,
  ErrorSummary,
  NotificationBanner,
  SummaryList,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { IdentityContract } from '../contract.ts';
import { IdentityErrors } from '../identity.errors.ts';
import { identityMessages } from '../identity.messages.ts';
import type { OwnProfile, ProfileView } from '../identity.service.ts';
import type { SessionsService } from '../sessions.service.ts';
import { IdentityCheckForm, LookupForm, SessionParams, SignInForm } from './identity.schemas.ts';
import { clearSessionCookie, setSessionCookie } from './session-cookie.ts';
import { clientOf, nextStepUrl, signedIn } from './session-guards.ts';

function errorText(
  error: AppError['definition'],
  locale: 'zh-CN' | 'en',
  params: Record<string, string | number> = {},
) {
  return error.messages[locale].replace(/\{(\w+)\}/g, (whole, name: string) => String(params[name] ?? whole));
}

/**
 * Sign-in, sign-out and "my account" with the list of sessions. Plain HTML forms. The staff second factor and the
 * security page are in second-factor.routes.tsx and security.routes.tsx.
 */
export function registerIdentityPages(
  app: FastifyInstance,
  sessions: SessionsService,
  identity: IdentityContract,
  options: {
    secureCookies: boolean;
    accessesToMe: (accountId: string) => Promise<SubjectAccess[]>;
    /** Department names by code, in a language, so people read 市政务服务中心 rather than ZWFW. */
    departmentNames: (locale: 'zh-CN' | 'en') => Promise<Map<string, string>>;
    readProfile: (
      staffAccountId: string,
      username: string,
      purpose: string,
      client: ReturnType<typeof clientOf>,
    ) => Promise<ProfileView>;
    /** Which of the platform administrator's pages the actor may use (linked from the account page). */
    adminLinks?: (actor: Actor) => Promise<{ staff: boolean; departments: boolean }>;
    /** One's own details, masked as on every page (the owner's own read: no purpose, nothing recorded). */
    myProfile: (accountId: string) => Promise<OwnProfile | undefined>;
    /** A counter clerk's in-person check of a person's original document (L3). */
    verifyInPerson: (
      staffAccountId: string,
      input: { username: string; documentNumber: string; client: ReturnType<typeof clientOf> },
    ) => Promise<ProfileView>;
  },
): void {
  // preHandler, not onRequest: the token is in the posted form, which is parsed after onRequest.
  const protectedRoute = { preHandler: app.csrfProtection };

  function signInPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    problem?: string,
    username = '',
  ): FastifyReply {
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: m('signIn.title'), status, breadcrumbs: [{ label: m('signIn.title') }] },
      () => (
        <>
          {problem ? (
            <ErrorSummary title={m('signIn.problem')} errors={[{ fieldId: 'username', message: problem }]} />
          ) : null}
          <h1>{m('signIn.title')}</h1>
          <p class="lead">{m('signIn.lead')}</p>
          <form method="post" action="/sign-in" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <div class="form-group">
              <label for="username">{m('signIn.username')}</label>
              <input
                id="username"
                name="username"
                type="text"
                autocomplete="username"
                value={username}
                required
              />
            </div>
            <div class="form-group">
              <label for="password">{m('signIn.password')}</label>
              <input id="password" name="password" type="password" autocomplete="current-password" required />
            </div>
            <button type="submit" class="button">
              {m('signIn.submit')}
            </button>
          </form>
          <p>
            <a href="/register">{m('signIn.register')}</a>
          </p>
          <p class="hint">{m('signIn.help')}</p>
        </>
      ),
    );
  }

  app.get('/sign-in', { schema: { hide: true } }, async (request, reply) => {
    // Half signed in: the step still owed (it offers a way to cancel), not a second sign-in.
    const stage = request.identitySession?.stage;
    if (stage === 'password' || stage === 'new-password') return reply.redirect(nextStepUrl(stage), 303);
    return signInPage(request, reply, 200);
  });

  app.post(
    '/sign-in',
    { schema: { hide: true }, config: { throttle: 'signIn' }, ...protectedRoute },
    async (request, reply) => {
      const parsed = SignInForm.safeParse(request.body);
      if (!parsed.success) {
        return signInPage(request, reply, 400, errorText(IdentityErrors.signInFailed, request.locale));
      }
      const outcome = await sessions.signIn({ ...parsed.data, ...clientOf(request) });
      if (outcome.kind === 'locked') {
        reply.header('retry-after', String(outcome.retryAfterSeconds));
        const minutes = Math.ceil(outcome.retryAfterSeconds / 60);
        return signInPage(
          request,
          reply,
          429,
          errorText(IdentityErrors.tooManyAttempts, request.locale, { minutes }),
          parsed.data.username,
        );
      }
      if (outcome.kind === 'refused') {
        return signInPage(
          request,
          reply,
          401,
          errorText(IdentityErrors.signInFailed, request.locale),
          parsed.data.username,
        );
      }
      setSessionCookie(reply, outcome.token, options.secureCookies);
      return reply.redirect(outcome.needsSecondFactor ? '/sign-in/second-factor' : '/account', 303);
    },
  );

  app.post('/sign-out', { schema: { hide: true }, ...protectedRoute }, async (request, reply) => {
    const session = request.identitySession;
    if (session) await sessions.end(session.accountId, session.id, clientOf(request));
    clearSessionCookie(reply, options.secureCookies);
    return reply.redirect('/', 303);
  });

  app.get('/account', { schema: { hide: true } }, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const account = await identity.findAccount(session.username);
    const list = await sessions.list(session.accountId);
    const admin =
      session.kind === 'staff' && options.adminLinks
        ? await options.adminLinks(await request.actor())
        : undefined;
    const csrf = reply.generateCsrf();
    const profile = await options.myProfile(session.accountId);
    const formatter = new Intl.DateTimeFormat(request.locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Asia/Shanghai',
    });
    return sendPage(
      request,
      reply,
      { title: m('account.title'), breadcrumbs: [{ label: m('account.title') }] },
      (ctx) => (
        <>
          <h1>{m('account.title')}</h1>
          <h2>{m('account.profile')}</h2>
          <SummaryList
            rows={[
              { key: m('account.name'), value: account?.displayName[ctx.locale] ?? session.username },
              { key: m('account.username'), value: session.username },
              {
                key: m('account.kind'),
                value: m(session.kind === 'staff' ? 'account.kind.staff' : 'account.kind.public'),
              },
              ...(profile
                ? [
                    {
                      key: m('account.level'),
                      value: m(`account.level.${profile.assuranceLevel}` as 'account.level.1'),
                    },
                    { key: m('account.idNumber'), value: profile.idNumberMasked ?? '—' },
                    { key: m('account.phone'), value: profile.phoneMasked ?? '—' },
                    { key: m('account.email'), value: profile.email ?? '—' },
                  ]
                : []),
            ]}
          />
          <h2>{m('account.sessions')}</h2>
          <DataTable
            caption={m('account.sessions.caption')}
            columns={[
              { header: m('account.sessions.started'), cell: (s) => formatter.format(s.createdAt) },
              { header: m('account.sessions.lastSeen'), cell: (s) => formatter.format(s.lastSeenAt) },
              {
                header: m('account.sessions.device'),
                cell: (s) =>
                  `${s.userAgent ?? '—'}${s.id === session.id ? ` ${m('account.sessions.current')}` : ''}`,
              },
              {
                header: m('account.sessions.end'),
                cell: (s) => (
                  <form method="post" action={`/account/sessions/${s.id}/end`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <button type="submit" class="button button--secondary">
                      {m('account.sessions.end')}
                    </button>
                  </form>
                ),
              },
            ]}
            rows={list}
            rowKey={(s) => s.id}
          />
          <p>
            <a href="/account/legal-entities">{m('account.legalEntities')}</a>
            {' · '}
            <a href="/account/security">{m('account.security')}</a>
            {' · '}
            <a href="/account/access-log">{m('account.accessLog')}</a>
            {session.kind === 'public' ? (
              <>
                {' · '}
                <a href="/cases">{m('account.cases')}</a>
              </>
            ) : null}
            {' · '}
            <a href="/notifications">{m('account.notices')}</a>
            {account?.roles.some((r) => ['clerk', 'reviewer', 'head'].includes(r.role)) ? (
              <>
                {' · '}
                <a href="/workbench/tasks">{m('account.tasks')}</a>
              </>
            ) : null}
            {session.kind === 'staff' ? (
              <>
                {' · '}
                <a href="/workbench/people">{m('lookup.title')}</a>
              </>
            ) : null}
            {account?.roles.some((r) => r.role === 'clerk') ? (
              <>
                {' · '}
                <a href="/workbench/identity-check">{m('account.identityCheck')}</a>
              </>
            ) : null}
            {account?.roles.some((r) => ['clerk', 'reviewer', 'head', 'platform_admin'].includes(r.role)) ? (
              <>
                {' · '}
                <a href="/workbench/catalogue">{m('account.catalogue')}</a>
              </>
            ) : null}
            {account?.roles.some((r) => ['clerk', 'head', 'platform_admin'].includes(r.role)) ? (
              <>
                {' · '}
                <a href="/workbench/certificates">{m('account.certificates')}</a>
              </>
            ) : null}
            {account?.roles.some((r) => r.role === 'platform_admin') ? (
              <>
                {' · '}
                <a href="/admin/processes">{m('account.processes')}</a>
                {' · '}
                <a href="/admin/legal-entities">{m('account.legalEntitiesAdmin')}</a>
              </>
            ) : null}
          </p>
          {admin?.staff || admin?.departments ? (
            <>
              <h2>{m('staffAdmin.account.heading')}</h2>
              <ul>
                {admin.staff ? (
                  <li>
                    <a href="/admin/staff">{m('staffAdmin.account.staff')}</a>
                  </li>
                ) : null}
                {admin.departments ? (
                  <li>
                    <a href="/admin/departments">{m('staffAdmin.account.departments')}</a>
                  </li>
                ) : null}
              </ul>
            </>
          ) : null}
          <form method="post" action="/sign-out">
            <input type="hidden" name="_csrf" value={csrf} />
            <button type="submit" class="button">
              {m('account.signOut')}
            </button>
          </form>
        </>
      ),
    );
  });

  app.post(
    '/account/sessions/:id/end',
    { schema: { hide: true }, ...protectedRoute },
    async (request, reply) => {
      const session = signedIn(request);
      if (!session) return reply.redirect('/sign-in', 303);
      const params = SessionParams.safeParse(request.params);
      if (params.success) await sessions.end(session.accountId, params.data.id, clientOf(request));
      if (params.success && params.data.id === session.id) clearSessionCookie(reply, options.secureCookies);
      return reply.redirect(params.success && params.data.id === session.id ? '/' : '/account', 303);
    },
  );

  app.get('/account/access-log', { schema: { hide: true } }, async (request, reply) => {
    const session = signedIn(request);
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const accesses = await options.accessesToMe(session.accountId);
    const departments = await options.departmentNames(request.locale);
    const formatter = new Intl.DateTimeFormat(request.locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Asia/Shanghai',
    });
    return sendPage(
      request,
      reply,
      {
        title: m('accessLog.title'),
        breadcrumbs: [{ label: m('account.title'), href: '/account' }, { label: m('accessLog.title') }],
      },
      () => (
        <>
          <h1>{m('accessLog.title')}</h1>
          <p class="lead">{m('accessLog.lead')}</p>
          <DataTable
            caption={m('accessLog.caption')}
            columns={[
              { header: m('accessLog.when'), cell: (a) => formatter.format(a.occurredAt) },
              {
                header: m('accessLog.who'),
                cell: (a) =>
                  [
                    a.department ? (departments.get(a.department) ?? a.department) : undefined,
                    a.role && identityMessages.has(`role.${a.role}`)
                      ? m(`role.${a.role}` as 'role.clerk')
                      : a.role,
                  ]
                    .filter(Boolean)
                    .join(' · ') || a.actorKind,
              },
              { header: m('accessLog.purpose'), cell: (a) => a.purpose ?? '—' },
            ]}
            rows={accesses}
            empty={m('accessLog.empty')}
          />
        </>
      ),
    );
  });

  async function lookupPage(request: FastifyRequest, reply: FastifyReply, profile?: ProfileView) {
    const session = signedIn(request, { staffOnly: true });
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      { title: m('lookup.title'), breadcrumbs: [{ label: m('lookup.title') }] },
      (ctx) => (
        <>
          <h1>{m('lookup.title')}</h1>
          <p class="lead">{m('lookup.lead')}</p>
          {profile ? (
            <SummaryList
              rows={[
                { key: m('account.name'), value: profile.displayName[ctx.locale] },
                { key: m('lookup.idNumber'), value: profile.idNumberMasked ?? '—' },
                { key: m('lookup.phone'), value: profile.phoneMasked ?? '—' },
                { key: m('lookup.level'), value: `L${profile.assuranceLevel}` },
              ]}
            />
          ) : null}
          <form method="post" action="/workbench/people" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <div class="form-group">
              <label for="username">{m('lookup.username')}</label>
              <input id="username" name="username" type="text" required />
            </div>
            <div class="form-group">
              <label for="purpose">{m('lookup.purpose')}</label>
              <p class="hint" id="purpose-hint">
                {m('lookup.purposeHint')}
              </p>
              <input id="purpose" name="purpose" type="text" aria-describedby="purpose-hint" required />
            </div>
            <button type="submit" class="button">
              {m('lookup.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get('/workbench/people', { schema: { hide: true } }, (request, reply) => lookupPage(request, reply));

  app.post('/workbench/people', { schema: { hide: true }, ...protectedRoute }, async (request, reply) => {
    const session = signedIn(request, { staffOnly: true });
    if (!session) return reply.redirect('/sign-in', 303);
    // An unreadable form is refused like any other lookup: the policy then answers (and audits) it.
    const parsed = LookupForm.safeParse(request.body);
    const form = parsed.success ? parsed.data : { username: '', purpose: '' };
    const profile = await options.readProfile(
      session.accountId,
      form.username,
      form.purpose,
      clientOf(request),
    );
    return lookupPage(request, reply, profile);
  });

  async function identityCheckPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    state: { username?: string; problem?: string; verified?: ProfileView } = {},
  ) {
    const session = signedIn(request, { staffOnly: true });
    if (!session) return reply.redirect('/sign-in', 303);
    const m = identityMessages.translator(request.locale);
    const csrf = reply.generateCsrf();
    return sendPage(
      request,
      reply,
      {
        title: m('check.title'),
        status,
        breadcrumbs: [{ label: m('account.title'), href: '/account' }, { label: m('check.title') }],
      },
      (ctx) => (
        <>
          {state.problem ? (
            <ErrorSummary
              title={m('check.problem')}
              errors={[{ fieldId: 'documentNumber', message: state.problem }]}
            />
          ) : null}
          {state.verified ? (
            <NotificationBanner
              variant="success"
              title={m('check.done', { name: state.verified.displayName[ctx.locale] })}
            />
          ) : null}
          <h1>{m('check.title')}</h1>
          <p class="lead">{m('check.lead')}</p>
          <form method="post" action="/workbench/identity-check" novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="username"
              label={m('check.username')}
              value={state.problem ? state.username : ''}
              autocomplete="off"
              spellcheck={false}
            />
            <TextField
              id="documentNumber"
              label={m('check.documentNumber')}
              hint={m('check.documentNumberHint')}
              error={state.problem}
              autocomplete="off"
              spellcheck={false}
            />
            <button type="submit" class="button">
              {m('check.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get('/workbench/identity-check', { schema: { hide: true } }, (request, reply) =>
    identityCheckPage(request, reply, 200),
  );

  app.post(
    '/workbench/identity-check',
    { schema: { hide: true }, ...protectedRoute },
    async (request, reply) => {
      const session = signedIn(request, { staffOnly: true });
      if (!session) return reply.redirect('/sign-in', 303);
      const parsed = IdentityCheckForm.safeParse(request.body);
      const form = parsed.success ? parsed.data : { username: '', documentNumber: '' };
      try {
        const verified = await options.verifyInPerson(session.accountId, {
          ...form,
          client: clientOf(request),
        });
        return identityCheckPage(request, reply, 200, { verified });
      } catch (error) {
        if (!(error instanceof AppError) || error.name === 'AuthorizationError') throw error;
        return identityCheckPage(request, reply, error.definition.status, {
          username: form.username,
          problem: error.messageFor(request.locale),
        });
      }
    },
  );
}
