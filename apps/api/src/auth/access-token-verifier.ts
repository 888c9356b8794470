import { createDecoder, createVerifier } from 'fast-jwt';
import { TOKEN_ALGORITHM, type KeySet } from './keys.js';
import { roles, type Principal, type Role } from './principal.js';

const REQUIRED_CLAIMS = ['sub', 'exp', 'iat', 'iss', 'aud'];

/** What the Authorization header of a request says: who it is from, or why its token was refused. */
export type TokenCheck = { principal: Principal } | { problem: string };

export interface AccessTokenVerifierOptions {
  keys: KeySet;
  issuer: string;
  audience: string;
  /** Verified tokens remembered; 0 verifies every request's signature. */
  cacheSize: number;
}

const EXPIRED = 'the access token has expired';
const MALFORMED = 'the Authorization header does not hold a well-formed bearer token';
const NOT_VALID = 'the access token is not valid';

/** What a refused token is told, by fast-jwt's error code: enough to act on, nothing about the keys. */
function problemOf(error: unknown): string {
  const code = (error as { code?: string }).code ?? '';
  if (code === 'FAST_JWT_EXPIRED') return EXPIRED;
  if (code === 'FAST_JWT_MALFORMED' || code === 'FAST_JWT_INVALID_TYPE') return MALFORMED;
  return NOT_VALID;
}

function principalOf(claims: { sub?: unknown; role?: unknown; handle?: unknown }): Principal | null {
  if (typeof claims.sub !== 'string' || typeof claims.handle !== 'string') return null;
  if (!(roles as readonly unknown[]).includes(claims.role)) return null;
  // Frozen: a remembered principal is handed to every request that carries its token.
  return Object.freeze({ userId: claims.sub, handle: claims.handle, role: claims.role as Role });
}

interface Remembered {
  principal: Principal;
  expiresAtMs: number;
}

/**
 * Checks `Authorization: Bearer <token>`: EdDSA only, the key picked by the token's kid from the
 * key set, issuer, audience, expiry and the claims Herald signs all checked.
 *
 * A client sends the same access token with every request for its whole lifetime, and checking
 * an Ed25519 signature (with the key parsed again from PEM for each request, as a key looked up
 * per token otherwise is) was about a quarter of the API's CPU per write. So each key gets one
 * verifier, its key parsed once, and a token that verified is remembered, keyed by the whole
 * token: a later request with exactly that token is accepted without checking the signature
 * again until the token expires (the key set is fixed for the life of the process, so what verified
 * once keeps verifying until then). Only verified tokens are remembered; a refused one is checked
 * afresh each time. At most `cacheSize` are kept, the oldest forgotten first.
 */
export function createAccessTokenVerifier(options: AccessTokenVerifierOptions): (authorization: string) => TokenCheck {
  const decodeComplete = createDecoder({ complete: true });
  const verifiers = new Map(
    [...options.keys.verification].map(([kid, key]) => [
      kid,
      createVerifier({
        key: key.publicPem,
        algorithms: [TOKEN_ALGORITHM],
        allowedIss: options.issuer,
        allowedAud: options.audience,
        requiredClaims: REQUIRED_CLAIMS,
      }),
    ]),
  );
  const remembered = new Map<string, Remembered>();

  function verifyToken(token: string): TokenCheck {
    const known = remembered.get(token);
    if (known) {
      if (known.expiresAtMs > Date.now()) return { principal: known.principal };
      remembered.delete(token);
    }
    let kid: unknown;
    try {
      kid = (decodeComplete(token) as { header: { kid?: unknown } }).header.kid;
    } catch (error) {
      return { problem: problemOf(error) };
    }
    const verify = typeof kid === 'string' ? verifiers.get(kid) : undefined;
    if (!verify) return { problem: NOT_VALID };
    let claims: Record<string, unknown>;
    try {
      claims = verify(token) as Record<string, unknown>;
    } catch (error) {
      return { problem: problemOf(error) };
    }
    const principal = principalOf(claims);
    if (!principal) return { problem: NOT_VALID };
    if (options.cacheSize > 0) {
      if (remembered.size >= options.cacheSize) remembered.delete(remembered.keys().next().value!);
      remembered.set(token, { principal, expiresAtMs: (claims.exp as number) * 1000 });
    }
    return { principal };
  }

  return (authorization) => {
    // The header forms @fastify/jwt accepted before: "Bearer" in any case, one space, the token.
    if (!/^Bearer\s/i.test(authorization)) return { problem: NOT_VALID };
    const parts = authorization.split(' ');
    if (parts.length !== 2 || !parts[1]) return { problem: MALFORMED };
    return verifyToken(parts[1]);
  };
}
