import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/index.ts';

/** Who may search the audit log. Its records name people and what was done to their data: purpose required. */
export const SupervisionPermissions = {
  auditSearch: definePermission<StaffRole>({
    name: 'supervision.audit.search',
    description: 'Search the audit log by actor, object, action, outcome and time',
    grantedTo: { roles: { auditor: 'any-department' } },
    personalData: true,
  }),
} as const;

/** Every permission of the supervision module, for its manifest. */
export const SUPERVISION_PERMISSIONS = Object.values(SupervisionPermissions);
