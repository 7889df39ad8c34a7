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
  assuranceVerify: definePermission<StaffRole>({
    name: 'identity.assurance.verify',
    description:
      'Verify a person’s identity in person at a counter, from their original ID card, raising the account to L3',
    grantedTo: { roles: { clerk: 'any-department' } },
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
  legalEntityRead: definePermission<StaffRole>({
    name: 'identity.legalEntity.read',
    description: 'See a legal entity’s record (name, credit code, legal representative)',
    grantedTo: {
      owner: true,
      mandate: true,
      roles: { platform_admin: 'any-department', hotline_operator: 'any-department' },
    },
    labels: { 'zh-CN': '查看本单位的登记信息', en: 'see the organisation’s record' },
  }),
  legalEntityClaim: definePermission<StaffRole>({
    name: 'identity.legalEntity.claim',
    description:
      'Link to one’s account a legal entity whose legal representative the business register says one is',
    grantedTo: { owner: true },
  }),
  legalEntityManage: definePermission<StaffRole>({
    name: 'identity.legalEntity.manage',
    description:
      'Record a legal entity and its legal representative after checking their papers at a counter',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  mandateGrant: definePermission<StaffRole>({
    name: 'identity.mandate.grant',
    description: 'Let a person act for a legal entity (授权/代办), for named permissions and a limited time',
    grantedTo: { owner: true, roles: { platform_admin: 'any-department' } },
  }),
  mandateRevoke: definePermission<StaffRole>({
    name: 'identity.mandate.revoke',
    description: 'End a mandate before it expires',
    grantedTo: { owner: true, roles: { platform_admin: 'any-department' } },
  }),
  credentialsManage: definePermission<StaffRole>({
    name: 'identity.credential.manage',
    description: 'Change one’s own password, recovery codes and security keys',
    grantedTo: { owner: true },
  }),
} as const;

/** Every permission of the identity module, for its manifest. */
export const IDENTITY_PERMISSIONS = Object.values(IdentityPermissions);
