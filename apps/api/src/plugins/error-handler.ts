import { createReadStream } from 'node:fs';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type FieldError } from '../errors.js';
import { answerConnect } from './client-errors.js';
import { isDashboardNavigation } from './dashboard.js';

/** One Ajv error object, as Fastify attaches them to `error.validation`. */
export type AjvIssue = {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
  /** The schema holding the failing keyword (present when Ajv runs with `verbose`). */
  parentSchema?: { properties?: Record<string, unknown>; examples?: unknown[]; description?: unknown; not?: { $ref?: string; pattern?: string } };
};

const LOCATION: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/**
 * `/price/amount` plus a missing or extra property → `price.amount` / `price.currency`; items of
 * arrays by their index: `/posts/3/content` → `posts[3].content`.
 */
function fieldOf(issue: AjvIssue): string {
  const segments = issue.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (issue.keyword === 'required') segments.push(String(issue.params.missingProperty));
  if (issue.keyword === 'additionalProperties') segments.push(String(issue.params.additionalProperty));
  if (issue.keyword === 'dependentRequired') segments.push(String(issue.params.property));
  return segments.reduce((path, segment) => (/^\d+$/.test(segment) && path ? `${path}[${segment}]` : path ? `${path}.${segment}` : segment), '');
}

function messageOf(issue: AjvIssue): string {
  if (issue.keyword === 'additionalProperties') {
    const known = Object.keys(issue.parentSchema?.properties ?? {});
    return known.length > 0 ? `is not a known field; the fields are ${known.join(', ')}` : 'is not a known field';
  }
  if (issue.keyword === 'dependentRequired') return `is allowed only with ${String(issue.params.missingProperty)}`;
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum') {
    const allowed = issue.params.allowedValues as unknown[];
    const examples = issue.parentSchema?.examples;
    // A long list (the ISO 4217 codes) is named by its size and a few of its values.
    return allowed.length <= 12
      ? `must be one of ${allowed.join(', ')}`
      : `must be one of ${allowed.length} values (e.g. ${(examples ?? allowed.slice(0, 3)).join(', ')})`;
  }
  if (issue.keyword === 'not' && issue.parentSchema?.not?.$ref?.startsWith('UnpairedSurrogate')) {
    return 'must not hold an unpaired UTF-16 surrogate';
  }
  if (issue.keyword === 'not' && typeof issue.parentSchema?.not?.pattern === 'string') return 'is a reserved value';
  // A long pattern (a length after trimming, spelled as a regular expression) says nothing to a
  // reader: the schema's description says what it means.
  if (issue.keyword === 'pattern' && String(issue.params.pattern).length > 60) {
    const description = typeof issue.parentSchema?.description === 'string' ? issue.parentSchema.description.replace(/\s+/g, ' ').trim() : '';
    return description ? `does not have the required form (${description}; no NUL characters)` : 'does not have the required form';
  }
  if (issue.keyword === 'format') return `must be a valid ${String(issue.params.format)}`;
  if (issue.keyword === 'not' && issue.instancePath.endsWith('/delta')) return 'must not be 0';
  return issue.message ?? issue.keyword;
}

/**
 * The field errors of one request part. Ajv reports both the failing branch and its consequence
 * for some keywords; keep one entry per field and message.
 */
export function fieldErrorsOf(issues: readonly AjvIssue[], location: FieldError['in']): FieldError[] {
  const seen = new Set<string>();
  const fieldErrors: FieldError[] = [];
  for (const issue of issues) {
    if (issue.keyword === 'if') continue;
    const field = fieldOf(issue) || `(${location})`;
    const message = messageOf(issue);
    if (seen.has(`${field}\u0000${message}`)) continue;
    seen.add(`${field}\u0000${message}`);
    fieldErrors.push({ in: location, field, message });
  }
  return fieldErrors;
}

/** The 400 for a request that breaks the contract, listing every field error found. */
export function validationFailed(fieldErrors: FieldError[]): HttpProblem {
  const detail = fieldErrors.map((e) => `${e.in} ${e.field} ${e.message}`).join('; ');
  return new HttpProblem('HERALD_VALIDATION_FAILED', detail, fieldErrors);
}

function validationProblem(error: FastifyError): HttpProblem {
  const location = LOCATION[error.validationContext ?? 'body'] ?? 'body';
  return validationFailed(fieldErrorsOf((error.validation ?? []) as AjvIssue[], location));
}

/** The 413 for a body over the limit, stating the limit. */
function payloadTooLarge(request: FastifyRequest | undefined): HttpProblem {
  const limit = request?.routeOptions.bodyLimit ?? request?.server.initialConfig.bodyLimit;
  return new HttpProblem(
    'HERALD_PAYLOAD_TOO_LARGE',
    limit === undefined ? 'the request body is larger than the server accepts' : `the request body exceeds the limit of ${limit} bytes`,
  );
}

/** The media type of a request's body as sent, for messages. */
function sentMediaType(request: FastifyRequest): string {
  const sent = (request.headers['content-type'] ?? '').split(';')[0]!.trim().toLowerCase();
  return sent === '' ? 'a body without Content-Type' : sent;
}

/** The 415 for a body the operation does not take, naming the media types it does take. */
export function unsupportedMediaType(request: FastifyRequest | undefined, operationId?: string): HttpProblem {
  const operation = operationId === undefined ? undefined : request?.server.openapi?.operationOf(operationId);
  if (!request || !operation) return new HttpProblem('HERALD_UNSUPPORTED_MEDIA_TYPE', 'the request body must be application/json');
  if (operation.bodyMediaTypes.length === 0) {
    return new HttpProblem('HERALD_UNSUPPORTED_MEDIA_TYPE', `${operation.operationId} takes no request body (got ${sentMediaType(request)})`);
  }
  return new HttpProblem(
    'HERALD_UNSUPPORTED_MEDIA_TYPE',
    `${operation.operationId} accepts a body of Content-Type ${operation.bodyMediaTypes.join(' or ')}, not ${sentMediaType(request)}`,
  );
}

/** Fastify's own request errors (parsing, limits, media types) mapped to Herald problems. */
function frameworkProblem(error: FastifyError, request: FastifyRequest | undefined): HttpProblem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return payloadTooLarge(request);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
      return unsupportedMediaType(request, request?.routeOptions.config.operationId);
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem('HERALD_BAD_REQUEST', error.message);
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpProblem('HERALD_MALFORMED_BODY', error.message);
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return new HttpProblem('HERALD_MALFORMED_BODY', `body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode === 413) return payloadTooLarge(request);
  if (error.statusCode === 415) return unsupportedMediaType(request, request?.routeOptions.config.operationId);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpProblem('HERALD_BAD_REQUEST', error.message);
  }
  return undefined;
}

/** Any error as the problem it answers with; `request` lets messages name the operation's limits. */
export function toProblem(error: FastifyError, request?: FastifyRequest): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error.validation) return validationProblem(error);
  return (
    frameworkProblem(error, request) ??
    new HttpProblem('HERALD_INTERNAL', 'The server failed to handle the request; it has been logged.', [], {
      cause: error,
    })
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem) {
  for (const [name, value] of Object.entries(problem.headers)) reply.header(name, value);
  return reply
    .code(problem.status)
    .type('application/problem+json')
    .send({
      type: problem.type,
      title: problem.title,
      status: problem.status,
      detail: problem.detail,
      instance: request.url.split('?')[0],
      ...(problem.fieldErrors.length > 0 ? { errors: problem.fieldErrors } : {}),
    });
}

/**
 * The one place errors become responses: every 4xx and 5xx is `application/problem+json`, and
 * details of unexpected errors stay in the log, never in the response.
 */
export const errorHandlerPlugin = fp(
  async (app: FastifyInstance, options: { dashboardIndex?: string }) => {
    app.setErrorHandler((error: FastifyError, request, reply) => {
      const problem = toProblem(error, request);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ problem: problem.code, detail: problem.detail }, 'request rejected');
      return sendProblem(request, reply, problem);
    });

    const answerUnrouted = (request: FastifyRequest, reply: FastifyReply) => {
      // The dashboard routes on the client: a browser opening one of its URLs gets the app.
      if (options.dashboardIndex && isDashboardNavigation(request.method, request.url, request.headers.accept)) {
        return reply.type('text/html; charset=utf-8').header('cache-control', 'no-cache').send(createReadStream(options.dashboardIndex));
      }
      const path = request.url.split('?')[0]!;
      // A path the contract knows, with a method it does not: 405 and what is allowed instead.
      const allowed = request.server.openapi?.methodsFor(path) ?? [];
      if (allowed.length > 0) {
        reply.header('allow', allowed.join(', '));
        return sendProblem(request, reply, new HttpProblem('HERALD_METHOD_NOT_ALLOWED', `${request.method} is not allowed on ${path}; use ${allowed.join(', ')}`));
      }
      return sendProblem(request, reply, new HttpProblem('HERALD_NOT_FOUND', `no route ${request.method} ${path}`));
    };

    // A request no route takes is answered before its body is read, so its method and path decide
    // the answer and its body does not: a QUERY without Content-Type, a body of an unknown media
    // type or one over the limit still get the 404 or 405 every other such request gets.
    app.addHook('onRequest', (request, reply, done) => {
      if (!request.is404) return done();
      answerUnrouted(request, reply);
    });
    app.setNotFoundHandler(answerUnrouted);

    // Node hands CONNECT to a listener of its own; the router never sees it.
    answerConnect(app, (path) => app.openapi?.methodsFor(path) ?? []);
  },
  { name: 'error-handler', fastify: '5.x' },
);
