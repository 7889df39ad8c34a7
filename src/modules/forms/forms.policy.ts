import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/contract.ts';

/** Applicants fill in their own drafts (no permission beyond being the draft's owner); administrators design forms. */
export const FormsPermissions = {
  formManage: definePermission<StaffRole>({
    name: 'forms.form.manage',
    description:
      'Design and publish the application forms of services (questions, conditions, data elements)',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
} as const;

/** Every permission of the forms module, for its manifest. */
export const FORMS_PERMISSIONS = Object.values(FormsPermissions);
