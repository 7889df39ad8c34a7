import { readFileSync } from 'node:fs';
import type { FastifyInstance } from 'fastify';
import { civilDate } from '../../kernel/calendar/working-days.ts';
import type { Db } from '../../kernel/db/database.ts';
import type { KernelContext, ModuleManifest } from '../../kernel/modules.ts';
import { DEMO_DEPARTMENT_CODES, type OrganisationsContract } from '../organisations/index.ts';
import { CATALOGUE_PERMISSIONS } from './catalogue.policy.ts';
import { addViews, type CatalogueService, createCatalogueService } from './catalogue.service.ts';
import { createEditingService, type EditingService, PUBLISH_SCHEDULED_JOB } from './editing.service.ts';
import { registerCatalogueApi } from './http/api.routes.ts';
import { registerCatalogueEditorPages } from './http/editor.routes.tsx';
import { registerCataloguePages } from './http/pages.routes.tsx';
import { registerSynonymsPage } from './http/synonyms.routes.tsx';
import {
  exportCatalogue,
  type ImportOptions,
  type ImportReport,
  importCatalogueInto,
} from './import.service.ts';
import { createSynonymsService, type SynonymsService } from './synonyms.service.ts';

export { CataloguePermissions } from './catalogue.policy.ts';
export type {
  CatalogueContract,
  LifeEvent,
  SearchHit,
  ServiceItem,
  ServiceSummary,
  Topic,
} from './contract.ts';
export type { CatalogueFormat } from './domain/catalogue-rows.ts';
export type { ImportReport } from './import.service.ts';

/** Visits to the demo city's most sought services (illustrative numbers, highest first). */
const DEMO_VIEWS: ReadonlyMap<string, number> = new Map([
  ['SJ-0101', 1860],
  ['GJJ-0103', 1540],
  ['GA-0101', 1420],
  ['GA-0201', 1180],
  ['RS-0201', 990],
  ['YB-0101', 870],
  ['ZWFW-0101', 760],
  ['SW-0101', 640],
  ['MZ-0101', 520],
  ['BDC-0101', 480],
]);

/** The demo city's catalogue: written in our own words after the categories Chinese cities publish. */
export const DEMO_CATALOGUE_FILE = new URL('./demo-catalogue.json', import.meta.url);

/** What the catalogue module registers: the public contract, plus editing and bulk load for its own pages and the CLI. */
export interface CatalogueModule extends CatalogueService {
  readonly editing: EditingService;
  readonly synonyms: SynonymsService;
  /** Loads a catalogue file in one transaction (`yiwang catalogue import`). */
  importFile(
    text: string,
    options: Omit<ImportOptions, 'actor'> & { actor?: ImportOptions['actor'] },
  ): Promise<ImportReport>;
  /** The published catalogue as a file (`yiwang catalogue export`). */
  exportFile(format: 'json' | 'csv'): Promise<string>;
  /** Imports into an open transaction (the demo seed and the scale seed). */
  importInto(
    tx: Db,
    text: string,
    options: ImportOptions,
    departments?: ReadonlySet<string>,
  ): Promise<ImportReport>;
}

function buildCatalogue(
  kernel: KernelContext,
  organisations: OrganisationsContract,
  app: FastifyInstance | undefined,
): CatalogueModule {
  const departments = async () => new Set((await organisations.listDepartments()).map((d) => d.code));
  const catalogue = createCatalogueService({ db: kernel.db, timeZone: kernel.config.timeZone });
  const editing = createEditingService({
    db: kernel.db,
    audit: kernel.audit,
    authz: kernel.authz,
    jobs: kernel.jobs,
    departments,
    // What the public sees changed: forget cached topics and life events, and this process's cached pages (other
    // instances' expire within the page cache's few seconds).
    onPublished: () => {
      catalogue.invalidate();
      app?.pageCache.clear();
    },
  });
  const synonyms = createSynonymsService({
    db: kernel.db,
    audit: kernel.audit,
    authz: kernel.authz,
    onChanged: () => {
      catalogue.invalidate();
      app?.pageCache.clear();
    },
  });
  const importInto: CatalogueModule['importInto'] = async (tx, text, options, known) => {
    const report = await importCatalogueInto(tx, kernel.audit, known ?? (await departments()), text, options);
    return report;
  };
  return Object.assign(catalogue, {
    editing,
    synonyms,
    importInto,
    async importFile(
      text: string,
      options: Omit<ImportOptions, 'actor'> & { actor?: ImportOptions['actor'] },
    ) {
      const known = await departments();
      const report = await kernel.db.transaction((tx) =>
        importCatalogueInto(tx, kernel.audit, known, text, {
          ...options,
          actor: options.actor ?? { kind: 'system', id: 'cli' },
        }),
      );
      catalogue.invalidate();
      app?.pageCache.clear();
      return report;
    },
    exportFile: (format: 'json' | 'csv') => exportCatalogue(kernel.db, format),
  });
}

/** The service catalogue (事项) with topics, life events and search: what the portal and the cases are built on. */
export const catalogueModule: ModuleManifest<CatalogueModule> = {
  name: 'catalogue',
  dependsOn: ['organisations'],
  permissions: CATALOGUE_PERMISSIONS,
  async register({ app, kernel, deps }) {
    const organisations = deps.organisations as OrganisationsContract;
    const service = buildCatalogue(kernel, organisations, app);
    // A scheduled publication is a job enqueued with the decision; it publishes whatever is due when it runs.
    kernel.jobs.define(PUBLISH_SCHEDULED_JOB, async () => {
      await service.editing.publishDue();
    });
    if (app) {
      registerCatalogueApi(app, service);
      registerCatalogueEditorPages(app, {
        editing: service.editing,
        catalogue: service,
        departments: () => organisations.listDepartments(),
        authz: kernel.authz,
        timeZone: kernel.config.timeZone,
      });
      registerCataloguePages(app, service, organisations, {
        timeZone: kernel.config.timeZone,
        publicUrl: kernel.config.publicUrl,
      });
      registerSynonymsPage(app, service.synonyms);
      // Views are counted where pages are served, and written every few seconds (and at shutdown).
      service.startViewCounter();
      app.addHook('onClose', () => service.stopViewCounter());
    }
    return service;
  },
  async seedDemo({ tx, kernel, contract, report }) {
    const result = await contract.importInto(
      tx,
      readFileSync(DEMO_CATALOGUE_FILE, 'utf8'),
      {
        format: 'json',
        locale: 'en',
        source: 'demo-catalogue.json',
        actor: { kind: 'system', id: 'demo-seed' },
      },
      // The departments are seeded in this same transaction: not yet visible to the directory.
      new Set(DEMO_DEPARTMENT_CODES),
    );
    if (!result.imported)
      throw new Error(
        `The demo catalogue has problems: ${result.problems.map((p) => `line ${p.line} ${p.field}: ${p.message}`).join('; ')}`,
      );
    // A city's portal has a history of visits: these make "popular services" show what people of a city look for
    // most (a new deployment starts from zero and counts its own).
    await addViews(tx, DEMO_VIEWS, civilDate(new Date(), kernel.config.timeZone));
    contract.invalidate();
    report.lines.push(
      `catalogue: ${result.items.created} services, ${result.lifeEvents} life events, ${result.topics} topics, ${result.synonyms} synonym groups`,
    );
  },
};
