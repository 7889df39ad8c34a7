import { sql } from 'drizzle-orm';
import {
  bigint,
  index,
  integer,
  jsonb,
  pgTable,
  primaryKey,
  smallint,
  text,
  timestamp,
  uniqueIndex,
} from 'drizzle-orm/pg-core';

/** People who sign in: members of the public and staff. Issue-level detail (ID numbers, mandates) grows here. */
export const accounts = pgTable(
  'identity_accounts',
  {
    id: text('id').primaryKey(),
    username: text('username').notNull().unique(),
    displayNameZh: text('display_name_zh').notNull(),
    displayNameEn: text('display_name_en').notNull(),
    kind: text('kind', { enum: ['public', 'staff'] }).notNull(),
    /** Resident ID card (GB 11643), passport, or another document for international users. */
    idType: text('id_type', { enum: ['resident_id', 'passport', 'other'] }),
    idNumber: text('id_number'),
    phone: text('phone'),
    email: text('email'),
    preferredLocale: text('preferred_locale', { enum: ['zh-CN', 'en'] })
      .notNull()
      .default('zh-CN'),
    /** Identity assurance: 1 self-registered, 2 verified against the population register, 3 verified in person. */
    assuranceLevel: smallint('assurance_level').notNull().default(1),
    /** argon2id hash; never leaves this module. */
    passwordHash: text('password_hash').notNull(),
    /** Staff only: the highest information classification this person may see (public < internal < restricted < secret). */
    clearance: text('clearance', { enum: ['public', 'internal', 'restricted', 'secret'] })
      .notNull()
      .default('public'),
    /** TOTP secret, encrypted with a key derived from the platform secret (AES-256-GCM); null until enrolled. */
    totpSecretEncrypted: text('totp_secret_encrypted'),
    totpEnabledAt: timestamp('totp_enabled_at', { withTimezone: true }),
    /** The last TOTP time step accepted: a code is never accepted twice. */
    totpLastStep: integer('totp_last_step'),
    /** When the password was last set: the basis of the optional staff password expiry (YIWANG_STAFF_PASSWORD_MAX_AGE_DAYS). */
    passwordChangedAt: timestamp('password_changed_at', { withTimezone: true }).notNull().defaultNow(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    /** Set by the platform administrator: sign-in is refused (as for a wrong password) and every session ended. */
    disabledAt: timestamp('disabled_at', { withTimezone: true }),
  },
  (t) => [
    // Registration refuses an ID number, phone or e-mail already held, password reset finds the account by e-mail,
    // and a legal entity's representative is found by ID number: each a single-row look-up that, without these,
    // read all of a city's half million accounts (found by `yiwang seed --scale city`; ADR 20).
    index('identity_accounts_id_number_idx').on(t.idNumber),
    index('identity_accounts_phone_idx').on(t.phone),
    index('identity_accounts_email_idx').on(t.email),
    // The staff list, by user name: a few hundred staff among half a million members of the public.
    index('identity_accounts_staff_idx').on(t.username).where(sql`kind = 'staff'`),
  ],
);

/** A staff member's role in one department (a person may hold roles in several). */
export const staffRoles = pgTable(
  'identity_staff_roles',
  {
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    departmentCode: text('department_code').notNull(),
    role: text('role').notNull(),
  },
  (t) => [primaryKey({ columns: [t.accountId, t.departmentCode, t.role] })],
);

/**
 * Signed-in sessions. The cookie holds a random 256-bit token; only its SHA-256 is stored, so a copy of the table
 * signs nobody in. Idle and absolute limits are fixed when the session starts (staff shorter than the public).
 */
export const sessions = pgTable(
  'identity_sessions',
  {
    id: text('id').primaryKey(),
    tokenHash: text('token_hash').notNull().unique(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    /**
     * 'password' until a staff member has passed the second factor, then 'complete' — or 'new-password' first when
     * the staff password expiry is on and the password is too old.
     */
    stage: text('stage', { enum: ['password', 'new-password', 'complete'] }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastSeenAt: timestamp('last_seen_at', { withTimezone: true }).notNull().defaultNow(),
    idleSeconds: integer('idle_seconds').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    endedAt: timestamp('ended_at', { withTimezone: true }),
    clientAddress: text('client_address'),
    userAgent: text('user_agent'),
  },
  (t) => [index('identity_sessions_account_idx').on(t.accountId)],
);

/**
 * Failed sign-ins per key (`account:<name>` or `address:<ip>`), shared by every instance: the basis of progressive
 * lockout. A key exists whether or not the account does, so responses never reveal which accounts exist.
 */
export const signInThrottle = pgTable('identity_sign_in_throttle', {
  key: text('key').primaryKey(),
  failures: integer('failures').notNull().default(0),
  lastFailureAt: timestamp('last_failure_at', { withTimezone: true }).notNull().defaultNow(),
  lockedUntil: timestamp('locked_until', { withTimezone: true }),
});

/**
 * A registration waiting for its code, sent by e-mail or by text message (`channel`). The account is created only
 * when the code is confirmed, so an unconfirmed address or number never becomes an account; the code itself is
 * stored as a keyed hash and works once.
 */
export const registrations = pgTable('identity_registrations', {
  id: text('id').primaryKey(),
  username: text('username').notNull(),
  displayName: text('display_name').notNull(),
  idType: text('id_type', { enum: ['resident_id', 'passport', 'other'] }).notNull(),
  idNumber: text('id_number').notNull(),
  phone: text('phone'),
  /** Required when the code goes by e-mail; optional when it goes by text message. */
  email: text('email'),
  /** Where the code went: `email`, or `phone` (a text message to the mainland mobile number in `phone`). */
  channel: text('channel', { enum: ['email', 'phone'] })
    .notNull()
    .default('email'),
  preferredLocale: text('preferred_locale', { enum: ['zh-CN', 'en'] }).notNull(),
  passwordHash: text('password_hash').notNull(),
  codeHash: text('code_hash').notNull(),
  codeExpiresAt: timestamp('code_expires_at', { withTimezone: true }).notNull(),
  attempts: integer('attempts').notNull().default(0),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  completedAt: timestamp('completed_at', { withTimezone: true }),
  accountId: text('account_id'),
});

/**
 * Verification codes sent recently, per key (`phone:<number>`, `email:<address>`, `address:<client IP>`), shared by
 * every instance: the basis of the limit on sending codes. `recent` holds the send times (epoch milliseconds) still
 * inside the window; the row is locked while a send is decided, so concurrent requests count exactly.
 */
export const codeSendLimits = pgTable('identity_code_send_limits', {
  key: text('key').primaryKey(),
  recent: jsonb('recent').$type<number[]>().notNull(),
});

/** A password reset link: single use, valid for 30 minutes; only the token's SHA-256 is stored. */
export const passwordResets = pgTable('identity_password_resets', {
  id: text('id').primaryKey(),
  accountId: text('account_id')
    .notNull()
    .references(() => accounts.id),
  tokenHash: text('token_hash').notNull().unique(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  usedAt: timestamp('used_at', { withTimezone: true }),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * API tokens of machine clients (a department's own system calling the platform): scoped, expiring, revocable.
 * Only the token's SHA-256 is stored; the token itself is shown once, when it is issued.
 */
export const apiTokens = pgTable('identity_api_tokens', {
  id: text('id').primaryKey(),
  clientName: text('client_name').notNull(),
  departmentCode: text('department_code'),
  scopes: text('scopes').array().notNull(),
  tokenHash: text('token_hash').notNull().unique(),
  issuedBy: text('issued_by'),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  revokedAt: timestamp('revoked_at', { withTimezone: true }),
  lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
});

/**
 * Legal entities (法人): enterprises, social organisations, public institutions, each known by its unified social
 * credit code (GB 32100). Its legal representative acts for it in their own right and grants mandates to others.
 */
export const legalEntities = pgTable('identity_legal_entities', {
  id: text('id').primaryKey(),
  creditCode: text('credit_code').notNull().unique(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en'),
  kind: text('kind', {
    enum: ['enterprise', 'social_organisation', 'public_institution', 'other'],
  }).notNull(),
  legalRepresentativeId: text('legal_representative_id')
    .notNull()
    .references(() => accounts.id),
  /** How the link to its legal representative was established: the business register, or staff at a counter. */
  verifiedBy: text('verified_by', { enum: ['business_register', 'administrator'] }).notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * A mandate (授权/代办): a person may act for a legal entity, for the permissions named in its scope, until it
 * expires or is revoked. Granted by the legal representative or by an administrator; never edited, only revoked.
 */
export const mandates = pgTable(
  'identity_mandates',
  {
    id: text('id').primaryKey(),
    legalEntityId: text('legal_entity_id')
      .notNull()
      .references(() => legalEntities.id),
    granteeId: text('grantee_id')
      .notNull()
      .references(() => accounts.id),
    /** Permission names, exactly (no wildcards): a mandate never grows by itself when modules add permissions. */
    scope: text('scope').array().notNull(),
    grantedBy: text('granted_by')
      .notNull()
      .references(() => accounts.id),
    grantedAs: text('granted_as', { enum: ['legal_representative', 'administrator'] }).notNull(),
    /** Why an administrator granted it (the paper authorisation seen at the counter); null for the representative. */
    note: text('note'),
    validFrom: timestamp('valid_from', { withTimezone: true }).notNull(),
    validUntil: timestamp('valid_until', { withTimezone: true }).notNull(),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revokedBy: text('revoked_by').references(() => accounts.id),
    revokeReason: text('revoke_reason'),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('identity_mandates_grantee_idx').on(t.granteeId),
    index('identity_mandates_entity_idx').on(t.legalEntityId),
  ],
);

/**
 * A staff member's single-use recovery codes, for when the authenticator app is not at hand. Only a keyed hash
 * (HMAC, key derived from the platform secret) of each code is stored; the codes are shown once, when issued.
 */
export const recoveryCodes = pgTable(
  'identity_recovery_codes',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    codeHash: text('code_hash').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    usedAt: timestamp('used_at', { withTimezone: true }),
  },
  (t) => [uniqueIndex('identity_recovery_codes_account_code_idx').on(t.accountId, t.codeHash)],
);

/** Security keys and platform authenticators (WebAuthn) a staff member registered as a second factor. */
export const webauthnCredentials = pgTable(
  'identity_webauthn_credentials',
  {
    id: text('id').primaryKey(),
    accountId: text('account_id')
      .notNull()
      .references(() => accounts.id),
    /** The authenticator's credential id, base64url. */
    credentialId: text('credential_id').notNull().unique(),
    /** The COSE public key, base64url. */
    publicKey: text('public_key').notNull(),
    /** The signature counter last seen: a response that does not raise it (unless both are 0) is a clone's. */
    counter: bigint('counter', { mode: 'number' }).notNull().default(0),
    transports: text('transports').array(),
    /** The name the person gave it ("office key"), to tell several apart. */
    name: text('name').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
    lastUsedAt: timestamp('last_used_at', { withTimezone: true }),
  },
  (t) => [index('identity_webauthn_credentials_account_idx').on(t.accountId)],
);

/**
 * WebAuthn challenges waiting for their answer: in the database so that any instance can check them, bound to
 * the session that asked, short-lived, and deleted when used so a challenge is never answered twice.
 */
export const webauthnChallenges = pgTable(
  'identity_webauthn_challenges',
  {
    challenge: text('challenge').primaryKey(),
    sessionId: text('session_id')
      .notNull()
      .references(() => sessions.id),
    purpose: text('purpose', { enum: ['registration', 'authentication'] }).notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
  },
  (t) => [
    index('identity_webauthn_challenges_session_idx').on(t.sessionId),
    index('identity_webauthn_challenges_expires_idx').on(t.expiresAt),
  ],
);
