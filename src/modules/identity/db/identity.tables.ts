import { index, integer, jsonb, pgTable, primaryKey, smallint, text, timestamp } from 'drizzle-orm/pg-core';

/** People who sign in: members of the public and staff. Issue-level detail (ID numbers, mandates) grows here. */
export const accounts = pgTable('identity_accounts', {
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
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
});

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
    /** 'password' until a staff member has passed the second factor, then 'complete'. */
    stage: text('stage', { enum: ['password', 'complete'] }).notNull(),
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
