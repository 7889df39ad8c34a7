import { z } from 'zod';

/*
 * The staff administration forms as posted (plain HTML forms, url-encoded). Every field is read as a string (or ''
 * for anything else, such as a repeated field) and checked by the service, which names every problem at once.
 */

const formText = (max: number) => z.string().max(max).catch('').default('');
const csrf = z.string().optional().catch(undefined);
/** A posted body as a form: anything but a plain object (a JSON array, nothing) counts as an empty form. */
const asForm = (value: unknown) => (value && typeof value === 'object' && !Array.isArray(value) ? value : {});

/** The new-staff form. */
export const NewStaffForm = z.preprocess(
  asForm,
  z.object({
    username: formText(100),
    nameZh: formText(200),
    nameEn: formText(200),
    email: formText(300),
    departmentCode: formText(20),
    role: formText(40),
    clearance: formText(20),
    _csrf: csrf,
  }),
);

/** Adding or removing one role in one department. */
export const StaffRoleForm = z.preprocess(
  asForm,
  z.object({ departmentCode: formText(20), role: formText(40), _csrf: csrf }),
);

/** Changing the clearance. */
export const StaffClearanceForm = z.preprocess(asForm, z.object({ clearance: formText(20), _csrf: csrf }));

/** A staff account named in a page address; the service answers unknown ones. */
export const StaffParams = z.object({ id: z.string().max(40).catch('') });

/** The staff list's query: a department to filter by, and the cursor of a later page (a user name). */
export const StaffListQuery = z.object({
  department: z.string().max(20).optional().catch(undefined),
  after: z.string().max(64).optional().catch(undefined),
});

/** What just happened on a staff member's page, for its confirmation banner. */
export const STAFF_DONE = [
  'created',
  'roleAdded',
  'roleRemoved',
  'clearanceChanged',
  'disabled',
  'enabled',
] as const;
export type StaffDone = (typeof STAFF_DONE)[number];

/** A staff member's page query: `done` after a change (anything else shows no banner). */
export const StaffPageQuery = z.object({ done: z.enum(STAFF_DONE).optional().catch(undefined) });
