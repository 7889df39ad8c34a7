import type { ModuleManifest } from '../../kernel/modules.ts';
import type { OrganisationsContract } from './contract.ts';
import { registerDepartmentAdminPages } from './http/admin.routes.tsx';
import { registerOrganisationsApi } from './http/api.routes.ts';
import { registerOrganisationsPages } from './http/pages.routes.tsx';
import { ORGANISATIONS_PERMISSIONS } from './organisations.policy.ts';
import { DEMO_DEPARTMENTS } from './organisations.seed.ts';
import { addMissingDepartments, createOrganisationsService } from './organisations.service.ts';

export type { Department, OrganisationsContract } from './contract.ts';
export { OrganisationsPermissions } from './organisations.policy.ts';

/** The codes of the demo city's departments, for other modules' demo data (seeded in the same transaction). */
export const DEMO_DEPARTMENT_CODES: readonly string[] = DEMO_DEPARTMENTS.map((d) => d.code);

/** A demo department's name, for other modules' demo data seeded in the same transaction (no look-up needed). */
export function demoDepartmentName(code: string): { 'zh-CN': string; en: string } | undefined {
  const department = DEMO_DEPARTMENTS.find((d) => d.code === code);
  return department ? { 'zh-CN': department.nameZh, en: department.nameEn } : undefined;
}

/** Departments of the city government (the organisations every other module refers to). */
export const organisationsModule: ModuleManifest<OrganisationsContract> = {
  name: 'organisations',
  dependsOn: [],
  permissions: ORGANISATIONS_PERMISSIONS,
  async register({ app, kernel }) {
    const service = createOrganisationsService(kernel);
    if (app) {
      registerOrganisationsApi(app, service);
      registerOrganisationsPages(app, service);
      registerDepartmentAdminPages(app, service);
    }
    return service;
  },
  async seedDemo({ tx, kernel, report }) {
    const added = await addMissingDepartments(tx, kernel.audit, DEMO_DEPARTMENTS);
    report.lines.push(`departments: ${added} added, ${DEMO_DEPARTMENTS.length} in the demo city`);
  },
};
