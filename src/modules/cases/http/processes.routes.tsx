import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { type Actor, assertAllowed, type PermissionRegistry } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { clientOf } from '../../../kernel/http/request-context.ts';
import type { UploadedPart } from '../../../kernel/http/server.ts';
import {
  DataTable,
  ErrorSummary,
  FormGroup,
  LocalTime,
  NotificationBanner,
} from '../../../kernel/views/components.tsx';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import { CasesErrors } from '../cases.errors.ts';
import { casesMessages } from '../cases.messages.ts';
import { CasesPermissions } from '../cases.policy.ts';
import type { DefinitionsService, DefinitionVersion } from '../definitions.service.ts';
import { importBpmn } from '../domain/bpmn.ts';
import type { ProcessDefinition, ProcessNode } from '../domain/process-definition.ts';
import { workbenchMessages } from '../workbench.messages.ts';
import { drawingOf, ProcessDiagram } from './process-diagram.tsx';

/**
 * Redesigning processes (流程再造) as data: the platform administrator sees each service's versions and a diagram of
 * one, saves a new draft from JSON or from a BPMN file drawn in a modelling tool — refused with every problem at once
 * (cycles, unassigned steps, branches that miss their join) — and activates it; running cases keep their version.
 */
export interface ProcessPagesDeps {
  definitions: DefinitionsService;
  catalogue: CatalogueContract;
  authz: PermissionRegistry;
  timeZone: string;
}

type Translate = (key: string, params?: Record<string, string | number>) => string;
const CODE = /^[A-Z]{2,6}-\d{4}$/;

export function registerProcessPages(app: FastifyInstance, deps: ProcessPagesDeps): void {
  const { definitions } = deps;
  const page = { schema: { hide: true } };
  const protectedRoute = { schema: { hide: true }, preHandler: app.csrfProtection };

  async function adminOrSignIn(request: FastifyRequest, reply: FastifyReply): Promise<Actor | undefined> {
    const actor = await request.actor();
    if (actor.kind === 'anonymous') {
      reply.redirect('/sign-in', 303);
      return undefined;
    }
    assertAllowed(
      deps.authz.authorize(actor, CasesPermissions.definitionManage, { type: 'cases.definition' }),
    );
    return actor;
  }

  const words = (request: FastifyRequest) => ({
    w: workbenchMessages.translator(request.locale) as Translate,
    c: casesMessages.translator(request.locale) as Translate,
    lang: request.locale,
  });

  function codeOf(request: FastifyRequest): string {
    const code = String((request.params as { code?: string }).code ?? '').toUpperCase();
    if (!CODE.test(code)) throw new AppError(CasesErrors.definitionNotFound);
    return code;
  }

  app.get('/admin/processes', page, async (request, reply) => {
    if (!(await adminOrSignIn(request, reply))) return reply;
    const { w } = words(request);
    const services = await definitions.services();
    const lang = request.locale === 'en' ? 'en' : 'zh';
    const names = new Map<string, string>();
    for (const s of services)
      names.set(
        s.serviceCode,
        (await deps.catalogue.findService(s.serviceCode))?.name[lang] ?? s.serviceCode,
      );
    return sendPage(
      request,
      reply,
      { title: w('process.list'), breadcrumbs: [{ label: w('process.list') }] },
      () => (
        <>
          <h1>{w('process.list')}</h1>
          <p>{w('process.lead')}</p>
          <DataTable
            caption={w('process.list')}
            captionHidden
            rows={services}
            rowKey={(s) => s.serviceCode}
            columns={[
              {
                header: w('inbox.service'),
                cell: (s) => (
                  <a
                    href={`/admin/processes/${s.serviceCode}`}
                  >{`${s.serviceCode} ${names.get(s.serviceCode)}`}</a>
                ),
              },
              {
                header: w('process.active'),
                cell: (s) => (s.activeVersion === null ? '—' : `v${s.activeVersion}`),
                numeric: true,
              },
              { header: w('process.versions'), cell: (s) => String(s.versions), numeric: true },
            ]}
          />
        </>
      ),
    );
  });

  async function renderService(
    request: FastifyRequest,
    reply: FastifyReply,
    code: string,
    options: {
      status?: number;
      problems?: { path: string; message: string }[];
      draft?: string;
      banner?: string;
      shown?: string;
    } = {},
  ) {
    const { w, c, lang } = words(request);
    const versions = await definitions.list(code);
    const shown: DefinitionVersion | undefined =
      versions.find((v) => v.id === options.shown) ??
      versions.find((v) => v.state === 'active') ??
      versions[0];
    const drawing = shown ? await drawingOf(code, shown.definition) : undefined;
    const csrf = reply.generateCsrf();
    const label = (node: ProcessNode) => (node.type === 'task' ? node.name[lang] : node.id);
    const title = w('process.title', { code });
    return sendPage(
      request,
      reply,
      {
        title,
        breadcrumbs: [{ label: w('process.list'), href: '/admin/processes' }, { label: code }],
        status: options.status,
      },
      () => (
        <>
          <ErrorSummary
            title={w('process.problem')}
            errors={(options.problems ?? []).map((p) => ({
              fieldId: 'definition',
              message: `${p.path}: ${p.message}`,
            }))}
          />
          {options.banner ? <NotificationBanner title={options.banner} variant="success" /> : null}
          <h1>{title}</h1>
          <DataTable
            caption={w('process.versions')}
            rows={versions}
            rowKey={(v) => v.id}
            columns={[
              {
                header: w('process.version'),
                cell: (v) => <a href={`/admin/processes/${code}?version=${v.id}`}>{`v${v.version}`}</a>,
              },
              { header: w('process.state'), cell: (v) => w(`process.state.${v.state}`) },
              {
                header: w('process.created'),
                cell: (v) => (
                  <LocalTime value={v.createdAt} locale={request.locale} timeZone={deps.timeZone} />
                ),
              },
              {
                header: 'BPMN',
                cell: (v) => (
                  <a href={`/api/v1/process-definitions/${v.id}/bpmn`}>{`${code}-v${v.version}.bpmn`}</a>
                ),
              },
              {
                header: w('process.actions'),
                cell: (v) =>
                  v.state === 'draft' ? (
                    <form method="post" action={`/admin/process-definitions/${v.id}/activate`}>
                      <input type="hidden" name="_csrf" value={csrf} />
                      <button type="submit" class="button button--secondary">
                        {w('process.activate')}
                        <span class="visually-hidden"> v{v.version}</span>
                      </button>
                    </form>
                  ) : (
                    '—'
                  ),
              },
            ]}
          />
          {shown && drawing ? (
            <section aria-labelledby="preview-title">
              <h2 id="preview-title">{w('process.preview', { version: shown.version })}</h2>
              <ProcessDiagram
                drawing={drawing}
                definition={shown.definition}
                title={title}
                lang={lang}
                label={label}
              />
              <Outline definition={shown.definition} lang={lang} c={c} w={w} />
            </section>
          ) : null}
          <h2>{w('process.edit')}</h2>
          <form method="post" action={`/admin/processes/${code}/drafts`} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <FormGroup
              id="definition"
              label={w('process.json')}
              hint={w('process.jsonHint')}
              error={options.problems?.length ? w('process.problem') : undefined}
            >
              {(describedBy) => (
                <textarea
                  id="definition"
                  name="definition"
                  rows={16}
                  class="code"
                  spellcheck={false}
                  aria-describedby={describedBy}
                >
                  {options.draft ?? (shown ? JSON.stringify(shown.definition, null, 2) : '')}
                </textarea>
              )}
            </FormGroup>
            <button type="submit" class="button">
              {w('process.saveDraft')}
            </button>
          </form>
          <form method="post" action={`/admin/processes/${code}/bpmn`} enctype="multipart/form-data">
            <input type="hidden" name="_csrf" value={csrf} />
            <FormGroup id="bpmn" label={w('process.bpmn')} hint={w('process.bpmnHint')}>
              {(describedBy) => (
                <input id="bpmn" name="bpmn" type="file" accept=".bpmn,.xml" aria-describedby={describedBy} />
              )}
            </FormGroup>
            <button type="submit" class="button button--secondary">
              {w('process.import')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get<{ Params: { code: string }; Querystring: { version?: string; saved?: string } }>(
    '/admin/processes/:code',
    page,
    async (request, reply) => {
      if (!(await adminOrSignIn(request, reply))) return reply;
      const { w } = words(request);
      return renderService(request, reply, codeOf(request), {
        ...(request.query.version ? { shown: request.query.version } : {}),
        ...(request.query.saved === '1' ? { banner: w('process.saved') } : {}),
      });
    },
  );

  async function saveDraft(
    request: FastifyRequest,
    reply: FastifyReply,
    definition: unknown,
    draftText: string,
    note: string,
  ) {
    const actor = await adminOrSignIn(request, reply);
    if (!actor) return reply;
    const code = codeOf(request);
    try {
      const saved = await definitions.saveDraft(actor, code, definition, note, {
        locale: request.locale,
        client: clientOf(request),
      });
      return reply.redirect(`/admin/processes/${code}?version=${saved.id}&saved=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.definition !== CasesErrors.definitionInvalid) throw error;
      return renderService(request, reply, code, { status: 400, problems: error.fields, draft: draftText });
    }
  }

  app.post<{ Params: { code: string }; Body: { definition?: string } }>(
    '/admin/processes/:code/drafts',
    protectedRoute,
    async (request, reply) => {
      if (!(await adminOrSignIn(request, reply))) return reply;
      const text = String(request.body?.definition ?? '');
      let parsed: unknown;
      try {
        parsed = JSON.parse(text);
      } catch (error) {
        return renderService(request, reply, codeOf(request), {
          status: 400,
          problems: [{ path: 'JSON', message: (error as Error).message }],
          draft: text,
        });
      }
      return saveDraft(request, reply, parsed, text, 'edited as JSON');
    },
  );

  app.post<{ Params: { code: string }; Body: { bpmn?: UploadedPart } }>(
    '/admin/processes/:code/bpmn',
    protectedRoute,
    async (request, reply) => {
      if (!(await adminOrSignIn(request, reply))) return reply;
      const part = request.body?.bpmn;
      const xml = part && Buffer.isBuffer(part.bytes) ? part.bytes.toString('utf8') : '';
      const imported = await importBpmn(xml);
      if (!imported.definition) {
        return renderService(request, reply, codeOf(request), {
          status: 400,
          problems: imported.problems.map((p) => ({ path: p.element, message: p.message })),
        });
      }
      return saveDraft(
        request,
        reply,
        imported.definition,
        JSON.stringify(imported.definition, null, 2),
        'imported from BPMN',
      );
    },
  );

  app.post<{ Params: { id: string } }>(
    '/admin/process-definitions/:id/activate',
    protectedRoute,
    async (request, reply) => {
      const actor = await adminOrSignIn(request, reply);
      if (!actor) return reply;
      const activated = await definitions.activate(actor, request.params.id, clientOf(request));
      return reply.redirect(`/admin/processes/${activated.serviceCode}?version=${activated.id}`, 303);
    },
  );
}

/** The steps in order, parallel blocks as nested lists: the diagram's text for those who do not see it. */
function Outline(props: { definition: ProcessDefinition; lang: 'zh-CN' | 'en'; c: Translate; w: Translate }) {
  const byId = new Map(props.definition.nodes.map((n) => [n.id, n]));
  const seen = new Set<string>();
  const walk = (id: string, stop?: string): preact.JSX.Element[] => {
    const items: preact.JSX.Element[] = [];
    let current: string | undefined = id;
    while (current && current !== stop && !seen.has(current)) {
      seen.add(current);
      const node = byId.get(current);
      if (!node) break;
      if (node.type === 'task') {
        items.push(
          <li key={node.id}>
            {node.name[props.lang]} — {node.department} · {node.role} ·{' '}
            {props.w('process.limit', { days: node.limitDays })}
          </li>,
        );
        current = node.next;
      } else if (node.type === 'parallel') {
        items.push(
          <li key={node.id}>
            {props.w('process.parallel')}
            <ul>
              {node.branches.map((branch) => (
                <li key={branch}>
                  <ol>{walk(branch, node.join)}</ol>
                </li>
              ))}
            </ul>
          </li>,
        );
        const join = byId.get(node.join);
        seen.add(node.join);
        current = join?.type === 'join' ? join.next : undefined;
      } else if (node.type === 'choice') {
        items.push(<li key={node.id}>{props.w('process.choice')}</li>);
        current = node.otherwise;
      } else if (node.type === 'join') current = node.next;
      else current = undefined;
    }
    return items;
  };
  return <ol class="process-outline">{walk(props.definition.start)}</ol>;
}
