import { z } from 'zod';

/** The sign-in form as posted (plain HTML form, url-encoded). */
export const SignInForm = z.object({
  username: z.string().trim().min(1).max(64),
  password: z.string().min(1).max(128),
  _csrf: z.string().optional(),
});

/** The second-factor form. */
export const SecondFactorForm = z.object({
  code: z
    .string()
    .trim()
    .regex(/^\d{6}$/),
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
