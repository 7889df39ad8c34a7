import { definePermission } from '../../kernel/authz/authz.ts';
import type { StaffRole } from '../identity/contract.ts';

/**
 * Reading the published catalogue is public and needs no permission. Each department keeps its own items: its
 * clerks write drafts, its reviewers and head review and publish them (never their own: four eyes); the platform
 * administrator may do both for every department, and alone loads whole catalogues.
 */
export const CataloguePermissions = {
  itemEdit: definePermission<StaffRole>({
    name: 'catalogue.item.edit',
    description: 'Write and submit drafts of a department’s service items, and see their versions',
    grantedTo: {
      roles: {
        clerk: 'own-department',
        reviewer: 'own-department',
        head: 'own-department',
        platform_admin: 'any-department',
      },
    },
  }),
  itemPublish: definePermission<StaffRole>({
    name: 'catalogue.item.publish',
    description:
      'Review a submitted version of a service item: publish it now or at a set time, or send it back; withdraw an item',
    grantedTo: {
      roles: { reviewer: 'own-department', head: 'own-department', platform_admin: 'any-department' },
    },
  }),
  synonymManage: definePermission<StaffRole>({
    name: 'catalogue.synonym.manage',
    description: 'Change the groups of words search treats as meaning the same (营业执照 ~ business licence)',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  catalogueImport: definePermission<StaffRole>({
    name: 'catalogue.catalogue.import',
    description:
      'Load or export the whole catalogue (service items, topics, life events, synonyms) from a file',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
} as const;

/** Every permission of the catalogue module, for its manifest. */
export const CATALOGUE_PERMISSIONS = Object.values(CataloguePermissions);
