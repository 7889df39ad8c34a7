import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, CLASSIFICATIONS } from '../../../kernel/authz/authz.ts';
import { AppError, type FieldProblem } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Locale } from '../../../kernel/i18n/index.ts';
import {
  DataTable,
  ErrorSummary,
  NotificationBanner,
  PageLinks,
  SelectField,
  SummaryList,
  TagStatus,
  TextField,
} from '../../../kernel/views/components.tsx';
import { STAFF_ROLES } from '../contract.ts';
import { IdentityErrors } from '../identity.errors.ts';
import { identityMessages } from '../identity.messages.ts';
import type {
  StaffAdminOptions,
  StaffAdminService,
  StaffDetail,
  StaffRoleHeld,
} from '../staff-admin.service.ts';
import {
  NewStaffForm,
  StaffClearanceForm,
  type StaffDone,
  StaffListQuery,
  StaffPageQuery,
  StaffParams,
  StaffRoleForm,
} from './staff-admin.schemas.ts';

type Translate = ReturnType<typeof identityMessages.translator>;
type Values = Partial<Record<string, string>>;
/** A department as the pages name it: its code, and its name in the page's language. */
type DepartmentName = { code: string; name: string };

const PATH = '/admin/staff';

function clientOf(request: FastifyRequest) {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}

const errorOf = (problems: readonly FieldProblem[], id: string) =>
  problems.find((p) => p.path === id)?.message;

const departmentOptions = (departments: readonly DepartmentName[]) =>
  departments.map((d) => ({ value: d.code, label: `${d.name}（${d.code}）` }));
const roleOptions = (m: Translate) => STAFF_ROLES.map((r) => ({ value: r, label: m(`role.${r}`) }));
const clearanceOptions = (m: Translate) =>
  CLASSIFICATIONS.map((c) => ({ value: c, label: m(`staffAdmin.clearance.${c}`) }));

/** "市大数据局 · 平台管理员": a role as people read it. */
function roleText(role: StaffRoleHeld, m: Translate, departments: Map<string, string>): string {
  return `${departments.get(role.departmentCode) ?? role.departmentCode} · ${m(`role.${role.role}`)}`;
}

function StatusTag({ disabled, m }: { disabled: boolean; m: Translate }) {
  return disabled ? (
    <TagStatus text={m('staffAdmin.status.disabled')} tone="warning" />
  ) : (
    <TagStatus text={m('staffAdmin.status.active')} tone="success" />
  );
}

/**
 * The platform administrator's staff pages: the list (by department, a page at a time), a new account, and one
 * member's roles, clearance and status. Plain HTML forms with CSRF tokens that work without JavaScript; every
 * refusal comes from the service's policy check and is shown as the catalogue's translated error page.
 */
export function registerStaffAdminPages(
  app: FastifyInstance,
  service: StaffAdminService,
  options: {
    /** The departments in directory order, named in a language: for the selects and for reading roles. */
    departments: (locale: Locale) => Promise<DepartmentName[]>;
  },
): void {
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  /** The signed-in actor, or undefined after sending anonymous visitors (and staff owing the second factor) to sign in. */
  async function actorOrSignIn(request: FastifyRequest, reply: FastifyReply): Promise<Actor | undefined> {
    const actor = await request.actor();
    if (actor.kind !== 'anonymous') return actor;
    reply.redirect('/sign-in', 303);
    return undefined;
  }

  const optionsOf = (request: FastifyRequest): StaffAdminOptions => ({
    locale: request.locale,
    client: clientOf(request),
  });

  async function listPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    query: { department?: string; after?: string },
  ) {
    const m = identityMessages.translator(request.locale);
    const departments = await options.departments(request.locale);
    const names = new Map(departments.map((d) => [d.code, d.name]));
    const department = query.department?.trim().toUpperCase() || undefined;
    let status = 200;
    let problems: FieldProblem[] = [];
    let page: Awaited<ReturnType<StaffAdminService['listStaff']>> = { items: [] };
    try {
      page = await service.listStaff(
        actor,
        { departmentCode: department, after: query.after },
        optionsOf(request),
      );
    } catch (error) {
      if (!(error instanceof AppError) || error.fields.length === 0) throw error;
      status = error.definition.status;
      problems = error.fields;
    }
    const hrefOf = (after?: string) => {
      const params = new URLSearchParams();
      if (department) params.set('department', department);
      if (after) params.set('after', after);
      const search = params.toString();
      return search ? `${PATH}?${search}` : PATH;
    };
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: m('staffAdmin.title'), status, breadcrumbs: [{ label: m('staffAdmin.title') }] },
      (ctx) => (
        <>
          <ErrorSummary
            title={m('staffAdmin.problem')}
            errors={problems.map((p) => ({ fieldId: p.path, message: p.message }))}
          />
          <h1>{m('staffAdmin.title')}</h1>
          <p class="lead">{m('staffAdmin.lead')}</p>
          <p>
            <a class="button" href={`${PATH}/new`}>
              {m('staffAdmin.new')}
            </a>
          </p>
          <form method="get" action={PATH} aria-labelledby="filter-title">
            <h2 id="filter-title">{m('staffAdmin.filter')}</h2>
            <SelectField
              id="department"
              label={m('staffAdmin.filter.department')}
              options={[{ value: '', label: m('staffAdmin.filter.all') }, ...departmentOptions(departments)]}
              value={department ?? ''}
              error={errorOf(problems, 'department')}
            />
            <button type="submit" class="button button--secondary">
              {m('staffAdmin.filter.submit')}
            </button>
          </form>
          <DataTable
            caption={
              department && names.has(department)
                ? m('staffAdmin.list.captionIn', { department: names.get(department) ?? department })
                : m('staffAdmin.list.caption')
            }
            rowHeaders
            rows={page.items}
            rowKey={(s) => s.id}
            empty={m('staffAdmin.list.empty')}
            columns={[
              {
                header: m('staffAdmin.name'),
                cell: (s) => <a href={`${PATH}/${s.id}`}>{s.displayName[ctx.locale]}</a>,
              },
              { header: m('staffAdmin.username'), cell: (s) => s.username },
              {
                header: m('staffAdmin.roles'),
                cell: (s) =>
                  s.roles.length === 0
                    ? m('staffAdmin.noRoles')
                    : s.roles.map((r, i) => (
                        <>
                          {i > 0 ? <br /> : null}
                          {roleText(r, m, names)}
                        </>
                      )),
              },
              { header: m('staffAdmin.clearance'), cell: (s) => m(`staffAdmin.clearance.${s.clearance}`) },
              {
                header: m('staffAdmin.secondFactor'),
                cell: (s) => m(s.secondFactor ? 'staffAdmin.secondFactor.yes' : 'staffAdmin.secondFactor.no'),
              },
              { header: m('staffAdmin.status'), cell: (s) => <StatusTag disabled={s.disabled} m={m} /> },
            ]}
          />
          <PageLinks
            label={m('staffAdmin.list.pages')}
            first={query.after ? { href: hrefOf(), text: m('staffAdmin.list.first') } : undefined}
            next={
              page.nextAfter ? { href: hrefOf(page.nextAfter), text: m('staffAdmin.list.next') } : undefined
            }
          />
        </>
      ),
    );
  }

  app.get(PATH, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    return listPage(request, reply, actor, StaffListQuery.parse(request.query ?? {}));
  });

  async function newPage(
    request: FastifyRequest,
    reply: FastifyReply,
    status: number,
    values: Values = { clearance: 'public' },
    problems: FieldProblem[] = [],
  ) {
    const m = identityMessages.translator(request.locale);
    const departments = await options.departments(request.locale);
    const csrf = reply.generateCsrf();
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      {
        title: m('staffAdmin.create.title'),
        status,
        breadcrumbs: [{ label: m('staffAdmin.title'), href: PATH }, { label: m('staffAdmin.create.title') }],
      },
      () => (
        <>
          <ErrorSummary
            title={m('staffAdmin.problem')}
            errors={problems.map((p) => ({ fieldId: p.path, message: p.message }))}
          />
          <h1>{m('staffAdmin.create.title')}</h1>
          <p class="lead">{m('staffAdmin.create.lead')}</p>
          <form method="post" action={PATH} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <TextField
              id="username"
              label={m('staffAdmin.username')}
              hint={m('register.usernameHint')}
              value={values.username}
              error={errorOf(problems, 'username')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="nameZh"
              label={m('staffAdmin.nameZh')}
              value={values.nameZh}
              error={errorOf(problems, 'nameZh')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="nameEn"
              label={m('staffAdmin.nameEn')}
              value={values.nameEn}
              error={errorOf(problems, 'nameEn')}
              spellcheck={false}
              autocomplete="off"
            />
            <TextField
              id="email"
              label={m('staffAdmin.email')}
              hint={m('staffAdmin.emailHint')}
              type="email"
              value={values.email}
              error={errorOf(problems, 'email')}
              spellcheck={false}
              autocomplete="email"
            />
            <h2>{m('staffAdmin.create.firstRole')}</h2>
            <SelectField
              id="departmentCode"
              label={m('staffAdmin.department')}
              options={departmentOptions(departments)}
              value={values.departmentCode}
              error={errorOf(problems, 'departmentCode')}
            />
            <SelectField
              id="role"
              label={m('staffAdmin.role')}
              options={roleOptions(m)}
              value={values.role}
              error={errorOf(problems, 'role')}
            />
            <SelectField
              id="clearance"
              label={m('staffAdmin.clearance')}
              hint={m('staffAdmin.clearanceHint')}
              options={clearanceOptions(m)}
              value={values.clearance}
              error={errorOf(problems, 'clearance')}
            />
            <button type="submit" class="button">
              {m('staffAdmin.create.submit')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get(`${PATH}/new`, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    await service.assertMayManage(actor, clientOf(request));
    return newPage(request, reply, 200);
  });

  app.post(PATH, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { _csrf, ...form } = NewStaffForm.parse(request.body);
    try {
      const id = await service.createStaff(actor, form, optionsOf(request));
      return reply.redirect(`${PATH}/${id}?done=created`, 303);
    } catch (error) {
      // Refusals by the policy are not form problems: the error page answers them.
      if (!(error instanceof AppError) || error.fields.length === 0) throw error;
      return newPage(request, reply, error.definition.status, form, error.fields);
    }
  });

  async function memberPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    accountId: string,
    view: { status: number; done?: StaffDone; values?: Values; problems?: FieldProblem[] },
  ) {
    const staff: StaffDetail = await service.getStaff(actor, accountId, optionsOf(request));
    const m = identityMessages.translator(request.locale);
    const departments = await options.departments(request.locale);
    const names = new Map(departments.map((d) => [d.code, d.name]));
    const problems = view.problems ?? [];
    const values = view.values ?? {};
    const csrf = reply.generateCsrf();
    const self = actor.kind === 'staff' && actor.accountId === staff.id;
    const base = `${PATH}/${staff.id}`;
    const formatter = new Intl.DateTimeFormat(request.locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: 'Asia/Shanghai',
    });
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      {
        title: staff.displayName[request.locale],
        status: view.status,
        breadcrumbs: [
          { label: m('staffAdmin.title'), href: PATH },
          { label: staff.displayName[request.locale] },
        ],
      },
      () => (
        <>
          <ErrorSummary
            title={m('staffAdmin.problem')}
            errors={problems.map((p) => ({ fieldId: p.path, message: p.message }))}
          />
          {view.done ? (
            <NotificationBanner variant="success" title={m('staffAdmin.done')}>
              <p>{m(`staffAdmin.done.${view.done}`, { email: staff.email ?? '—' })}</p>
            </NotificationBanner>
          ) : null}
          <h1>{staff.displayName[request.locale]}</h1>
          <SummaryList
            rows={[
              { key: m('staffAdmin.nameZh'), value: <span lang="zh-CN">{staff.displayName['zh-CN']}</span> },
              { key: m('staffAdmin.nameEn'), value: <span lang="en">{staff.displayName.en}</span> },
              { key: m('staffAdmin.username'), value: staff.username },
              { key: m('staffAdmin.email'), value: staff.email ?? '—' },
              { key: m('staffAdmin.member.idNumber'), value: staff.idNumberMasked ?? '—' },
              { key: m('staffAdmin.member.phone'), value: staff.phoneMasked ?? '—' },
              { key: m('staffAdmin.clearance'), value: m(`staffAdmin.clearance.${staff.clearance}`) },
              {
                key: m('staffAdmin.secondFactor'),
                value: m(staff.secondFactor ? 'staffAdmin.secondFactor.yes' : 'staffAdmin.secondFactor.no'),
              },
              { key: m('staffAdmin.status'), value: <StatusTag disabled={staff.disabled} m={m} /> },
            ]}
          />

          <h2 id="roles">{m('staffAdmin.roles')}</h2>
          <DataTable
            caption={m('staffAdmin.roles')}
            captionHidden
            rows={staff.roles}
            rowKey={(r) => `${r.departmentCode}|${r.role}`}
            empty={m('staffAdmin.noRoles')}
            columns={[
              {
                header: m('staffAdmin.department'),
                cell: (r) => names.get(r.departmentCode) ?? r.departmentCode,
              },
              { header: m('staffAdmin.role'), cell: (r) => m(`role.${r.role}`) },
              {
                header: m('staffAdmin.member.remove'),
                cell: (r) => (
                  <form method="post" action={`${base}/roles/remove`}>
                    <input type="hidden" name="_csrf" value={csrf} />
                    <input type="hidden" name="departmentCode" value={r.departmentCode} />
                    <input type="hidden" name="role" value={r.role} />
                    <button type="submit" class="button button--secondary">
                      {m('staffAdmin.member.remove')}
                      <span class="visually-hidden"> {roleText(r, m, names)}</span>
                    </button>
                  </form>
                ),
              },
            ]}
          />

          <h2 id="add-role">{m('staffAdmin.member.addRole')}</h2>
          <form method="post" action={`${base}/roles`} novalidate aria-labelledby="add-role">
            <input type="hidden" name="_csrf" value={csrf} />
            <SelectField
              id="departmentCode"
              label={m('staffAdmin.department')}
              options={departmentOptions(departments)}
              value={values.departmentCode}
              error={errorOf(problems, 'departmentCode')}
            />
            <SelectField
              id="role"
              label={m('staffAdmin.role')}
              options={roleOptions(m)}
              value={values.role}
              error={errorOf(problems, 'role')}
            />
            <button type="submit" class="button">
              {m('staffAdmin.member.addRole.submit')}
            </button>
          </form>

          <h2 id="clearance-heading">{m('staffAdmin.clearance')}</h2>
          <form method="post" action={`${base}/clearance`} novalidate aria-labelledby="clearance-heading">
            <input type="hidden" name="_csrf" value={csrf} />
            <SelectField
              id="clearance"
              label={m('staffAdmin.clearance')}
              hint={m('staffAdmin.clearanceHint')}
              options={clearanceOptions(m)}
              value={values.clearance ?? staff.clearance}
              error={errorOf(problems, 'clearance')}
            />
            <button type="submit" class="button">
              {m('staffAdmin.member.clearance.submit')}
            </button>
          </form>

          <h2 id="status">{m('staffAdmin.status')}</h2>
          {staff.disabled ? (
            <>
              <p>
                {m('staffAdmin.member.enable.lead')}
                {staff.disabledAt ? ` (${formatter.format(staff.disabledAt)})` : null}
              </p>
              <form method="post" action={`${base}/enable`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit" class="button">
                  {m('staffAdmin.member.enable.submit')}
                </button>
              </form>
            </>
          ) : self ? (
            <p>{m('staffAdmin.member.disable.self')}</p>
          ) : (
            <>
              <p>{m('staffAdmin.member.disable.lead')}</p>
              <form method="post" action={`${base}/disable`}>
                <input type="hidden" name="_csrf" value={csrf} />
                <button type="submit" class="button">
                  {m('staffAdmin.member.disable.submit')}
                </button>
              </form>
            </>
          )}
          <p>
            <a href={PATH}>{m('staffAdmin.member.back')}</a>
          </p>
        </>
      ),
    );
  }

  app.get(`${PATH}/:id`, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { id } = StaffParams.parse(request.params);
    const { done } = StaffPageQuery.parse(request.query ?? {});
    return memberPage(request, reply, actor, id, { status: 200, done });
  });

  /**
   * One change on a member's page: done, it redirects to the page with a confirmation (post/redirect/get); an
   * expected failure shows the page again with the message linked to `field`, and the values posted.
   */
  function change(
    path: string,
    done: StaffDone,
    field: string,
    run: (actor: Actor, id: string, body: unknown, options: StaffAdminOptions) => Promise<void>,
  ) {
    app.post(`${PATH}/:id${path}`, protectedRoute, async (request, reply) => {
      const actor = await actorOrSignIn(request, reply);
      if (!actor) return reply;
      const { id } = StaffParams.parse(request.params);
      const body = request.body;
      try {
        await run(actor, id, body, optionsOf(request));
        return reply.redirect(`${PATH}/${id}?done=${done}`, 303);
      } catch (error) {
        // Refusals and unknown accounts are not form problems: the error page answers them.
        if (
          !(error instanceof AppError) ||
          error.definition.status === 403 ||
          error.definition === IdentityErrors.staffNotFound
        )
          throw error;
        const problems =
          error.fields.length > 0
            ? error.fields
            : [{ path: field, message: error.messageFor(request.locale) }];
        // The posted choices, shown again (only plain strings).
        const values: Values =
          body && typeof body === 'object'
            ? Object.fromEntries(Object.entries(body).filter(([, v]) => typeof v === 'string'))
            : {};
        return memberPage(request, reply, actor, id, { status: error.definition.status, values, problems });
      }
    });
  }

  change('/roles', 'roleAdded', 'departmentCode', (actor, id, body, opts) =>
    service.addRole(actor, id, StaffRoleForm.parse(body), opts),
  );
  change('/roles/remove', 'roleRemoved', 'roles', (actor, id, body, opts) =>
    service.removeRole(actor, id, StaffRoleForm.parse(body), opts),
  );
  change('/clearance', 'clearanceChanged', 'clearance', (actor, id, body, opts) =>
    service.setClearance(actor, id, StaffClearanceForm.parse(body).clearance, opts),
  );
  change('/disable', 'disabled', 'status', (actor, id, _body, opts) => service.disable(actor, id, opts));
  change('/enable', 'enabled', 'status', (actor, id, _body, opts) => service.enable(actor, id, opts));
}
