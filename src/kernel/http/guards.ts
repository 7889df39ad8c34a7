import type { FastifyReply, FastifyRequest } from 'fastify';
import type { PersonActor } from '../authz/authz.ts';

/** The signed-in member of the public, or undefined after sending the visitor to sign in (pages of any module). */
export async function personOrSignIn(
  request: FastifyRequest,
  reply: FastifyReply,
): Promise<PersonActor | undefined> {
  const actor = await request.actor();
  if (actor.kind === 'person') return actor;
  reply.redirect('/sign-in', 303);
  return undefined;
}
