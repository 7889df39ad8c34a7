import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from './contract.ts';

/** Who may see and change people's accounts. Reads of someone else's profile are personal data: purpose required. */
export const IdentityPermissions = {
  profileRead: definePermission<StaffRole>({
    name: 'identity.profile.read',
    description: 'Read a person’s profile (name, ID number, contact details)',
    grantedTo: {
      owner: true,
      roles: {
        clerk: 'own-department',
        reviewer: 'own-department',
        head: 'own-department',
        hotline_operator: 'any-department',
      },
    },
    personalData: true,
  }),
  staffManage: definePermission<StaffRole>({
    name: 'identity.staff.manage',
    description: 'Create staff accounts and change their departments, roles and clearance',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  sessionsManage: definePermission<StaffRole>({
    name: 'identity.session.manage',
    description: 'List and end one’s own sessions',
    grantedTo: { owner: true },
  }),
  credentialsManage: definePermission<StaffRole>({
    name: 'identity.credential.manage',
    description: 'Change one’s own password, recovery codes and security keys',
    grantedTo: { owner: true },
  }),
} as const;

/** Every permission of the identity module, for its manifest. */
export const IDENTITY_PERMISSIONS = Object.values(IdentityPermissions);
