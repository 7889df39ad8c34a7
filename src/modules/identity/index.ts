import { accessesToSubject } from '../../kernel/audit/audit.ts';
import { publicBaseUrl } from '../../kernel/config.ts';
import type { ModuleManifest } from '../../kernel/modules.ts';
import { type OrganisationsContract, OrganisationsPermissions } from '../organisations/index.ts';
import { createApiTokensService } from './api-tokens.service.ts';
import { createDemoBusinessRegister } from './business-register.ts';
import type { IdentityContract } from './contract.ts';
import { creditCodeCheckCharacter } from './domain/identifiers.ts';
import { registerStaffAdminPages } from './http/admin.routes.tsx';
import { registerApiAuthentication } from './http/api.routes.ts';
import { registerLegalEntityPages } from './http/legal-entities.routes.tsx';
import { registerIdentityPages } from './http/pages.routes.tsx';
import { registerPasswordResetPages } from './http/password-reset.routes.tsx';
import { registerRegistrationPages } from './http/register.routes.tsx';
import { registerSecondFactorPages } from './http/second-factor.routes.tsx';
import { registerSecurityPages } from './http/security.routes.tsx';
import { registerSessionResolution } from './http/session-cookie.ts';
import { registerWebAuthnAssets } from './http/webauthn-assets.ts';
import { IDENTITY_PERMISSIONS } from './identity.policy.ts';
import { DEMO_BUSINESS_REGISTER, DEMO_PASSWORD, DEMO_PEOPLE } from './identity.seed.ts';
import {
  actorOf,
  addMissingDemoAccounts,
  createIdentityService,
  ownProfile,
  readProfileForStaff,
  verifyInPerson,
} from './identity.service.ts';
import { addMissingDemoLegalEntities, createLegalEntitiesService } from './legal-entities.service.ts';
import { createPasswordResetService } from './password-reset.service.ts';
import { createPasswordsService } from './passwords.service.ts';
import { createDemoPopulationRegister } from './population-register.ts';
import { createRegistrationService } from './registration.service.ts';
import { createSecondFactorService, type RelyingParty } from './second-factor.service.ts';
import { createSessionsService } from './sessions.service.ts';
import { createStaffAdminService } from './staff-admin.service.ts';

/**
 * The WebAuthn relying party: the public URL's host and origin. Browsers refuse IP addresses as its id, so the
 * fallback for a loopback address is localhost (open the platform at http://localhost:<port> to use keys there).
 */
function relyingPartyOf(baseUrl: string): RelyingParty {
  const url = new URL(baseUrl);
  if (['127.0.0.1', '[::1]', '0.0.0.0'].includes(url.hostname)) url.hostname = 'localhost';
  return { id: url.hostname, origin: url.origin, name: '示范市政务服务网' };
}

export type {
  AccountSummary,
  IdentityContract,
  OrganisationDetails,
  PersonDetails,
  RequestSession,
  StaffRole,
} from './contract.ts';
export { STAFF_ROLES } from './contract.ts';
export {
  creditCodeCheckCharacter,
  isValidCreditCode,
  isValidResidentId,
  residentIdCheckCharacter,
} from './domain/identifiers.ts';
/** The demo accounts' password (demo mode only; tests sign in with it). */
export { DEMO_PASSWORD } from './identity.seed.ts';

/** People, staff roles and (with the identity issue) sign-in, sessions and mandates. */
export const identityModule: ModuleManifest<IdentityContract> = {
  name: 'identity',
  dependsOn: ['organisations'],
  permissions: IDENTITY_PERMISSIONS,
  async register({ app, kernel, deps }) {
    const tokens = createApiTokensService(kernel.db, kernel.audit);
    const identity = createIdentityService(kernel.db, tokens);
    const staffPasswordMaxAgeDays = kernel.config.staffPasswordMaxAgeDays;
    const sessions = createSessionsService(kernel.db, kernel.audit, kernel.secret, undefined, {
      staffPasswordMaxAgeDays,
    });
    const organisations = deps.organisations as OrganisationsContract;
    if (app) {
      const baseUrl = publicBaseUrl(kernel.config);
      const relyingParty = relyingPartyOf(baseUrl);
      const passwords = createPasswordsService({
        db: kernel.db,
        audit: kernel.audit,
        authz: kernel.authz,
        sessions,
        staffPasswordMaxAgeDays,
      });
      const secondFactor = createSecondFactorService({
        db: kernel.db,
        audit: kernel.audit,
        authz: kernel.authz,
        secret: kernel.secret,
        sessions,
        passwords,
        relyingParty,
      });
      const assets = registerWebAuthnAssets(app);
      registerApiAuthentication(app, tokens);
      registerSessionResolution(app, sessions, (accountId) => actorOf(kernel.db, accountId));
      registerPasswordResetPages(
        app,
        createPasswordResetService({ db: kernel.db, audit: kernel.audit, mail: kernel.mail, baseUrl }),
      );
      const staffAdmin = createStaffAdminService({
        db: kernel.db,
        audit: kernel.audit,
        authz: kernel.authz,
        mail: kernel.mail,
        findDepartment: (code) => organisations.findDepartment(code),
        baseUrl,
        forgetSessions: (accountId) => sessions.forgetAccount(accountId),
      });
      registerStaffAdminPages(app, staffAdmin, {
        departments: async (locale) =>
          (await organisations.listDepartments()).map((d) => ({ code: d.code, name: d.name[locale] })),
      });
      registerRegistrationPages(
        app,
        createRegistrationService({
          db: kernel.db,
          audit: kernel.audit,
          mail: kernel.mail,
          sms: kernel.sms,
          secret: kernel.secret,
          register: createDemoPopulationRegister(),
        }),
      );
      registerLegalEntityPages(
        app,
        createLegalEntitiesService({
          db: kernel.db,
          audit: kernel.audit,
          authz: kernel.authz,
          register: createDemoBusinessRegister(),
          timeZone: kernel.config.timeZone,
        }),
        { actorOf: (accountId) => actorOf(kernel.db, accountId), timeZone: kernel.config.timeZone },
      );
      registerSecondFactorPages(app, { sessions, secondFactor, passwords, relyingParty, assets });
      registerSecurityPages(app, {
        secondFactor,
        passwords,
        relyingParty,
        assets,
        timeZone: kernel.config.timeZone,
      });
      registerIdentityPages(app, sessions, identity, {
        secureCookies: kernel.config.behindTls,
        accessesToMe: (accountId) => accessesToSubject(kernel.db, accountId),
        departmentNames: async (locale) =>
          new Map((await organisations.listDepartments()).map((d) => [d.code, d.name[locale]])),
        // The administrator's pages, linked only for those who hold their permissions.
        adminLinks: async (actor) => ({
          staff: staffAdmin.mayManage(actor),
          departments: kernel.authz.authorize(actor, OrganisationsPermissions.departmentManage, {
            type: 'department',
          }).allowed,
        }),
        myProfile: (accountId) => ownProfile(kernel.db, accountId),
        verifyInPerson: async (staffAccountId, input) =>
          verifyInPerson(kernel.db, kernel, await actorOf(kernel.db, staffAccountId), input),
        readProfile: async (staffAccountId, username, purpose, client) =>
          readProfileForStaff(kernel.db, kernel, await actorOf(kernel.db, staffAccountId), {
            username,
            purpose,
            client,
          }),
      });
    }
    return identity;
  },
  async seedDemo({ tx, kernel, report }) {
    const created = await addMissingDemoAccounts(tx, kernel.audit, DEMO_PEOPLE, DEMO_PASSWORD);
    // The core story: 王芳's restaurant company, and her mandate letting 张伟 act for it (for a year).
    const entities = await addMissingDemoLegalEntities(
      tx,
      kernel.audit,
      createDemoBusinessRegister(),
      kernel.authz
        .list()
        .filter((p) => p.grantedTo.mandate)
        .map((p) => p.name),
      // Only the restaurant: 李娜 links her social work centre herself once verified, 钱进 has no account yet.
      DEMO_BUSINESS_REGISTER.slice(0, 1).map(
        (e) => e.creditFirst17 + creditCodeCheckCharacter(e.creditFirst17),
      ),
      { granteeUsername: 'zhangwei', days: 365 },
    );
    if (entities.length > 0)
      report.lines.push(`legal entities: ${entities.join(', ')} (zhangwei holds a mandate)`);
    if (created.length === 0) return;
    report.lines.push(`demo accounts (password for all: ${DEMO_PASSWORD}):`);
    for (const person of DEMO_PEOPLE.filter((p) => created.includes(p.username))) {
      report.lines.push(
        `  ${person.username.padEnd(10)} ${person.nameZh} ${person.nameEn} — ${person.descriptionEn}`,
      );
    }
  },
};
