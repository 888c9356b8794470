import swagger from '@fastify/swagger';
import swaggerUi from '@fastify/swagger-ui';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  FastifySchemaCompiler,
  onRequestHookHandler,
  preHandlerHookHandler,
  RouteHandlerMethod,
} from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type FieldError } from '../errors.js';
import {
  loadOpenApiDocument,
  operationRoutes,
  sharedSchemas,
  type OpenApiDocument,
  type OperationRoute,
} from '../openapi/spec.js';
import { createValidatorCompiler } from '../openapi/validators.js';
import { fieldErrorsOf, unsupportedMediaType, validationFailed, type AjvIssue } from './error-handler.js';

/** Routes that serve the contract itself rather than implement it: `/openapi.json`, `/docs` and below. */
function isDocumentationRoute(url: string): boolean {
  return url === '/openapi.json' || url === '/docs' || url.startsWith('/docs/');
}

export interface OpenApiRoutes {
  document: OpenApiDocument;
  operations: OperationRoute[];
  /**
   * Registers the handler of `operationId` with the method, URL, schemas and security the
   * document gives it; `preHandler` runs after validation (an ownership check, say).
   */
  route(app: FastifyInstance, operationId: string, handler: RouteHandlerMethod, options?: RouteExtras): void;
  /** Methods the document defines for a request path (for 405 and its Allow header). */
  methodsFor(path: string): string[];
  /** The operation of that id, if the document has it. */
  operationOf(operationId: string): OperationRoute | undefined;
}

export interface RouteExtras {
  preHandler?: preHandlerHookHandler | preHandlerHookHandler[];
  /** A body limit of the operation's own, when its bodies are larger by nature than BODY_LIMIT_BYTES. */
  bodyLimit?: number;
}

/** Turns an operation's security requirements into the onRequest hook that enforces them. */
export type SecurityGuard = (operationId: string, security: OperationRoute['security']) => onRequestHookHandler | undefined;

declare module 'fastify' {
  interface FastifyInstance {
    openapi: OpenApiRoutes;
  }
  interface FastifyContextConfig {
    /** The openapi.yaml operation a route implements. */
    operationId?: string;
  }
}

function mediaTypeOf(request: FastifyRequest): string {
  return (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
}

/** A body in a media type the operation does not declare is a 415, even if Fastify could parse it. */
function requireDeclaredMediaType(operation: OperationRoute) {
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    if (request.body === undefined && !request.headers['content-type']) return;
    if (!operation.bodyMediaTypes.includes(mediaTypeOf(request))) throw unsupportedMediaType(request, operation.operationId);
  };
}

/**
 * An operation that declares no request body refuses one with a 415 before reading it (Fastify
 * would otherwise parse a DELETE's body and ignore it, or answer 413 for a large one).
 */
function refuseBody(operation: OperationRoute) {
  return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
    const length = request.headers['content-length'];
    const hasBody = request.headers['transfer-encoding'] !== undefined || (length !== undefined && length !== '0');
    done(hasBody ? unsupportedMediaType(request, operation.operationId) : undefined);
  };
}

/** Header parameters sent on more than one line: Node joins them with commas, which hides the repetition. */
function repeatedHeaders(request: FastifyRequest, names: readonly string[]): FieldError[] {
  const counts = new Map<string, number>();
  const raw = request.raw.rawHeaders;
  for (let i = 0; i < raw.length; i += 2) {
    const name = raw[i]!.toLowerCase();
    if (names.includes(name)) counts.set(name, (counts.get(name) ?? 0) + 1);
  }
  return [...counts]
    .filter(([, count]) => count > 1)
    .map(([name, count]) => ({ in: 'header', field: name, message: `must be sent once (it was sent ${count} times)` }));
}

/** The parts of a request an operation constrains, in the order their errors are listed. */
const REQUEST_PARTS = [
  { part: 'params', property: 'params', location: 'path' },
  { part: 'querystring', property: 'query', location: 'query' },
  { part: 'headers', property: 'headers', location: 'header' },
  { part: 'body', property: 'body', location: 'body' },
] as const;

type Validate = ((data: unknown, context: { parentData: object; parentDataProperty: string }) => boolean) & {
  errors?: AjvIssue[] | null;
};

/**
 * Checks every part of the request against the operation and reports all offending fields at once,
 * as the contract promises; Fastify's own validation would stop at the first part that fails.
 */
function validateRequest(operation: OperationRoute, compile: FastifySchemaCompiler<Record<string, unknown>>) {
  const validators = REQUEST_PARTS.flatMap(({ part, property, location }) => {
    const schema = operation.schema[part];
    if (!schema) return [];
    const validate = compile({ schema, httpPart: part, method: operation.method, url: operation.url }) as unknown as Validate;
    return [{ property, location, validate }];
  });
  const headerNames = Object.keys((operation.schema.headers?.properties as object | undefined) ?? {});
  return async (request: FastifyRequest, _reply: FastifyReply) => {
    const fieldErrors: FieldError[] = [];
    for (const { property, location, validate } of validators) {
      const value: unknown = request[property];
      // As Fastify does: given its parent, Ajv can coerce and default the part in place.
      if (!validate(value === undefined ? null : value, { parentData: request, parentDataProperty: property })) {
        fieldErrors.push(...fieldErrorsOf(validate.errors ?? [], location));
      }
      if (location === 'header') fieldErrors.push(...repeatedHeaders(request, headerNames));
    }
    if (fieldErrors.length > 0) throw validationFailed(fieldErrors);
  };
}

/**
 * Makes openapi.yaml the source of the HTTP surface: schemas are registered from its components,
 * routes get their validation and serialization from its operations, and start-up fails when an
 * operation has no handler or a handler has no operation.
 */
export const openApiPlugin = fp(
  async (
    app: FastifyInstance,
    options: {
      specPath?: string;
      /** URLs served outside the contract on purpose (the dashboard's files). */
      outsideContract?: ReadonlySet<string>;
      /** Enforces the operations' `security`; without it every operation is open (tests of the HTTP layer alone). */
      guard?: SecurityGuard;
    },
  ) => {
    const document = loadOpenApiDocument(options.specPath);
    const operations = operationRoutes(document);
    const byId = new Map(operations.map((op) => [op.operationId, op]));
    const registered = new Set<string>();
    const schemas = sharedSchemas(document);

    const compile = createValidatorCompiler(schemas);
    app.setValidatorCompiler(compile);
    for (const schema of schemas) app.addSchema(schema);

    // The document is OpenAPI 3.1; the plugin's types only name 2.0 and 3.0, its runtime serves any.
    await app.register(swagger, { mode: 'static', specification: { document: document as never } });
    await app.register(swaggerUi, { routePrefix: '/docs' });
    app.get('/openapi.json', { schema: { hide: true } }, async () => app.swagger());

    app.addHook('onRoute', (route) => {
      const methods = Array.isArray(route.method) ? route.method : [route.method];
      if (methods.every((m) => m === 'HEAD' || m === 'OPTIONS')) return;
      if (isDocumentationRoute(route.url) || options.outsideContract?.has(route.url)) return;
      const operationId = (route.config as { operationId?: string } | undefined)?.operationId;
      const operation = operationId === undefined ? undefined : byId.get(operationId);
      // Naming an operation is not enough: the route must also have that operation's method and URL.
      if (!operation || operation.url !== route.url || methods.some((m) => m !== operation.method && m !== 'HEAD')) {
        throw new Error(`route ${methods.join(',')} ${route.url} is not an operation of openapi.yaml`);
      }
    });

    app.addHook('onReady', async () => {
      const missing = operations.filter((op) => !registered.has(op.operationId)).map((op) => op.operationId);
      if (missing.length > 0) throw new Error(`openapi.yaml operations without a handler: ${missing.join(', ')}`);
    });

    const pathPatterns = operations.map((op) => ({
      url: op.url,
      method: op.method,
      pattern: new RegExp(`^${op.url.replace(/:\w+/g, '[^/]+')}$`),
      // The router prefers static text over parameters (`/users/@:handle` over `/users/:id`).
      staticLength: op.url.replace(/:\w+/g, '').length,
    }));
    /**
     * The router falls back from a more specific path that lacks a method to a parametric one
     * that has it (`PATCH /users/@alice` would reach `PATCH /users/:id`). For a route that can be
     * reached that way, a request whose path belongs to the more specific one is a 405.
     */
    const shadowedPaths = (operation: OperationRoute) => {
      const own = pathPatterns.find((p) => p.url === operation.url)!;
      const shadows = pathPatterns.filter(
        (p) => p.staticLength > own.staticLength && own.pattern.test(p.url.replace(/:\w+/g, 'x')) && !pathPatterns.some((q) => q.url === p.url && q.method === operation.method),
      );
      if (shadows.length === 0) return undefined;
      return (request: FastifyRequest, reply: FastifyReply, done: (error?: Error) => void) => {
        const path = request.url.split('?')[0]!;
        if (!shadows.some((shadow) => shadow.pattern.test(path))) return done();
        const allowed = methodsFor(path);
        done(new HttpProblem('HERALD_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`, [], { headers: { allow: allowed.join(', ') } }));
      };
    };
    const methodsFor = (path: string) => {
      const matching = pathPatterns.filter((p) => p.pattern.test(path));
      const mostSpecific = Math.max(...matching.map((p) => p.staticLength));
      return [...new Set(matching.filter((p) => p.staticLength === mostSpecific).map((p) => p.method))];
    };

    app.decorate('openapi', {
      document,
      operations,
      methodsFor,
      operationOf: (operationId) => byId.get(operationId),
      route(instance, operationId, handler, extras = {}) {
        const operation = byId.get(operationId);
        if (!operation) throw new Error(`openapi.yaml has no operation ${operationId}`);
        if (registered.has(operationId)) throw new Error(`operation ${operationId} registered twice`);
        registered.add(operationId);
        // Credentials are checked first: an anonymous write is a 401 whatever its body.
        const guard = options.guard?.(operationId, operation.security);
        const shadowed = shadowedPaths(operation);
        const onRequest = [
          ...(shadowed ? [shadowed] : []),
          ...(guard ? [guard] : []),
          ...(operation.bodyMediaTypes.length === 0 && operation.method !== 'GET' ? [refuseBody(operation)] : []),
        ];
        instance.route({
          method: operation.method,
          url: operation.url,
          // Requests are validated by validateRequest below; Fastify only serializes responses.
          schema: operation.schema.response ? { response: operation.schema.response } : {},
          config: { operationId },
          ...(onRequest.length > 0 ? { onRequest } : {}),
          preValidation: [
            ...(operation.bodyMediaTypes.length > 0 ? [requireDeclaredMediaType(operation)] : []),
            validateRequest(operation, compile),
          ],
          ...(extras.preHandler ? { preHandler: extras.preHandler } : {}),
          ...(extras.bodyLimit !== undefined ? { bodyLimit: extras.bodyLimit } : {}),
          handler,
        });
      },
    } satisfies OpenApiRoutes);
  },
  { name: 'openapi', fastify: '5.x' },
);
