import type { FastifyRequest } from 'fastify';
import type { Actor } from '../../kernel/authz/authz.ts';
import type { Db } from '../../kernel/db/database.ts';

/** The staff roles of product.md; each later module grants permissions to some of them. */
export const STAFF_ROLES = [
  'clerk',
  'reviewer',
  'head',
  'data_steward',
  'hotline_operator',
  'platform_admin',
  'auditor',
  'leader',
] as const;
export type StaffRole = (typeof STAFF_ROLES)[number];

/** An account as other modules see it: no secrets. */
export interface AccountSummary {
  id: string;
  username: string;
  displayName: { 'zh-CN': string; en: string };
  kind: 'public' | 'staff';
  assuranceLevel: 1 | 2 | 3;
  roles: { departmentCode: string; role: StaffRole }[];
}

/** What the identity module offers the modules above it (sign-in and sessions arrive with the identity issue). */
export interface IdentityContract {
  findAccount(username: string): Promise<AccountSummary | undefined>;
  /** The authorisation actor of an account (roles and clearance for staff), for other modules' policy checks. */
  actorOf(accountId: string): Promise<Actor>;
  /** Machine clients' API tokens, for the `yiwang tokens` command and the administrator. */
  apiTokens: {
    issue(input: {
      clientName: string;
      departmentCode?: string;
      scopes: string[];
      days: number;
    }): Promise<{ id: string; token: string }>;
    revoke(id: string): Promise<boolean>;
    list(): Promise<
      {
        id: string;
        clientName: string;
        departmentCode: string | null;
        scopes: string[];
        expiresAt: Date;
        revokedAt: Date | null;
      }[]
    >;
  };
  /**
   * A person's own details, for forms to fill in what the government already knows (the person confirms them rather
   * than typing them again). Only for the person themselves: a page shows them to their owner, never to others.
   * Pass `tx` when calling inside a transaction (the embedded database has one connection).
   */
  ownDetails(accountId: string, tx?: Db): Promise<PersonDetails | undefined>;
  /** `ownDetails` of several people in one statement, by account id (accounts that are not people are left out). */
  ownDetailsOf(accountIds: readonly string[], tx?: Db): Promise<Map<string, PersonDetails>>;
  /**
   * A legal entity as the business register knows it (name, unified social credit code, legal representative): for
   * documents issued to it, such as a licence. Pass `tx` inside a transaction.
   */
  organisationDetails(organisationId: string, tx?: Db): Promise<OrganisationDetails | undefined>;
  /** The legal entity with this unified social credit code, if registered here. */
  findOrganisation(creditCode: string): Promise<OrganisationDetails | undefined>;
  /** The signed-in session of an HTTP request, if any (undefined in processes without HTTP). */
  sessionOf(request: FastifyRequest): RequestSession | undefined;
}

/** What the platform knows about a person, by the standard data elements forms map their questions to. */
export interface PersonDetails {
  name: { 'zh-CN': string; en: string };
  idType: 'resident_id' | 'passport' | 'other' | null;
  idNumber: string | null;
  phone: string | null;
  email: string | null;
  assuranceLevel: 1 | 2 | 3;
  /** The language they chose for the site, which their mail is written in too. */
  preferredLocale: 'zh-CN' | 'en';
}

export interface OrganisationDetails {
  id: string;
  name: { 'zh-CN': string; en: string };
  creditCode: string;
  legalRepresentativeId: string;
}

/** The signed-in session of a request, as the identity module resolves it from the session cookie. */
export interface RequestSession {
  id: string;
  accountId: string;
  username: string;
  displayName: { 'zh-CN': string; en: string };
  kind: 'public' | 'staff';
  /**
   * 'password' while a member of staff still owes the second factor, 'new-password' while they owe a new password
   * (expired under the staff password policy); only 'complete' is signed in.
   */
  stage: 'password' | 'new-password' | 'complete';
}
