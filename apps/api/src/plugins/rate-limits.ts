import rateLimit, { normalizeIP } from '@fastify/rate-limit';
import type { FastifyInstance, FastifyReply, FastifyRequest, RouteOptions } from 'fastify';
import fp from 'fastify-plugin';
import type { RateLimit } from '../config.js';
import { HttpProblem } from '../errors.js';

/**
 * Rate limits, with @fastify/rate-limit's counters:
 * - `POST /api/v1/auth/token` (issueToken): per client address (before the body is read) and per
 *   handle (once the body is validated), both strict;
 * - operations that declare `security` in openapi.yaml (every write): per user;
 * - public operations: per user when the request carries a valid token, else per client address.
 * Health, metrics, the contracts and the documentation are not limited.
 *
 * Every limited response carries `RateLimit-Limit`, `RateLimit-Remaining` and `RateLimit-Reset`
 * (seconds) of the limit closest to being reached; a request over a limit is a 429
 * `HERALD_RATE_LIMITED` problem with `Retry-After` as well. Counters live in this process's memory.
 */
export interface RateLimitSettings {
  tokenPerAddress: RateLimit;
  tokenPerHandle: RateLimit;
  authenticated: RateLimit;
  public: RateLimit;
}

/** Operations probes, scrapers and readers of the contract call: never limited. */
export const UNLIMITED_OPERATIONS: ReadonlySet<string> = new Set(['getLiveness', 'getReadiness', 'getMetrics', 'getAsyncApi']);
const SIGN_IN_OPERATION = 'issueToken';
/** Distinct keys each counter keeps; the least recently seen go first beyond that. */
const KEYS_PER_COUNTER = 100_000;

export const RATE_LIMIT_HEADERS = {
  limit: 'ratelimit-limit',
  remaining: 'ratelimit-remaining',
  reset: 'ratelimit-reset',
} as const;

type Check = ReturnType<FastifyInstance['createRateLimit']>;

interface Limiter {
  check: Check;
  limit: RateLimit;
  /** What is counted, for the problem's detail: "sign-in attempts for this handle". */
  counted: string;
}

const clientAddress = (request: FastifyRequest) => `address:${normalizeIP(request.ip)}`;
const userOrAddress = (request: FastifyRequest) =>
  request.principal ? `user:${request.principal.userId}` : clientAddress(request);
/** Handles match case-insensitively, so their counter does too. */
const handleOf = (request: FastifyRequest) => {
  const handle = (request.body as { handle?: unknown } | undefined)?.handle;
  return typeof handle === 'string' ? `handle:${handle.toLowerCase()}` : undefined;
};

function describeWindow(windowMs: number): string {
  if (windowMs % 3_600_000 === 0) return windowMs === 3_600_000 ? 'hour' : `${windowMs / 3_600_000} hours`;
  if (windowMs % 60_000 === 0) return windowMs === 60_000 ? 'minute' : `${windowMs / 60_000} minutes`;
  return windowMs === 1_000 ? 'second' : `${windowMs / 1_000} seconds`;
}

/**
 * Counts the request against `limiter`; sets the RateLimit headers when this limit is the closest
 * to being reached so far, and throws the 429 when it is exceeded.
 */
async function count(limiter: Limiter, request: FastifyRequest, reply: FastifyReply): Promise<void> {
  const result = await limiter.check(request);
  if (result.isAllowed) return;
  const reset = String(result.ttlInSeconds);
  if (result.isExceeded) {
    throw new HttpProblem(
      'HERALD_RATE_LIMITED',
      `too many ${limiter.counted}: at most ${result.max} per ${describeWindow(limiter.limit.windowMs)}; retry in ${reset} s`,
      [],
      {
        headers: {
          'retry-after': reset,
          [RATE_LIMIT_HEADERS.limit]: String(result.max),
          [RATE_LIMIT_HEADERS.remaining]: '0',
          [RATE_LIMIT_HEADERS.reset]: reset,
        },
      },
    );
  }
  const shown = reply.getHeader(RATE_LIMIT_HEADERS.remaining);
  if (shown !== undefined && Number(shown) <= result.remaining) return;
  reply.header(RATE_LIMIT_HEADERS.limit, result.max);
  reply.header(RATE_LIMIT_HEADERS.remaining, result.remaining);
  reply.header(RATE_LIMIT_HEADERS.reset, reset);
}

type Hook = (request: FastifyRequest, reply: FastifyReply) => Promise<void>;

/** Puts `hook` first or last among the route's own hooks of that stage. */
function addRouteHook(route: RouteOptions, stage: 'onRequest' | 'preHandler', hook: Hook, position: 'first' | 'last') {
  const existing = route[stage];
  const hooks = existing === undefined ? [] : Array.isArray(existing) ? existing : [existing];
  route[stage] = (position === 'first' ? [hook, ...hooks] : [...hooks, hook]) as never;
}

export const rateLimitsPlugin = fp(
  async (app: FastifyInstance, options: { limits: RateLimitSettings }) => {
    const { limits } = options;
    // No global limit: each operation gets the limiters below, added to its route.
    await app.register(rateLimit, { global: false, cache: KEYS_PER_COUNTER });
    const limiter = (name: string, limit: RateLimit, counted: string, key: (request: FastifyRequest) => string): Limiter => ({
      check: app.createRateLimit({ max: limit.max, timeWindow: limit.windowMs, keyGenerator: (request) => `${name}:${key(request)}` }),
      limit,
      counted,
    });
    const authenticated = limiter('authenticated', limits.authenticated, 'requests from this user', userOrAddress);
    const anonymous = limiter('public', limits.public, 'requests from this client', userOrAddress);
    const signInPerAddress = limiter('token-address', limits.tokenPerAddress, 'sign-in attempts from this address', clientAddress);
    const signInPerHandle = limiter('token-handle', limits.tokenPerHandle, 'sign-in attempts for this handle', (request) => handleOf(request)!);

    app.addHook('onRoute', (route) => {
      const operationId = route.config?.operationId;
      if (operationId === undefined || UNLIMITED_OPERATIONS.has(operationId)) return;
      const operation = app.openapi.operationOf(operationId);
      if (!operation) return;
      // First of the route's hooks, before the body is read and before the operation's security
      // is checked: a flood, of bad tokens too, is turned away cheaply. Route hooks run after the
      // instance's, so the auth plugin has read the bearer token into request.principal by then.
      const first = operation.security && operation.security.length > 0 ? authenticated : anonymous;
      const onRequest = operationId === SIGN_IN_OPERATION ? [first, signInPerAddress] : [first];
      addRouteHook(route, 'onRequest', async (request, reply) => {
        for (const each of onRequest) await count(each, request, reply);
      }, 'first');
      if (operationId === SIGN_IN_OPERATION) {
        // The handle is in the body: counted once the body is parsed and valid.
        addRouteHook(route, 'preHandler', async (request, reply) => {
          if (handleOf(request) !== undefined) await count(signInPerHandle, request, reply);
        }, 'last');
      }
    });
  },
  { name: 'rate-limits', fastify: '5.x', dependencies: ['openapi'] },
);
