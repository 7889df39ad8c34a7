import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/contract.ts';

/**
 * Applicants act on their own cases (and on their organisation's, under a mandate); each department's staff work
 * the steps assigned to their department and role; the platform administrator designs processes (流程再造).
 */
export const CasesPermissions = {
  caseApply: definePermission<StaffRole>({
    name: 'cases.case.apply',
    description: 'Apply for a service, follow one’s cases, answer supplement requests and withdraw',
    grantedTo: { owner: true, mandate: true },
    labels: { 'zh-CN': '办理业务申请、补正和撤回', en: 'apply for services, supply material and withdraw' },
  }),
  caseRead: definePermission<StaffRole>({
    name: 'cases.case.read',
    description: 'See a case: its answers, materials and timeline (applicant data is masked unless needed)',
    grantedTo: {
      owner: true,
      mandate: true,
      roles: { clerk: 'own-department', reviewer: 'own-department', head: 'own-department' },
    },
    personalData: true,
    labels: { 'zh-CN': '查看办件', en: 'see cases' },
  }),
  taskDecide: definePermission<StaffRole>({
    name: 'cases.task.decide',
    description:
      'Claim, release and decide a step of a case for one’s department: approve, reject with reasons, or request every missing item at once',
    grantedTo: {
      roles: { clerk: 'own-department', reviewer: 'own-department', head: 'own-department' },
      // Scopes are written like permissions (`<module>.<entity>.<verb>`), as the token issuer takes them.
      clientScope: 'cases.task.decide',
    },
  }),
  counterIntake: definePermission<StaffRole>({
    name: 'cases.case.intake',
    description: 'Create a case at the counter for a walk-in applicant whose identity the clerk checked',
    grantedTo: { roles: { clerk: 'own-department' } },
  }),
  definitionManage: definePermission<StaffRole>({
    name: 'cases.definition.manage',
    description:
      'Design, check and activate the process definitions of services (steps, parallel blocks, limits)',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
} as const;

/** Every permission of the cases module, for its manifest. */
export const CASES_PERMISSIONS = Object.values(CasesPermissions);
