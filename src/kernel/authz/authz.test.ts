import assert from 'node:assert/strict';
import { describe, it } from 'node:test';
import { STAFF_ROLES, type StaffRole } from '../../modules/identity/contract.ts';
import { IdentityPermissions } from '../../modules/identity/identity.policy.ts';
import { OrganisationsPermissions } from '../../modules/organisations/index.ts';
import { AppError } from '../errors.ts';
import {
  type Actor,
  AuthorizationError,
  assertAllowed,
  auditActorOf,
  type Classification,
  clearanceCovers,
  createPermissionRegistry,
  definePermission,
  describeGrants,
  type PersonActor,
  type Resource,
  type StaffActor,
} from './authz.ts';

/* The permissions the identity issue needs, declared as the modules will declare them. */
const PERMISSIONS = [
  definePermission<StaffRole>({
    name: 'identity.profile.read',
    description: "Read a person's profile: name, ID number, phone, e-mail.",
    grantedTo: {
      roles: {
        clerk: 'own-department',
        reviewer: 'own-department',
        head: 'own-department',
        data_steward: 'own-department',
        hotline_operator: 'any-department',
        platform_admin: 'any-department',
      },
      owner: true,
      clientScope: 'identity:profiles',
    },
    personalData: true,
  }),
  definePermission<StaffRole>({
    name: 'identity.staff.read',
    description: 'See the staff directory of a department: names, roles, clearance.',
    grantedTo: {
      roles: {
        head: 'own-department',
        leader: 'own-department',
        platform_admin: 'any-department',
        auditor: 'any-department',
      },
    },
  }),
  definePermission<StaffRole>({
    name: 'identity.staff.manage',
    description: 'Add staff, change their roles and clearance, end their access.',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  definePermission<StaffRole>({
    name: 'identity.mandate.grant',
    description: 'Grant or revoke a mandate to act for an organisation.',
    grantedTo: { roles: { platform_admin: 'any-department' }, owner: true, mandate: true },
    labels: { 'zh-CN': '授权他人代办', en: 'give others a mandate' },
  }),
  definePermission<StaffRole>({
    name: 'organisations.department.manage',
    description: 'Add a department of the city government or change its names, order and web site.',
    grantedTo: { roles: { platform_admin: 'any-department' } },
  }),
  // The module's own declaration, not a copy: one's own password and second factors, for nobody else.
  IdentityPermissions.credentialsManage,
  definePermission<StaffRole>({
    name: 'audit.record.read',
    description: 'Search the audit log.',
    grantedTo: { roles: { auditor: 'any-department' }, owner: true },
    personalData: true,
  }),
];

function registry() {
  const r = createPermissionRegistry({ roles: STAFF_ROLES });
  r.register(
    PERMISSIONS.filter((p) => p.name.startsWith('identity.')),
    { module: 'identity' },
  );
  r.register(
    PERMISSIONS.filter((p) => p.name.startsWith('audit.')),
    { module: 'audit' },
  );
  r.register(
    PERMISSIONS.filter((p) => p.name.startsWith('organisations.')),
    { module: 'organisations' },
  );
  return r;
}

/*
 * The matrix, written out by hand as designed: for every permission and every staff role, the outcome for a
 * staff member of department A acting on an object
 *   [of department A with a purpose, of department B with a purpose, of department A without a purpose].
 * 'ok' is allowed; anything else is the refusal reason expected.
 */
type Outcome = 'ok' | 'no-role' | 'other-department' | 'purpose-required';
type Row = readonly [sameDepartment: Outcome, otherDepartment: Outcome, noPurpose: Outcome];

const MATRIX: Record<string, Record<StaffRole, Row>> = {
  'identity.profile.read': {
    clerk: ['ok', 'other-department', 'purpose-required'],
    reviewer: ['ok', 'other-department', 'purpose-required'],
    head: ['ok', 'other-department', 'purpose-required'],
    data_steward: ['ok', 'other-department', 'purpose-required'],
    hotline_operator: ['ok', 'ok', 'purpose-required'],
    platform_admin: ['ok', 'ok', 'purpose-required'],
    auditor: ['no-role', 'no-role', 'no-role'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
  'identity.staff.read': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['ok', 'other-department', 'ok'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['ok', 'ok', 'ok'],
    auditor: ['ok', 'ok', 'ok'],
    leader: ['ok', 'other-department', 'ok'],
  },
  'identity.staff.manage': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['no-role', 'no-role', 'no-role'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['ok', 'ok', 'ok'],
    auditor: ['no-role', 'no-role', 'no-role'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
  'identity.mandate.grant': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['no-role', 'no-role', 'no-role'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['ok', 'ok', 'ok'],
    auditor: ['no-role', 'no-role', 'no-role'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
  'organisations.department.manage': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['no-role', 'no-role', 'no-role'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['ok', 'ok', 'ok'],
    auditor: ['no-role', 'no-role', 'no-role'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
  'identity.credential.manage': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['no-role', 'no-role', 'no-role'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['no-role', 'no-role', 'no-role'],
    auditor: ['no-role', 'no-role', 'no-role'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
  'audit.record.read': {
    clerk: ['no-role', 'no-role', 'no-role'],
    reviewer: ['no-role', 'no-role', 'no-role'],
    head: ['no-role', 'no-role', 'no-role'],
    data_steward: ['no-role', 'no-role', 'no-role'],
    hotline_operator: ['no-role', 'no-role', 'no-role'],
    platform_admin: ['no-role', 'no-role', 'no-role'],
    auditor: ['ok', 'ok', 'purpose-required'],
    leader: ['no-role', 'no-role', 'no-role'],
  },
};

const CITIZEN = 'acc_citizen';
const ORGANISATION = 'org_teahouse';

function staff(role: string, departmentCode = 'A', clearance: Classification = 'restricted'): StaffActor {
  return { kind: 'staff', accountId: `acc_${role}`, clearance, roles: [{ departmentCode, role }] };
}

function object(departmentCode: string, extra: Partial<Resource> = {}): Resource {
  return {
    type: 'profile',
    id: 'obj_1',
    departmentCode,
    classification: 'internal',
    ownerId: CITIZEN,
    organisationId: ORGANISATION,
    ...extra,
  };
}

function person(accountId: string, mandates: PersonActor['mandates'] = []): PersonActor {
  return { kind: 'person', accountId, assuranceLevel: 2, mandates };
}

describe('authorisation matrix', () => {
  it('covers every staff role and every registered permission', () => {
    assert.deepEqual(
      Object.keys(MATRIX).sort(),
      registry()
        .list()
        .map((p) => p.name),
    );
    for (const [name, rows] of Object.entries(MATRIX)) {
      assert.deepEqual(Object.keys(rows).sort(), [...STAFF_ROLES].sort(), `roles of ${name}`);
    }
  });

  it('holds for the administrator’s permissions as the modules themselves declare them', () => {
    for (const declared of [IdentityPermissions.staffManage, OrganisationsPermissions.departmentManage]) {
      assert.deepEqual(declared.grantedTo, registry().get(declared.name)?.grantedTo, declared.name);
      assert.equal(declared.personalData, false);
    }
  });

  const r = registry();
  for (const [permission, rows] of Object.entries(MATRIX)) {
    for (const role of STAFF_ROLES) {
      const [same, other, noPurpose] = rows[role];
      const cases = [
        ['department A, with a purpose', object('A'), 'checking the application', same],
        ['department B, with a purpose', object('B'), 'checking the application', other],
        ['department A, without a purpose', object('A'), undefined, noPurpose],
      ] as const;
      for (const [label, resource, purpose, expected] of cases) {
        it(`${role} of A × ${permission} on an object of ${label}: ${expected}`, () => {
          const decision = r.authorize(staff(role), permission, resource, { purpose });
          if (expected === 'ok') {
            assert.equal(decision.allowed, true, `${decision.reason}`);
            assert.equal(decision.reason, 'granted-by-role');
          } else {
            assert.equal(decision.allowed, false);
            assert.equal(decision.reason, expected);
          }
        });
      }
    }
  }
});

describe('authorisation boundaries', () => {
  const r = registry();
  const purpose = { purpose: 'applicant asked for a correction' };

  it('refuses a clerk of department A an object of department B, and an object of no department', () => {
    const clerk = staff('clerk', 'A');
    assert.equal(r.authorize(clerk, 'identity.profile.read', object('A'), purpose).allowed, true);
    assert.equal(
      r.authorize(clerk, 'identity.profile.read', object('B'), purpose).reason,
      'other-department',
    );
    const { departmentCode: _, ...noDepartment } = object('A');
    assert.equal(
      r.authorize(clerk, 'identity.profile.read', noDepartment, purpose).reason,
      'other-department',
    );
  });

  it('gives a clerk of A and B access to both, naming the department of the object', () => {
    const clerk: StaffActor = {
      kind: 'staff',
      accountId: 'acc_two',
      clearance: 'internal',
      roles: [
        { departmentCode: 'A', role: 'clerk' },
        { departmentCode: 'B', role: 'clerk' },
      ],
    };
    const decision = r.authorize(clerk, 'identity.profile.read', object('B'), purpose);
    assert.equal(decision.allowed, true);
    assert.deepEqual(decision.allowed && decision.via, { role: 'clerk', departmentCode: 'B' });
  });

  it('names the department of the object when an any-department role is also held there', () => {
    const operator: StaffActor = {
      kind: 'staff',
      accountId: 'acc_op',
      clearance: 'internal',
      roles: [
        { departmentCode: 'HOTLINE', role: 'hotline_operator' },
        { departmentCode: 'B', role: 'clerk' },
      ],
    };
    const inB = r.authorize(operator, 'identity.profile.read', object('B'), purpose);
    assert.deepEqual(inB.allowed && inB.via, { role: 'clerk', departmentCode: 'B' });
    const inC = r.authorize(operator, 'identity.profile.read', object('C'), purpose);
    assert.deepEqual(inC.allowed && inC.via, { role: 'hotline_operator', departmentCode: 'HOTLINE' });
  });

  it("refuses clearance 'internal' a 'restricted' object, and lets it read 'internal' and 'public' ones", () => {
    const clerk = staff('clerk', 'A', 'internal');
    const read = (classification: Classification) =>
      r.authorize(clerk, 'identity.profile.read', object('A', { classification }), purpose);
    assert.equal(read('public').allowed, true);
    assert.equal(read('internal').allowed, true);
    assert.equal(read('restricted').reason, 'clearance');
    assert.equal(read('secret').reason, 'clearance');
    // The administrator's role does not lift clearance either.
    const admin = staff('platform_admin', 'IT', 'internal');
    const decision = r.authorize(
      admin,
      'identity.staff.manage',
      object('A', { classification: 'restricted' }),
    );
    assert.equal(decision.reason, 'clearance');
  });

  it('orders the grades public < internal < restricted < secret', () => {
    assert.equal(clearanceCovers('secret', 'public'), true);
    assert.equal(clearanceCovers('restricted', 'restricted'), true);
    assert.equal(clearanceCovers('internal', 'restricted'), false);
    assert.equal(clearanceCovers('public', 'internal'), false);
    assert.equal(clearanceCovers('top' as Classification, 'public'), false);
  });

  it('refuses a platform administrator personal data without a purpose, and allows it with one', () => {
    const admin = staff('platform_admin', 'IT');
    for (const context of [undefined, {}, { purpose: '' }, { purpose: '   ' }]) {
      const decision = r.authorize(admin, 'identity.profile.read', object('A'), context);
      assert.deepEqual(decision, {
        allowed: false,
        permission: 'identity.profile.read',
        reason: 'purpose-required',
      });
    }
    const decision = r.authorize(admin, 'identity.profile.read', object('A'), { purpose: ' ticket 4711 ' });
    assert.deepEqual(decision, {
      allowed: true,
      permission: 'identity.profile.read',
      reason: 'granted-by-role',
      via: { role: 'platform_admin', departmentCode: 'IT' },
      purpose: 'ticket 4711',
      auditRequired: true,
    });
    assert.deepEqual(auditActorOf(admin, decision), {
      kind: 'staff',
      id: 'acc_platform_admin',
      role: 'platform_admin',
      department: 'IT',
    });
  });

  it('refuses a staff member an object not assigned to them when the permission requires assignment', () => {
    const r2 = createPermissionRegistry();
    const decide = definePermission({
      name: 'demo.task.complete',
      description: 'Complete a task.',
      grantedTo: { roles: { clerk: 'own-department', head: 'any-department' }, clientScope: 'tasks' },
      requiresAssignment: true,
    });
    r2.register([decide]);
    const clerk = staff('clerk', 'A');
    const task = (assignedTo?: string[]) => ({
      type: 'task',
      departmentCode: 'A',
      ...(assignedTo ? { assignedTo } : {}),
    });
    assert.equal(r2.authorize(clerk, decide, task([clerk.accountId])).allowed, true);
    assert.equal(r2.authorize(clerk, decide, task(['acc_someone_else'])).reason, 'not-assigned');
    assert.equal(r2.authorize(clerk, decide, task()).reason, 'not-assigned');
    assert.equal(r2.authorize(staff('head', 'B'), decide, task(['acc_someone_else'])).reason, 'not-assigned');
    const client: Actor = { kind: 'client', clientId: 'cli_1', scopes: ['tasks'], departmentCode: 'A' };
    assert.equal(r2.authorize(client, decide, task(['cli_1'])).allowed, true);
    assert.equal(r2.authorize(client, decide, task(['acc_x'])).reason, 'not-assigned');
  });

  it('lets a person read their own profile, without a purpose, but not another person’s', () => {
    const own = r.authorize(person(CITIZEN), 'identity.profile.read', object('A'));
    assert.deepEqual(own, {
      allowed: true,
      permission: 'identity.profile.read',
      reason: 'granted-as-owner',
      auditRequired: false,
    });
    const other = r.authorize(person('acc_neighbour'), 'identity.profile.read', object('A'));
    assert.equal(other.allowed, false);
    assert.equal(other.reason, 'not-owner');
    // A person is no staff member: no role grant applies, whatever the object's department.
    assert.equal(r.authorize(person(CITIZEN), 'identity.staff.read', object('A')).reason, 'not-granted');
  });

  it('lets only the owner manage their credentials, staff or not, and nobody by role', () => {
    const own = (accountId: string) => object('A', { type: 'account', ownerId: accountId });
    assert.equal(
      r.authorize(person(CITIZEN), 'identity.credential.manage', own(CITIZEN)).reason,
      'granted-as-owner',
    );
    const admin = staff('platform_admin', 'A', 'secret');
    assert.equal(
      r.authorize(admin, 'identity.credential.manage', own(admin.accountId)).reason,
      'granted-as-owner',
    );
    assert.equal(r.authorize(admin, 'identity.credential.manage', own(CITIZEN)).reason, 'no-role');
    assert.equal(
      r.authorize(person('acc_neighbour'), 'identity.credential.manage', own(CITIZEN)).reason,
      'not-owner',
    );
  });

  it('lets a staff member see objects they own without a purpose', () => {
    const clerk = staff('clerk', 'A');
    const decision = r.authorize(clerk, 'identity.profile.read', object('B', { ownerId: clerk.accountId }));
    assert.equal(decision.reason, 'granted-as-owner');
  });

  it('lets a mandate holder act for the organisation only within the scope, and not once revoked', () => {
    const resource = object('A', { ownerId: 'acc_legal_rep', organisationId: ORGANISATION });
    const mandate = { id: 'mdt_1', organisationId: ORGANISATION, scope: ['identity.mandate.grant'] };
    const agent = person('acc_agent', [mandate]);
    const decision = r.authorize(agent, 'identity.mandate.grant', resource);
    assert.equal(decision.allowed, true);
    assert.equal(decision.reason, 'granted-by-mandate');
    assert.deepEqual(auditActorOf(agent, decision), { kind: 'person', id: 'acc_agent', mandateId: 'mdt_1' });
    // The legal representative is the organisation's owner and needs no mandate.
    assert.equal(r.authorize(person('acc_legal_rep'), 'identity.mandate.grant', resource).allowed, true);

    const narrow = person('acc_agent', [{ ...mandate, scope: ['cases.application.submit'] }]);
    assert.equal(r.authorize(narrow, 'identity.mandate.grant', resource).reason, 'mandate-scope');
    const elsewhere = person('acc_agent', [{ ...mandate, organisationId: 'org_other' }]);
    assert.equal(r.authorize(elsewhere, 'identity.mandate.grant', resource).reason, 'no-mandate');
    // Revocation is the identity module's: a revoked mandate is simply no longer on the actor.
    assert.equal(r.authorize(person('acc_agent'), 'identity.mandate.grant', resource).reason, 'no-mandate');
    // A mandate never reaches permissions that are not granted through mandates, even if its scope names them.
    const greedy = person('acc_agent', [
      { ...mandate, scope: ['identity.profile.read', 'identity.staff.manage'] },
    ]);
    assert.equal(r.authorize(greedy, 'identity.profile.read', resource).reason, 'not-owner');
    assert.equal(r.authorize(greedy, 'identity.staff.manage', resource).reason, 'not-granted');
  });

  it('refuses anonymous visitors everything', () => {
    const anonymous: Actor = { kind: 'anonymous' };
    for (const p of r.list()) {
      const decision = r.authorize(anonymous, p.name, object('A'), purpose);
      assert.deepEqual(decision, { allowed: false, permission: p.name, reason: 'anonymous' });
    }
  });

  it('refuses unknown permissions, and definitions that are not the registered ones', () => {
    const admin = staff('platform_admin', 'IT', 'secret');
    assert.equal(
      r.authorize(admin, 'identity.everything.do', object('A'), purpose).reason,
      'unknown-permission',
    );
    const forged = definePermission({
      name: 'identity.staff.manage',
      description: 'Forged at call time.',
      grantedTo: { roles: { clerk: 'any-department' } },
    });
    assert.equal(r.authorize(staff('clerk'), forged, object('A')).reason, 'unknown-permission');
    const registered = r.get('identity.staff.manage');
    assert.ok(registered);
    assert.equal(r.authorize(admin, registered, object('A')).allowed, true);
  });

  it('gives machine clients only their scopes, in their department, up to their clearance, with a purpose', () => {
    const client = (extra: Partial<Extract<Actor, { kind: 'client' }>> = {}): Actor => ({
      kind: 'client',
      clientId: 'cli_a',
      scopes: ['identity:profiles'],
      departmentCode: 'A',
      clearance: 'internal',
      ...extra,
    });
    assert.equal(r.authorize(client(), 'identity.profile.read', object('A'), purpose).allowed, true);
    assert.equal(r.authorize(client(), 'identity.profile.read', object('A')).reason, 'purpose-required');
    assert.equal(
      r.authorize(client(), 'identity.profile.read', object('B'), purpose).reason,
      'other-department',
    );
    assert.equal(
      r.authorize(client({ departmentCode: undefined }), 'identity.profile.read', object('A'), purpose)
        .reason,
      'other-department',
    );
    assert.equal(
      r.authorize(client({ scopes: [] }), 'identity.profile.read', object('A'), purpose).reason,
      'no-client-scope',
    );
    assert.equal(
      r.authorize(client({ clearance: undefined }), 'identity.profile.read', object('A'), purpose).reason,
      'clearance',
    );
    assert.equal(r.authorize(client(), 'identity.staff.manage', object('A')).reason, 'not-granted');
  });
});

describe('assertAllowed', () => {
  const r = registry();

  it('throws catalogue errors that do not reveal why, or whether the object exists', () => {
    const refusal = r.authorize(staff('clerk'), 'identity.profile.read', object('B'), { purpose: 'x' });
    const error = (() => {
      try {
        assertAllowed(refusal);
      } catch (e) {
        return e;
      }
    })();
    assert.ok(error instanceof AppError);
    assert.ok(error instanceof AuthorizationError);
    assert.equal(error.code, 'AUTHZ_ERR_FORBIDDEN');
    assert.equal(error.definition.status, 403);
    assert.equal(error.reason, 'other-department');
    for (const locale of ['zh-CN', 'en'] as const) {
      assert.doesNotMatch(error.messageFor(locale), /department|部门|obj_1|clearance/i);
    }
  });

  it('asks anonymous visitors to sign in (401) and staff without a purpose to state one (403)', () => {
    const codeOf = (actor: Actor) => {
      try {
        assertAllowed(r.authorize(actor, 'identity.profile.read', object('A')));
        return 'allowed';
      } catch (e) {
        return e instanceof AppError ? `${e.code} ${e.definition.status}` : String(e);
      }
    };
    assert.equal(codeOf({ kind: 'anonymous' }), 'AUTHZ_ERR_SIGN_IN_REQUIRED 401');
    assert.equal(codeOf(staff('clerk')), 'AUTHZ_ERR_PURPOSE_REQUIRED 403');
    assert.equal(codeOf(person(CITIZEN)), 'allowed');
  });
});

describe('definePermission and the registry', () => {
  it('refuse mistakes at start-up', () => {
    const base = { name: 'demo.thing.read', description: 'Read a thing.', grantedTo: { owner: true } };
    assert.throws(() => definePermission({ ...base, name: 'demo.read' }), /<module>\.<entity>\.<verb>/);
    assert.throws(() => definePermission({ ...base, name: 'demo.thing.*' }), /<module>\.<entity>\.<verb>/);
    assert.throws(() => definePermission({ ...base, description: ' ' }), /needs a description/);
    assert.throws(() => definePermission({ ...base, grantedTo: {} }), /granted to nobody/);
    assert.throws(() => definePermission({ ...base, grantedTo: { roles: {} } }), /granted to nobody/);
    // A representative choosing what a mandate allows reads these words: both languages, or start-up stops.
    assert.throws(() => definePermission({ ...base, grantedTo: { mandate: true } }), /needs labels/);
    assert.throws(
      () => definePermission({ ...base, grantedTo: { mandate: true }, labels: { 'zh-CN': '查看', en: ' ' } }),
      /needs labels/,
    );
    assert.throws(
      () => definePermission({ ...base, grantedTo: { roles: { clerk: 'everywhere' as 'any-department' } } }),
      /unknown scope/,
    );
    assert.throws(() => definePermission({ ...base, grantedTo: { clientScope: '' } }), /empty client scope/);

    const r = createPermissionRegistry({ roles: STAFF_ROLES });
    const thing = definePermission(base);
    assert.throws(() => r.register([thing], { module: 'other' }), /cannot declare/);
    r.register([thing], { module: 'demo' });
    assert.throws(() => r.register([thing]), /registered twice/);
    const typo = definePermission({
      ...base,
      name: 'demo.thing.edit',
      grantedTo: { roles: { clrek: 'own-department' } },
    });
    assert.throws(() => r.register([typo]), /unknown role: clrek/);
    assert.throws(() => r.register([{ ...thing, name: 'demo.thing.write' }]), /not made by definePermission/);
  });

  it('ignore role names inherited from Object.prototype', () => {
    const r = createPermissionRegistry();
    r.register([
      definePermission({ name: 'demo.thing.read', description: 'Read.', grantedTo: { owner: true } }),
    ]);
    const odd = staff('constructor', 'A', 'secret');
    assert.equal(r.authorize(odd, 'demo.thing.read', object('A')).reason, 'no-role');
  });

  it('describe who holds a permission for the OpenAPI document', () => {
    const profileRead = registry().get('identity.profile.read');
    assert.ok(profileRead);
    assert.equal(
      describeGrants(profileRead),
      'identity.profile.read: clerk (own department), reviewer (own department), head (own department), ' +
        'data_steward (own department), hotline_operator (any department), platform_admin (any department), ' +
        'the owner, clients with scope identity:profiles; staff and clients state a purpose.',
    );
  });
});
