import { z } from 'zod';

/** The part of an id after its prefix (src/kernel/ids.ts). */
const ULID = '[0-9A-HJKMNP-TV-Z]{26}';

/** A legal entity named in a URL. */
export const LegalEntityParams = z.object({ id: z.string().regex(new RegExp(`^org_${ULID}$`)) });

/** A mandate of a legal entity named in a URL. */
export const MandateParams = LegalEntityParams.extend({
  mandateId: z.string().regex(new RegExp(`^mnd_${ULID}$`)),
});

/** A checkbox group arrives as one string when one box is ticked, as a list when several are, absent when none. */
const ticked = z
  .union([z.string(), z.array(z.string())])
  .optional()
  .transform((value) => (value === undefined ? [] : Array.isArray(value) ? value : [value]));

/** Claiming a legal entity: its credit code; the service checks it and says what is wrong. */
export const ClaimForm = z.object({
  creditCode: z.string().max(40).default(''),
  _csrf: z.string().optional(),
});

/** Granting a mandate, as posted; the service checks every field and reports every problem at once. */
export const GrantForm = z.object({
  granteeUsername: z.string().max(100).default(''),
  granteeName: z.string().max(100).default(''),
  scope: ticked,
  validUntil: z.string().max(20).default(''),
  note: z.string().max(1000).optional(),
  _csrf: z.string().optional(),
});

/** Revoking a mandate: why. */
export const RevokeForm = z.object({
  reason: z.string().max(1000).default(''),
  _csrf: z.string().optional(),
});

/** An administrator recording a legal entity checked at a counter. */
export const RecordForm = z.object({
  creditCode: z.string().max(40).default(''),
  nameZh: z.string().max(300).default(''),
  nameEn: z.string().max(300).optional(),
  kind: z.enum(['enterprise', 'social_organisation', 'public_institution', 'other']).catch('enterprise'),
  legalRepresentativeUsername: z.string().max(100).default(''),
  _csrf: z.string().optional(),
});

/** The administrators' search. */
export const AdminSearchQuery = z.object({ q: z.string().max(100).catch('').default('') });
