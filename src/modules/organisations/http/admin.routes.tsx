import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import {
  DataTable,
  ErrorSummary,
  NotificationBanner,
  SummaryList,
  TextField,
} from '../../../kernel/views/components.tsx';
import type { Department } from '../contract.ts';
import { organisationsMessages } from '../organisations.messages.ts';
import type { OrganisationsService } from '../organisations.service.ts';
import { DepartmentAdminParams, DepartmentForm } from './organisations.schemas.ts';

type Translate = ReturnType<typeof organisationsMessages.translator>;
type FieldName = 'code' | 'nameZh' | 'nameEn' | 'sortOrder' | 'website';
type Values = Partial<Record<FieldName, string>>;

const PATH = '/admin/departments';

function clientOf(request: FastifyRequest) {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}

/** The form's fields after the code (which only the "new" form has). */
function DepartmentFields(props: { m: Translate; values: Values; problems: readonly FieldProblem[] }) {
  const { m, values } = props;
  const problemOf = (field: FieldName) => props.problems.find((p) => p.path === field)?.message;
  return (
    <>
      <TextField
        id="nameZh"
        label={m('admin.nameZh')}
        value={values.nameZh}
        error={problemOf('nameZh')}
        spellcheck={false}
        autocomplete="off"
      />
      <TextField
        id="nameEn"
        label={m('admin.nameEn')}
        value={values.nameEn}
        error={problemOf('nameEn')}
        spellcheck={false}
        autocomplete="off"
      />
      <TextField
        id="sortOrder"
        label={m('admin.sortOrder')}
        hint={m('admin.sortOrderHint')}
        inputmode="numeric"
        value={values.sortOrder}
        error={problemOf('sortOrder')}
        spellcheck={false}
        autocomplete="off"
      />
      <TextField
        id="website"
        label={m('admin.website')}
        hint={m('admin.websiteHint')}
        inputmode="url"
        value={values.website}
        error={problemOf('website')}
        spellcheck={false}
        autocomplete="off"
      />
    </>
  );
}

/**
 * The platform administrator's department pages: the list, a new department, and changes to one (never its code).
 * Plain HTML forms with CSRF tokens; every refusal comes from the service's policy check.
 */
export function registerDepartmentAdminPages(app: FastifyInstance, service: OrganisationsService): void {
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  /** The signed-in actor, or undefined after sending anonymous visitors to sign in. */
  async function actorOrSignIn(request: FastifyRequest, reply: FastifyReply) {
    const actor = await request.actor();
    if (actor.kind !== 'anonymous') return actor;
    reply.redirect('/sign-in', 303);
    return undefined;
  }

  const crumbs = (m: Translate, ...more: { label: string; href?: string }[]) => [
    { label: m('admin.title'), href: PATH },
    ...more,
  ];

  function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    view: {
      status: number;
      values: Values;
      problems?: FieldProblem[];
      /** Set when changing an existing department; its code is shown, not edited. */
      department?: Department;
    },
  ) {
    const m = organisationsMessages.translator(request.locale);
    const problems = view.problems ?? [];
    const editing = view.department;
    const title = editing ? m('admin.edit.title') : m('admin.new.title');
    const csrf = reply.generateCsrf();
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title, status: view.status, breadcrumbs: crumbs(m, { label: title }) },
      (ctx) => (
        <>
          <ErrorSummary
            title={m('admin.problem')}
            errors={problems.map((p) => ({ fieldId: p.path, message: p.message }))}
          />
          <h1>{title}</h1>
          {editing ? (
            <SummaryList
              rows={[
                { key: m('admin.code'), value: editing.code },
                {
                  key: m(ctx.locale === 'en' ? 'admin.nameEn' : 'admin.nameZh'),
                  value: editing.name[ctx.locale],
                },
              ]}
            />
          ) : null}
          <form method="post" action={editing ? `${PATH}/${editing.code}` : PATH} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            {editing ? null : (
              <TextField
                id="code"
                label={m('admin.code')}
                hint={m('admin.codeHint')}
                autocapitalize="characters"
                value={view.values.code}
                error={problems.find((p) => p.path === 'code')?.message}
                spellcheck={false}
                autocomplete="off"
              />
            )}
            <DepartmentFields m={m} values={view.values} problems={problems} />
            <button type="submit" class="button">
              {editing ? m('admin.save') : m('admin.create')}
            </button>
          </form>
          <p>
            <a href={PATH}>{m('admin.cancel')}</a>
          </p>
        </>
      ),
    );
  }

  app.get(PATH, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    await service.assertMayManage(actor, clientOf(request));
    const m = organisationsMessages.translator(request.locale);
    const list = await service.listDepartments();
    const query = (request.query ?? {}) as Record<string, unknown>;
    const created = list.find((d) => d.code === query.created);
    const updated = list.find((d) => d.code === query.updated);
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: m('admin.title'), breadcrumbs: [{ label: m('admin.title') }] },
      (ctx) => (
        <>
          {created || updated ? (
            <NotificationBanner variant="success" title={m('admin.done')}>
              <p>
                {created
                  ? m('admin.created', { name: created.name[ctx.locale], code: created.code })
                  : updated
                    ? m('admin.updated', { name: updated.name[ctx.locale], code: updated.code })
                    : null}
              </p>
            </NotificationBanner>
          ) : null}
          <h1>{m('admin.title')}</h1>
          <p class="lead">{m('admin.lead')}</p>
          <p>
            <a class="button" href={`${PATH}/new`}>
              {m('admin.new')}
            </a>
          </p>
          <DataTable
            caption={m('admin.caption', { count: list.length })}
            rowHeaders
            rows={list}
            rowKey={(d) => d.code}
            columns={[
              { header: m('admin.nameZh'), cell: (d) => <span lang="zh-CN">{d.name['zh-CN']}</span> },
              { header: m('admin.nameEn'), cell: (d) => <span lang="en">{d.name.en}</span> },
              { header: m('admin.code'), cell: (d) => d.code },
              { header: m('admin.sortOrder'), cell: (d) => d.sortOrder, numeric: true },
              {
                header: m('departments.website'),
                cell: (d) => (d.website ? <a href={d.website}>{new URL(d.website).host}</a> : '—'),
              },
              {
                header: m('admin.actions'),
                cell: (d) => (
                  <a href={`${PATH}/${d.code}/edit`}>
                    {m('admin.edit')}
                    <span class="visually-hidden"> {d.name[ctx.locale]}</span>
                  </a>
                ),
              },
            ]}
          />
        </>
      ),
    );
  });

  app.get(`${PATH}/new`, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    await service.assertMayManage(actor, clientOf(request));
    return formPage(request, reply, {
      status: 200,
      values: { sortOrder: String(await service.nextSortOrder()) },
    });
  });

  app.post(PATH, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { _csrf, ...form } = DepartmentForm.parse(request.body);
    try {
      const department = await service.createDepartment(actor, form, {
        locale: request.locale,
        client: clientOf(request),
      });
      return reply.redirect(`${PATH}?created=${department.code}`, 303);
    } catch (error) {
      // Refusals by the policy are not form problems: the error page answers them.
      if (!(error instanceof AppError) || error.definition.status === 403) throw error;
      const problems =
        error.fields.length > 0
          ? error.fields
          : [{ path: 'code', message: error.messageFor(request.locale) }];
      return formPage(request, reply, { status: error.definition.status, values: form, problems });
    }
  });

  app.get(`${PATH}/:code/edit`, { schema: { hide: true } }, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { code } = DepartmentAdminParams.parse(request.params);
    const department = await service.departmentForEdit(actor, code, clientOf(request));
    return formPage(request, reply, {
      status: 200,
      department,
      values: {
        nameZh: department.name['zh-CN'],
        nameEn: department.name.en,
        sortOrder: String(department.sortOrder),
        website: department.website ?? '',
      },
    });
  });

  app.post(`${PATH}/:code`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { code } = DepartmentAdminParams.parse(request.params);
    const { _csrf, code: _ignored, ...form } = DepartmentForm.parse(request.body);
    const client = clientOf(request);
    try {
      const department = await service.updateDepartment(actor, code, form, {
        locale: request.locale,
        client,
      });
      return reply.redirect(`${PATH}?updated=${department.code}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.fields.length === 0) throw error;
      const department = await service.departmentForEdit(actor, code, client);
      return formPage(request, reply, {
        status: error.definition.status,
        department,
        values: form,
        problems: error.fields,
      });
    }
  });
}
