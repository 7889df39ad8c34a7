import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import {
  type Actor,
  AuthorizationError,
  actorIdOf,
  assertAllowed,
  type PermissionRegistry,
} from '../../../kernel/authz/authz.ts';
import { startOfCivilDay } from '../../../kernel/calendar/civil-day.ts';
import { civilDate } from '../../../kernel/calendar/working-days.ts';
import { AppError, KernelErrors } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import type { Crumb } from '../../../kernel/views/components.tsx';
import type { Department } from '../../organisations/index.ts';
import { CatalogueErrors } from '../catalogue.errors.ts';
import { CataloguePermissions } from '../catalogue.policy.ts';
import type { CatalogueContract } from '../contract.ts';
import type { ServiceItemInput } from '../domain/catalogue-file.ts';
import type { ClientInfo, EditingService, ItemVersion } from '../editing.service.ts';
import { editorMessages } from '../editor.messages.ts';
import type { Names } from './editor.diff.ts';
import {
  blankForm,
  contentFromForm,
  formFromBody,
  formFromContent,
  formProblems,
  type ItemForm,
  idOf,
  rowField,
  SECTIONS,
} from './editor.form.ts';
import {
  EditorCodeParams,
  EditorQuery,
  ReviewForm,
  ReviewParams,
  SubmitForm,
  WithdrawForm,
} from './editor.schemas.ts';
import {
  AwaitingBody,
  FormBody,
  type FormView,
  ItemBody,
  itemTitle,
  LIST_FILTERS,
  ListBody,
  type ListFilter,
  type Named,
  PATH,
  type PublicState,
  type QueueEntry,
  ReviewBody,
  type ViewContext,
  WithdrawBody,
} from './editor.views.tsx';

/** What the editors' pages use: the editing service, the public catalogue's reference lists, the departments. */
export interface EditorPagesDeps {
  editing: EditingService;
  catalogue: Pick<CatalogueContract, 'findService' | 'listTopics' | 'listLifeEvents'>;
  departments: () => Promise<Department[]>;
  /** The platform's policy, to decide which buttons to offer (the service decides what is allowed). */
  authz: PermissionRegistry;
  /** The city's time zone: dates are shown, and publication times typed, in it. */
  timeZone: string;
  now?: () => Date;
}

function clientOf(request: FastifyRequest): ClientInfo {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}

/** A conflict or a rule of the service that is no field's fault (409, four eyes): shown on the page, not as an error page. */
const isPageProblem = (error: unknown): error is AppError =>
  error instanceof AppError &&
  !(error instanceof AuthorizationError) &&
  [CatalogueErrors.versionConflict, CatalogueErrors.ownReview, CatalogueErrors.notPublished].includes(
    error.definition,
  );

/**
 * "YYYY-MM-DDTHH:MM" as a datetime-local input sends it, read as a wall-clock time in the city's time zone.
 * Undefined when it is not a real time. (Exact except within a day on which the zone changes its offset, which the
 * platform's default zone, Asia/Shanghai, never does.)
 */
export function parseLocalDateTime(text: string, timeZone: string): Date | undefined {
  const match = /^(\d{4}-\d{2}-\d{2})[T ](\d{2}):(\d{2})(?::(\d{2}))?$/.exec(text.trim());
  if (!match) return undefined;
  const [, day, hours, minutes, seconds] = match;
  if (Number(hours) > 23 || Number(minutes) > 59 || Number(seconds ?? 0) > 59) return undefined;
  try {
    const start = startOfCivilDay(day as string, timeZone).getTime();
    return new Date(start + ((Number(hours) * 60 + Number(minutes)) * 60 + Number(seconds ?? 0)) * 1000);
  } catch {
    return undefined;
  }
}

/**
 * The catalogue editors' workbench (/workbench/catalogue): the items of one's departments, a form for a draft with
 * repeating parts that works without JavaScript, submission, the review queue (publish now, at a set time, or send
 * back), each item's versions and withdrawal. Plain forms with CSRF tokens; every decision is the editing
 * service's, which checks the policy and writes the audit record.
 */
export function registerCatalogueEditorPages(app: FastifyInstance, deps: EditorPagesDeps): void {
  const { editing, authz } = deps;
  const now = deps.now ?? (() => new Date());
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  /** The signed-in actor, or undefined after sending anonymous visitors (and staff owing a second factor) to sign in. */
  async function actorOrSignIn(request: FastifyRequest, reply: FastifyReply): Promise<Actor | undefined> {
    const actor = await request.actor();
    if (actor.kind !== 'anonymous') return actor;
    reply.redirect('/sign-in', 303);
    return undefined;
  }

  function viewOf(request: FastifyRequest, actor: Actor): ViewContext {
    const formatter = new Intl.DateTimeFormat(request.locale, {
      dateStyle: 'medium',
      timeStyle: 'short',
      timeZone: deps.timeZone,
    });
    return {
      m: editorMessages.translator(request.locale),
      lang: request.locale === 'en' ? 'en' : 'zh',
      date: (at) => formatter.format(at),
      viewerId: actorIdOf(actor),
    };
  }

  function codeOf(request: FastifyRequest): string {
    const parsed = EditorCodeParams.safeParse(request.params);
    if (!parsed.success) throw new AppError(KernelErrors.notFound);
    return parsed.data.code;
  }

  const mayPublishIn = (actor: Actor, department: string) =>
    authz.authorize(actor, CataloguePermissions.itemPublish, {
      type: 'catalogue.item',
      departmentCode: department,
    }).allowed;
  const mayPublishSomewhere = (actor: Actor) =>
    actor.kind === 'staff' && actor.roles.some((r) => mayPublishIn(actor, r.departmentCode));

  async function names(request: FastifyRequest): Promise<Names & { departmentList: Named[] }> {
    const lang = request.locale === 'en' ? 'en' : 'zh';
    const [departments, topics, lifeEvents] = await Promise.all([
      deps.departments(),
      deps.catalogue.listTopics(),
      deps.catalogue.listLifeEvents(),
    ]);
    const departmentList = departments.map((d) => ({ code: d.code, name: d.name[request.locale] }));
    return {
      departmentList,
      departments: new Map(departmentList.map((d) => [d.code, d.name])),
      topics: new Map(topics.map((t) => [t.code, t.name[lang]])),
      lifeEvents: new Map(lifeEvents.map((e) => [e.code, e.name[lang]])),
    };
  }

  const crumbs = (v: ViewContext, ...more: Crumb[]): Crumb[] => [
    { label: v.m('list.title'), href: PATH },
    ...more,
  ];

  // ---------- The list ----------

  app.get(PATH, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const v = viewOf(request, actor);
    const query = EditorQuery.parse(request.query ?? {});
    const filter: ListFilter = (LIST_FILTERS as readonly string[]).includes(query.state ?? '')
      ? (query.state as ListFilter)
      : 'all';
    const { items, nextAfter } = await editing.listForEditor(actor, clientOf(request), {
      filter,
      after: query.after,
    });
    const allDepartments =
      actor.kind === 'staff' &&
      actor.roles.some(
        (r) =>
          (CataloguePermissions.itemEdit.grantedTo.roles as Record<string, string | undefined>)[r.role] ===
          'any-department',
      );
    const { departments } = await names(request);
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: v.m('list.title'), breadcrumbs: [{ label: v.m('list.title') }] },
      () => (
        <ListBody
          v={v}
          items={items}
          nextAfter={nextAfter}
          later={query.after !== undefined}
          filter={filter}
          allDepartments={allDepartments}
          departments={departments}
          mayReview={mayPublishSomewhere(actor)}
        />
      ),
    );
  });

  // ---------- The form ----------

  /** The departments in which the actor may create items. */
  function ownDepartments(actor: Actor, all: readonly Named[]): Named[] {
    return all.filter(
      (d) =>
        authz.authorize(actor, CataloguePermissions.itemEdit, {
          type: 'catalogue.item',
          departmentCode: d.code,
        }).allowed,
    );
  }

  /** Refuses (and audits, through the service) anyone who may create items in no department. */
  async function assertMayCreate(actor: Actor, request: FastifyRequest, own: readonly Named[]) {
    if (own.length > 0) return;
    await editing.listForEditor(actor, clientOf(request), { limit: 1 });
    assertAllowed(authz.authorize(actor, CataloguePermissions.itemEdit, { type: 'catalogue.item' }));
  }

  async function formPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    status: number,
    view: Pick<FormView, 'form' | 'problems' | 'conflict' | 'saved' | 'sentBack' | 'item' | 'focus'>,
  ) {
    const v = viewOf(request, actor);
    const all = await names(request);
    const [topics, lifeEvents] = [
      [...all.topics].map(([code, name]) => ({ code, name })),
      [...all.lifeEvents].map(([code, name]) => ({ code, name })),
    ];
    const title = view.item ? v.m('form.editTitle', { name: view.item.name }) : v.m('form.newTitle');
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      {
        title,
        status,
        breadcrumbs: crumbs(
          v,
          ...(view.item ? [{ label: view.item.name, href: `${PATH}/${view.item.code}` }] : []),
          { label: title },
        ),
      },
      () => (
        <FormBody
          {...view}
          v={v}
          action={view.item ? `${PATH}/${view.item.code}/edit` : `${PATH}/new`}
          csrf={reply.generateCsrf()}
          ownDepartments={ownDepartments(actor, all.departmentList)}
          allDepartments={all.departmentList}
          topics={topics}
          lifeEvents={lifeEvents}
        />
      ),
    );
  }

  /** The first empty row of a part, to focus after "add rows". */
  const firstEmptyRow = (form: ItemForm, section: keyof typeof SECTIONS) =>
    idOf(rowField(section, form.rows[section], SECTIONS[section][0]));

  app.get(`${PATH}/new`, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { departmentList } = await names(request);
    const own = ownDepartments(actor, departmentList);
    await assertMayCreate(actor, request, own);
    const form = blankForm({
      department: own[0]?.code ?? '',
      kind: 'administrative_licence',
      identityLevel: '2',
      onlineDepth: 'publish',
      effectiveFrom: civilDate(now(), deps.timeZone),
    });
    return formPage(request, reply, actor, 200, { form, problems: [] });
  });

  app.post(`${PATH}/new`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const { departmentList } = await names(request);
    await assertMayCreate(actor, request, ownDepartments(actor, departmentList));
    const { form, action } = formFromBody(request.body);
    if (action.kind === 'add')
      return formPage(request, reply, actor, 200, {
        form,
        problems: [],
        focus: firstEmptyRow(form, action.section),
      });
    const content = contentFromForm(form);
    const problems = formProblems(content, request.locale);
    if (problems.length > 0) return formPage(request, reply, actor, 400, { form, problems });
    const client = clientOf(request);
    try {
      const version = await editing.createItem(actor, content, form.values.changeNote ?? '', {
        locale: request.locale,
        client,
      });
      if (action.kind === 'submit') {
        const submitted = await editing.submit(actor, version.id, client);
        return reply.redirect(`${PATH}/${submitted.code}?done=submitted&n=${submitted.number}`, 303);
      }
      return reply.redirect(`${PATH}/${version.code}/edit?saved=${version.number}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error instanceof AuthorizationError) throw error;
      if (error.fields.length > 0)
        return formPage(request, reply, actor, error.definition.status, { form, problems: error.fields });
      if (error.definition === CatalogueErrors.itemCodeTaken)
        return formPage(request, reply, actor, error.definition.status, {
          form,
          problems: [{ path: 'code', message: error.messageFor(request.locale) }],
        });
      throw error;
    }
  });

  /** The item as the form edits it: content to start from, its draft note, and whether it is waiting for review. */
  async function loadForEdit(actor: Actor, request: FastifyRequest, code: string) {
    const client = clientOf(request);
    const editable = await editing.editable(actor, code, client);
    const versions = await editing.history(actor, code, client);
    const newest = versions[0] as ItemVersion;
    const draft = versions.find((v) => v.id === editable.draftId);
    const lang = request.locale === 'en' ? 'en' : 'zh';
    return {
      editable,
      newest,
      draft,
      item: { code: newest.code, department: editable.content.department, name: newest.content.name[lang] },
    };
  }

  app.get(`${PATH}/:code/edit`, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    const { editable, newest, draft, item } = await loadForEdit(actor, request, code);
    if (newest.state === 'submitted' || newest.state === 'scheduled') {
      const v = viewOf(request, actor);
      const title = v.m('form.editTitle', { name: item.name });
      reply.header('cache-control', 'no-store');
      return sendPage(
        request,
        reply,
        { title, breadcrumbs: crumbs(v, { label: item.name, href: `${PATH}/${code}` }, { label: title }) },
        () => <AwaitingBody v={v} code={code} name={item.name} version={newest} />,
      );
    }
    const query = EditorQuery.parse(request.query ?? {});
    return formPage(request, reply, actor, 200, {
      form: formFromContent(editable.content, draft?.changeNote ?? ''),
      problems: [],
      item,
      saved: query.saved !== undefined && draft?.number === query.saved ? query.saved : undefined,
      sentBack: draft?.state === 'rejected' ? (draft.reviewNote ?? undefined) : undefined,
    });
  });

  app.post(`${PATH}/:code/edit`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    const { item, draft } = await loadForEdit(actor, request, code);
    const { form, action } = formFromBody(request.body);
    // The code and the department identify the item: whatever was posted, they stay.
    form.values.code = item.code;
    form.values.department = item.department;
    const sentBack = draft?.state === 'rejected' ? (draft.reviewNote ?? undefined) : undefined;
    if (action.kind === 'add')
      return formPage(request, reply, actor, 200, {
        form,
        problems: [],
        item,
        sentBack,
        focus: firstEmptyRow(form, action.section),
      });
    const content = contentFromForm(form);
    const problems = formProblems(content, request.locale);
    if (problems.length > 0) return formPage(request, reply, actor, 400, { form, problems, item, sentBack });
    const client = clientOf(request);
    try {
      const version = await editing.saveDraft(actor, code, content, form.values.changeNote ?? '', {
        locale: request.locale,
        client,
      });
      if (action.kind === 'submit') {
        const submitted = await editing.submit(actor, version.id, client);
        return reply.redirect(`${PATH}/${code}?done=submitted&n=${submitted.number}`, 303);
      }
      return reply.redirect(`${PATH}/${code}/edit?saved=${version.number}`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error instanceof AuthorizationError) throw error;
      if (error.fields.length > 0)
        return formPage(request, reply, actor, error.definition.status, {
          form,
          problems: error.fields,
          item,
          sentBack,
        });
      if (isPageProblem(error))
        return formPage(request, reply, actor, error.definition.status, {
          form,
          problems: [],
          item,
          conflict: error.messageFor(request.locale),
        });
      throw error;
    }
  });

  // ---------- The review queue ----------

  async function loadQueue(actor: Actor, request: FastifyRequest): Promise<QueueEntry[]> {
    const client = clientOf(request);
    const queue = await editing.reviewQueue(actor, client);
    const histories = new Map<string, ItemVersion[]>();
    const entries: QueueEntry[] = [];
    for (const version of queue) {
      let history = histories.get(version.code);
      if (!history) {
        history = await editing.history(actor, version.code, client);
        histories.set(version.code, history);
      }
      const previous: ServiceItemInput | undefined = history.find((h) => h.number < version.number)?.content;
      entries.push({ version, previous, department: version.content.department });
    }
    return entries;
  }

  async function reviewPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    status: number,
    state: {
      queue: QueueEntry[];
      problems?: Map<string, string>;
      values?: Record<string, string>;
      alert?: string;
      done?: string;
    },
  ) {
    const v = viewOf(request, actor);
    const all = await names(request);
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: v.m('review.title'), status, breadcrumbs: crumbs(v, { label: v.m('review.title') }) },
      () => (
        <ReviewBody
          v={v}
          queue={state.queue}
          csrf={reply.generateCsrf()}
          names={all}
          timeZone={deps.timeZone}
          problems={state.problems ?? new Map()}
          values={state.values ?? {}}
          alert={state.alert}
          done={state.done}
        />
      ),
    );
  }

  app.get(`${PATH}/review`, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const queue = await loadQueue(actor, request);
    const v = viewOf(request, actor);
    const query = EditorQuery.parse(request.query ?? {});
    let done: string | undefined;
    if (query.code && query.n !== undefined) {
      const params = { code: query.code, number: query.n };
      if (query.done === 'published') done = v.m('review.done.published', params);
      else if (query.done === 'rejected') done = v.m('review.done.rejected', params);
      else if (query.done === 'scheduled' && query.at)
        done = v.m('review.done.scheduled', { ...params, date: v.date(new Date(query.at)) });
    }
    return reviewPage(request, reply, actor, 200, { queue, done });
  });

  app.post(`${PATH}/review/:versionId`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    // The queue first: it refuses (and audits) anyone who reviews nothing, before the form is looked at.
    const queue = await loadQueue(actor, request);
    const params = ReviewParams.safeParse(request.params);
    if (!params.success) throw new AppError(KernelErrors.notFound);
    const { versionId } = params.data;
    const form = ReviewForm.parse(request.body ?? {});
    const m = editorMessages.translator(request.locale);
    const problems = new Map<string, string>();
    const values = { [`note-${versionId}`]: form.note, [`publishAt-${versionId}`]: form.publishAt };
    let publishAt: Date | undefined;
    if (!form.decision) throw new AppError(KernelErrors.badRequest);
    if (form.decision === 'reject' && !form.note.trim())
      problems.set(`note-${versionId}`, m('error.rejectNote'));
    if (form.decision === 'schedule') {
      publishAt = parseLocalDateTime(form.publishAt, deps.timeZone);
      if (!publishAt) problems.set(`publishAt-${versionId}`, m('error.publishAt'));
      else if (publishAt.getTime() <= now().getTime())
        problems.set(`publishAt-${versionId}`, m('error.publishAtPast'));
    }
    if (problems.size > 0) return reviewPage(request, reply, actor, 400, { queue, problems, values });
    try {
      const note = form.note.trim() || undefined;
      const result = await editing.review(
        actor,
        versionId,
        form.decision === 'reject'
          ? { outcome: 'reject', note: form.note.trim() }
          : form.decision === 'schedule' && publishAt
            ? { outcome: 'schedule', publishAt, ...(note ? { note } : {}) }
            : { outcome: 'publish', ...(note ? { note } : {}) },
        clientOf(request),
      );
      const done =
        result.state === 'scheduled' ? 'scheduled' : result.state === 'rejected' ? 'rejected' : 'published';
      const at =
        result.state === 'scheduled' && result.publishAt ? `&at=${result.publishAt.toISOString()}` : '';
      return reply.redirect(`${PATH}/review?done=${done}&code=${result.code}&n=${result.number}${at}`, 303);
    } catch (error) {
      if (!isPageProblem(error)) throw error;
      return reviewPage(request, reply, actor, error.definition.status, {
        queue: await loadQueue(actor, request),
        values,
        alert: error.messageFor(request.locale),
      });
    }
  });

  // ---------- One item ----------

  async function itemPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    code: string,
    status: number,
    extra: { done?: string; alert?: string } = {},
  ) {
    const versions = await editing.history(actor, code, clientOf(request));
    const newest = versions[0] as ItemVersion;
    const department = newest.content.department;
    const published = await deps.catalogue.findService(code);
    const publicState: PublicState = published
      ? { kind: 'published', number: published.version, at: published.publishedAt }
      : versions.some((v) => v.publishedAt !== null)
        ? { kind: 'withdrawn' }
        : { kind: 'never' };
    const v = viewOf(request, actor);
    const all = await names(request);
    const name = newest.content.name[v.lang];
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: itemTitle(v, name, code), status, breadcrumbs: crumbs(v, { label: name }) },
      () => (
        <ItemBody
          v={v}
          code={newest.code}
          department={department}
          versions={versions}
          publicState={publicState}
          mayPublish={mayPublishIn(actor, department)}
          csrf={reply.generateCsrf()}
          names={all}
          done={extra.done}
          alert={extra.alert}
        />
      ),
    );
  }

  app.get(`${PATH}/:code`, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    const query = EditorQuery.parse(request.query ?? {});
    const m = editorMessages.translator(request.locale);
    const done =
      query.done === 'submitted' && query.n !== undefined
        ? m('item.done.submitted', { number: query.n })
        : query.done === 'withdrawn'
          ? m('item.done.withdrawn')
          : undefined;
    return itemPage(request, reply, actor, code, 200, { done });
  });

  app.post(`${PATH}/:code/submit`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    const { versionId } = SubmitForm.parse(request.body ?? {});
    try {
      const version = await editing.submit(actor, versionId, clientOf(request));
      return reply.redirect(`${PATH}/${version.code}?done=submitted&n=${version.number}`, 303);
    } catch (error) {
      if (!isPageProblem(error)) throw error;
      return itemPage(request, reply, actor, code, error.definition.status, {
        alert: error.messageFor(request.locale),
      });
    }
  });

  // ---------- Withdrawing ----------

  async function withdrawPage(
    request: FastifyRequest,
    reply: FastifyReply,
    actor: Actor,
    code: string,
    status: number,
    state: { note?: string; problem?: string; alert?: string } = {},
  ) {
    const versions = await editing.history(actor, code, clientOf(request));
    const newest = versions[0] as ItemVersion;
    // Only those who may publish may withdraw: the form is not offered to anyone else.
    assertAllowed(
      authz.authorize(actor, CataloguePermissions.itemPublish, {
        type: 'catalogue.item',
        departmentCode: newest.content.department,
      }),
    );
    const v = viewOf(request, actor);
    const name = newest.content.name[v.lang];
    const published = (await deps.catalogue.findService(code)) !== undefined;
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      {
        title: v.m('withdraw.title'),
        status,
        breadcrumbs: crumbs(v, { label: name, href: `${PATH}/${code}` }, { label: v.m('withdraw.title') }),
      },
      () => (
        <WithdrawBody
          v={v}
          code={code}
          name={name}
          published={published}
          csrf={reply.generateCsrf()}
          note={state.note ?? ''}
          problem={state.problem}
          alert={state.alert}
        />
      ),
    );
  }

  app.get(`${PATH}/:code/withdraw`, page, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    return withdrawPage(request, reply, actor, codeOf(request), 200);
  });

  app.post(`${PATH}/:code/withdraw`, protectedRoute, async (request, reply) => {
    const actor = await actorOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    const { note } = WithdrawForm.parse(request.body ?? {});
    if (!note.trim()) {
      const problem = editorMessages.translator(request.locale)('error.withdrawNote');
      return withdrawPage(request, reply, actor, code, 400, { note, problem });
    }
    try {
      await editing.withdraw(actor, code, note, clientOf(request));
      return reply.redirect(`${PATH}/${code}?done=withdrawn`, 303);
    } catch (error) {
      if (!isPageProblem(error)) throw error;
      return withdrawPage(request, reply, actor, code, error.definition.status, {
        note,
        alert: error.messageFor(request.locale),
      });
    }
  });
}
