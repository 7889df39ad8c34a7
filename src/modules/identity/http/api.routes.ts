import type { FastifyInstance, FastifyRequest } from 'fastify';
import type { ZodTypeProvider } from 'fastify-type-provider-zod';
import { z } from 'zod';
import type { ClientActor } from '../../../kernel/authz/authz.ts';
import { AuthzErrors } from '../../../kernel/authz/authz.ts';
import { AppError } from '../../../kernel/errors.ts';
import { ProblemSchema } from '../../../kernel/http/problem.schemas.ts';
import { isApiRequest } from '../../../kernel/http/request-context.ts';
import type { ApiTokensService } from '../api-tokens.service.ts';
import { IdentityErrors } from '../identity.errors.ts';

declare module 'fastify' {
  interface FastifyRequest {
    /** The machine client a valid bearer token stands for. */
    apiClient: ClientActor | undefined;
  }
}

const WhoAmI = z
  .object({
    clientId: z
      .string()
      .describe('The token’s id (tok_…), which is also the client’s identity in the audit log'),
    departmentCode: z.string().nullable(),
    scopes: z.array(z.string()).describe('Permission names this client may use'),
  })
  .meta({ id: 'ApiClient' });

/** Bearer tokens on the API: resolved on every /api request; a token that is present but not valid is a 401. */
export function registerApiAuthentication(app: FastifyInstance, tokens: ApiTokensService): void {
  app.decorateRequest('apiClient', undefined);
  const authenticate = async (request: FastifyRequest, header: string) => {
    const match = /^Bearer\s+(\S+)$/i.exec(header);
    const client = match?.[1] ? await tokens.resolve(match[1]) : undefined;
    if (!client) throw new AppError(IdentityErrors.tokenInvalid);
    request.apiClient = client;
    request.authenticated = true;
  };
  // Pages and anonymous calls pass without a promise.
  app.addHook('onRequest', (request, _reply, done) => {
    const header = request.headers.authorization;
    if (!header || !isApiRequest(request)) {
      done();
      return;
    }
    authenticate(request, header).then(() => done(), done);
  });

  app.withTypeProvider<ZodTypeProvider>().get(
    '/api/v1/me',
    {
      schema: {
        tags: ['identity'],
        summary: 'The machine client this token belongs to, and what it may do',
        security: [{ bearerAuth: [] }],
        response: { 200: WhoAmI, 401: ProblemSchema },
      },
    },
    async (request) => {
      const client = request.apiClient;
      if (!client) throw new AppError(AuthzErrors.signInRequired);
      return {
        clientId: client.clientId,
        departmentCode: client.departmentCode ?? null,
        scopes: [...client.scopes],
      };
    },
  );
}
