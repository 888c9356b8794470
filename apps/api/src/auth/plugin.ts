import fastifyJwt from '@fastify/jwt';
import type {
  FastifyInstance,
  FastifyReply,
  FastifyRequest,
  onRequestHookHandler,
  preHandlerHookHandler,
} from 'fastify';
import fp from 'fastify-plugin';
import { HttpProblem, notFound } from '../errors.js';
import { createAccessTokenVerifier } from './access-token-verifier.js';
import { TOKEN_ALGORITHM, type KeySet } from './keys.js';
import { roles, type Principal, type Role } from './principal.js';

/** OpenAPI security requirements: alternatives (any one suffices), each naming schemes and roles. */
export type SecurityRequirement = Record<string, string[]>;

/** The bearer scheme of openapi.yaml: an access token in `Authorization: Bearer`. */
export const BEARER_SCHEME = 'bearerAuth';
const REALM = 'Bearer realm="herald"';

export interface AuthOptions {
  keys: KeySet;
  issuer: string;
  audience: string;
  accessTokenTtlSeconds: number;
  /** Verified access tokens remembered (see access-token-verifier.ts). Default 10 000. */
  verifiedTokenCacheSize?: number;
}

/** Finds who a request is from by a scheme other than the bearer token (a stream ticket, say). */
export type SchemeResolver = (request: FastifyRequest) => Promise<Principal | null>;

/**
 * Who owns a resource of one type, by its id: one user, or several who may each change it (a
 * comment: its author and the post's author); undefined when it does not exist.
 */
export type OwnerLookup = (id: string) => Promise<string | readonly string[] | undefined>;

export interface Auth {
  /** A signed access token for the principal, and its lifetime in seconds. */
  issueAccessToken(principal: Principal): { accessToken: string; expiresIn: number };
  /** The public keys, as served at /.well-known/jwks.json. */
  jwks: KeySet['jwks'];
  /** Makes a security scheme of openapi.yaml other than the bearer token known. */
  registerScheme(name: string, resolve: SchemeResolver): void;
  /**
   * The onRequest hook enforcing an operation's security requirements (undefined when the
   * operation is public): 401 without valid credentials, 403 without a required role.
   */
  guard(operationId: string, security: SecurityRequirement[] | undefined): onRequestHookHandler | undefined;
  /** Says how to find the owner of a resource type, for `requireOwner`. */
  defineOwnership(resource: string, ownerOf: OwnerLookup): void;
  /**
   * The preHandler that lets a request through only when the signed-in user owns the resource
   * named by the path parameter `param` (default `id`); an admin may also DELETE it. Another
   * user's resource is a 403, a missing one a 404.
   */
  requireOwner(resource: string, options?: { param?: string }): preHandlerHookHandler;
}

declare module 'fastify' {
  interface FastifyInstance {
    auth: Auth;
  }
  interface FastifyRequest {
    /** Who the request is from; null when it carries no valid credentials. */
    principal: Principal | null;
    /** Why the bearer token it carried was refused, if it was. */
    tokenProblem: string | null;
  }
}

declare module '@fastify/jwt' {
  interface FastifyJWT {
    payload: { sub: string; role: Role; handle: string };
    user: { sub: string; role: Role; handle: string; exp: number };
  }
}

export function unauthorized(detail: string, tokenProblem?: string | null): HttpProblem {
  const challenge = tokenProblem
    ? `${REALM}, error="invalid_token", error_description="${tokenProblem.replaceAll('"', "'")}"`
    : REALM;
  return new HttpProblem('HERALD_UNAUTHORIZED', detail, [], { headers: { 'www-authenticate': challenge } });
}

export const forbidden = (detail: string) => new HttpProblem('HERALD_FORBIDDEN', detail);

/**
 * Who made a request that the guard let in: its handlers read the principal through this, and a
 * request without one (a route registered without `security`) is a 401, never an anonymous write.
 */
export function signedIn(request: FastifyRequest): Principal {
  if (!request.principal) throw unauthorized('this operation needs a bearer token', request.tokenProblem);
  return request.principal;
}

/**
 * Authentication and authorization, in one place: access tokens are signed with @fastify/jwt and
 * checked by createAccessTokenVerifier (EdDSA only, with kid, iss, aud and expiry checked), every
 * request's bearer token becomes `request.principal`, operations are guarded as openapi.yaml
 * declares, and ownership is checked by one preHandler that features declare per route.
 */
export const authPlugin = fp(
  async (app: FastifyInstance, options: AuthOptions) => {
    const { keys, issuer, audience, accessTokenTtlSeconds } = options;
    // Signing only: the tokens requests carry are checked by createAccessTokenVerifier.
    await app.register(fastifyJwt, {
      secret: { private: keys.signing.privatePem, public: keys.verification.get(keys.signing.kid)!.publicPem },
      sign: { algorithm: TOKEN_ALGORITHM, kid: keys.signing.kid, iss: issuer, aud: audience, expiresIn: accessTokenTtlSeconds },
    } as never);

    app.decorateRequest('principal', null);
    app.decorateRequest('tokenProblem', null);
    // Every request carrying a bearer token is authenticated here, once; routes only look at the
    // result. A refused token leaves the request anonymous, with the reason kept for a 401.
    const checkToken = createAccessTokenVerifier({ keys, issuer, audience, cacheSize: options.verifiedTokenCacheSize ?? 10_000 });
    app.addHook('onRequest', (request, _reply, done) => {
      const authorization = request.headers.authorization;
      if (authorization === undefined) return done();
      const checked = checkToken(authorization);
      if ('principal' in checked) request.principal = checked.principal;
      else request.tokenProblem = checked.problem;
      done();
    });

    const schemes = new Map<string, SchemeResolver>();
    const owners = new Map<string, OwnerLookup>();
    const ownedResources = new Set<string>();

    app.addHook('onReady', async () => {
      const undefinedResources = [...ownedResources].filter((resource) => !owners.has(resource));
      if (undefinedResources.length > 0) throw new Error(`requireOwner on resource types nobody defined: ${undefinedResources.join(', ')}`);
    });

    async function principalFor(request: FastifyRequest, scheme: string): Promise<Principal | null> {
      if (scheme === BEARER_SCHEME) return request.principal;
      return (await schemes.get(scheme)?.(request)) ?? null;
    }

    app.decorate('auth', {
      jwks: keys.jwks,
      issueAccessToken(principal) {
        const accessToken = app.jwt.sign({ sub: principal.userId, role: principal.role, handle: principal.handle });
        return { accessToken, expiresIn: accessTokenTtlSeconds };
      },
      registerScheme(name, resolve) {
        if (name === BEARER_SCHEME || schemes.has(name)) throw new Error(`security scheme ${name} is registered twice`);
        schemes.set(name, resolve);
      },
      guard(operationId, security) {
        if (!security || security.length === 0 || security.some((requirement) => Object.keys(requirement).length === 0)) return undefined;
        for (const requirement of security) {
          for (const [scheme, required] of Object.entries(requirement)) {
            const unknownRoles = required.filter((role) => !(roles as readonly string[]).includes(role));
            if (unknownRoles.length > 0) throw new Error(`${operationId}: unknown roles ${unknownRoles.join(', ')} for ${scheme}`);
          }
        }
        const bearerOnly = security.every((requirement) => Object.keys(requirement).every((scheme) => scheme === BEARER_SCHEME));
        // The usual case (bearer token only) stays synchronous: no promise per request.
        if (bearerOnly) {
          return (request: FastifyRequest, _reply: FastifyReply, done: (error?: Error) => void) => {
            done(decide(operationId, security, () => request.principal, request) ?? undefined);
          };
        }
        return async (request: FastifyRequest) => {
          const found = new Map<string, Principal | null>();
          for (const requirement of security) {
            for (const scheme of Object.keys(requirement)) {
              if (!found.has(scheme)) found.set(scheme, await principalFor(request, scheme));
            }
            if (Object.keys(requirement).every((scheme) => found.get(scheme))) break;
          }
          const problem = decide(operationId, security, (scheme) => found.get(scheme) ?? null, request);
          if (problem) throw problem;
        };
      },
      defineOwnership(resource, ownerOf) {
        if (owners.has(resource)) throw new Error(`ownership of ${resource} is defined twice`);
        owners.set(resource, ownerOf);
      },
      requireOwner(resource, { param = 'id' } = {}) {
        ownedResources.add(resource);
        return async (request: FastifyRequest) => {
          const principal = signedIn(request);
          const id = (request.params as Record<string, string>)[param]!;
          const owner = await owners.get(resource)!(id);
          if (owner === undefined) throw notFound(resource, id);
          if (typeof owner === 'string' ? owner === principal.userId : owner.includes(principal.userId)) return;
          if (principal.role === 'admin' && request.method === 'DELETE') return;
          throw forbidden(`${resource} ${id} belongs to another user`);
        };
      },
    } satisfies Auth);

    /**
     * The first requirement whose schemes all yield a principal with an allowed role lets the
     * request in (the principal it found becomes `request.principal`); otherwise 403 if someone
     * was recognized, 401 if nobody was.
     */
    function decide(
      operationId: string,
      security: SecurityRequirement[],
      principalBy: (scheme: string) => Principal | null,
      request: FastifyRequest,
    ): HttpProblem | null {
      let recognized: { principal: Principal; roles: string[] } | undefined;
      for (const requirement of security) {
        const entries = Object.entries(requirement);
        const principals = entries.map(([scheme]) => principalBy(scheme));
        if (principals.some((principal) => !principal)) continue;
        const principal = principals[0]!;
        const allowed = entries.every(([, required]) => required.length === 0 || required.includes(principal.role));
        if (allowed) {
          request.principal = principal;
          return null;
        }
        recognized ??= { principal, roles: entries.flatMap(([, required]) => required) };
      }
      if (recognized) return forbidden(`${operationId} needs the role ${recognized.roles.join(' or ')}; ${recognized.principal.handle} has the role ${recognized.principal.role}`);
      return unauthorized(
        request.tokenProblem ? `the bearer token was refused: ${request.tokenProblem}` : `${operationId} needs a bearer token (Authorization: Bearer <access token>)`,
        request.tokenProblem,
      );
    }
  },
  { name: 'auth', fastify: '5.x' },
);
