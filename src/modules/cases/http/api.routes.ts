import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import { type Actor, AuthorizationError } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { ProblemSchema } from '../../../kernel/http/problem.schemas.ts';
import { clientOf } from '../../../kernel/http/request-context.ts';
import type { CatalogueContract } from '../../catalogue/contract.ts';
import type { FormsService } from '../../forms/index.ts';
import { type ApplicantCaseView, type ApplicantTask, audienceOf, caseViewFor } from '../case-views.ts';
import { CasesErrors } from '../cases.errors.ts';
import type { CaseView, InboxItem } from '../cases.service.ts';
import type { DefinitionVersion } from '../definitions.service.ts';
import { exportBpmn, importBpmn } from '../domain/bpmn.ts';
import type { CasesModule } from '../index.ts';
import {
  CaseParams,
  CaseSchema,
  CaseSummarySchema,
  CaseTaskSchema,
  DecisionBody,
  DefinitionDraftBody,
  DefinitionSchema,
  IdempotencyHeaders,
  InboxQuery,
  InboxSchema,
  IntakeBody,
  NoteBody,
  ReasonBody,
  RevisionBody,
  ServiceParams,
  SubmissionBody,
  TaskParams,
  UploadBody,
  UploadedFileSchema,
} from './cases.schemas.ts';

/** A machine client's token, else the signed-in person or staff member. */
async function actorOf(request: FastifyRequest): Promise<Actor> {
  return request.apiClient ?? (await request.actor());
}

const iso = (date: Date | null) => (date ? date.toISOString() : null);

function caseCore(view: Omit<CaseView, 'tasks' | 'timeline' | 'answers' | 'formId'>) {
  return {
    id: view.id,
    number: view.number,
    serviceCode: view.serviceCode,
    departmentCode: view.departmentCode,
    organisationId: view.organisationId,
    channel: view.channel,
    state: view.state,
    startedOn: view.startedOn,
    statutoryDays: view.statutoryDays,
    promisedDays: view.promisedDays,
    dueOn: view.dueOn,
    statutoryDueOn: view.statutoryDueOn,
    missing: view.missing,
    submittedAt: view.submittedAt.toISOString(),
    closedAt: iso(view.closedAt),
  };
}

const taskJson = <T extends ApplicantTask>(task: T) => ({ ...task, decidedAt: iso(task.decidedAt) });

/** Only ever a view made for its reader (case-views.ts): never a case as the service loads it. */
function caseJson(view: CaseView | ApplicantCaseView) {
  return {
    ...caseCore(view),
    answers: view.answers,
    tasks: view.tasks.map(taskJson),
    timeline: view.timeline.map((entry) => ({ ...entry, at: entry.at.toISOString() })),
  };
}

const definitionJson = (version: DefinitionVersion) => ({
  id: version.id,
  serviceCode: version.serviceCode,
  version: version.version,
  state: version.state,
  definition: version.definition,
  note: version.note,
  createdAt: version.createdAt.toISOString(),
  activatedAt: iso(version.activatedAt),
});

const PROBLEMS = {
  400: ProblemSchema,
  401: ProblemSchema,
  403: ProblemSchema,
  404: ProblemSchema,
  409: ProblemSchema,
};

/** Applying, tracking and deciding through the API, with the same checks as the pages. */
export function registerCasesApi(
  app: FastifyInstance,
  cases: CasesModule,
  catalogue: CatalogueContract,
  forms: FormsService,
  /** The account id of a member of the public, by user name. */
  findApplicant: (username: string) => Promise<string | undefined>,
): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearerAuth: [] }];

  /**
   * The case as the one asking may see it (case-views.ts), as JSON: staff and machine clients get the applicant's
   * identifiers masked; the applicant gets no staff internals (who claimed a step, approvers' notes).
   */
  async function present(actor: Actor, view: CaseView) {
    const form =
      audienceOf(actor, view) !== 'applicant' && view.formId
        ? (await forms.form(view.formId))?.definition
        : undefined;
    return caseJson(caseViewFor(actor, view, form));
  }

  api.post(
    '/api/v1/uploads',
    {
      // The largest material (20 MB) as base64, with room for the JSON around it.
      bodyLimit: 28_500_000,
      schema: {
        tags: ['cases'],
        summary:
          'Upload a material for an application: checked on its content, stored, and yours to name in your answers (by its sha256)',
        security,
        body: UploadBody,
        response: { 201: UploadedFileSchema, ...PROBLEMS, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await actorOf(request);
      // People upload for their applications, and counter clerks for walk-in applicants; a machine client has none.
      if (actor.kind !== 'person' && actor.kind !== 'staff')
        throw new AuthorizationError(actor.kind === 'anonymous' ? 'anonymous' : 'not-owner', 'forms.upload');
      const file = await forms.upload(
        actor.accountId,
        { filename: request.body.name, bytes: Buffer.from(request.body.content, 'base64') },
        request.locale,
      );
      return reply.code(201).send(file);
    },
  );

  api.post(
    '/api/v1/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'Apply for a service (idempotent: send an Idempotency-Key; a retry returns the same case)',
        security,
        headers: IdempotencyHeaders,
        body: SubmissionBody,
        response: { 200: CaseSchema, 201: CaseSchema, ...PROBLEMS, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const actor = await actorOf(request);
      const result = await cases.submit(
        actor,
        {
          serviceCode: request.body.serviceCode.toUpperCase(),
          answers: request.body.answers,
          idempotencyKey: request.headers['idempotency-key'],
          ...(request.body.organisationId ? { organisationId: request.body.organisationId } : {}),
        },
        clientOf(request),
        request.locale,
      );
      return reply.code(result.replayed ? 200 : 201).send(await present(actor, result.case));
    },
  );

  api.post(
    '/api/v1/cases/intake',
    {
      schema: {
        tags: ['cases'],
        summary:
          'A counter clerk applies for a walk-in person whose identity was checked in person (L3): one case whatever the door',
        security,
        headers: IdempotencyHeaders,
        body: IntakeBody,
        response: { 200: CaseSchema, 201: CaseSchema, ...PROBLEMS, 422: ProblemSchema },
      },
    },
    async (request, reply) => {
      const applicant = await findApplicant(request.body.applicant);
      if (!applicant) throw new AppError(CasesErrors.applicantNotFound);
      const actor = await actorOf(request);
      const result = await cases.intake(
        actor,
        applicant,
        {
          serviceCode: request.body.serviceCode.toUpperCase(),
          answers: request.body.answers,
          idempotencyKey: request.headers['idempotency-key'],
        },
        clientOf(request),
        request.locale,
      );
      return reply.code(result.replayed ? 200 : 201).send(await present(actor, result.case));
    },
  );

  api.get(
    '/api/v1/cases',
    {
      schema: {
        tags: ['cases'],
        summary: 'My cases, newest first',
        security,
        response: { 200: CaseSummarySchema.array(), 401: ProblemSchema },
      },
    },
    async (request) => (await cases.listMine(await actorOf(request))).map(caseCore),
  );

  api.get(
    '/api/v1/cases/:id',
    {
      schema: {
        tags: ['cases'],
        summary:
          'One case by id or number, with its steps and timeline (its applicant, or staff of a department in it): staff see the applicant’s identifiers masked; the applicant sees no staff internals (who claimed a step, approvers’ notes)',
        security,
        params: CaseParams,
        response: { 200: CaseSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const actor = await actorOf(request);
      return present(actor, await cases.get(actor, request.params.id, clientOf(request)));
    },
  );

  api.post(
    '/api/v1/cases/:id/supplement',
    {
      schema: {
        tags: ['cases'],
        summary: 'Answer a supplement request: the case’s clock runs again',
        security,
        params: CaseParams,
        body: NoteBody,
        response: { 200: CaseSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const actor = await actorOf(request);
      return present(
        actor,
        await cases.answerSupplement(actor, request.params.id, request.body.note, clientOf(request)),
      );
    },
  );

  api.post(
    '/api/v1/cases/:id/withdraw',
    {
      schema: {
        tags: ['cases'],
        summary: 'Withdraw an open case',
        security,
        params: CaseParams,
        body: ReasonBody,
        response: { 200: CaseSchema, ...PROBLEMS },
      },
    },
    async (request) => {
      const actor = await actorOf(request);
      return present(
        actor,
        await cases.withdraw(actor, request.params.id, request.body.reason, clientOf(request)),
      );
    },
  );

  api.get(
    '/api/v1/tasks',
    {
      schema: {
        tags: ['cases'],
        summary: 'Open steps for my departments and roles, soonest due first',
        security,
        querystring: InboxQuery,
        response: { 200: InboxSchema, 400: ProblemSchema, 401: ProblemSchema },
      },
    },
    async (request) => ({
      items: (await cases.inbox(await actorOf(request), request.query)).map((item: InboxItem) =>
        taskJson(item),
      ),
    }),
  );

  for (const change of ['claim', 'release'] as const) {
    api.post(
      `/api/v1/tasks/:id/${change}`,
      {
        schema: {
          tags: ['cases'],
          summary: change === 'claim' ? 'Claim a step (it shows as mine)' : 'Release a step I claimed',
          security,
          params: TaskParams,
          body: RevisionBody,
          response: { 200: CaseTaskSchema, ...PROBLEMS },
        },
      },
      async (request) =>
        taskJson(
          await cases[change](
            await actorOf(request),
            request.params.id,
            request.body.revision,
            clientOf(request),
          ),
        ),
    );
  }

  api.post(
    '/api/v1/tasks/:id/decision',
    {
      schema: {
        tags: ['cases'],
        summary:
          'Decide a step: approve, reject with a reason, or request every missing item at once (409 when someone else decided first); returns the case as staff see it, the applicant’s identifiers masked',
        security,
        params: TaskParams,
        body: DecisionBody,
        response: { 200: CaseSchema, ...PROBLEMS },
      },
    },
    // The decider gets what deciding lets them see: the staff view, identifiers masked (a machine client holding only
    // the decide scope included), never the case as stored.
    async (request) => {
      const actor = await actorOf(request);
      return present(actor, await cases.decide(actor, request.params.id, request.body, clientOf(request)));
    },
  );

  api.get(
    '/api/v1/services/:code/process',
    {
      schema: {
        tags: ['cases'],
        summary: 'Every version of a service’s process, newest first',
        params: ServiceParams,
        response: { 200: DefinitionSchema.array(), 400: ProblemSchema },
      },
    },
    async (request) => (await cases.definitions.list(request.params.code.toUpperCase())).map(definitionJson),
  );

  api.post(
    '/api/v1/services/:code/process',
    {
      schema: {
        tags: ['cases'],
        summary:
          'Save a new draft version of a service’s process; refused with every problem (cycles, unassigned steps…)',
        security,
        params: ServiceParams,
        body: DefinitionDraftBody,
        response: { 201: DefinitionSchema, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const version = await cases.definitions.saveDraft(
        await actorOf(request),
        request.params.code.toUpperCase(),
        request.body.definition,
        request.body.note,
        { locale: request.locale, client: clientOf(request) },
      );
      return reply.code(201).send(definitionJson(version));
    },
  );

  api.post(
    '/api/v1/process-definitions/:id/activate',
    {
      schema: {
        tags: ['cases'],
        summary: 'Make a draft the version new cases start with (running cases keep theirs)',
        security,
        params: CaseParams,
        response: { 200: DefinitionSchema, ...PROBLEMS },
      },
    },
    async (request) =>
      definitionJson(
        await cases.definitions.activate(await actorOf(request), request.params.id, clientOf(request)),
      ),
  );

  // BPMN 2.0 exchange with modelling tools (bpmn.io): the subset of ADR 16, refused element by element otherwise.
  app.addContentTypeParser(
    ['application/xml', 'text/xml', 'application/bpmn+xml'],
    { parseAs: 'string', bodyLimit: 1024 * 1024 },
    (_request, body, done) => done(null, body),
  );

  api.get(
    '/api/v1/process-definitions/:id/bpmn',
    {
      schema: {
        tags: ['cases'],
        summary: 'A process version as BPMN 2.0 XML, with its diagram, for bpmn.io and other modelling tools',
        params: CaseParams,
        produces: ['application/xml'],
        response: { 200: z.string().describe('BPMN 2.0 XML'), 404: ProblemSchema },
      },
    },
    async (request, reply) => {
      const version = await cases.definitions.get(request.params.id);
      if (!version) throw new AppError(CasesErrors.definitionNotFound);
      const item = await catalogue.findService(version.serviceCode);
      const name = item
        ? { 'zh-CN': item.name.zh, en: item.name.en }
        : { 'zh-CN': version.serviceCode, en: version.serviceCode };
      const xml = await exportBpmn(version.serviceCode, name, version.definition);
      return reply
        .type('application/xml; charset=utf-8')
        .header(
          'content-disposition',
          `attachment; filename="${version.serviceCode}-v${version.version}.bpmn"`,
        )
        .send(xml);
    },
  );

  api.post(
    '/api/v1/services/:code/process/bpmn',
    {
      schema: {
        tags: ['cases'],
        summary:
          'Save a new draft version of a service’s process from BPMN 2.0 XML drawn in a modelling tool (the subset: userTask, parallel, exclusive and complex gateways, timer boundary events)',
        security,
        consumes: ['application/xml'],
        params: ServiceParams,
        body: z.string().describe('BPMN 2.0 XML'),
        response: { 201: DefinitionSchema, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const imported = await importBpmn(request.body);
      if (!imported.definition)
        throw new AppError(
          CasesErrors.bpmnUnsupported,
          { count: String(imported.problems.length) },
          imported.problems.map((p) => ({ path: p.element, message: p.message })),
        );
      const version = await cases.definitions.saveDraft(
        await actorOf(request),
        request.params.code.toUpperCase(),
        imported.definition,
        'imported from BPMN',
        { locale: request.locale, client: clientOf(request) },
      );
      return reply.code(201).send(definitionJson(version));
    },
  );
}
