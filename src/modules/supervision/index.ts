import type { ModuleManifest } from '../../kernel/modules.ts';
import type { IdentityContract } from '../identity/index.ts';
import type { SupervisionContract } from './contract.ts';
import { registerSupervisionPages } from './http/pages.routes.tsx';
import { SUPERVISION_PERMISSIONS } from './supervision.policy.ts';
import { createSupervisionService } from './supervision.service.ts';

export type { SupervisionContract } from './contract.ts';
export { SupervisionPermissions } from './supervision.policy.ts';

/** Supervision (监察): the auditor's search of the audit log, itself audited with its purpose. */
export const supervisionModule: ModuleManifest<SupervisionContract> = {
  name: 'supervision',
  dependsOn: ['identity'],
  permissions: SUPERVISION_PERMISSIONS,
  async register({ app, kernel, deps }) {
    if (!app) return undefined;
    const service = createSupervisionService({
      db: kernel.db,
      audit: kernel.audit,
      authz: kernel.authz,
      timeZone: kernel.config.timeZone,
    });
    registerSupervisionPages(app, service, deps.identity as IdentityContract, {
      timeZone: kernel.config.timeZone,
    });
    return undefined;
  },
};
