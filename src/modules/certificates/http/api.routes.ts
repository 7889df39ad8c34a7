import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { Actor } from '../../../kernel/authz/authz.ts';
import { ProblemSchema } from '../../../kernel/http/problem.schemas.ts';
import { clientOf } from '../../../kernel/http/request-context.ts';
import {
  type Certificate,
  type CertificateType,
  type PublicCertificate,
  publicCertificate,
  type Verification,
} from '../certificates.service.ts';
import { certificateTypeSchema } from '../domain/certificate-type.ts';
import type { CertificatesModule } from '../index.ts';

const Localised = z.object({ 'zh-CN': z.string(), en: z.string() });

const PublicCertificateSchema = z
  .object({
    number: z.string(),
    type: z.object({ code: z.string(), name: Localised }),
    holderName: z.string(),
    holderId: z.string().meta({ description: 'Masked, as the certificate shows it' }),
    fields: z.array(z.object({ id: z.string(), label: Localised, value: z.string() })),
    issuedOn: z.string(),
    validUntil: z.string().nullable().meta({ description: 'null: long-term (长期)' }),
    issuer: z.object({ departmentCode: z.string(), name: Localised }),
    status: z.enum(['valid', 'revoked', 'expired']),
    revokedAt: z.string().nullable(),
    revocationReason: z.string().nullable(),
    replacedBy: z.string().nullable(),
  })
  .meta({ id: 'PublicCertificate' });

const CertificateSchema = PublicCertificateSchema.extend({
  id: z.string(),
  caseId: z.string().nullable(),
  kid: z.string(),
  jws: z.string().meta({ description: 'The signed credential (compact JWS), as the QR code carries it' }),
}).meta({ id: 'Certificate' });

const VerificationSchema = z
  .object({
    status: z.enum(['valid', 'revoked', 'expired', 'unknown', 'tampered']),
    reason: z.enum([
      'signature-valid',
      'revoked',
      'expired',
      'not-issued',
      'unknown-key',
      'signature-mismatch',
      'malformed',
      'superseded-credential',
    ]),
    certificate: PublicCertificateSchema.optional(),
  })
  .meta({ id: 'CertificateVerification' });

const VerifyBody = z
  .union([z.object({ jws: z.string().min(1).max(20_000) }), z.object({ number: z.string().min(1).max(40) })])
  .meta({
    id: 'CertificateVerifyInput',
    description: 'The compact credential (from the QR code) or the number',
  });

const CertificateTypeSchema = z
  .object({
    code: z.string(),
    name: Localised,
    departmentCode: z.string(),
    issuerName: Localised,
    serviceCode: z.string().nullable(),
    numberPrefix: z.string(),
    validityYears: z.number().int().nullable(),
    fields: z.array(
      z.object({
        id: z.string(),
        label: Localised,
        source: z.string().optional(),
        fallback: z.string().optional(),
      }),
    ),
    layout: z.object({
      orientation: z.enum(['portrait', 'landscape']).optional(),
      accent: z.string().optional(),
    }),
  })
  .meta({ id: 'CertificateType' });

const JwksSchema = z
  .object({
    keys: z.array(z.looseObject({ kid: z.string(), kty: z.string(), alg: z.string(), use: z.string() })),
  })
  .meta({ id: 'Jwks' });

const NumberParams = z.object({ number: z.string().min(1).max(40) });
const PROBLEMS = { 400: ProblemSchema, 401: ProblemSchema, 403: ProblemSchema, 404: ProblemSchema };

const iso = (date: Date | null) => (date ? date.toISOString() : null);
const publicJson = (c: PublicCertificate) => ({ ...publicCertificate(c), revokedAt: iso(c.revokedAt) });
const certificateJson = (c: Certificate) => ({
  ...publicJson(c),
  id: c.id,
  caseId: c.caseId,
  kid: c.kid,
  jws: c.jws,
});
const verificationJson = (v: Verification) => ({
  status: v.status,
  reason: v.reason,
  ...(v.certificate ? { certificate: publicJson(v.certificate) } : {}),
});
const typeJson = (t: CertificateType) => t;

async function actorOf(request: FastifyRequest): Promise<Actor> {
  return request.apiClient ?? (await request.actor());
}

/**
 * Verifying (anyone, no sign-in), the published keys and status list, the holder's wallet, and the issuing
 * department's issuing, revoking and reissuing — with the same checks as the pages.
 */
export function registerCertificatesApi(app: FastifyInstance, certificates: CertificatesModule): void {
  const api = app.withTypeProvider<ZodTypeProvider>();
  const security = [{ bearerAuth: [] }];

  api.get(
    '/.well-known/jwks.json',
    {
      schema: {
        tags: ['certificates'],
        summary: 'The public keys certificates are signed with (JWKS): all that offline verification needs',
        response: { 200: JwksSchema },
      },
    },
    async (_request, reply) => {
      reply.header('cache-control', 'public, max-age=300');
      const jwks = await certificates.keys.jwks();
      return { keys: jwks.keys.map((key) => ({ ...key })) };
    },
  );

  api.get(
    '/certificates/status-list',
    {
      schema: {
        tags: ['certificates'],
        summary:
          'The signed revocation status of every certificate (IETF Token Status List, compact JWS, typ statuslist+jwt)',
        response: { 200: z.string().meta({ description: 'application/statuslist+jwt' }) },
      },
    },
    async (_request, reply) => {
      reply
        .header('content-type', 'application/statuslist+jwt')
        .header('cache-control', 'public, max-age=60');
      return certificates.statusList();
    },
  );

  api.post(
    '/api/v1/certificates/verify',
    {
      config: { throttle: 'lookups' },
      schema: {
        tags: ['certificates'],
        summary:
          'Is this certificate real? valid, revoked, expired, unknown or tampered — with only what the certificate shows',
        body: VerifyBody,
        // 429: past the per-address look-up budget (YIWANG_THROTTLE_LOOKUPS).
        response: { 200: VerificationSchema, 400: ProblemSchema, 429: ProblemSchema },
      },
    },
    async (request) => verificationJson(await certificates.verify(request.body)),
  );

  api.get(
    '/api/v1/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary: 'My certificates (and my organisations’, under a mandate), newest first',
        security,
        response: { 200: z.array(CertificateSchema), ...PROBLEMS },
      },
    },
    async (request) => (await certificates.wallet(await actorOf(request))).map(certificateJson),
  );

  api.get(
    '/api/v1/certificates/:number',
    {
      schema: {
        tags: ['certificates'],
        summary: 'One certificate, for its holder or the issuing department',
        security,
        params: NumberParams,
        response: { 200: CertificateSchema, ...PROBLEMS },
      },
    },
    async (request) =>
      certificateJson(
        await certificates.get(await actorOf(request), request.params.number, clientOf(request)),
      ),
  );

  api.post(
    '/api/v1/certificates',
    {
      schema: {
        tags: ['certificates'],
        summary:
          'Issue a certificate by hand (staff of the type’s department); approvals issue theirs themselves',
        security,
        body: z.object({
          typeCode: z.string().min(1).max(40),
          holder: z.union([
            z.object({ username: z.string().min(1).max(64) }),
            z.object({ creditCode: z.string().length(18) }),
          ]),
          fields: z.record(z.string(), z.string().max(500)).default({}),
        }),
        response: { 201: CertificateSchema, ...PROBLEMS },
      },
    },
    async (request, reply) => {
      const issued = await certificates.issue(
        await actorOf(request),
        { typeCode: request.body.typeCode, holder: request.body.holder, fields: request.body.fields },
        clientOf(request),
      );
      return reply.code(201).send(certificateJson(issued));
    },
  );

  api.post(
    '/api/v1/certificates/:number/revoke',
    {
      schema: {
        tags: ['certificates'],
        summary:
          'Revoke a certificate, with the reason the holder will see (audited; published in the status list)',
        security,
        params: NumberParams,
        body: z.object({ reason: z.string().max(500) }),
        response: { 200: CertificateSchema, ...PROBLEMS, 409: ProblemSchema },
      },
    },
    async (request) =>
      certificateJson(
        await certificates.revoke(
          await actorOf(request),
          request.params.number,
          request.body.reason,
          clientOf(request),
        ),
      ),
  );

  api.post(
    '/api/v1/certificates/:number/reissue',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Reissue: a new certificate with the same content and a new number; the old one is revoked',
        security,
        params: NumberParams,
        response: { 201: CertificateSchema, ...PROBLEMS, 409: ProblemSchema },
      },
    },
    async (request, reply) =>
      reply
        .code(201)
        .send(
          certificateJson(
            await certificates.reissue(await actorOf(request), request.params.number, clientOf(request)),
          ),
        ),
  );

  api.post(
    '/api/v1/certificates/:number/share',
    {
      schema: {
        tags: ['certificates'],
        summary: 'A time-limited link that shows the certificate verified to whoever opens it (shown once)',
        security,
        params: NumberParams,
        body: z.object({ days: z.number().int().min(1).max(30).default(7) }),
        response: {
          201: z.object({ url: z.string(), expiresAt: z.string() }).meta({ id: 'CertificateShareLink' }),
          ...PROBLEMS,
        },
      },
    },
    async (request, reply) => {
      const link = await certificates.share(
        await actorOf(request),
        request.params.number,
        request.body.days,
        clientOf(request),
      );
      return reply
        .code(201)
        .send({ url: `/certificates/shared/${link.token}`, expiresAt: link.expiresAt.toISOString() });
    },
  );

  api.get(
    '/api/v1/certificate-types',
    {
      schema: {
        tags: ['certificates'],
        summary: 'The kinds of certificate defined here',
        response: { 200: z.array(CertificateTypeSchema) },
      },
    },
    async () => (await certificates.types()).map(typeJson),
  );

  api.put(
    '/api/v1/certificate-types/:code',
    {
      schema: {
        tags: ['certificates'],
        summary: 'Define or change a kind of certificate (the platform administrator)',
        security,
        params: z.object({ code: z.string().min(1).max(40) }),
        body: certificateTypeSchema.omit({ code: true }),
        response: { 200: CertificateTypeSchema, ...PROBLEMS },
      },
    },
    async (request) =>
      typeJson(
        await certificates.defineType(
          await actorOf(request),
          { ...request.body, code: request.params.code },
          clientOf(request),
          request.locale,
        ),
      ),
  );

  api.post(
    '/api/v1/certificates/keys/rotate',
    {
      schema: {
        tags: ['certificates'],
        summary:
          'Rotate the signing key: new certificates use the new key; earlier ones still verify (the platform administrator)',
        security,
        response: {
          200: z.object({ kid: z.string(), retired: z.array(z.string()) }).meta({ id: 'KeyRotation' }),
          ...PROBLEMS,
        },
      },
    },
    async (request) => certificates.keys.rotate(await actorOf(request), clientOf(request)),
  );
}
