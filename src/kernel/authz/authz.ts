/*
 * Authorisation: deny by default. Modules declare named permissions with `definePermission`; the composition
 * root registers them in one `PermissionRegistry`; services ask `registry.authorize(actor, permission, resource)`
 * on every call. There is no "can do everything" switch: every grant is a named role in a department scope, the
 * object's owner, a mandate, or a client scope — and reads of personal data by staff or clients need a purpose.
 * The kernel knows no domain words: roles are strings, departments are codes, objects are typed resources.
 */
import type { AuditEntry, AuditLog } from '../audit/audit.ts';
import type { Db } from '../db/database.ts';
import { AppError } from '../errors.ts';
import { AuthzErrors } from './authz.errors.ts';

export { AuthzErrors } from './authz.errors.ts';

/**
 * Information security grades, lowest first: 公开 public, 内部 internal, 受限 restricted, 秘密 secret.
 * A clearance uses the same scale: it reaches every object classified at or below it.
 */
export const CLASSIFICATIONS = ['public', 'internal', 'restricted', 'secret'] as const;
/** One information security grade (of an object) or clearance (of an actor). */
export type Classification = (typeof CLASSIFICATIONS)[number];

/** Whether a clearance reaches an object of the given classification (clearance ≥ classification). */
export function clearanceCovers(clearance: Classification, classification: Classification): boolean {
  const c = CLASSIFICATIONS.indexOf(clearance);
  // An unknown grade (bad data from JavaScript callers) reaches nothing and is reached by nothing.
  return (
    c >= 0 && CLASSIFICATIONS.indexOf(classification) >= 0 && c >= CLASSIFICATIONS.indexOf(classification)
  );
}

/** A person's authority to act for an organisation (授权/代办). Only active mandates belong on an actor. */
export interface Mandate {
  readonly id: string;
  readonly organisationId: string;
  /** Permission names the mandate covers, exactly: no wildcards, so a mandate never grows by itself. */
  readonly scope: readonly string[];
}

/** One role a staff member holds in one department. */
export interface StaffRoleAssignment {
  readonly departmentCode: string;
  readonly role: string;
}

/** Nobody signed in. Refused everything: public pages do not ask for permission. */
export interface AnonymousActor {
  readonly kind: 'anonymous';
}

/** A member of the public. Revoked or expired mandates are left out by whoever builds the actor. */
export interface PersonActor {
  readonly kind: 'person';
  readonly accountId: string;
  readonly assuranceLevel: 1 | 2 | 3;
  readonly mandates: readonly Mandate[];
}

/** A civil servant with roles in departments and a clearance. */
export interface StaffActor {
  readonly kind: 'staff';
  readonly accountId: string;
  readonly clearance: Classification;
  readonly roles: readonly StaffRoleAssignment[];
}

/** A machine client calling with an API token. */
export interface ClientActor {
  readonly kind: 'client';
  readonly clientId: string;
  readonly scopes: readonly string[];
  /** The department the client belongs to; a client of no department reaches only objects of no department. */
  readonly departmentCode?: string;
  /** Defaults to 'public': a token that states no clearance reaches only public objects. */
  readonly clearance?: Classification;
}

/** Who is asking. Built per request from the session or token; the kernel trusts it as given. */
export type Actor = AnonymousActor | PersonActor | StaffActor | ClientActor;

/**
 * The object of an action, described by the module that owns it. For objects seen through a context (a citizen's
 * profile opened from a department's application) the module describes the context: its department, its
 * assignees, with the profile's owner.
 */
export interface Resource {
  readonly type: string;
  readonly id?: string;
  /** The department responsible for the object; an object of no department is outside every department. */
  readonly departmentCode?: string;
  /** Absent means 'public'. */
  readonly classification?: Classification;
  /** The account of the person the object belongs to. */
  readonly ownerId?: string;
  /** The organisation the object belongs to, for actions under a mandate. */
  readonly organisationId?: string;
  /** Account ids (or client ids) the object is assigned to. */
  readonly assignedTo?: readonly string[];
}

/** Whether a role reaches objects of its own departments only, or of every department. */
export type DepartmentScope = 'own-department' | 'any-department';

/** To whom a permission is granted. Anything not listed here is refused. */
export interface PermissionGrants<Role extends string = string> {
  /** Staff roles and the departments each reaches, e.g. `{ clerk: 'own-department', hotline_operator: 'any-department' }`. */
  readonly roles?: Readonly<Partial<Record<Role, DepartmentScope>>>;
  /** The account the object belongs to (`resource.ownerId`), person or staff. */
  readonly owner?: boolean;
  /** A person acting for `resource.organisationId` under a mandate whose scope names this permission. */
  readonly mandate?: boolean;
  /** A machine client whose token carries this scope. */
  readonly clientScope?: string;
  /** Which departments' objects such a client reaches; by default only its own department's. */
  readonly clientDepartments?: DepartmentScope;
}

/** What a module writes to declare a permission. */
export interface PermissionInput<Role extends string = string> {
  /** `<module>.<entity>.<verb>`, e.g. `identity.profile.read`; also the audit action of the access. */
  readonly name: string;
  /** One sentence for the OpenAPI document and the administrators' pages. */
  readonly description: string;
  readonly grantedTo: PermissionGrants<Role>;
  /** Staff and clients must state a purpose, and the access must be audited with it. */
  readonly personalData?: boolean;
  /** Staff and clients must be in `resource.assignedTo` (owners and mandate holders act on their own objects). */
  readonly requiresAssignment?: boolean;
  /**
   * What people read when a legal representative chooses what a mandate allows: a short phrase in each language.
   * Required of permissions granted to mandate holders.
   */
  readonly labels?: { readonly 'zh-CN': string; readonly en: string };
}

/** A checked, frozen permission, ready to be registered. */
export interface Permission<Role extends string = string> {
  readonly name: string;
  readonly description: string;
  readonly grantedTo: PermissionGrants<Role>;
  readonly personalData: boolean;
  readonly requiresAssignment: boolean;
  readonly labels?: { readonly 'zh-CN': string; readonly en: string };
}

/** Why access was given. */
export type GrantReason =
  | 'granted-by-role'
  | 'granted-as-owner'
  | 'granted-by-mandate'
  | 'granted-by-client-scope';

/** Why access was refused: for logs, audit and tests; never shown to the person refused. */
export type RefusalReason =
  | 'unknown-permission'
  | 'anonymous'
  | 'not-granted'
  | 'no-role'
  | 'other-department'
  | 'clearance'
  | 'not-assigned'
  | 'purpose-required'
  | 'not-owner'
  | 'no-mandate'
  | 'mandate-scope'
  | 'no-client-scope';

/** Through what the access was given: the role and department, or the mandate. Goes into the audit record. */
export interface DecisionVia {
  readonly role?: string;
  readonly departmentCode?: string;
  readonly mandateId?: string;
  readonly organisationId?: string;
}

/** An access given. */
export interface Allowed {
  readonly allowed: true;
  readonly permission: string;
  readonly reason: GrantReason;
  readonly via?: DecisionVia;
  /** The stated purpose, trimmed, for the audit record. */
  readonly purpose?: string;
  /** True when the service must audit this access with its purpose: personal data read by someone not its owner. */
  readonly auditRequired: boolean;
}

/** An access refused. */
export interface Refused {
  readonly allowed: false;
  readonly permission: string;
  readonly reason: RefusalReason;
}

/** The answer to "may this actor do this to this object". */
export type Decision = Allowed | Refused;

/** What the caller adds to a request beyond actor and object. */
export interface AuthorizeContext {
  /** Why the actor needs the object; required of staff and clients for personal data. */
  readonly purpose?: string;
}

const NAME = /^[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*\.[a-z][a-zA-Z0-9]*$/;
const ROLE = /^[a-z][a-z0-9_]*$/;
const SCOPES: readonly string[] = ['own-department', 'any-department'] satisfies DepartmentScope[];

/**
 * Checks and freezes a permission declaration. Throws at start-up on mistakes (bad name, unknown scope, a
 * permission granted to nobody) so they never become silent refusals or grants at run time.
 */
export function definePermission<Role extends string = string>(
  input: PermissionInput<Role>,
): Permission<Role> {
  const { name, description, grantedTo } = input;
  if (!NAME.test(name)) throw new RangeError(`Permission names are <module>.<entity>.<verb>: ${name}`);
  if (!description?.trim()) throw new RangeError(`Permission ${name} needs a description.`);
  const roles: Record<string, DepartmentScope> = Object.create(null);
  for (const [role, scope] of Object.entries(grantedTo.roles ?? {})) {
    if (!ROLE.test(role)) throw new RangeError(`Permission ${name} names an invalid role: ${role}`);
    if (typeof scope !== 'string' || !SCOPES.includes(scope))
      throw new RangeError(`Permission ${name} gives role ${role} an unknown scope: ${String(scope)}`);
    roles[role] = scope as DepartmentScope;
  }
  if (grantedTo.clientScope !== undefined && !grantedTo.clientScope.trim())
    throw new RangeError(`Permission ${name} has an empty client scope.`);
  if (grantedTo.clientDepartments !== undefined) {
    if (grantedTo.clientScope === undefined)
      throw new RangeError(`Permission ${name} sets clientDepartments without a clientScope.`);
    if (!SCOPES.includes(grantedTo.clientDepartments))
      throw new RangeError(
        `Permission ${name} has an unknown clientDepartments: ${grantedTo.clientDepartments}`,
      );
  }
  const grantsSomething =
    Object.keys(roles).length > 0 ||
    grantedTo.owner === true ||
    grantedTo.mandate === true ||
    grantedTo.clientScope !== undefined;
  // Deny-by-default already refuses everyone; a permission granted to nobody is a mistake in the declaration.
  if (!grantsSomething) throw new RangeError(`Permission ${name} is granted to nobody.`);
  if (grantedTo.mandate === true && !(input.labels?.['zh-CN']?.trim() && input.labels.en?.trim()))
    throw new RangeError(
      `Permission ${name} is granted to mandate holders, so it needs labels in every language.`,
    );
  return Object.freeze({
    name,
    description: description.trim(),
    grantedTo: Object.freeze({
      roles: Object.freeze(roles) as Readonly<Partial<Record<Role, DepartmentScope>>>,
      owner: grantedTo.owner === true,
      mandate: grantedTo.mandate === true,
      ...(grantedTo.clientScope !== undefined
        ? {
            clientScope: grantedTo.clientScope,
            clientDepartments: grantedTo.clientDepartments ?? 'own-department',
          }
        : {}),
    }),
    personalData: input.personalData === true,
    requiresAssignment: input.requiresAssignment === true,
    ...(input.labels ? { labels: Object.freeze({ ...input.labels }) } : {}),
  });
}

/** Every permission of the platform, and the one policy that answers with them. */
export interface PermissionRegistry {
  /**
   * Adds permissions at start-up. Names are unique; with `module`, every name must start with `<module>.`, so a
   * module cannot declare (or redefine) another's permissions.
   */
  register(permissions: readonly Permission[], options?: { module?: string }): void;
  /** The registered permission of this name, if any. */
  get(name: string): Permission | undefined;
  /** Every registered permission, sorted by name: for the OpenAPI document and administrators' pages. */
  list(): Permission[];
  /**
   * May this actor do this to this object? Never throws: an unknown permission or a permission object that is not
   * the registered one is refused with 'unknown-permission'.
   */
  authorize(
    actor: Actor,
    permission: string | Permission,
    resource: Resource,
    context?: AuthorizeContext,
  ): Decision;
}

/**
 * Creates the registry. Give it the platform's staff roles (from the composition root, which knows the identity
 * module) so that a permission naming a role that does not exist fails at start-up instead of granting nothing.
 */
export function createPermissionRegistry(options: { roles?: readonly string[] } = {}): PermissionRegistry {
  const known = new Map<string, Permission>();
  const roles = options.roles ? new Set(options.roles) : undefined;

  return {
    register(permissions, registerOptions = {}) {
      for (const p of permissions) {
        if (!Object.isFrozen(p))
          throw new TypeError(`Permission ${p.name} was not made by definePermission.`);
        if (registerOptions.module !== undefined && !p.name.startsWith(`${registerOptions.module}.`))
          throw new RangeError(`Module ${registerOptions.module} cannot declare permission ${p.name}.`);
        if (known.has(p.name)) throw new Error(`Permission ${p.name} is registered twice.`);
        if (roles) {
          for (const role of Object.keys(p.grantedTo.roles ?? {})) {
            if (!roles.has(role)) throw new RangeError(`Permission ${p.name} names an unknown role: ${role}`);
          }
        }
      }
      for (const p of permissions) known.set(p.name, p);
    },

    get(name) {
      return known.get(name);
    },

    list() {
      return [...known.values()].sort((a, b) => (a.name < b.name ? -1 : a.name > b.name ? 1 : 0));
    },

    authorize(actor, permission, resource, context = {}) {
      const name = typeof permission === 'string' ? permission : permission.name;
      const p = known.get(name);
      // Only registered grants count: a caller cannot pass a home-made definition that grants itself access.
      if (!p || (typeof permission !== 'string' && permission !== p))
        return refuse(name, 'unknown-permission');
      return decide(p, actor, resource, context.purpose?.trim() ?? '');
    },
  };
}

function refuse(permission: string, reason: RefusalReason): Refused {
  return { allowed: false, permission, reason };
}

/** True only for two equal, non-empty ids: an empty or missing id never matches another. */
function same(a: string | undefined, b: string | undefined): boolean {
  return a !== undefined && a !== '' && a === b;
}

function roleScope(p: Permission, role: string): DepartmentScope | undefined {
  const roles = p.grantedTo.roles ?? {};
  return Object.hasOwn(roles, role) ? (roles as Record<string, DepartmentScope>)[role] : undefined;
}

function decide(p: Permission, actor: Actor, resource: Resource, purpose: string): Decision {
  switch (actor?.kind) {
    case 'anonymous':
      return refuse(p.name, 'anonymous');
    case 'person':
      return decideForPerson(p, actor, resource);
    case 'staff':
      return decideForStaff(p, actor, resource, purpose);
    case 'client':
      return decideForClient(p, actor, resource, purpose);
    default:
      return refuse(p.name, 'not-granted');
  }
}

function asOwner(p: Permission): Allowed {
  // The owner's own data: no purpose to state, and no record for "who looked at my data".
  return { allowed: true, permission: p.name, reason: 'granted-as-owner', auditRequired: false };
}

function decideForPerson(p: Permission, actor: PersonActor, resource: Resource): Decision {
  const { owner, mandate } = p.grantedTo;
  if (owner && same(resource.ownerId, actor.accountId)) return asOwner(p);
  if (mandate && resource.organisationId !== undefined) {
    const forOrganisation = actor.mandates.filter((m) => same(m.organisationId, resource.organisationId));
    const covering = forOrganisation.find((m) => m.scope.includes(p.name));
    if (covering) {
      return {
        allowed: true,
        permission: p.name,
        reason: 'granted-by-mandate',
        via: { mandateId: covering.id, organisationId: covering.organisationId },
        auditRequired: p.personalData,
      };
    }
    return refuse(p.name, forOrganisation.length > 0 ? 'mandate-scope' : 'no-mandate');
  }
  if (owner) return refuse(p.name, 'not-owner');
  return refuse(p.name, mandate ? 'no-mandate' : 'not-granted');
}

/**
 * The checks after a role or scope has matched, in an order that keeps 'purpose-required' last: it means "you
 * would be allowed with a purpose", so a page may ask for one without revealing anything to those who would not.
 */
function finish(
  p: Permission,
  reason: 'granted-by-role' | 'granted-by-client-scope',
  via: DecisionVia,
  actorId: string,
  clearance: Classification,
  resource: Resource,
  purpose: string,
): Decision {
  if (resource.classification !== undefined && !clearanceCovers(clearance, resource.classification))
    return refuse(p.name, 'clearance');
  if (p.requiresAssignment && !(resource.assignedTo ?? []).some((id) => same(id, actorId)))
    return refuse(p.name, 'not-assigned');
  // No exception for any role: the platform administrator states a purpose like everybody else.
  if (p.personalData && purpose === '') return refuse(p.name, 'purpose-required');
  return {
    allowed: true,
    permission: p.name,
    reason,
    via,
    ...(p.personalData ? { purpose } : {}),
    auditRequired: p.personalData,
  };
}

function decideForStaff(p: Permission, actor: StaffActor, resource: Resource, purpose: string): Decision {
  if (p.grantedTo.owner && same(resource.ownerId, actor.accountId)) return asOwner(p);
  let holdsRole = false;
  let match: StaffRoleAssignment | undefined;
  for (const assignment of actor.roles) {
    const scope = roleScope(p, assignment.role);
    if (!scope) continue;
    holdsRole = true;
    const inDepartment = same(assignment.departmentCode, resource.departmentCode);
    // Prefer the role held in the object's department, so the audit record names the department that acted.
    if (inDepartment) {
      match = assignment;
      break;
    }
    if (scope === 'any-department' && !match) match = assignment;
  }
  if (!match) return refuse(p.name, holdsRole ? 'other-department' : 'no-role');
  const via = { role: match.role, departmentCode: match.departmentCode };
  return finish(p, 'granted-by-role', via, actor.accountId, actor.clearance, resource, purpose);
}

function decideForClient(p: Permission, actor: ClientActor, resource: Resource, purpose: string): Decision {
  const { clientScope, clientDepartments } = p.grantedTo;
  if (clientScope === undefined) return refuse(p.name, 'not-granted');
  if (!actor.scopes.includes(clientScope)) return refuse(p.name, 'no-client-scope');
  const reachable =
    clientDepartments === 'any-department' ||
    (resource.departmentCode === undefined
      ? actor.departmentCode === undefined
      : same(actor.departmentCode, resource.departmentCode));
  if (!reachable) return refuse(p.name, 'other-department');
  const via = actor.departmentCode !== undefined ? { departmentCode: actor.departmentCode } : {};
  const clearance = actor.clearance ?? 'public';
  return finish(p, 'granted-by-client-scope', via, actor.clientId, clearance, resource, purpose);
}

/** The error for a refusal: sign in (401), state a purpose (403), or a plain refusal (403) that reveals nothing. */
export class AuthorizationError extends AppError {
  constructor(
    /** The machine reason, for logs and the audit record of a denied access; never shown to people. */
    readonly reason: RefusalReason,
    readonly permission: string,
  ) {
    super(
      reason === 'anonymous'
        ? AuthzErrors.signInRequired
        : reason === 'purpose-required'
          ? AuthzErrors.purposeRequired
          : AuthzErrors.forbidden,
    );
    this.name = 'AuthorizationError';
  }
}

/** Throws an `AuthorizationError` (an `AppError`) unless the decision allows; narrows it to `Allowed` otherwise. */
export function assertAllowed(decision: Decision): asserts decision is Allowed {
  if (!decision.allowed) throw new AuthorizationError(decision.reason, decision.permission);
}

/** The id the actor acts under, if it has one. */
export function actorIdOf(actor: Actor): string | undefined {
  switch (actor.kind) {
    case 'person':
    case 'staff':
      return actor.accountId;
    case 'client':
      return actor.clientId;
    default:
      return undefined;
  }
}

/** The actor part of an audit entry: who, and through which role, department or mandate the decision let them act. */
export function auditActorOf(actor: Actor, decision?: Decision): AuditEntry['actor'] {
  const via = decision?.allowed ? decision.via : undefined;
  const id = actorIdOf(actor);
  return {
    kind: actor.kind,
    ...(id !== undefined ? { id } : {}),
    ...(via?.mandateId !== undefined ? { mandateId: via.mandateId } : {}),
    ...(via?.role !== undefined ? { role: via.role } : {}),
    ...(via?.departmentCode !== undefined
      ? { department: via.departmentCode }
      : actor.kind === 'client' && actor.departmentCode !== undefined
        ? { department: actor.departmentCode }
        : {}),
  };
}

/** A one-line English summary of who holds a permission, for the OpenAPI document of the routes that need it. */
export function describeGrants(p: Permission): string {
  const parts = Object.entries(p.grantedTo.roles ?? {}).map(
    ([role, scope]) => `${role} (${scope === 'any-department' ? 'any department' : 'own department'})`,
  );
  if (p.grantedTo.owner) parts.push('the owner');
  if (p.grantedTo.mandate) parts.push('a mandate holder for the organisation');
  if (p.grantedTo.clientScope !== undefined) parts.push(`clients with scope ${p.grantedTo.clientScope}`);
  const conditions = [
    ...(p.personalData ? ['staff and clients state a purpose'] : []),
    ...(p.requiresAssignment ? ['staff and clients must be assigned'] : []),
  ];
  return `${p.name}: ${parts.join(', ')}${conditions.length > 0 ? `; ${conditions.join('; ')}` : ''}.`;
}

/**
 * Lets an allowed decision through; a refused one is recorded in the audit log (in a transaction of its own, as
 * nothing else happens) and thrown as an AuthorizationError. For services that audit every refusal.
 */
export async function enforce(
  db: Db,
  audit: AuditLog,
  actor: Actor,
  decision: Decision,
  entry: Pick<AuditEntry, 'action' | 'object' | 'request'>,
): Promise<Allowed> {
  if (!decision.allowed) {
    await db.transaction((tx) =>
      audit.record(tx, { ...entry, actor: auditActorOf(actor), outcome: 'denied' }),
    );
    assertAllowed(decision);
  }
  return decision;
}
