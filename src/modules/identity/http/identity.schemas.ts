import { z } from 'zod';

/** The sign-in form as posted (plain HTML form, url-encoded). */
export const SignInForm = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(128),
  _csrf: z.string().optional(),
});

/** A session named in a URL. */
export const SessionParams = z.object({ id: z.string().regex(/^ses_[0-9A-HJKMNP-TV-Z]{26}$/) });

/** A member of staff opening a person's profile: who, and why (the purpose goes into the audit log). */
export const LookupForm = z.object({
  username: z.string().trim().min(1).max(64),
  purpose: z.string().trim().max(200),
  _csrf: z.string().optional(),
});

/** A counter clerk's in-person check: whose account, and the number read from the original document. */
export const IdentityCheckForm = z.object({
  username: z.string().trim().max(64).default(''),
  documentNumber: z.string().trim().max(40).default(''),
  _csrf: z.string().optional(),
});

/** The registration form as posted; the service checks each field and says what is wrong with all of them. */
export const RegisterForm = z.object({
  displayName: z.string().max(100).default(''),
  username: z.string().max(100).default(''),
  idType: z.enum(['resident_id', 'passport', 'other']).catch('resident_id'),
  idNumber: z.string().max(40).default(''),
  email: z.string().max(300).default(''),
  phone: z.string().max(30).optional(),
  /** Where the code goes; anything but `phone` means e-mail, the default. */
  channel: z.enum(['email', 'phone']).catch('email'),
  password: z.string().max(1000).default(''),
  _csrf: z.string().optional(),
});

/** The code confirmation form. */
export const VerifyForm = z.object({
  registration: z.string().regex(/^reg_[0-9A-HJKMNP-TV-Z]{26}$/),
  code: z.string().trim().max(12),
  _csrf: z.string().optional(),
});

/** Asking for a reset link. */
export const ResetRequestForm = z.object({ identifier: z.string().max(300), _csrf: z.string().optional() });

/** Setting the new password with the link's token. */
export const ResetConfirmForm = z.object({
  token: z.string().max(100),
  password: z.string().max(1000),
  _csrf: z.string().optional(),
});
