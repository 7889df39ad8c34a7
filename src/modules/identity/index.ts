import { accessesToSubject } from '../../kernel/audit/audit.ts';
import type { ModuleManifest } from '../../kernel/modules.ts';
import type { OrganisationsContract } from '../organisations/index.ts';
import { createApiTokensService } from './api-tokens.service.ts';
import type { IdentityContract } from './contract.ts';
import { registerApiAuthentication } from './http/api.routes.ts';
import { registerIdentityPages } from './http/pages.routes.tsx';
import { registerPasswordResetPages } from './http/password-reset.routes.tsx';
import { registerRegistrationPages } from './http/register.routes.tsx';
import { registerSessionResolution } from './http/session-cookie.ts';
import { IDENTITY_PERMISSIONS } from './identity.policy.ts';
import { DEMO_PASSWORD, DEMO_PEOPLE } from './identity.seed.ts';
import {
  actorOf,
  addMissingDemoAccounts,
  createIdentityService,
  readProfileForStaff,
} from './identity.service.ts';
import { createPasswordResetService } from './password-reset.service.ts';
import { createDemoPopulationRegister } from './population-register.ts';
import { createRegistrationService } from './registration.service.ts';
import { createSessionsService } from './sessions.service.ts';

export type { AccountSummary, IdentityContract, RequestSession, StaffRole } from './contract.ts';
export { STAFF_ROLES } from './contract.ts';

/** People, staff roles and (with the identity issue) sign-in, sessions and mandates. */
export const identityModule: ModuleManifest<IdentityContract> = {
  name: 'identity',
  dependsOn: ['organisations'],
  permissions: IDENTITY_PERMISSIONS,
  async register({ app, kernel, deps }) {
    const tokens = createApiTokensService(kernel.db, kernel.audit);
    const identity = createIdentityService(kernel.db, tokens);
    const sessions = createSessionsService(kernel.db, kernel.audit, kernel.secret);
    if (app) {
      registerApiAuthentication(app, tokens);
      registerSessionResolution(app, sessions);
      registerPasswordResetPages(
        app,
        createPasswordResetService({
          db: kernel.db,
          audit: kernel.audit,
          mail: kernel.mail,
          baseUrl:
            kernel.config.publicUrl?.toString() ??
            `http://${kernel.config.host === '0.0.0.0' ? 'localhost' : kernel.config.host}:${kernel.config.port}`,
        }),
      );
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
      registerIdentityPages(app, sessions, identity, {
        secureCookies: kernel.config.behindTls,
        accessesToMe: (accountId) => accessesToSubject(kernel.db, accountId),
        departmentNames: async (locale) =>
          new Map(
            (await (deps.organisations as OrganisationsContract).listDepartments()).map((d) => [
              d.code,
              d.name[locale],
            ]),
          ),
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
    if (created.length === 0) return;
    report.lines.push(`demo accounts (password for all: ${DEMO_PASSWORD}):`);
    for (const person of DEMO_PEOPLE.filter((p) => created.includes(p.username))) {
      report.lines.push(
        `  ${person.username.padEnd(10)} ${person.nameZh} ${person.nameEn} — ${person.descriptionEn}`,
      );
    }
  },
};
