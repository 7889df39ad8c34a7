import type { FastifyInstance } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { ELDERLY_COOKIE } from '../../../kernel/http/request-context.ts';
import { sameSitePath } from '../domain/return-path.ts';
import { ElderlyPreferenceForm } from './portal.schemas.ts';

/** A year: the choice is the visitor's until they change it. */
const ELDERLY_MAX_AGE = 365 * 24 * 3600;

/**
 * The elderly-mode toggle of every page's header (适老化): a plain form posted here sets or clears a long-lived
 * cookie, then sends the visitor back to the page they were on (a path of this site only). The layout reads the
 * cookie on every request; the page cache keeps the two modes apart.
 */
export function registerPreferenceRoutes(app: FastifyInstance, options: { secureCookies: boolean }): void {
  app.withTypeProvider<ZodTypeProvider>().post(
    '/preferences/elderly',
    // preHandler, not onRequest: the token is in the posted form, which is parsed after onRequest.
    { schema: { hide: true, body: ElderlyPreferenceForm }, preHandler: app.csrfProtection },
    async (request, reply) => {
      if (request.body.elderly === 'on') {
        reply.setCookie(ELDERLY_COOKIE, '1', {
          path: '/',
          maxAge: ELDERLY_MAX_AGE,
          sameSite: 'lax',
          httpOnly: true,
          secure: options.secureCookies,
        });
      } else {
        reply.clearCookie(ELDERLY_COOKIE, { path: '/' });
      }
      return reply.redirect(sameSitePath(request.body.return), 303);
    },
  );
}
