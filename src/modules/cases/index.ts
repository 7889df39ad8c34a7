import { and, eq } from 'drizzle-orm';
import { newId } from '../../kernel/ids.ts';
import type { KernelContext, ModuleManifest } from '../../kernel/modules.ts';
import type { CatalogueContract } from '../catalogue/contract.ts';
import type { FormsService } from '../forms/index.ts';
import { type IdentityContract, STAFF_ROLES } from '../identity/index.ts';
import { DEMO_DEPARTMENT_CODES, type OrganisationsContract } from '../organisations/index.ts';
import { CASES_PERMISSIONS } from './cases.policy.ts';
import { type CasesService, createCasesService } from './cases.service.ts';
import { processDefinitions } from './db/cases.tables.ts';
import { createDefinitionsService, type DefinitionsService } from './definitions.service.ts';
import { DEMO_PROCESSES } from './demo-processes.ts';
import { checkDefinition } from './domain/process-definition.ts';
import { registerCasesApi } from './http/api.routes.ts';
import { registerApplyPages } from './http/apply.routes.tsx';
import { registerMyCasesPages } from './http/my-cases.routes.tsx';
import { registerRatingPages } from './http/ratings.routes.tsx';
import { registerWorkbenchPages } from './http/workbench.routes.tsx';
import { createRatingsService, type RatingsService } from './ratings.service.ts';

export { CasesPermissions } from './cases.policy.ts';
export type { CaseTask, CaseView, InboxItem, Submission, TaskDecision } from './cases.service.ts';
export type { DefinitionVersion } from './definitions.service.ts';
export type {
  CaseRating,
  RatingInput,
  RatingsService,
  Rectification,
  RectificationItem,
} from './ratings.service.ts';

/** What the cases module offers: applying, working and tracking cases, and the processes behind them. */
export interface CasesModule extends CasesService {
  readonly definitions: DefinitionsService;
  readonly ratings: RatingsService;
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
      roles: new Set(STAFF_ROLES),
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
  return Object.assign(service, { definitions, ratings });
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
    if (app) {
      const catalogue = deps.catalogue as CatalogueContract;
      const identity = deps.identity as IdentityContract;
      registerCasesApi(app, cases, catalogue, async (username) => {
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
  async seedDemo({ tx, report }) {
    const context = { departments: new Set(DEMO_DEPARTMENT_CODES), roles: new Set<string>(STAFF_ROLES) };
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
    report.lines.push(`cases: ${added} service processes (开办餐饮店 with four departments in parallel)`);
  },
};
