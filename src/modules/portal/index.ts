import type { ModuleManifest } from '../../kernel/modules.ts';
import type { OrganisationsContract } from '../organisations/index.ts';
import { registerPortalPages } from './http/pages.routes.tsx';

/** The public front door: home page and fixed pages. Later issues add audiences, life events and search here. */
export const portalModule: ModuleManifest<void> = {
  name: 'portal',
  dependsOn: ['organisations'],
  permissions: [],
  async register({ app, kernel, deps }) {
    if (app) registerPortalPages(app, kernel, deps.organisations as OrganisationsContract);
  },
};
