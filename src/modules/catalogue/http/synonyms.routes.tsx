import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { AppError, type FieldProblem } from '../../../kernel/errors.ts';
import { sendPage } from '../../../kernel/http/pages.tsx';
import { ErrorSummary, FormGroup, NotificationBanner } from '../../../kernel/views/components.tsx';
import { catalogueMessages } from '../catalogue.messages.ts';
import { type SynonymsService, synonymsAsText } from '../synonyms.service.ts';

const PATH = '/admin/catalogue/synonyms';

const clientOf = (request: FastifyRequest) => ({
  clientAddress: request.ip,
  userAgent: request.headers['user-agent'],
  requestId: String(request.id),
});

/**
 * The platform administrator's page for search synonyms: one textarea, one group a line. A plain HTML form with a
 * CSRF token; the service checks the permission and every line.
 */
export function registerSynonymsPage(app: FastifyInstance, service: SynonymsService): void {
  function page(
    request: FastifyRequest,
    reply: FastifyReply,
    view: { status: number; text: string; count: number; saved?: boolean; problems?: FieldProblem[] },
  ) {
    const m = catalogueMessages.translator(request.locale);
    const problems = view.problems ?? [];
    const csrf = reply.generateCsrf();
    reply.header('cache-control', 'no-store');
    return sendPage(
      request,
      reply,
      { title: m('synonyms.title'), status: view.status, breadcrumbs: [{ label: m('synonyms.title') }] },
      () => (
        <>
          <ErrorSummary
            title={m('synonyms.problem')}
            errors={problems.map((p) => ({ fieldId: 'synonyms', message: p.message }))}
          />
          {view.saved ? (
            <NotificationBanner variant="success" title={m('synonyms.done')}>
              <p>{m('synonyms.saved', { count: view.count })}</p>
            </NotificationBanner>
          ) : null}
          <h1>{m('synonyms.title')}</h1>
          <p class="lead">{m('synonyms.lead')}</p>
          <p>{m('synonyms.count', { count: view.count })}</p>
          <form method="post" action={PATH} novalidate>
            <input type="hidden" name="_csrf" value={csrf} />
            <FormGroup
              id="synonyms"
              label={m('synonyms.label')}
              hint={m('synonyms.hint')}
              error={problems.map((p) => p.message).join(' ') || undefined}
            >
              {(describedBy) => (
                <textarea
                  id="synonyms"
                  name="synonyms"
                  rows={20}
                  spellcheck={false}
                  aria-describedby={describedBy}
                  aria-invalid={problems.length > 0 ? 'true' : undefined}
                >
                  {view.text}
                </textarea>
              )}
            </FormGroup>
            <button type="submit" class="button">
              {m('synonyms.save')}
            </button>
          </form>
        </>
      ),
    );
  }

  app.get(PATH, { schema: { hide: true } }, async (request, reply) => {
    const actor = await request.actor();
    if (actor.kind === 'anonymous') return reply.redirect('/sign-in', 303);
    const groups = await service.list(actor, clientOf(request));
    const saved = (request.query as Record<string, unknown> | undefined)?.saved === '1';
    return page(request, reply, { status: 200, text: synonymsAsText(groups), count: groups.length, saved });
  });

  app.post(PATH, { schema: { hide: true }, preHandler: app.csrfProtection }, async (request, reply) => {
    const actor = await request.actor();
    if (actor.kind === 'anonymous') return reply.redirect('/sign-in', 303);
    const body = (request.body ?? {}) as Record<string, unknown>;
    const text = typeof body.synonyms === 'string' ? body.synonyms.slice(0, 100_000) : '';
    try {
      await service.replace(actor, text, { locale: request.locale, client: clientOf(request) });
      return reply.redirect(`${PATH}?saved=1`, 303);
    } catch (error) {
      if (!(error instanceof AppError) || error.code !== 'CAT_ERR_SYNONYMS_INVALID') throw error;
      const count = (await service.list(actor, clientOf(request))).length;
      return page(request, reply, { status: 400, text, count, problems: error.fields });
    }
  });
}
