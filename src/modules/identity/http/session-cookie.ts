import type { FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import type { Actor } from '../../../kernel/authz/authz.ts';
import type { ActiveSession, SessionsService } from '../sessions.service.ts';

/** The cookie that carries the session token (HttpOnly, SameSite=Lax, Secure behind TLS). */
export const SESSION_COOKIE = 'yiwang_session';

declare module 'fastify' {
  interface FastifyRequest {
    /** The session this request belongs to, if its cookie names a live one (read it through the contract's type). */
    identitySession: ActiveSession | undefined;
  }
}

/** Resolves the session cookie on every request, and tells the layout (and the policy) who is signed in. */
export function registerSessionResolution(
  app: FastifyInstance,
  sessions: SessionsService,
  actorOf: (accountId: string) => Promise<Actor>,
): void {
  app.decorateRequest('identitySession', undefined);
  const resolve = async (request: FastifyRequest, token: string) => {
    const session = await sessions.resolve(token);
    if (!session) return;
    request.identitySession = session;
    if (session.stage === 'complete') {
      request.authenticated = true;
      request.viewer = { displayName: session.displayName[request.locale], accountUrl: '/account' };
      // Loaded only by pages that ask, once per request: most signed-in pages need no roles.
      let actor: Promise<Actor> | undefined;
      request.actor = () => {
        actor ??= actorOf(session.accountId);
        return actor;
      };
    }
  };
  // Most requests carry no session (visitors, cached pages): they pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const token = request.cookies[SESSION_COOKIE];
    if (!token) {
      done();
      return;
    }
    resolve(request, token).then(() => done(), done);
  });
}

/** Sets the session cookie; the server enforces the idle and absolute limits, so the cookie needs no expiry. */
export function setSessionCookie(reply: FastifyReply, token: string, secure: boolean): void {
  reply.setCookie(SESSION_COOKIE, token, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}

/** Removes the session cookie (with the flags it was set with: a scanner reads every Set-Cookie). */
export function clearSessionCookie(reply: FastifyReply, secure: boolean): void {
  reply.clearCookie(SESSION_COOKIE, { path: '/', httpOnly: true, sameSite: 'lax', secure });
}
