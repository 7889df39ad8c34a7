import { and, eq } from 'drizzle-orm';
import { publicBaseUrl } from '../../kernel/config.ts';
import { newId } from '../../kernel/ids.ts';
import type { KernelContext, ModuleManifest } from '../../kernel/modules.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import { demoFormDefinition, type FormsService } from '../forms/index.ts';
import type { IdentityContract, StaffRole } from '../identity/index.ts';
import { DEMO_DEPARTMENT_CODES, type OrganisationsContract } from '../organisations/index.ts';
import { CASES_PERMISSIONS } from './cases.policy.ts';
import { type CasesService, createCasesService } from './cases.service.ts';
import { processDefinitions } from './db/cases.tables.ts';
import { checkDeadlines, type DeadlineRun, startDeadlineWatch } from './deadlines.ts';
import { createDefinitionsService, type DefinitionsService } from './definitions.service.ts';
import { seedSupplementLoopCase } from './demo-cases.ts';
import { DEMO_PROCESSES } from './demo-processes.ts';
import { checkDefinition } from './domain/process-definition.ts';
import { registerCasesApi } from './http/api.routes.ts';
import { registerApplyPages } from './http/apply.routes.tsx';
import { registerMyCasesPages } from './http/my-cases.routes.tsx';
import { registerNotificationPages } from './http/notifications.routes.tsx';
import { registerProcessPages } from './http/processes.routes.tsx';
import { registerRatingPages } from './http/ratings.routes.tsx';
import { registerWorkbenchPages } from './http/workbench.routes.tsx';
import { createNotificationsService, type NotificationsService } from './notifications.service.ts';
import { createRatingsService, type RatingsService } from './ratings.service.ts';

export { CasesPermissions } from './cases.policy.ts';
export type {
  CaseTask,
  CaseView,
  InboxItem,
  MaterialHolder,
  MaterialSource,
  Submission,
  TaskDecision,
} from './cases.service.ts';
export type { DefinitionVersion } from './definitions.service.ts';
export type {
  CaseRating,
  RatingInput,
  RatingsService,
  Rectification,
  RectificationItem,
} from './ratings.service.ts';

/**
 * The roles a step may be given: those `cases.task.decide` grants. Another staff role (a hotline operator, the
 * platform administrator) could never decide it, so a step naming one is refused as unassigned would be.
 */
const DECIDING_ROLES: readonly StaffRole[] = ['clerk', 'reviewer', 'head'];

/** What the cases module offers: applying, working and tracking cases, and the processes behind them. */
export interface CasesModule extends CasesService {
  readonly definitions: DefinitionsService;
  readonly ratings: RatingsService;
  readonly notifications: NotificationsService;
  /** The deadline watch's one pass (a timer runs it in processes that work on jobs). */
  checkDeadlines(now?: Date): Promise<DeadlineRun>;
}

function buildCases(
  kernel: KernelContext,
  organisations: OrganisationsContract,
  catalogue: CatalogueContract,
  forms: FormsService,
  identity: IdentityContract,
): CasesModule {
  const definitions = createDefinitionsService({
    db: kernel.db,
    audit: kernel.audit,
    authz: kernel.authz,
    context: async () => ({
      departments: new Set((await organisations.listDepartments()).map((d) => d.code)),
      roles: new Set(DECIDING_ROLES),
    }),
  });
  const service = createCasesService({
    db: kernel.db,
    audit: kernel.audit,
    authz: kernel.authz,
    calendar: () => kernel.calendar,
    timeZone: kernel.config.timeZone,
    catalogue,
    definitions,
    forms,
    files: kernel.files,
    applicantLevel: async (accountId) => (await identity.ownDetails(accountId))?.assuranceLevel,
    staffOf: async (accountId) => {
      const actor = await identity.actorOf(accountId);
      return actor.kind === 'staff' ? actor.roles : undefined;
    },
  });
  const ratings = createRatingsService({
    db: kernel.db,
    audit: kernel.audit,
    authz: kernel.authz,
    calendar: () => kernel.calendar,
    timeZone: kernel.config.timeZone,
  });
  const notifications = createNotificationsService({
    db: kernel.db,
    mail: kernel.mail,
    details: (accountIds, tx) => identity.ownDetailsOf(accountIds, tx),
    baseUrl: publicBaseUrl(kernel.config),
  });
  notifications.subscribe(kernel.events);
  const watch = (now?: Date) =>
    checkDeadlines(
      {
        db: kernel.db,
        audit: kernel.audit,
        calendar: kernel.calendar,
        timeZone: kernel.config.timeZone,
        notifications,
      },
      now,
    );
  return Object.assign(service, { definitions, ratings, notifications, checkDeadlines: watch });
}

/** Applications with cross-department parallel approval (网上审批, 并联审批): the case engine and its processes. */
export const casesModule: ModuleManifest<CasesModule> = {
  name: 'cases',
  dependsOn: ['organisations', 'identity', 'catalogue', 'forms'],
  permissions: CASES_PERMISSIONS,
  async register({ app, kernel, deps }) {
    const cases = buildCases(
      kernel,
      deps.organisations as OrganisationsContract,
      deps.catalogue as CatalogueContract,
      deps.forms as FormsService,
      deps.identity as IdentityContract,
    );
    if (kernel.jobs.working) {
      // Every ten minutes: a step is announced well within its working day, and the watch costs a few queries.
      const watch = startDeadlineWatch(
        () => cases.checkDeadlines(),
        10 * 60 * 1000,
        (error) => kernel.log.error({ err: error }, 'deadline watch failed'),
      );
      app?.addHook('onClose', async () => watch.stop());
    }
    if (app) {
      const catalogue = deps.catalogue as CatalogueContract;
      const identity = deps.identity as IdentityContract;
      registerCasesApi(app, cases, catalogue, deps.forms as FormsService, async (username) => {
        const account = await identity.findAccount(username);
        return account?.kind === 'public' ? account.id : undefined;
      });
      registerApplyPages(app, {
        cases,
        forms: deps.forms as FormsService,
        catalogue,
        identity: deps.identity as IdentityContract,
        timeZone: kernel.config.timeZone,
      });
      registerMyCasesPages(app, {
        cases,
        ratings: cases.ratings,
        catalogue,
        organisations: deps.organisations as OrganisationsContract,
        timeZone: kernel.config.timeZone,
      });
      registerWorkbenchPages(app, {
        cases,
        forms: deps.forms as FormsService,
        catalogue,
        organisations: deps.organisations as OrganisationsContract,
        calendar: () => kernel.calendar,
        timeZone: kernel.config.timeZone,
        findStaff: async (username) => {
          const account = await identity.findAccount(username);
          return account?.kind === 'staff' ? account.id : undefined;
        },
      });
      registerNotificationPages(app, {
        notifications: cases.notifications,
        timeZone: kernel.config.timeZone,
      });
      registerProcessPages(app, {
        definitions: cases.definitions,
        catalogue,
        authz: kernel.authz,
        timeZone: kernel.config.timeZone,
      });
      registerRatingPages(app, {
        cases,
        ratings: cases.ratings,
        catalogue,
        organisations: deps.organisations as OrganisationsContract,
        timeZone: kernel.config.timeZone,
      });
    }
    return cases;
  },
  async seedDemo({ tx, kernel, report }) {
    const context = { departments: new Set(DEMO_DEPARTMENT_CODES), roles: new Set<string>(DECIDING_ROLES) };
    let added = 0;
    for (const [serviceCode, definition] of Object.entries(DEMO_PROCESSES)) {
      const problems = checkDefinition(definition, context);
      if (problems.length > 0)
        throw new Error(`The demo process of ${serviceCode} has problems: ${JSON.stringify(problems)}`);
      const [existing] = await tx
        .select({ id: processDefinitions.id })
        .from(processDefinitions)
        .where(and(eq(processDefinitions.serviceCode, serviceCode), eq(processDefinitions.state, 'active')));
      if (existing) continue;
      await tx.insert(processDefinitions).values({
        id: newId('pdef'),
        serviceCode,
        version: 1,
        state: 'active',
        definition,
        note: 'demo city',
        createdBy: 'demo-seed',
        activatedAt: new Date(),
      });
      added++;
    }
    const loop = await seedSupplementLoopCase(tx, {
      audit: kernel.audit,
      calendar: kernel.calendar,
      timeZone: kernel.config.timeZone,
      form: demoFormDefinition('GJJ-0103'),
    });
    report.lines.push(
      `cases: ${added} service processes (开办餐饮店 with four departments in parallel)${loop ? `; 张伟's case ${loop} shows a supplement loop` : ''}`,
    );
  },
};
