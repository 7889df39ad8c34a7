import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/contract.ts';

/** Reading the directory is public and needs no permission; changing it is the platform administrator's. */
export const OrganisationsPermissions = {
  departmentManage: definePermission<StaffRole>({
    name: 'organisations.department.manage',
    description: 'Add, rename or retire a department of the city government',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
} as const;

/** Every permission of the organisations module, for its manifest. */
export const ORGANISATIONS_PERMISSIONS = Object.values(OrganisationsPermissions);
