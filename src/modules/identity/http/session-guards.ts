import type { FastifyRequest } from 'fastify';
import type { ActiveSession, ClientInfo } from '../sessions.service.ts';

/** The request's session once fully signed in (staff: second factor passed, password not expired), or undefined. */
export function signedIn(request: FastifyRequest, options: { staffOnly?: boolean } = {}) {
  const session = request.identitySession;
  return session?.stage === 'complete' && (!options.staffOnly || session.kind === 'staff')
    ? session
    : undefined;
}

/** The request's session while it still owes the given step of signing in, or undefined. */
export function pendingSession(
  request: FastifyRequest,
  stage: 'password' | 'new-password',
): ActiveSession | undefined {
  return request.identitySession?.stage === stage ? request.identitySession : undefined;
}

/** Where a session goes next: the step it still owes, or the account page once signed in. */
export function nextStepUrl(stage: ActiveSession['stage']): string {
  if (stage === 'password') return '/sign-in/second-factor';
  if (stage === 'new-password') return '/sign-in/new-password';
  return '/account';
}

/** Where a request came from, for the audit log and the sessions list. */
export function clientOf(request: FastifyRequest): Required<Pick<ClientInfo, 'requestId'>> & ClientInfo {
  return {
    clientAddress: request.ip,
    userAgent: request.headers['user-agent'],
    requestId: String(request.id),
  };
}
