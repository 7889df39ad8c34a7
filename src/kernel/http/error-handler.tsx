import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import { z } from 'zod';
import { isDatabaseUnavailable } from '../db/database.ts';
import { AppError, type ErrorDefinition, type FieldProblem, KernelErrors } from '../errors.ts';
import { kernelMessages, type Locale } from '../i18n/index.ts';
import { ErrorSummary } from '../views/components.tsx';
import { sendPage } from './pages.tsx';
import { isApiRequest } from './request-context.ts';
import { describeIssues, RequestValidationError } from './validation.ts';

/** What any failure becomes before it is shown: a catalogue code, a status, a translated title, field problems. */
export interface Problem {
  definition: ErrorDefinition;
  title: string;
  fields: FieldProblem[];
}

// Fastify's own error codes, mapped onto the catalogue; anything unknown is an internal error.
const FASTIFY_CODES: Record<string, ErrorDefinition> = {
  FST_ERR_CTP_BODY_TOO_LARGE: KernelErrors.payloadTooLarge,
  FST_ERR_CTP_INVALID_MEDIA_TYPE: KernelErrors.unsupportedMediaType,
  FST_ERR_CTP_INVALID_CONTENT_LENGTH: KernelErrors.badRequest,
  FST_ERR_CTP_EMPTY_JSON_BODY: KernelErrors.badRequest,
  FST_ERR_CTP_INVALID_JSON_BODY: KernelErrors.badRequest,
  FST_ERR_BAD_URL: KernelErrors.badRequest,
  FST_ERR_ASYNC_CONSTRAINT: KernelErrors.badRequest,
  FST_ERR_VALIDATION: KernelErrors.validation,
  FST_ERR_NOT_FOUND: KernelErrors.notFound,
  FST_CSRF_INVALID_TOKEN: KernelErrors.csrf,
  FST_CSRF_MISSING_SECRET: KernelErrors.csrf,
};

const BY_STATUS: Record<number, ErrorDefinition> = {
  400: KernelErrors.badRequest,
  404: KernelErrors.notFound,
  405: KernelErrors.methodNotAllowed,
  413: KernelErrors.payloadTooLarge,
  415: KernelErrors.unsupportedMediaType,
  429: KernelErrors.tooManyRequests,
  503: KernelErrors.notReady,
};

/** Turns any thrown value into a problem for people; unknown errors become KERNEL_ERR_INTERNAL and reveal nothing. */
export function toProblem(error: unknown, locale: Locale): Problem {
  if (error instanceof AppError) {
    return { definition: error.definition, title: error.messageFor(locale), fields: error.fields };
  }
  // A handler that parses its own input (`Form.parse(request.body)`) refuses bad input the same way as a route's
  // schema: 400 with each field's problem, never a 500 (the injection scan found forms that did).
  if (error instanceof z.ZodError) {
    return {
      definition: KernelErrors.validation,
      title: KernelErrors.validation.messages[locale],
      fields: describeIssues(error.issues, locale),
    };
  }
  if (error instanceof RequestValidationError) {
    const context = (error as RequestValidationError & { validationContext?: string }).validationContext;
    return {
      definition: KernelErrors.validation,
      title: KernelErrors.validation.messages[locale],
      fields: describeIssues(error.issues, locale, context),
    };
  }
  // The database restarting or failing over is a moment to retry, not an internal error. (An error Fastify already
  // gave a status, such as a client hanging up mid-body, keeps it.)
  if ((error as Partial<FastifyError>).statusCode === undefined && isDatabaseUnavailable(error)) {
    return { definition: KernelErrors.notReady, title: KernelErrors.notReady.messages[locale], fields: [] };
  }
  const fastifyError = error as Partial<FastifyError>;
  const definition =
    (fastifyError.code && FASTIFY_CODES[fastifyError.code]) ||
    (fastifyError.statusCode && BY_STATUS[fastifyError.statusCode]) ||
    KernelErrors.internal;
  return { definition, title: definition.messages[locale], fields: [] };
}

/** Sends a problem as RFC 9457 JSON for the API, or as a translated HTML page for people. */
export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: Problem): FastifyReply {
  const { definition } = problem;
  if (isApiRequest(request)) {
    return reply
      .status(definition.status)
      .type('application/problem+json; charset=utf-8')
      .send({
        type: `urn:yiwang:error:${definition.code}`,
        title: problem.title,
        status: definition.status,
        code: definition.code,
        instance: request.url.split('?')[0],
        requestId: String(request.id),
        ...(problem.fields.length > 0 ? { errors: problem.fields } : {}),
      });
  }
  const notFound = definition === KernelErrors.notFound;
  const t = kernelMessages.translator(request.locale);
  return sendPage(
    request,
    reply,
    {
      title: t(notFound ? 'error.notFound.title' : 'error.title'),
      status: definition.status,
    },
    (ctx) => (
      <div class="error-page">
        <h1>{notFound ? ctx.t('error.notFound.title') : ctx.t('error.title')}</h1>
        {problem.fields.length > 0 ? (
          <ErrorSummary
            title={ctx.t('error.validation.title')}
            errors={problem.fields.map((f) => ({ fieldId: f.path.replace(/\./g, '-'), message: f.message }))}
          />
        ) : null}
        <p>{notFound ? ctx.t('error.notFound.body') : problem.title}</p>
        <p class="secondary-text">{ctx.t('error.requestId', { id: ctx.requestId })}</p>
        <p>
          <a href="/">{ctx.t('error.backHome')}</a>
        </p>
      </div>
    ),
  );
}

/** Installs the one mapping from errors to HTTP, and the 404 handler. Stack traces go to the log, never to people. */
export function registerErrorHandling(app: FastifyInstance): void {
  app.setErrorHandler((error, request, reply) => {
    const problem = toProblem(error, request.locale);
    if (problem.definition === KernelErrors.notReady) {
      // The client is told to retry; one line each, not a stack per request while the database restarts.
      reply.header('retry-after', '5');
      request.log.warn(
        { code: problem.definition.code, reason: (error as Error).message },
        'database unavailable',
      );
    } else if (problem.definition.status >= 500) {
      request.log.error({ err: error, code: problem.definition.code }, 'request failed');
    } else {
      request.log.info(
        { code: problem.definition.code, status: problem.definition.status },
        'request refused',
      );
    }
    return sendProblem(request, reply, problem);
  });
  app.setNotFoundHandler((request, reply) =>
    sendProblem(request, reply, toProblem(new AppError(KernelErrors.notFound), request.locale)),
  );
}
