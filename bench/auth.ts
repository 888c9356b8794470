import { randomBytes } from 'node:crypto';

/**
 * What a benchmark needs to drive Herald now that writes need a token and requests are rate
 * limited: the server it starts gets an admin password of this run's own and limits that no load
 * here reaches (the limiter still runs and costs what it costs), and the load signs in as admin.
 */
export interface BenchAuth {
  adminPassword: string;
  /** Environment for the Herald server the benchmark starts. */
  env: Record<string, string>;
}

/** Limits far above any load on one machine; the counters are still kept. */
const OUT_OF_REACH_LIMITS = {
  RATE_LIMIT_TOKEN_PER_ADDRESS: '100000/1m',
  RATE_LIMIT_TOKEN_PER_HANDLE: '100000/1m',
  RATE_LIMIT_AUTHENTICATED: '999999999/1m',
  RATE_LIMIT_PUBLIC: '999999999/1m',
};

export function benchAuth(): BenchAuth {
  const adminPassword = randomBytes(24).toString('base64url');
  return {
    adminPassword,
    // An hour-long token: no measurement outlives it.
    env: { HERALD_ADMIN_PASSWORD: adminPassword, ACCESS_TOKEN_TTL_SECONDS: '3600', ...OUT_OF_REACH_LIMITS },
  };
}

/** Signs in at `baseUrl` and returns the `Authorization` header value of the access token. */
export async function signIn(baseUrl: string, password: string, handle = 'admin'): Promise<string> {
  const response = await fetch(`${baseUrl}/api/v1/auth/token`, {
    method: 'POST',
    headers: { 'content-type': 'application/json' },
    body: JSON.stringify({ handle, password }),
    signal: AbortSignal.timeout(10_000),
  });
  if (!response.ok) throw new Error(`signing in as ${handle} at ${baseUrl} failed: ${response.status} ${await response.text()}`);
  const { access_token: token } = (await response.json()) as { access_token: string };
  return `Bearer ${token}`;
}
