import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { MODULES } from '../src/app.ts';
import {
  type Actor,
  createPermissionRegistry,
  type Decision,
  type Resource,
} from '../src/kernel/authz/authz.ts';
import { STAFF_ROLES, type StaffRole } from '../src/modules/identity/index.ts';

/*
 * The platform's authorisation matrix (issue 3): every permission the modules register × every staff role, and
 * the people who are not staff — owner, mandate holder, stranger, nobody signed in — allowed and refused as
 * designed. The design is written out here by hand, apart from the policy files: a permission added, or a grant
 * changed, without this table changing too fails the test.
 */

type Reach = 'own' | 'any';
interface Design {
  /** Staff roles granted, and which departments' objects they reach; every other role is refused. */
  roles: Partial<Record<StaffRole, Reach>>;
  /** The object's owner (its person, or a legal entity's representative). */
  owner: boolean;
  /** A person holding a mandate for the object's legal entity that names this permission. */
  mandate: boolean;
  /** Staff must state a purpose (personal data). */
  purpose: boolean;
}

const DESIGN: Record<string, Design> = {
  'forms.form.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'identity.profile.read': {
    roles: { clerk: 'own', reviewer: 'own', head: 'own', hotline_operator: 'any' },
    owner: true,
    mandate: false,
    purpose: true,
  },
  'identity.staff.manage': { roles: { platform_admin: 'any' }, owner: false, mandate: false, purpose: false },
  'identity.assurance.verify': { roles: { clerk: 'any' }, owner: false, mandate: false, purpose: true },
  'identity.session.manage': { roles: {}, owner: true, mandate: false, purpose: false },
  'identity.credential.manage': { roles: {}, owner: true, mandate: false, purpose: false },
  'identity.legalEntity.read': {
    roles: { platform_admin: 'any', hotline_operator: 'any' },
    owner: true,
    mandate: true,
    purpose: false,
  },
  'identity.legalEntity.claim': { roles: {}, owner: true, mandate: false, purpose: false },
  'identity.legalEntity.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'identity.mandate.grant': { roles: { platform_admin: 'any' }, owner: true, mandate: false, purpose: false },
  'identity.mandate.revoke': {
    roles: { platform_admin: 'any' },
    owner: true,
    mandate: false,
    purpose: false,
  },
  'organisations.department.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'cases.case.apply': { roles: {}, owner: true, mandate: true, purpose: false },
  'cases.case.intake': { roles: { clerk: 'own' }, owner: false, mandate: false, purpose: false },
  'cases.case.read': {
    roles: { clerk: 'own', reviewer: 'own', head: 'own' },
    owner: true,
    mandate: true,
    purpose: true,
  },
  'cases.definition.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'cases.task.decide': {
    roles: { clerk: 'own', reviewer: 'own', head: 'own' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'certificates.certificate.hold': { roles: {}, owner: true, mandate: true, purpose: false },
  'certificates.certificate.issue': {
    roles: { clerk: 'own', head: 'own' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'certificates.certificate.revoke': { roles: { head: 'own' }, owner: false, mandate: false, purpose: false },
  'certificates.type.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'certificates.key.rotate': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'catalogue.item.edit': {
    roles: { clerk: 'own', reviewer: 'own', head: 'own', platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'catalogue.item.publish': {
    roles: { reviewer: 'own', head: 'own', platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'catalogue.synonym.manage': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'catalogue.catalogue.import': {
    roles: { platform_admin: 'any' },
    owner: false,
    mandate: false,
    purpose: false,
  },
  'supervision.audit.search': { roles: { auditor: 'any' }, owner: false, mandate: false, purpose: true },
};

const registry = createPermissionRegistry({ roles: STAFF_ROLES });
for (const module of MODULES) registry.register(module.permissions, { module: module.name });

const OWNER = 'acct_owner';
const ENTITY = 'org_entity';
const object = (departmentCode: string): Resource => ({
  type: 'object',
  id: 'obj_1',
  departmentCode,
  classification: 'internal',
  ownerId: OWNER,
  organisationId: ENTITY,
});
const staff = (role: StaffRole): Actor => ({
  kind: 'staff',
  accountId: `acct_${role}`,
  clearance: 'restricted',
  roles: [{ departmentCode: 'A', role }],
});
const person = (accountId: string, scope: string[] = []): Actor => ({
  kind: 'person',
  accountId,
  assuranceLevel: 2,
  mandates: scope.length > 0 ? [{ id: 'mnd_1', organisationId: ENTITY, scope }] : [],
});

const outcome = (decision: Decision) => (decision.allowed ? 'allowed' : decision.reason);

describe('the platform’s authorisation matrix', () => {
  it('has a row for every permission the modules register, and none for one they do not', () => {
    assert.deepEqual(
      registry
        .list()
        .map((p) => p.name)
        .sort(),
      Object.keys(DESIGN).sort(),
    );
  });

  for (const [name, design] of Object.entries(DESIGN)) {
    it(`${name}: every staff role, in and out of its department, with and without a purpose`, () => {
      for (const role of STAFF_ROLES) {
        const reach = design.roles[role];
        const purpose = { purpose: '核对申请材料' };
        const same = outcome(registry.authorize(staff(role), name, object('A'), purpose));
        const other = outcome(registry.authorize(staff(role), name, object('B'), purpose));
        const silent = outcome(registry.authorize(staff(role), name, object('A')));
        const expected = !reach
          ? ['no-role', 'no-role', 'no-role']
          : [
              'allowed',
              reach === 'any' ? 'allowed' : 'other-department',
              design.purpose ? 'purpose-required' : 'allowed',
            ];
        assert.deepEqual([same, other, silent], expected, `${role} × ${name}`);
      }
    });

    it(`${name}: the owner, a mandate holder, a stranger and nobody`, () => {
      const resource = object('A');
      assert.equal(
        outcome(registry.authorize(person(OWNER), name, resource)),
        design.owner ? 'allowed' : design.mandate ? 'no-mandate' : 'not-granted',
        'the owner',
      );
      const holder = outcome(registry.authorize(person('acct_holder', [name]), name, resource));
      assert.equal(holder === 'allowed', design.mandate, `a mandate holder: ${holder}`);
      // A mandate naming other permissions never reaches this one.
      const narrow = outcome(registry.authorize(person('acct_holder', ['x.y.z']), name, resource));
      assert.notEqual(narrow, 'allowed', 'a mandate that does not name it');
      assert.notEqual(outcome(registry.authorize(person('acct_stranger'), name, resource)), 'allowed');
      assert.equal(outcome(registry.authorize({ kind: 'anonymous' }, name, resource)), 'anonymous');
    });
  }

  it('gives no role anything beyond its clearance', () => {
    for (const name of Object.keys(DESIGN)) {
      for (const role of STAFF_ROLES) {
        const low: Actor = {
          kind: 'staff',
          accountId: 'acct_low',
          clearance: 'internal',
          roles: [{ departmentCode: 'A', role }],
        };
        const decision = registry.authorize(
          low,
          name,
          { ...object('A'), classification: 'restricted' },
          { purpose: 'x' },
        );
        assert.ok(!decision.allowed, `${role} with internal clearance × ${name} on a restricted object`);
      }
    }
  });
});
