import type { AuthenticationResponseJSON, RegistrationResponseJSON } from '@simplewebauthn/server';
import { z } from 'zod';

/*
 * The forms of the second factor, the expired-password step and the security page, as posted (url-encoded). Fields
 * default to '' so that a form with gaps reaches the service, which names every problem at once.
 */

const field = (max: number) => z.string().max(max).default('');
const csrf = z.string().optional();

/** The TOTP code at sign-in (the service refuses anything but 6 digits, counting it as a guess). */
export const TotpForm = z.object({ code: field(20), _csrf: csrf });

/** A recovery code instead of the TOTP code. */
export const RecoveryCodeForm = z.object({ recoveryCode: field(100), _csrf: csrf });

/** The browser's answer from a security key, as our script put it into the form (JSON, or '' when there is none). */
export const SecurityKeyForm = z.object({ response: field(64 * 1024), _csrf: csrf });

/** A new password, when the old one has expired. */
export const NewPasswordForm = z.object({ newPassword: field(1000), _csrf: csrf });

/** Changing the password on the security page. */
export const ChangePasswordForm = z.object({
  currentPassword: field(1000),
  newPassword: field(1000),
  _csrf: csrf,
});

/** A fresh set of recovery codes, against a current TOTP code. */
export const RegenerateCodesForm = z.object({ totpCode: field(20), _csrf: csrf });

/** Adding a security key: its name, the current password, and the browser's answer to the challenge. */
export const AddSecurityKeyForm = z.object({
  keyName: field(200),
  keyPassword: field(1000),
  response: field(64 * 1024),
  _csrf: csrf,
});

/** A security key named in a URL. */
export const SecurityKeyParams = z.object({ id: z.string().regex(/^wak_[0-9A-HJKMNP-TV-Z]{26}$/) });

const base64url = z
  .string()
  .min(1)
  .max(16 * 1024)
  .regex(/^[A-Za-z0-9_-]+$/);

const credential = {
  id: base64url,
  rawId: base64url,
  type: z.literal('public-key'),
  clientExtensionResults: z.record(z.string(), z.unknown()).default({}),
  authenticatorAttachment: z.enum(['platform', 'cross-platform']).optional(),
};

/** The JSON of `startAuthentication()`: only its shape is checked here; @simplewebauthn/server checks the rest. */
const AuthenticationResponse = z.object({
  ...credential,
  response: z.object({
    clientDataJSON: base64url,
    authenticatorData: base64url,
    signature: base64url,
    userHandle: base64url.nullish().transform((v) => v ?? undefined),
  }),
});

/** The JSON of `startRegistration()`. */
const RegistrationResponse = z.object({
  ...credential,
  response: z.object({
    clientDataJSON: base64url,
    attestationObject: base64url,
    authenticatorData: base64url.optional(),
    transports: z.array(z.string().max(32)).max(10).optional(),
    publicKeyAlgorithm: z.number().int().optional(),
    publicKey: base64url.optional(),
  }),
});

function parseJson(raw: string): unknown {
  try {
    return JSON.parse(raw);
  } catch {
    return undefined;
  }
}

/** The security key's answer at sign-in, or undefined when there is none or it is not one. */
export function authenticationResponseOf(raw: string): AuthenticationResponseJSON | undefined {
  const parsed = AuthenticationResponse.safeParse(parseJson(raw));
  // The library's type lists the known extension outputs; unknown ones are passed on unread.
  return parsed.success ? (parsed.data as AuthenticationResponseJSON) : undefined;
}

/** The authenticator's answer at registration, or undefined when there is none or it is not one. */
export function registrationResponseOf(raw: string): RegistrationResponseJSON | undefined {
  const parsed = RegistrationResponse.safeParse(parseJson(raw));
  return parsed.success ? (parsed.data as RegistrationResponseJSON) : undefined;
}
