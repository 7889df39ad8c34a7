import type { FastifyReply, FastifyRequest } from 'fastify';
import { AuthorizationError, type StaffActor } from '../../../kernel/authz/authz.ts';
import { CasesPermissions } from '../cases.policy.ts';

export { personOrSignIn } from '../../../kernel/http/guards.ts';

/** The signed-in member of staff; visitors are sent to sign in, and people who are not staff refused (403). */
export async function staffOrSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<StaffActor | undefined> {
  const actor = await request.actor();
  if (actor.kind === 'staff') return actor;
  if (actor.kind === 'anonymous') {
    reply.redirect('/sign-in', 303);
    return undefined;
  }
  throw new AuthorizationError('no-role', CasesPermissions.taskDecide.name);
}
