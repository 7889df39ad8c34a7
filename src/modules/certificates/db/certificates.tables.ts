import { date, index, integer, jsonb, pgSequence, pgTable, text, timestamp } from 'drizzle-orm/pg-core';
import type { PublicKeyJwk, SignatureSuite } from '../../../kernel/signatures/index.ts';
import type { CertificateField, CertificateLayout } from '../domain/certificate-type.ts';

/**
 * Kinds of certificate an administrator defines (食品经营许可证…): who issues them, the service whose approval
 * issues them, their fields beside the common metadata of GB/T 36901–36905, and how they print.
 */
export const certificateTypes = pgTable('certificates_types', {
  /** `food-business-licence`: stable, typed by administrators, printed in nothing. */
  code: text('code').primaryKey(),
  nameZh: text('name_zh').notNull(),
  nameEn: text('name_en').notNull(),
  /** The issuing department, and its name as the certificate names the issuing authority. */
  departmentCode: text('department_code').notNull(),
  issuerNameZh: text('issuer_name_zh').notNull(),
  issuerNameEn: text('issuer_name_en').notNull(),
  /** The service whose approved case issues one (automatic issuance); null for manual issuance only. */
  serviceCode: text('service_code'),
  /** The certificate number's prefix: `JY` gives `JY-2026-0000123-K`. */
  numberPrefix: text('number_prefix').notNull(),
  /** Years of validity from the issue date; null for long-term (长期). */
  validityYears: integer('validity_years'),
  fields: jsonb('fields').$type<CertificateField[]>().notNull(),
  layout: jsonb('layout').$type<CertificateLayout>().notNull().default({}),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  updatedAt: timestamp('updated_at', { withTimezone: true }).notNull().defaultNow(),
});

/**
 * The platform's signing keys. The private part is sealed with a key derived from the platform secret
 * (kernel/secret.ts), so a copy of the database alone signs nothing. A retired key signs nothing new and stays
 * published, so everything it signed still verifies.
 */
export const signingKeys = pgTable('certificates_signing_keys', {
  kid: text('kid').primaryKey(),
  suite: text('suite').$type<SignatureSuite>().notNull(),
  publicJwk: jsonb('public_jwk').$type<PublicKeyJwk>().notNull(),
  privateKeySealed: text('private_key_sealed').notNull(),
  createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  retiredAt: timestamp('retired_at', { withTimezone: true }),
});

/** Numbers the certificates of every type, and their places in the published status list. */
export const CERTIFICATE_NUMBER_SEQUENCE = 'certificates_number_seq';
export const certificateNumberSequence = pgSequence(CERTIFICATE_NUMBER_SEQUENCE, {
  startWith: 1,
  increment: 1,
});
export const STATUS_INDEX_SEQUENCE = 'certificates_status_index_seq';
export const statusIndexSequence = pgSequence(STATUS_INDEX_SEQUENCE, {
  startWith: 0,
  minValue: 0,
  increment: 1,
});

export type CertificateState = 'valid' | 'revoked';

/** One issued certificate: what it says, the signed credential, and its life (revocation, replacement). */
export const certificates = pgTable(
  'certificates_certificates',
  {
    id: text('id').primaryKey(),
    number: text('number').notNull().unique(),
    typeCode: text('type_code')
      .notNull()
      .references(() => certificateTypes.code),
    /** The person holding it, or the legal representative's organisation's certificate holder below. */
    holderAccountId: text('holder_account_id'),
    holderOrganisationId: text('holder_organisation_id'),
    holderName: text('holder_name').notNull(),
    /** The holder's ID number or credit code, whole (the signed credential and every page show it masked). */
    holderIdNumber: text('holder_id_number').notNull(),
    fields: jsonb('fields').$type<Record<string, string>>().notNull(),
    issuedOn: date('issued_on', { mode: 'string' }).notNull(),
    validUntil: date('valid_until', { mode: 'string' }),
    departmentCode: text('department_code').notNull(),
    /** The case whose approval issued it; null for manual issuance. */
    caseId: text('case_id').unique(),
    kid: text('kid')
      .notNull()
      .references(() => signingKeys.kid),
    jws: text('jws').notNull(),
    /** Its bit in the published status list (Token Status List): 1 when revoked. */
    statusIndex: integer('status_index').notNull().unique(),
    state: text('state').$type<CertificateState>().notNull().default('valid'),
    revokedAt: timestamp('revoked_at', { withTimezone: true }),
    revocationReason: text('revocation_reason'),
    /** The certificate that replaced this one (reissue). */
    replacedBy: text('replaced_by'),
    issuedBy: text('issued_by').notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [
    index('certificates_holder_account').on(t.holderAccountId, t.issuedOn),
    index('certificates_holder_organisation').on(t.holderOrganisationId, t.issuedOn),
    index('certificates_type').on(t.typeCode, t.state),
  ],
);

/**
 * Time-limited links a holder shares so someone can see the certificate verified (a landlord, a bank). Only the
 * token's hash is kept: the link itself is shown once.
 */
export const shareLinks = pgTable(
  'certificates_share_links',
  {
    tokenHash: text('token_hash').primaryKey(),
    certificateId: text('certificate_id')
      .notNull()
      .references(() => certificates.id),
    createdBy: text('created_by').notNull(),
    expiresAt: timestamp('expires_at', { withTimezone: true }).notNull(),
    createdAt: timestamp('created_at', { withTimezone: true }).notNull().defaultNow(),
  },
  (t) => [index('certificates_share_links_certificate').on(t.certificateId)],
);
