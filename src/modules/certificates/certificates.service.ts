import { createHash, randomBytes } from 'node:crypto';
import { and, desc, eq, inArray, isNotNull, or, sql } from 'drizzle-orm';
import type { AuditEntry, AuditLog } from '../../kernel/audit/audit.ts';
import {
  type Actor,
  actorIdOf,
  auditActorOf,
  enforce,
  type PermissionRegistry,
} from '../../kernel/authz/authz.ts';
import { keyedTtlCache } from '../../kernel/cache.ts';
import { civilDate } from '../../kernel/calendar/working-days.ts';
import { type Db, queryRows } from '../../kernel/db/database.ts';
import { AppError } from '../../kernel/errors.ts';
import { publishEvent } from '../../kernel/events/events.ts';
import type { Locale } from '../../kernel/i18n/index.ts';
import { newId } from '../../kernel/ids.ts';
import { maskIdNumber } from '../../kernel/masking.ts';
import { formatReferenceNumber, parseReferenceNumber } from '../../kernel/reference-number.ts';
import { type JsonObject, signCompact, verifyCompact } from '../../kernel/signatures/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import type { OrganisationsContract } from '../organisations/index.ts';
import { CertificatesErrors } from './certificates.errors.ts';
import { CertificatesPermissions } from './certificates.policy.ts';
import {
  CERTIFICATE_NUMBER_SEQUENCE,
  type CertificateState,
  certificates,
  certificateTypes,
  STATUS_INDEX_SEQUENCE,
  shareLinks,
} from './db/certificates.tables.ts';
import {
  type CertificateField,
  type CertificateLayout,
  type CertificateTypeInput,
  certificateTypeSchema,
  fieldValues,
} from './domain/certificate-type.ts';
import { encodeStatusList, type StatusList } from './domain/status-list.ts';
import type { SigningKeysService } from './keys.service.ts';

type ClientInfo = NonNullable<AuditEntry['request']>;

/** The JWS `typ` of the published status list (IETF Token Status List). */
export const STATUS_LIST_TYPE = 'statuslist+jwt';

/** A kind of certificate, as administrators define it. */
export interface CertificateType {
  code: string;
  name: { 'zh-CN': string; en: string };
  departmentCode: string;
  issuerName: { 'zh-CN': string; en: string };
  serviceCode: string | null;
  numberPrefix: string;
  validityYears: number | null;
  fields: CertificateField[];
  layout: CertificateLayout;
}

/** Where a certificate stands now: what verification answers for a certificate that exists and is ours. */
export type CertificateStatus = 'valid' | 'revoked' | 'expired';

/** What a certificate shows anyone who sees it: the holder's ID masked, nothing the paper would not show. */
export interface PublicCertificate {
  number: string;
  type: { code: string; name: { 'zh-CN': string; en: string } };
  holderName: string;
  holderId: string;
  fields: { id: string; label: { 'zh-CN': string; en: string }; value: string }[];
  issuedOn: string;
  validUntil: string | null;
  issuer: { departmentCode: string; name: { 'zh-CN': string; en: string } };
  status: CertificateStatus;
  revokedAt: Date | null;
  revocationReason: string | null;
  replacedBy: string | null;
}

/** A certificate as its holder and the issuing department see it. */
export interface Certificate extends PublicCertificate {
  id: string;
  holderAccountId: string | null;
  holderOrganisationId: string | null;
  caseId: string | null;
  kid: string;
  jws: string;
  layout: CertificateLayout;
}

/**
 * The answer to "is this certificate real?": valid, revoked, expired; `unknown` when we never issued it (no such
 * number, or a credential signed by a key that is not ours); `tampered` when the credential's signature does not
 * match its content (altered, or signed by another key under our key's id). `reason` says which check decided.
 */
export interface Verification {
  status: CertificateStatus | 'unknown' | 'tampered';
  reason:
    | 'signature-valid'
    | 'revoked'
    | 'expired'
    | 'not-issued'
    | 'unknown-key'
    | 'signature-mismatch'
    | 'malformed'
    | 'superseded-credential';
  certificate?: PublicCertificate;
}

/** The holder of a certificate: a person by account, or an organisation by id. */
export type HolderInput = { accountId: string } | { organisationId: string };

/** The holder as staff name them when issuing by hand: a person's user name or an organisation's credit code. */
export type HolderReference = HolderInput | { username: string } | { creditCode: string };

export interface CertificatesService {
  defineType(actor: Actor, input: unknown, client: ClientInfo, locale: Locale): Promise<CertificateType>;
  types(): Promise<CertificateType[]>;
  /** Issues by hand, as staff of the type's department. */
  issue(
    actor: Actor,
    input: { typeCode: string; holder: HolderReference; fields: Record<string, string> },
    client: ClientInfo,
  ): Promise<Certificate>;
  /** The certificate an approved case issues, if its service issues one (event handler; idempotent per case). */
  issueForCase(
    tx: Db,
    approved: {
      caseId: string;
      number: string;
      serviceCode: string;
      applicantId: string;
      organisationId: string | null;
      answers: Record<string, unknown>;
    },
  ): Promise<Certificate | undefined>;
  /** Verifies a compact credential (from a QR code) or a certificate number someone typed. */
  verify(input: { jws: string } | { number: string }): Promise<Verification>;
  /** The holder's certificates (and their organisations', under a mandate), newest first. */
  wallet(actor: Actor): Promise<Certificate[]>;
  /** One certificate for its holder or the issuing department's staff. */
  get(actor: Actor, number: string, client: ClientInfo): Promise<Certificate>;
  revoke(actor: Actor, number: string, reason: string, client: ClientInfo): Promise<Certificate>;
  /** A new certificate with the same content (a new number, signed now); the old one is revoked as replaced. */
  reissue(actor: Actor, number: string, client: ClientInfo): Promise<Certificate>;
  /** A link that shows the certificate verified to whoever opens it, for `days` days; the token is shown once. */
  share(
    actor: Actor,
    number: string,
    days: number,
    client: ClientInfo,
  ): Promise<{ token: string; expiresAt: Date }>;
  /** The verification a shared link shows, or 410 when it expired. */
  shared(token: string): Promise<Verification>;
  /** The signed status list (JWS with typ statuslist+jwt) of every certificate issued. */
  statusList(): Promise<string>;
  /** A holder's valid certificates of a type (material replaced by a certificate). */
  validOfHolder(holder: HolderInput, typeCode: string, tx?: Db): Promise<Certificate[]>;
}

/** The certificate type schema's own problems, in words (Zod's built-in messages are shown as Zod gives them). */
const TYPE_PROBLEMS: Record<string, Record<Locale, string>> = {
  'certificates.type.code': {
    'zh-CN': '类型代码由小写字母、数字和连字符组成，以字母开头，例如 food-business-licence。',
    en: 'A type code is lower-case letters, digits and hyphens, starting with a letter, e.g. food-business-licence.',
  },
  'certificates.type.duplicateField': {
    'zh-CN': '字段编号重复。',
    en: 'Two fields have the same id.',
  },
};

/** The holder columns of a certificate. */
interface HolderRecord {
  holderAccountId: string | null;
  holderOrganisationId: string | null;
  holderName: string;
  holderIdNumber: string;
}

const SHARE_MAX_DAYS = 30;
const tokenHash = (token: string) => createHash('sha256').update(token).digest('base64url');

/** What anyone may see of a certificate (the verification's answer): what the paper shows, nothing more. */
export function publicCertificate(c: PublicCertificate): PublicCertificate {
  return {
    number: c.number,
    type: c.type,
    holderName: c.holderName,
    holderId: c.holderId,
    fields: c.fields,
    issuedOn: c.issuedOn,
    validUntil: c.validUntil,
    issuer: c.issuer,
    status: c.status,
    revokedAt: c.revokedAt,
    revocationReason: c.revocationReason,
    replacedBy: c.replacedBy,
  };
}

export function createCertificatesService(deps: {
  db: Db;
  audit: AuditLog;
  authz: PermissionRegistry;
  keys: SigningKeysService;
  identity: IdentityContract;
  organisations: OrganisationsContract;
  timeZone: string;
  /** The platform's public address: the credential's issuer and the verification links. */
  baseUrl: string;
  now?: () => Date;
}): CertificatesService {
  const { db, audit, authz, keys } = deps;
  const now = deps.now ?? (() => new Date());
  const today = () => civilDate(now(), deps.timeZone);
  // Signed into every credential: one spelling, without the trailing slash a configured public URL may carry.
  const baseUrl = deps.baseUrl.replace(/\/+$/, '');
  const statusListUri = `${baseUrl}/certificates/status-list`;

  const toType = (row: typeof certificateTypes.$inferSelect): CertificateType => ({
    code: row.code,
    name: { 'zh-CN': row.nameZh, en: row.nameEn },
    departmentCode: row.departmentCode,
    issuerName: { 'zh-CN': row.issuerNameZh, en: row.issuerNameEn },
    serviceCode: row.serviceCode,
    numberPrefix: row.numberPrefix,
    validityYears: row.validityYears,
    fields: row.fields,
    layout: row.layout,
  });

  const statusOf = (row: typeof certificates.$inferSelect): CertificateStatus =>
    row.state === 'revoked' ? 'revoked' : row.validUntil && row.validUntil < today() ? 'expired' : 'valid';

  function toCertificate(row: typeof certificates.$inferSelect, type: CertificateType): Certificate {
    return {
      id: row.id,
      number: row.number,
      type: { code: type.code, name: type.name },
      holderName: row.holderName,
      holderId: maskIdNumber(row.holderIdNumber),
      fields: type.fields.map((f) => ({ id: f.id, label: f.label, value: row.fields[f.id] ?? '' })),
      issuedOn: row.issuedOn,
      validUntil: row.validUntil,
      issuer: { departmentCode: row.departmentCode, name: type.issuerName },
      status: statusOf(row),
      revokedAt: row.revokedAt,
      revocationReason: row.revocationReason,
      replacedBy: row.replacedBy,
      holderAccountId: row.holderAccountId,
      holderOrganisationId: row.holderOrganisationId,
      caseId: row.caseId,
      kid: row.kid,
      jws: row.jws,
      layout: type.layout,
    };
  }

  async function typeByCode(tx: Db, code: string): Promise<CertificateType | undefined> {
    const [row] = await tx.select().from(certificateTypes).where(eq(certificateTypes.code, code));
    return row ? toType(row) : undefined;
  }

  async function rowByNumber(tx: Db, number: string) {
    const canonical = parseReferenceNumber(number);
    if (!canonical) return undefined;
    const [row] = await tx.select().from(certificates).where(eq(certificates.number, canonical));
    return row;
  }

  // Every verification reads its certificate's type: kept briefly (another instance shows a changed type within
  // seconds), forgotten when this process defines one.
  const typesByCode = keyedTtlCache((code: string) => typeByCode(db, code), 10_000);

  async function withType(tx: Db, row: typeof certificates.$inferSelect) {
    const type = tx === db ? await typesByCode.get(row.typeCode) : await typeByCode(tx, row.typeCode);
    if (!type) throw new Error(`Certificate ${row.number} has an unknown type ${row.typeCode}`);
    return toCertificate(row, type);
  }

  /** Who a holder is, as the certificate names them: from the identity module's records, never from the request. */
  async function holderOf(tx: Db, holder: HolderInput): Promise<HolderRecord> {
    if ('organisationId' in holder) {
      const organisation = await deps.identity.organisationDetails(holder.organisationId, tx);
      if (!organisation) throw new AppError(CertificatesErrors.holderRequired);
      return {
        holderAccountId: null,
        holderOrganisationId: organisation.id,
        holderName: organisation.name['zh-CN'],
        holderIdNumber: organisation.creditCode,
      };
    }
    const person = await deps.identity.ownDetails(holder.accountId, tx);
    if (!person?.idNumber) throw new AppError(CertificatesErrors.holderRequired);
    return {
      holderAccountId: holder.accountId,
      holderOrganisationId: null,
      holderName: person.name['zh-CN'],
      holderIdNumber: person.idNumber,
    };
  }

  /** Numbers, signs and stores one certificate in `tx`. */
  async function create(
    tx: Db,
    type: CertificateType,
    holder: HolderRecord,
    fields: Record<string, string>,
    origin: { caseId: string | null; issuedBy: string; validUntil?: string | null },
  ): Promise<Certificate> {
    const issuedOn = today();
    const [{ sequence, statusIndex } = { sequence: '0', statusIndex: '0' }] = await queryRows<{
      sequence: string;
      statusIndex: string;
    }>(
      tx,
      sql`select nextval(${CERTIFICATE_NUMBER_SEQUENCE})::text as sequence, nextval(${STATUS_INDEX_SEQUENCE})::text as "statusIndex"`,
    );
    const number = formatReferenceNumber(type.numberPrefix, Number(issuedOn.slice(0, 4)), Number(sequence));
    // A reissue keeps the validity of the certificate it replaces; a new one counts from today.
    const validUntil =
      origin.validUntil !== undefined
        ? origin.validUntil
        : type.validityYears
          ? `${Number(issuedOn.slice(0, 4)) + type.validityYears}${issuedOn.slice(4)}`.replace(
              /-02-29$/,
              '-02-28',
            )
          : null;
    const key = await keys.current(tx);
    const kept = Object.fromEntries(
      type.fields.map((f) => [f.id, (fields[f.id] ?? '').trim().slice(0, 500)]),
    );
    // What anyone holding the QR code can read: what the paper shows, the ID masked. No digest of the whole ID: its
    // hidden digits (a birth date, a sequence) are few enough to guess from any digest of it.
    const payload: JsonObject = {
      iss: baseUrl,
      sub: number,
      iat: Math.floor(now().getTime() / 1000),
      type: { code: type.code, name: type.name },
      holder: { name: holder.holderName, id: maskIdNumber(holder.holderIdNumber) },
      fields: kept,
      issuedOn,
      validUntil,
      issuer: { department: type.departmentCode, name: type.issuerName },
      status: { status_list: { idx: Number(statusIndex), uri: statusListUri } },
    };
    const jws = await signCompact(payload, key, { now: now() });
    const [row] = await tx
      .insert(certificates)
      .values({
        id: newId('cert'),
        number,
        typeCode: type.code,
        ...holder,
        fields: kept,
        issuedOn,
        validUntil,
        departmentCode: type.departmentCode,
        caseId: origin.caseId,
        kid: key.kid,
        jws,
        statusIndex: Number(statusIndex),
        issuedBy: origin.issuedBy,
      })
      .returning();
    if (!row) throw new Error('certificate not written');
    return toCertificate(row, type);
  }

  /** The holder, or (for an organisation's) someone holding a mandate for it; staff of the issuing department. */
  function mayHold(actor: Actor, row: typeof certificates.$inferSelect) {
    return authz.authorize(actor, CertificatesPermissions.certificateHold, {
      type: 'certificates.certificate',
      ...(row.holderAccountId ? { ownerId: row.holderAccountId } : {}),
      ...(row.holderOrganisationId ? { organisationId: row.holderOrganisationId } : {}),
    });
  }

  let statusListCache: { jws: string; at: number } | undefined;

  const service: CertificatesService = {
    async defineType(actor, input, client, locale) {
      const decision = authz.authorize(actor, CertificatesPermissions.typeManage, {
        type: 'certificates.type',
      });
      await enforce(db, audit, actor, decision, {
        action: 'certificates.type.defined',
        object: { type: 'certificates.type', id: String((input as { code?: unknown })?.code ?? '') },
        request: client,
      });
      const parsed = certificateTypeSchema.safeParse(input);
      if (!parsed.success)
        throw new AppError(
          CertificatesErrors.typeInvalid,
          { count: String(parsed.error.issues.length) },
          parsed.error.issues.map((issue) => ({
            path: issue.path.join('.'),
            message: TYPE_PROBLEMS[issue.message]?.[locale] ?? issue.message,
          })),
        );
      const department = await deps.organisations.findDepartment(parsed.data.departmentCode);
      if (!department)
        throw new AppError(CertificatesErrors.typeInvalid, { count: '1' }, [
          {
            path: 'departmentCode',
            message: locale === 'en' ? 'No such department' : '没有这个部门',
          },
        ]);
      const values = certificateTypeRow(parsed.data, department.name);
      const defined = await db.transaction(async (tx) => {
        // One type per issuing service: an approval issues one certificate, and which must not be left to chance.
        if (values.serviceCode) {
          const [other] = await tx
            .select({ code: certificateTypes.code })
            .from(certificateTypes)
            .where(eq(certificateTypes.serviceCode, values.serviceCode));
          if (other && other.code !== values.code)
            throw new AppError(CertificatesErrors.typeInvalid, { count: '1' }, [
              {
                path: 'serviceCode',
                message:
                  locale === 'en'
                    ? `The service ${values.serviceCode} already issues ${other.code}`
                    : `服务事项 ${values.serviceCode} 已签发证照类型 ${other.code}`,
              },
            ]);
        }
        const [row] = await tx
          .insert(certificateTypes)
          .values(values)
          .onConflictDoUpdate({ target: certificateTypes.code, set: { ...values, updatedAt: now() } })
          .returning();
        if (!row) throw new Error('type not written');
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'certificates.type.defined',
          object: { type: 'certificates.type', id: row.code },
          request: client,
          details: { serviceCode: row.serviceCode, fields: row.fields.length },
        });
        return toType(row);
      });
      typesByCode.invalidate();
      return defined;
    },

    async types() {
      const rows = await db.select().from(certificateTypes).orderBy(certificateTypes.code);
      return rows.map(toType);
    },

    async issue(actor, input, client) {
      const type = await typeByCode(db, input.typeCode);
      if (!type) throw new AppError(CertificatesErrors.typeNotFound, { code: input.typeCode });
      const decision = authz.authorize(actor, CertificatesPermissions.certificateIssue, {
        type: 'certificates.certificate',
        departmentCode: type.departmentCode,
      });
      await enforce(db, audit, actor, decision, {
        action: 'certificates.certificate.issued',
        object: { type: 'certificates.type', id: type.code },
        request: client,
      });
      // Looked up only once the caller may issue: nobody else learns which user names exist.
      const reference = input.holder;
      let named: HolderInput;
      if ('username' in reference) {
        const account = await deps.identity.findAccount(reference.username);
        if (account?.kind !== 'public') throw new AppError(CertificatesErrors.holderRequired);
        named = { accountId: account.id };
      } else if ('creditCode' in reference) {
        const organisation = await deps.identity.findOrganisation(reference.creditCode);
        if (!organisation) throw new AppError(CertificatesErrors.holderRequired);
        named = { organisationId: organisation.id };
      } else named = reference;
      const issued = await db.transaction(async (tx) => {
        const holder = await holderOf(tx, named);
        const created = await create(tx, type, holder, input.fields, {
          caseId: null,
          issuedBy: actorIdOf(actor) ?? 'unknown',
        });
        await recordIssued(tx, created, auditActorOf(actor, decision), client);
        return created;
      });
      // After the commit: a list rebuilt meanwhile would have been cached without the new certificate's entry.
      statusListCache = undefined;
      return issued;
    },

    async issueForCase(tx, approved) {
      const [typeRow] = await tx
        .select()
        .from(certificateTypes)
        .where(eq(certificateTypes.serviceCode, approved.serviceCode));
      if (!typeRow) return undefined;
      // Once per case, whatever redelivery of the approval happens.
      const [existing] = await tx.select().from(certificates).where(eq(certificates.caseId, approved.caseId));
      if (existing) return toCertificate(existing, toType(typeRow));
      const type = toType(typeRow);
      const holder = await holderOf(
        tx,
        approved.organisationId
          ? { organisationId: approved.organisationId }
          : { accountId: approved.applicantId },
      );
      const issued = await create(tx, type, holder, fieldValues(type.fields, approved.answers), {
        caseId: approved.caseId,
        issuedBy: 'system',
      });
      await recordIssued(tx, issued, { kind: 'system', id: 'certificates.issueOnApproval' }, undefined, {
        caseNumber: approved.number,
      });
      return issued;
    },

    async verify(input) {
      if ('number' in input) {
        const row = await rowByNumber(db, input.number);
        if (!row) return { status: 'unknown', reason: 'not-issued' };
        return verdict(await withType(db, row));
      }
      let checked = await verifyCompact(input.jws, await keys.jwks());
      // Signed by a key this process has not seen yet (another instance rotated a moment ago): read the keys again.
      if (checked.status === 'unknown-key')
        checked = await verifyCompact(input.jws, await keys.jwks(db, { fresh: true }));
      if (checked.status === 'unknown-key') return { status: 'unknown', reason: 'unknown-key' };
      if (checked.status === 'malformed') return { status: 'unknown', reason: 'malformed' };
      if (checked.status !== 'valid') return { status: 'tampered', reason: 'signature-mismatch' };
      const number = typeof checked.payload.sub === 'string' ? checked.payload.sub : '';
      const row = await rowByNumber(db, number);
      if (!row) return { status: 'unknown', reason: 'not-issued' };
      const certificate = await withType(db, row);
      // Signed by us, but not what we issued under this number (a restore, or a credential re-signed by mistake).
      if (row.jws !== input.jws) return { status: 'unknown', reason: 'superseded-credential' };
      return verdict(certificate);
    },

    async wallet(actor) {
      if (actor.kind !== 'person') return [];
      const organisations = actor.mandates
        .filter((m) => m.scope.includes(CertificatesPermissions.certificateHold.name))
        .map((m) => m.organisationId);
      const rows = await db
        .select()
        .from(certificates)
        .where(
          organisations.length > 0
            ? or(
                eq(certificates.holderAccountId, actor.accountId),
                inArray(certificates.holderOrganisationId, organisations),
              )
            : eq(certificates.holderAccountId, actor.accountId),
        )
        .orderBy(desc(certificates.issuedOn), desc(certificates.createdAt));
      const types = new Map((await service.types()).map((t) => [t.code, t]));
      return rows.flatMap((row) => {
        const type = types.get(row.typeCode);
        return type ? [toCertificate(row, type)] : [];
      });
    },

    async get(actor, number, client) {
      const row = await rowByNumber(db, number);
      if (!row) throw new AppError(CertificatesErrors.certificateNotFound);
      const asHolder = mayHold(actor, row);
      if (!asHolder.allowed) {
        const asStaff = authz.authorize(actor, CertificatesPermissions.certificateIssue, {
          type: 'certificates.certificate',
          departmentCode: row.departmentCode,
        });
        await enforce(db, audit, actor, asStaff, {
          action: 'certificates.certificate.read',
          object: { type: 'certificates.certificate', id: row.id },
          request: client,
        });
        // Staff reading a person's certificate is recorded, as every staff read of personal data is.
        await audit.record(db, {
          actor: auditActorOf(actor, asStaff),
          action: 'certificates.certificate.read',
          object: { type: 'certificates.certificate', id: row.id },
          subjectId: row.holderAccountId ?? undefined,
          request: client,
          details: { number: row.number },
        });
      }
      return withType(db, row);
    },

    async revoke(actor, number, reason, client) {
      const why = reason.trim();
      return change(actor, number, client, async (tx, row, decision) => {
        // Checked once the caller may revoke: nobody else learns anything from the answer.
        if (!why) throw new AppError(CertificatesErrors.reasonRequired);
        await tx
          .update(certificates)
          .set({ state: 'revoked', revokedAt: now(), revocationReason: why.slice(0, 500) })
          .where(eq(certificates.id, row.id));
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'certificates.certificate.revoked',
          object: { type: 'certificates.certificate', id: row.id },
          subjectId: row.holderAccountId ?? undefined,
          request: client,
          details: { number: row.number, reason: why },
        });
        await publishEvent(tx, 'certificates.certificate.revoked', {
          certificateId: row.id,
          number: row.number,
        });
        const [after] = await tx.select().from(certificates).where(eq(certificates.id, row.id));
        return withType(tx, after ?? row);
      });
    },

    async reissue(actor, number, client) {
      return change(actor, number, client, async (tx, row, decision) => {
        // An expired certificate is renewed by applying again, not brought back by a reissue.
        if (statusOf(row) === 'expired') throw new AppError(CertificatesErrors.expired);
        const type = await typeByCode(tx, row.typeCode);
        if (!type) throw new AppError(CertificatesErrors.typeNotFound, { code: row.typeCode });
        const replacement = await create(
          tx,
          type,
          {
            holderAccountId: row.holderAccountId,
            holderOrganisationId: row.holderOrganisationId,
            holderName: row.holderName,
            holderIdNumber: row.holderIdNumber,
          },
          row.fields,
          { caseId: null, issuedBy: actorIdOf(actor) ?? 'unknown', validUntil: row.validUntil },
        );
        await tx
          .update(certificates)
          .set({
            state: 'revoked',
            revokedAt: now(),
            revocationReason: `换发：${replacement.number}`,
            replacedBy: replacement.number,
          })
          .where(eq(certificates.id, row.id));
        await recordIssued(tx, replacement, auditActorOf(actor, decision), client, { replaces: row.number });
        await publishEvent(tx, 'certificates.certificate.revoked', {
          certificateId: row.id,
          number: row.number,
        });
        return replacement;
      });
    },

    async share(actor, number, days, client) {
      const row = await rowByNumber(db, number);
      if (!row) throw new AppError(CertificatesErrors.certificateNotFound);
      const decision = mayHold(actor, row);
      await enforce(db, audit, actor, decision, {
        action: 'certificates.certificate.shared',
        object: { type: 'certificates.certificate', id: row.id },
        request: client,
      });
      const token = randomBytes(24).toString('base64url');
      const expiresAt = new Date(now().getTime() + Math.min(Math.max(1, days), SHARE_MAX_DAYS) * 86_400_000);
      await db.transaction(async (tx) => {
        await tx.insert(shareLinks).values({
          tokenHash: tokenHash(token),
          certificateId: row.id,
          createdBy: actorIdOf(actor) ?? 'unknown',
          expiresAt,
        });
        await audit.record(tx, {
          actor: auditActorOf(actor, decision),
          action: 'certificates.certificate.shared',
          object: { type: 'certificates.certificate', id: row.id },
          request: client,
          details: { number: row.number, expiresAt: expiresAt.toISOString() },
        });
      });
      return { token, expiresAt };
    },

    async shared(token) {
      const [link] = await db
        .select({ certificate: certificates, expiresAt: shareLinks.expiresAt })
        .from(shareLinks)
        .innerJoin(certificates, eq(certificates.id, shareLinks.certificateId))
        .where(eq(shareLinks.tokenHash, tokenHash(token)));
      if (!link || link.expiresAt <= now()) throw new AppError(CertificatesErrors.shareExpired);
      return verdict(await withType(db, link.certificate));
    },

    async statusList() {
      if (statusListCache && Date.now() - statusListCache.at < 60_000) return statusListCache.jws;
      const [size] = await queryRows<{ n: number }>(
        db,
        sql`select coalesce(max(${certificates.statusIndex}) + 1, 0)::int as n from ${certificates}`,
      );
      const revoked = await db
        .select({ index: certificates.statusIndex })
        .from(certificates)
        .where(isNotNull(certificates.revokedAt));
      const indexes = revoked.map((r) => r.index);
      // Rounded up, so the list's length tells little about how many certificates were issued today; and at least
      // past every revoked index (a certificate issued and revoked between the two reads).
      const length = Math.max(size?.n ?? 0, ...indexes.map((i) => i + 1), 1);
      const list: StatusList = encodeStatusList(indexes, Math.ceil(length / 1024) * 1024);
      const issuedAt = Math.floor(now().getTime() / 1000);
      const jws = await signCompact(
        { sub: statusListUri, iat: issuedAt, exp: issuedAt + 86_400, ttl: 300, status_list: { ...list } },
        await keys.current(),
        { typ: STATUS_LIST_TYPE, now: now() },
      );
      statusListCache = { jws, at: Date.now() };
      return jws;
    },

    async validOfHolder(holder, typeCode, tx = db) {
      const rows = await tx
        .select()
        .from(certificates)
        .where(
          and(
            eq(certificates.typeCode, typeCode),
            eq(certificates.state, 'valid' satisfies CertificateState),
            'organisationId' in holder
              ? eq(certificates.holderOrganisationId, holder.organisationId)
              : eq(certificates.holderAccountId, holder.accountId),
          ),
        )
        .orderBy(desc(certificates.issuedOn));
      const type = await typeByCode(tx, typeCode);
      if (!type) return [];
      return rows.map((row) => toCertificate(row, type)).filter((c) => c.status === 'valid');
    },
  };

  function verdict(certificate: Certificate): Verification {
    const shown = publicCertificate(certificate);
    if (certificate.status === 'revoked') return { status: 'revoked', reason: 'revoked', certificate: shown };
    if (certificate.status === 'expired') return { status: 'expired', reason: 'expired', certificate: shown };
    return { status: 'valid', reason: 'signature-valid', certificate: shown };
  }

  async function recordIssued(
    tx: Db,
    issued: Certificate,
    actor: AuditEntry['actor'],
    client: ClientInfo | undefined,
    details: Record<string, unknown> = {},
  ) {
    await audit.record(tx, {
      actor,
      action: 'certificates.certificate.issued',
      object: { type: 'certificates.certificate', id: issued.id },
      subjectId: issued.holderAccountId ?? undefined,
      ...(client ? { request: client } : {}),
      details: { number: issued.number, type: issued.type.code, kid: issued.kid, ...details },
    });
    await publishEvent(tx, 'certificates.certificate.issued', {
      certificateId: issued.id,
      number: issued.number,
      typeCode: issued.type.code,
      holderAccountId: issued.holderAccountId,
      holderOrganisationId: issued.holderOrganisationId,
    });
    statusListCache = undefined;
  }

  /** Revocation and reissue: staff of the issuing department with the right, on a certificate still valid. */
  async function change<T>(
    actor: Actor,
    number: string,
    client: ClientInfo,
    apply: (
      tx: Db,
      row: typeof certificates.$inferSelect,
      decision: ReturnType<PermissionRegistry['authorize']>,
    ) => Promise<T>,
  ): Promise<T> {
    const found = await rowByNumber(db, number);
    if (!found) throw new AppError(CertificatesErrors.certificateNotFound);
    const decision = authz.authorize(actor, CertificatesPermissions.certificateRevoke, {
      type: 'certificates.certificate',
      departmentCode: found.departmentCode,
    });
    await enforce(db, audit, actor, decision, {
      action: 'certificates.certificate.revoked',
      object: { type: 'certificates.certificate', id: found.id },
      request: client,
    });
    const result = await db.transaction(async (tx) => {
      const [row] = await tx.select().from(certificates).where(eq(certificates.id, found.id)).for('update');
      if (!row) throw new AppError(CertificatesErrors.certificateNotFound);
      if (row.state === 'revoked') throw new AppError(CertificatesErrors.alreadyRevoked);
      return apply(tx, row, decision);
    });
    statusListCache = undefined;
    return result;
  }

  return service;
}

/** The row of a type as defined (the issuing authority's name taken from the department). */
export function certificateTypeRow(input: CertificateTypeInput, departmentName: Record<Locale, string>) {
  return {
    code: input.code,
    nameZh: input.name['zh-CN'],
    nameEn: input.name.en,
    departmentCode: input.departmentCode,
    issuerNameZh: departmentName['zh-CN'],
    issuerNameEn: departmentName.en,
    serviceCode: input.serviceCode,
    numberPrefix: input.numberPrefix,
    validityYears: input.validityYears,
    fields: input.fields,
    layout: input.layout,
  };
}
