import { createReadStream } from 'node:fs';
import type { FastifyError, FastifyInstance, FastifyReply, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, type FieldError } from '../errors.js';
import { isDashboardNavigation } from './dashboard.js';

/** One Ajv error object, as Fastify attaches them to `error.validation`. */
export type AjvIssue = {
  instancePath: string;
  keyword: string;
  message?: string;
  params: Record<string, unknown>;
};

const LOCATION: Record<string, FieldError['in']> = {
  body: 'body',
  querystring: 'query',
  params: 'path',
  headers: 'header',
};

/** `/price/amount` plus a missing or extra property → `price.amount` / `price.currency`. */
function fieldOf(issue: AjvIssue): string {
  const segments = issue.instancePath.split('/').filter(Boolean).map((s) => s.replace(/~1/g, '/').replace(/~0/g, '~'));
  if (issue.keyword === 'required') segments.push(String(issue.params.missingProperty));
  if (issue.keyword === 'additionalProperties') segments.push(String(issue.params.additionalProperty));
  return segments.join('.');
}

function messageOf(issue: AjvIssue): string {
  if (issue.keyword === 'additionalProperties') return 'is not a known field';
  if (issue.keyword === 'required') return 'is required';
  if (issue.keyword === 'enum') return `must be one of ${(issue.params.allowedValues as unknown[]).join(', ')}`;
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

/** Fastify's own request errors (parsing, limits, media types) mapped to Herald problems. */
function frameworkProblem(error: FastifyError): HttpProblem | undefined {
  switch (error.code) {
    case 'FST_ERR_CTP_BODY_TOO_LARGE':
      return new HttpProblem('HERALD_PAYLOAD_TOO_LARGE', error.message);
    case 'FST_ERR_CTP_INVALID_MEDIA_TYPE':
    case 'FST_ERR_CTP_INVALID_CONTENT_LENGTH':
      return new HttpProblem(
        error.statusCode === 415 ? 'HERALD_UNSUPPORTED_MEDIA_TYPE' : 'HERALD_BAD_REQUEST',
        error.message,
      );
    case 'FST_ERR_CTP_EMPTY_JSON_BODY':
    case 'FST_ERR_CTP_INVALID_JSON_BODY':
      return new HttpProblem('HERALD_MALFORMED_BODY', error.message);
  }
  if (error instanceof SyntaxError || error.name === 'SyntaxError') {
    return new HttpProblem('HERALD_MALFORMED_BODY', `body is not valid JSON: ${error.message}`);
  }
  if (error.statusCode === 413) return new HttpProblem('HERALD_PAYLOAD_TOO_LARGE', error.message);
  if (error.statusCode === 415) return new HttpProblem('HERALD_UNSUPPORTED_MEDIA_TYPE', error.message);
  if (error.statusCode && error.statusCode >= 400 && error.statusCode < 500) {
    return new HttpProblem('HERALD_BAD_REQUEST', error.message);
  }
  return undefined;
}

export function toProblem(error: FastifyError): HttpProblem {
  if (error instanceof HttpProblem) return error;
  if (error.validation) return validationProblem(error);
  return (
    frameworkProblem(error) ??
    new HttpProblem('HERALD_INTERNAL', 'The server failed to handle the request; it has been logged.', [], {
      cause: error,
    })
  );
}

export function sendProblem(request: FastifyRequest, reply: FastifyReply, problem: HttpProblem) {
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
      const problem = toProblem(error);
      if (problem.status >= 500) request.log.error({ err: error }, 'request failed');
      else request.log.info({ problem: problem.code, detail: problem.detail }, 'request rejected');
      return sendProblem(request, reply, problem);
    });

    app.setNotFoundHandler((request, reply) => {
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
    });
  },
  { name: 'error-handler', fastify: '5.x' },
);
