import cors from '@fastify/cors';
import type { FastifyInstance, FastifyRequest } from 'fastify';
import fp from 'fastify-plugin';

/** Request headers a browser on an allowed origin may send. */
const ALLOWED_HEADERS = ['Authorization', 'Content-Type', 'If-Match', 'If-None-Match', 'Last-Event-ID', 'X-Request-Id'];
/** Response headers its scripts may read, besides the CORS-safelisted ones. */
const EXPOSED_HEADERS = [
  'ETag',
  'Location',
  'Retry-After',
  'WWW-Authenticate',
  'X-Request-Id',
  'RateLimit-Limit',
  'RateLimit-Remaining',
  'RateLimit-Reset',
];
/** How long a browser may cache a preflight's answer. */
const PREFLIGHT_MAX_AGE_SECONDS = 600;

/**
 * Cross-origin access for the origins in `CORS_ORIGINS` only; with none configured (the default)
 * nothing is registered, so no response carries CORS headers and an OPTIONS request gets the 405
 * (or 404) any method the contract does not define gets.
 *
 * With origins configured, a request from one of them gets `Access-Control-Allow-Origin` (its
 * origin) and the exposed headers; a preflight from one of them to a path of the contract is
 * answered 204 with the methods openapi.yaml defines there. Any other OPTIONS request, a
 * preflight from another origin included, falls through to that same 405 or 404, with no CORS
 * header. No credentials: the API authenticates with the Authorization header, not cookies.
 */
export const corsPlugin = fp(
  async (app: FastifyInstance, options: { origins: readonly string[] }) => {
    if (options.origins.length === 0) return;
    const allowed = new Set(options.origins);
    const refused = { origin: false } as const;
    await app.register(cors, {
      hideOptionsRoute: true,
      delegator: (request: FastifyRequest, callback) => {
        const origin = request.headers.origin;
        if (origin === undefined || !allowed.has(origin)) return callback(null, refused);
        const common = { origin, exposedHeaders: EXPOSED_HEADERS, credentials: false };
        if (request.method !== 'OPTIONS') return callback(null, { ...common, preflight: false });
        const methods = request.server.openapi.methodsFor(request.url.split('?')[0]!);
        if (request.headers['access-control-request-method'] === undefined || methods.length === 0) return callback(null, refused);
        callback(null, { ...common, methods, allowedHeaders: ALLOWED_HEADERS, maxAge: PREFLIGHT_MAX_AGE_SECONDS, strictPreflight: true });
      },
    });
  },
  { name: 'cors', fastify: '5.x' },
);
