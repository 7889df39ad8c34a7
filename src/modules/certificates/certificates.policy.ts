import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/contract.ts';

/**
 * Holders see and share their own certificates (an organisation's, under a mandate); the issuing department's staff
 * issue by hand and revoke; the platform administrator defines certificate types and rotates the signing keys.
 * Verification needs no permission: anyone may check a certificate they were shown.
 */
export const CertificatesPermissions = {
  certificateHold: definePermission<StaffRole>({
    name: 'certificates.certificate.hold',
    description:
      'See one’s certificates in the wallet, download them and share a time-limited verification link',
    grantedTo: { owner: true, mandate: true },
    labels: { 'zh-CN': '查看、下载和出示电子证照', en: 'see, download and share certificates' },
  }),
  certificateIssue: definePermission<StaffRole>({
    name: 'certificates.certificate.issue',
    description: 'Issue a certificate of one’s department by hand (approvals issue theirs automatically)',
    grantedTo: { roles: { clerk: 'own-department', head: 'own-department' } },
  }),
  certificateRevoke: definePermission<StaffRole>({
    name: 'certificates.certificate.revoke',
    description: 'Revoke or reissue a certificate one’s department issued, with the reason recorded',
    grantedTo: { roles: { head: 'own-department' } },
  }),
  typeManage: definePermission<StaffRole>({
    name: 'certificates.type.manage',
    description: 'Define the kinds of certificate: fields, issuing department and service, layout',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  keyRotate: definePermission<StaffRole>({
    name: 'certificates.key.rotate',
    description: 'Rotate the signing key (new certificates use the new key; earlier ones still verify)',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
} as const;

export const CERTIFICATES_PERMISSIONS = Object.values(CertificatesPermissions);
