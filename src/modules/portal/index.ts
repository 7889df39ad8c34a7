import type { ModuleManifest } from '../../kernel/modules.ts';
import type { CatalogueContract } from '../catalogue/index.ts';
import type { OrganisationsContract } from '../organisations/index.ts';
import { registerBrowsePages } from './http/browse.routes.tsx';
import { registerDepartmentPages } from './http/departments.routes.tsx';
import { registerLifeEventPages } from './http/life-events.routes.tsx';
import { registerPortalPages } from './http/pages.routes.tsx';
import { createPortalQueries } from './portal.service.ts';

/**
 * The public front door, organised by people's needs and never by department: the home page, the pages by audience,
 * topic and life event, a department's page below the directory, the elderly-mode toggle and the fixed pages.
 * It stores nothing: everything comes from the catalogue and the organisations through their contracts.
 */
export const portalModule: ModuleManifest<void> = {
  name: 'portal',
  dependsOn: ['organisations', 'catalogue'],
  permissions: [],
  async register({ app, kernel, deps }) {
    if (!app) return;
    const queries = createPortalQueries({
      organisations: deps.organisations as OrganisationsContract,
      catalogue: deps.catalogue as CatalogueContract,
    });
    registerPortalPages(app, { kernel, queries });
    registerBrowsePages(app, queries);
    registerLifeEventPages(app, queries);
    registerDepartmentPages(app, queries);
  },
};
