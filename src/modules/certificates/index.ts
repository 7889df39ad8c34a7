import { eq } from 'drizzle-orm';
import { publicBaseUrl } from '../../kernel/config.ts';
import type { ModuleManifest } from '../../kernel/modules.ts';
import type { CasesModule, MaterialHolder } from '../cases/index.ts';
import type { IdentityContract } from '../identity/index.ts';
import { demoDepartmentName, type OrganisationsContract } from '../organisations/index.ts';
import { CERTIFICATES_PERMISSIONS } from './certificates.policy.ts';
import {
  type CertificatesService,
  certificateTypeRow,
  createCertificatesService,
} from './certificates.service.ts';
import { certificateTypes } from './db/certificates.tables.ts';
import { DEMO_CERTIFICATE_TYPES } from './demo-types.ts';
import { registerCertificatesApi } from './http/api.routes.ts';
import { registerCertificatePages } from './http/pages.routes.tsx';
import { registerCertificateStaffPages } from './http/staff.routes.tsx';
import { createSigningKeysService, type SigningKeysService } from './keys.service.ts';
import { renderCertificatePdfFor } from './print.ts';

export { CertificatesPermissions } from './certificates.policy.ts';
export type {
  Certificate,
  CertificateStatus,
  CertificateType,
  PublicCertificate,
  Verification,
} from './certificates.service.ts';

const holderOf = (holder: MaterialHolder) =>
  holder.organisationId ? { organisationId: holder.organisationId } : { accountId: holder.accountId };

/** What the certificates module offers: issuing, holding, verifying and revoking electronic certificates. */
export interface CertificatesModule extends CertificatesService {
  readonly keys: SigningKeysService;
}

/** Electronic licences and certificates (电子证照): signed, printable, verifiable by anyone, reused as material. */
export const certificatesModule: ModuleManifest<CertificatesModule> = {
  name: 'certificates',
  dependsOn: ['organisations', 'identity', 'cases'],
  permissions: CERTIFICATES_PERMISSIONS,
  async register({ app, kernel, deps }) {
    const keys = createSigningKeysService({
      db: kernel.db,
      audit: kernel.audit,
      authz: kernel.authz,
      secret: kernel.secret,
      suite: kernel.config.signatureSuite,
    });
    const service = createCertificatesService({
      db: kernel.db,
      audit: kernel.audit,
      authz: kernel.authz,
      keys,
      identity: deps.identity as IdentityContract,
      organisations: deps.organisations as OrganisationsContract,
      timeZone: kernel.config.timeZone,
      baseUrl: publicBaseUrl(kernel.config),
    });
    const cases = deps.cases as CasesModule;
    // An approved case of a service that issues a certificate issues it, once, in the handler's transaction.
    kernel.events.subscribe('certificates.issueOnApproval', 'cases.case.approved', async (tx, event) => {
      const p = event.payload as {
        caseId: string;
        number: string;
        serviceCode: string;
        applicantId: string;
        organisationId?: string | null;
      };
      await service.issueForCase(tx, {
        caseId: p.caseId,
        number: p.number,
        serviceCode: p.serviceCode,
        applicantId: p.applicantId,
        organisationId: p.organisationId ?? null,
        answers: (await cases.answersOf(p.caseId, tx)) ?? {},
      });
    });
    const module = Object.assign(service, { keys });
    // Materials the catalogue marks replaceable by a certificate type: the applicant's valid certificate stands in.
    cases.useMaterialSource({
      async find(holder, certificateType) {
        const [held] = await service.validOfHolder(holderOf(holder), certificateType);
        return held
          ? { certificate: held.number, type: held.type.code, name: held.type.name['zh-CN'] }
          : undefined;
      },
      async holds(holder, material) {
        const held = (await service.validOfHolder(holderOf(holder), material.type)).find(
          (c) => c.number === material.certificate,
        );
        return held
          ? { certificate: held.number, type: held.type.code, name: held.type.name['zh-CN'] }
          : undefined;
      },
      async status(material) {
        return (await service.verify({ number: material.certificate })).status;
      },
    });
    if (app) {
      registerCertificatesApi(app, module);
      registerCertificatePages(app, {
        certificates: module,
        baseUrl: publicBaseUrl(kernel.config),
        renderPdf: renderCertificatePdfFor,
        timeZone: kernel.config.timeZone,
      });
      registerCertificateStaffPages(app, {
        certificates: module,
        identity: deps.identity as IdentityContract,
        timeZone: kernel.config.timeZone,
      });
    }
    return module;
  },
  async seedDemo({ tx, report }) {
    let added = 0;
    for (const type of DEMO_CERTIFICATE_TYPES) {
      const [existing] = await tx
        .select({ code: certificateTypes.code })
        .from(certificateTypes)
        .where(eq(certificateTypes.code, type.code));
      if (existing) continue;
      const issuer = demoDepartmentName(type.departmentCode);
      if (!issuer)
        throw new Error(`Demo certificate type ${type.code}: no demo department ${type.departmentCode}`);
      await tx.insert(certificateTypes).values(certificateTypeRow(type, issuer));
      added++;
    }
    report.lines.push(
      `certificates: ${added} certificate types (开办餐饮店 issues the food business licence on approval)`,
    );
  },
};
