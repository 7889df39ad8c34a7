import { createHash } from 'node:crypto';
import { readFileSync } from 'node:fs';
import fastifyCookie from '@fastify/cookie';
import fastifyCsrf from '@fastify/csrf-protection';
import fastifyFormbody from '@fastify/formbody';
import fastifyMultipart from '@fastify/multipart';
import fastifySwagger from '@fastify/swagger';
import Fastify, { type FastifyInstance, type FastifyReply } from 'fastify';
import {
  jsonSchemaTransform,
  jsonSchemaTransformObject,
  serializerCompiler,
} from 'fastify-type-provider-zod';
import helmet from 'helmet';
import type { ChildLoggerOptions } from 'pino';
import type { Throttle } from '../config.ts';
import type { ExecuteSql } from '../db/database.ts';
import { AppError, KernelErrors } from '../errors.ts';
import { newId } from '../ids.ts';
import { type Logger, lazyRequestLogger } from '../logger.ts';
import { registerErrorHandling, toProblem } from './error-handler.tsx';
import { registerPageCache } from './page-cache.ts';
import { setStylesheetHref } from './pages.tsx';
import { acceptLanguage, CSRF_COOKIE, isApiRequest, registerLocale } from './request-context.ts';
import { registerThrottle } from './throttle.ts';
import { zodValidatorCompiler } from './validation.ts';

declare module 'fastify' {
  interface FastifyInstance {
    /** The page cache of this process: a module clears it when public content changed (a publication). */
    pageCache: { clear(): void };
  }
}

/** The largest upload the platform reads at all; a form's question may allow less (checked on the content). */
export const MAX_UPLOAD_BYTES = 20 * 1024 * 1024;

/** A file from a multipart form, as a route receives it among the body's fields. */
export interface UploadedPart {
  filename: string;
  /** What the browser said it is; never trusted (kernel/files checks the content). */
  declaredType: string;
  bytes: Buffer;
}

/** The Fastify instance type every module's routes are written against (Zod schemas give the types). */
export type HttpApp = FastifyInstance;

const STYLESHEET = readFileSync(new URL('../views/styles.css', import.meta.url));

/** Options of the HTTP kernel. */
export interface HttpKernelOptions {
  log: Logger;
  version: string;
  /** Served to people over HTTPS: Secure cookies, HSTS, and the CSP upgrade of insecure requests. */
  behindTls?: boolean;
  /** Key for signed cookies (the CSRF secret): the platform secret, so every instance accepts every other's. */
  cookieSecret: string;
  /** Fastify's trustProxy: which proxies' X-Forwarded-* headers to believe. */
  trustProxy?: boolean | number | string[];
  /** Per-address budgets of the routes that opt in (kernel/http/throttle.ts); none when not given. */
  throttle?: Throttle;
  /** Server mode: keep the budgets' counters in PostgreSQL, shared by every instance (ADR 19). */
  throttleCounters?: ExecuteSql;
}

// What only a script (or a client with a token) sends; HTML forms send urlencoded, multipart or plain text.
const SCRIPTED_TYPES = /^\s*(?:application\/(?:json|xml|bpmn\+xml)|text\/xml)\b/i;

// What an anonymous caller may send: any form a visitor fills in is far smaller; uploads need a signed-in person.
const ANONYMOUS_BODY_LIMIT = 1024 * 1024;

// A client may pass its own request id (a gateway's trace id), but only a short, plain one: ids go into logs.
const REQUEST_ID = /^[\w.:-]{1,64}$/;

/** Where a value holds a NUL character (`body.answers.name`), or undefined; bytes (file parts) are not text. */
function nulIn(value: unknown, path: string, depth = 0): string | undefined {
  if (typeof value === 'string') return value.includes('\u0000') ? path : undefined;
  if (value === null || typeof value !== 'object' || Buffer.isBuffer(value)) return undefined;
  // Deeper than any form or schema goes: refused rather than searched further (and stored as JSON unchecked).
  if (depth > 32) return path;
  for (const [key, inner] of Object.entries(value)) {
    if (key.includes('\u0000')) return path;
    const found = nulIn(inner, `${path}.${key}`, depth + 1);
    if (found) return found;
  }
  return undefined;
}

/** The headers a Connect-style middleware sets on a response, found by running it once against a recorder. */
function headersOf(
  middleware: (req: never, res: never, next: (error?: unknown) => void) => void,
): Promise<Record<string, string>> {
  const headers: Record<string, string> = {};
  const recorder = {
    setHeader(name: string, value: string | number | readonly string[]) {
      headers[name.toLowerCase()] = Array.isArray(value) ? value.join(', ') : String(value);
    },
    removeHeader(name: string) {
      delete headers[name.toLowerCase()];
    },
    getHeader: (name: string) => headers[name.toLowerCase()],
  };
  return new Promise((resolve, reject) =>
    middleware({ headers: {}, method: 'GET', url: '/' } as never, recorder as never, (error) =>
      error ? reject(error) : resolve(headers),
    ),
  );
}

/**
 * Creates the HTTP server with everything no module should repeat: security headers, request ids, languages,
 * Zod validation, the OpenAPI generator, the error catalogue's mapping to HTTP and the stylesheet.
 */
export async function createHttpServer(options: HttpKernelOptions): Promise<FastifyInstance> {
  const app = Fastify({
    loggerInstance: options.log,
    // Fastify's logger type is a narrower view of the same pino logger.
    childLoggerFactory: (logger, bindings, childOptions) =>
      lazyRequestLogger(logger as unknown as Logger, bindings, childOptions as ChildLoggerOptions),
    genReqId: (req) => {
      const given = req.headers['x-request-id'];
      return typeof given === 'string' && REQUEST_ID.test(given) ? given : newId('req');
    },
    bodyLimit: 1024 * 1024,
    return503OnClosing: true,
    // Fastify accepts a hop count here (documented), though its overloads do not list number.
    trustProxy: (options.trustProxy ?? false) as boolean | string[],
    // Query strings like ?a=1&a=2 are arrays; schemas decide what is allowed.
    routerOptions: { ignoreTrailingSlash: true, maxParamLength: 200 },
    // A URL the router cannot decode (a broken %-escape) is refused before any hook runs: without this, Fastify's
    // own untranslated JSON went out without the security headers. The problem is sent here, with the headers.
    frameworkErrors: (_error, request, reply: FastifyReply) => {
      const problem = toProblem(
        new AppError(KernelErrors.badRequest),
        acceptLanguage(request.headers['accept-language']) ?? 'zh-CN',
      );
      reply.headers(staticHeaders).header('x-request-id', request.id);
      reply
        .status(400)
        .type('application/problem+json; charset=utf-8')
        .send({
          type: `urn:yiwang:error:${problem.definition.code}`,
          title: problem.title,
          status: 400,
          code: problem.definition.code,
          requestId: String(request.id),
        });
    },
  }) as unknown as FastifyInstance; // pino's Logger type is narrower than Fastify's base logger: same object

  app.setValidatorCompiler(zodValidatorCompiler);
  app.setSerializerCompiler(serializerCompiler);

  // helmet's middleware is built once here; @fastify/helmet rebuilt it (and re-parsed the CSP) on every request.
  const tls = options.behindTls === true;
  const securityHeaders = helmet({
    contentSecurityPolicy: {
      directives: {
        defaultSrc: ["'self'"],
        scriptSrc: ["'self'"],
        styleSrc: ["'self'"],
        imgSrc: ["'self'", 'data:'],
        formAction: ["'self'"],
        frameAncestors: ["'none'"],
        objectSrc: ["'none'"],
        baseUri: ["'self'"],
        // Only behind TLS: on a plain-HTTP pilot it would send browsers to an HTTPS that does not exist.
        upgradeInsecureRequests: tls ? [] : null,
      },
    },
    // One year, and not includeSubDomains: a government apex domain may have subdomains this platform does not run.
    strictTransportSecurity: tls ? { maxAge: 31_536_000, includeSubDomains: false } : false,
    referrerPolicy: { policy: 'strict-origin-when-cross-origin' },
    crossOriginEmbedderPolicy: false,
  });
  // The headers do not depend on the request (no CSP nonces): work them out once and copy them onto every reply,
  // which costs a tenth of running the middleware per request — it is most of a cached page's price (ADR 14).
  const staticHeaders = await headersOf(securityHeaders);
  app.addHook('onRequest', (request, reply, done) => {
    reply.header('x-request-id', request.id);
    reply.headers(staticHeaders);
    done();
  });
  // The API's defence against cross-site requests: a state-changing call that relies on the session cookie (no bearer
  // token) must be JSON or XML, which a form on another site cannot send without the browser asking first (CORS).
  app.addHook('onRequest', (request, _reply, done) => {
    if (
      request.method === 'GET' ||
      request.method === 'HEAD' ||
      request.headers.authorization !== undefined ||
      request.headers.cookie === undefined ||
      !isApiRequest(request) ||
      SCRIPTED_TYPES.test(request.headers['content-type'] ?? '')
    ) {
      done();
      return;
    }
    done(new AppError(KernelErrors.unsupportedMediaType));
  });
  // Upload bombs: only a signed-in person or a machine client with a token (both resolved in onRequest hooks, so
  // before this one) may make the platform read more than the default limit. An anonymous multipart body or an
  // oversized one is refused on its headers, before a byte of it is buffered; the multipart limits below and each
  // route's bodyLimit bound what a known caller can send.
  app.addHook('preParsing', (request, _reply, payload, done) => {
    // Known means resolved by the identity module's hooks (a live session, a valid token), not a header's claim.
    if (request.authenticated) {
      done(null, payload);
      return;
    }
    const length = Number(request.headers['content-length'] ?? Number.NaN);
    const multipart = /^\s*multipart\//i.test(request.headers['content-type'] ?? '');
    const mayBeLarge = multipart || (request.routeOptions.bodyLimit ?? 0) > ANONYMOUS_BODY_LIMIT;
    // A chunked body has no length: it could be anything.
    if (mayBeLarge && !(length <= ANONYMOUS_BODY_LIMIT)) done(new AppError(KernelErrors.signInToUpload));
    else done(null, payload);
  });
  // PostgreSQL text cannot hold U+0000: a NUL in an id, a query or a field would fail deep in a query as a 500.
  // Refused here, for every route, with the field named (found by the fuzzing suite, test/fuzz/).
  app.addHook('preValidation', (request, _reply, done) => {
    const where =
      nulIn(request.params, 'path') ?? nulIn(request.query, 'query') ?? nulIn(request.body, 'body');
    done(where ? new AppError(KernelErrors.nulCharacter, { field: where }) : undefined);
  });
  // Signed cookies (the CSRF secret) are keyed by the platform secret, shared by every instance.
  await app.register(fastifyCookie, { secret: options.cookieSecret });
  await app.register(fastifyCsrf, {
    sessionPlugin: '@fastify/cookie',
    cookieKey: CSRF_COOKIE,
    cookieOpts: { path: '/', httpOnly: true, sameSite: 'lax', secure: tls, signed: true },
  });
  await app.register(fastifyFormbody);
  // Forms with uploads work without JavaScript: multipart bodies become fields like a urlencoded form's (the CSRF
  // token included), each file an `UploadedPart` whose content the receiving module checks (kernel/files). The
  // limits stop an oversized upload while it streams in, before it fills memory.
  await app.register(fastifyMultipart, {
    attachFieldsToBody: 'keyValues',
    limits: { fileSize: MAX_UPLOAD_BYTES, files: 10, fields: 300, parts: 310, fieldSize: 100_000 },
    async onFile(part) {
      const bytes = await part.toBuffer();
      // A file input left empty still sends a part, without a name or bytes: it means "keep what was uploaded".
      (part as unknown as { value: UploadedPart | undefined }).value =
        part.filename || bytes.length > 0
          ? { filename: part.filename, declaredType: part.mimetype, bytes }
          : undefined;
    },
  });
  await registerThrottle(app, options.throttle ?? { signIn: 0, lookups: 0 }, options.throttleCounters);
  registerLocale(app, { secureCookies: tls });
  app.decorate('pageCache', registerPageCache(app));

  await app.register(fastifySwagger, {
    openapi: {
      openapi: '3.0.3',
      info: {
        title: 'Yiwang (一网) API',
        version: options.version,
        description:
          'The REST interface of the Yiwang e-government platform. Errors are RFC 9457 problem details with a stable `code` from the error catalogue (docs/errors.md). Send `Accept-Language: en` or `?lang=en` for English messages; Chinese is the default.',
        license: { name: 'Apache-2.0' },
      },
      components: {
        securitySchemes: {
          bearerAuth: {
            type: 'http',
            scheme: 'bearer',
            description:
              'An API token issued to a machine client (`yiwang tokens issue`): scoped, expiring, revocable.',
          },
        },
      },
      tags: [
        { name: 'platform', description: 'Health and readiness of the platform' },
        { name: 'identity', description: 'Who is calling' },
        { name: 'organisations', description: 'Departments of the city government' },
      ],
    },
    transform: (input) => {
      // Pages, static files and the document itself are not part of the API. A machine-readable route outside
      // /api/v1 (a published key set at /.well-known/, a status list) joins it by declaring its tags.
      const path = input.url;
      const tagged = Array.isArray((input.schema as { tags?: unknown } | undefined)?.tags);
      if (!(path.startsWith('/api/v1/') || path === '/healthz' || path === '/readyz' || tagged)) {
        return { schema: { ...input.schema, hide: true } as typeof input.schema, url: input.url };
      }
      return jsonSchemaTransform(input);
    },
    // Emits the schemas named with `.meta({ id })` as reusable components.
    transformObject: jsonSchemaTransformObject,
  });

  registerErrorHandling(app);

  const stylesheetHash = createHash('sha256').update(STYLESHEET).digest('hex').slice(0, 12);
  const stylesheetPath = `/static/yiwang-${stylesheetHash}.css`;
  setStylesheetHref(stylesheetPath);
  // Fingerprinted, so it can be cached for a year; a new stylesheet gets a new name.
  app.get(stylesheetPath, { schema: { hide: true } }, async (_request, reply) =>
    reply
      .type('text/css; charset=utf-8')
      .header('cache-control', 'public, max-age=31536000, immutable')
      .send(STYLESHEET),
  );

  return app;
}
