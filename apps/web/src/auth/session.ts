/**
 * The dashboard's sign-in session, without React.
 *
 * - The access token and the refresh token live in this closure only: never in localStorage,
 *   sessionStorage or a cookie, so a script injected into the page later cannot read them from
 *   storage, and a reload means signing in again.
 * - The access token is refreshed shortly before it expires. A refresh token is single use (each
 *   refresh returns a new one, and presenting a used one revokes the whole family), so every
 *   refresh, timed or caused by a 401, goes through one request at a time.
 * - When the API refuses the refresh token, the session ends and the page shows the sign-in form.
 *   When it cannot be reached, the refresh is tried again with backoff.
 */
import { apiError, authorizedFetch, type AccessTokens, type Fetch } from '../api/client.js';
import { backoffDelay, type BackoffOptions } from '../stream/backoff.js';
import { realTimers, type Timers } from '../stream/timers.js';
import { readClaims } from './claims.js';
import { retryAfterSeconds } from './retry-after.js';

export const TOKEN_PATH = '/api/v1/auth/token';
export const REFRESH_PATH = '/api/v1/auth/refresh';
export const LOGOUT_PATH = '/api/v1/auth/logout';
export const ME_PATH = '/api/v1/me';

/** Who is signed in, as the header shows it. */
export interface SignedInUser {
  id: string | undefined;
  handle: string;
  role: string;
}

/** Why the sign-in form is shown: signed out on purpose, or the session could not be renewed. */
export type SignedOutReason = 'signed-out' | 'expired';

export type AuthState = { status: 'signed-out'; reason?: SignedOutReason } | { status: 'signed-in'; user: SignedInUser };

export type SignInFailure = 'credentials' | 'rate-limited' | 'unavailable';

/** Why a sign-in failed, in words for the form. */
export class SignInError extends Error {
  constructor(
    readonly kind: SignInFailure,
    message: string,
    /** For `rate-limited`: seconds until the next attempt may succeed (`Retry-After`). */
    readonly retryAfterSeconds?: number,
  ) {
    super(message);
    this.name = 'SignInError';
  }
}

/** The answer of `POST /auth/token` and `POST /auth/refresh`. */
interface TokenResponse {
  access_token: string;
  token_type: string;
  /** Seconds the access token is valid. */
  expires_in: number;
  refresh_token: string;
}

interface TokenPair {
  access: string;
  refresh: string;
}

export interface AuthSessionOptions {
  fetchFn?: Fetch;
  timers?: Timers;
  now?: () => number;
  /** Delays between refresh attempts while the API cannot be reached. */
  retryBackoff?: BackoffOptions;
  random?: () => number;
}

export interface AuthSession extends AccessTokens {
  readonly state: AuthState;
  /** Called on every change of `state`; returns the unsubscribe function. */
  subscribe(listener: () => void): () => void;
  /** Throws a SignInError when it fails. */
  signIn(handle: string, password: string): Promise<void>;
  /** Forgets the tokens at once, then asks the API to revoke the refresh token. */
  signOut(): Promise<void>;
  /** `fetch` for the API: bearer token, and one retry with a refreshed token after a 401. */
  readonly fetch: Fetch;
}

export const defaultRefreshRetry: BackoffOptions = { initialMs: 2000, maxMs: 60_000, factor: 2, jitter: 0.2 };

/** When to refresh an access token valid for `expiresInSeconds`: at 80 % of its life, or a minute before its end if that is later. */
export function refreshDelayMs(expiresInSeconds: number): number {
  const life = Number.isFinite(expiresInSeconds) ? Math.max(0, expiresInSeconds) : 0;
  return Math.round(Math.max(life * 0.8, life - 60) * 1000);
}

function isTokenResponse(value: unknown): value is TokenResponse {
  const v = value as Partial<TokenResponse> | null;
  return Boolean(v) && typeof v?.access_token === 'string' && typeof v.refresh_token === 'string' && typeof v.expires_in === 'number';
}

async function readTokens(response: Response): Promise<TokenResponse | undefined> {
  try {
    const body: unknown = await response.json();
    return isTokenResponse(body) ? body : undefined;
  } catch {
    return undefined;
  }
}

export function createAuthSession(options: AuthSessionOptions = {}): AuthSession {
  const fetchFn: Fetch = options.fetchFn ?? ((input, init) => fetch(input, init));
  const timers = options.timers ?? realTimers;
  const now = options.now ?? Date.now;
  const retryBackoff = options.retryBackoff ?? defaultRefreshRetry;
  const listeners = new Set<() => void>();

  let state: AuthState = { status: 'signed-out' };
  let tokens: TokenPair | undefined;
  let refreshTimer: unknown;
  let refreshing: Promise<boolean> | undefined;
  let failedRefreshes = 0;
  let signIns = 0; // tells a late answer about an earlier sign-in from the current one

  function setState(next: AuthState): void {
    state = next;
    for (const listener of [...listeners]) listener();
  }

  function cancelRefreshTimer(): void {
    if (refreshTimer !== undefined) timers.clearTimeout(refreshTimer);
    refreshTimer = undefined;
  }

  function scheduleRefresh(delayMs: number): void {
    cancelRefreshTimer();
    refreshTimer = timers.setTimeout(() => {
      refreshTimer = undefined;
      void refresh();
    }, delayMs);
  }

  function adopt(body: TokenResponse): TokenPair {
    const pair = { access: body.access_token, refresh: body.refresh_token };
    tokens = pair;
    failedRefreshes = 0;
    scheduleRefresh(refreshDelayMs(body.expires_in));
    return pair;
  }

  function end(reason: SignedOutReason): void {
    signIns++;
    cancelRefreshTimer();
    tokens = undefined;
    setState({ status: 'signed-out', reason });
  }

  function post(path: string, body: unknown, accessToken?: string): Promise<Response> {
    const headers: Record<string, string> = { 'content-type': 'application/json', accept: 'application/json' };
    if (accessToken !== undefined) headers.authorization = `Bearer ${accessToken}`;
    return fetchFn(path, { method: 'POST', headers, body: JSON.stringify(body) });
  }

  /** Revokes a pair that is no longer the session's own (signed out, or rotated after signing out). */
  async function revoke(pair: TokenPair): Promise<void> {
    try {
      const response = await post(LOGOUT_PATH, { refresh_token: pair.refresh }, pair.access);
      if (response.status !== 401) return;
      // The access token has expired: one refresh gives a pair whose access token may revoke the family.
      const renewed = await readTokens(await post(REFRESH_PATH, { refresh_token: pair.refresh }));
      if (renewed) await post(LOGOUT_PATH, { refresh_token: renewed.refresh_token }, renewed.access_token);
    } catch {
      // Unreachable: the tokens are forgotten here anyway, and the refresh token expires on the server.
    }
  }

  function retryRefreshLater(pair: TokenPair, afterSeconds: number | undefined): false {
    if (tokens === pair) {
      const delay = Math.max(backoffDelay(failedRefreshes++, retryBackoff, options.random), (afterSeconds ?? 0) * 1000);
      scheduleRefresh(delay);
    }
    return false;
  }

  async function runRefresh(): Promise<boolean> {
    const pair = tokens;
    if (!pair) return false;
    cancelRefreshTimer();
    let response: Response;
    try {
      response = await post(REFRESH_PATH, { refresh_token: pair.refresh });
    } catch {
      return retryRefreshLater(pair, undefined);
    }
    if (response.status === 429 || response.status >= 500) {
      return retryRefreshLater(pair, retryAfterSeconds(response.headers.get('retry-after'), now()));
    }
    const body = response.ok ? await readTokens(response) : undefined;
    if (tokens !== pair) {
      if (body) void revoke({ access: body.access_token, refresh: body.refresh_token });
      return false;
    }
    if (!body) {
      end('expired'); // refused (used, revoked or expired refresh token), or an answer without tokens
      return false;
    }
    adopt(body);
    return true;
  }

  /** One refresh at a time: a refresh token is single use. */
  function refresh(): Promise<boolean> {
    refreshing ??= runRefresh().finally(() => {
      refreshing = undefined;
    });
    return refreshing;
  }

  const tokenSource: AccessTokens = {
    accessToken: () => tokens?.access,
    async renewAfterRejection(rejected) {
      if (!tokens) return false;
      if (tokens.access !== rejected) return true; // renewed since that call was sent
      return refresh();
    },
  };
  const apiFetch = authorizedFetch(tokenSource, fetchFn);

  /** The canonical handle and the role, from the profile (the token may not carry the handle). */
  async function loadProfile(signIn: number): Promise<void> {
    try {
      const response = await apiFetch(ME_PATH, { headers: { accept: 'application/json' } });
      if (!response.ok) return;
      const profile = (await response.json()) as { id?: unknown; handle?: unknown; role?: unknown };
      if (signIn !== signIns || state.status !== 'signed-in') return;
      const user = state.user;
      setState({
        status: 'signed-in',
        user: {
          id: typeof profile.id === 'string' ? profile.id : user.id,
          handle: typeof profile.handle === 'string' ? profile.handle : user.handle,
          role: typeof profile.role === 'string' ? profile.role : user.role,
        },
      });
    } catch {
      // The header keeps what the token says.
    }
  }

  const session: AuthSession = {
    get state() {
      return state;
    },
    subscribe(listener) {
      listeners.add(listener);
      return () => listeners.delete(listener);
    },
    ...tokenSource,
    fetch: apiFetch,
    async signIn(handle, password) {
      const name = handle.trim().toLowerCase(); // handles are matched case-insensitively
      let response: Response;
      try {
        response = await post(TOKEN_PATH, { handle: name, password });
      } catch {
        throw new SignInError('unavailable', 'The server cannot be reached. Check the connection and try again.');
      }
      // A handle or password the API cannot even accept (400) cannot be right either.
      if (response.status === 401 || response.status === 400) throw new SignInError('credentials', 'Wrong handle or password.');
      if (response.status === 429) {
        const after = retryAfterSeconds(response.headers.get('retry-after'), now());
        throw new SignInError('rate-limited', 'Too many sign-in attempts.', after);
      }
      if (!response.ok) {
        const error = await apiError('POST', TOKEN_PATH, response);
        throw new SignInError('unavailable', `Signing in failed (${error.status}). Try again in a moment.`);
      }
      const body = await readTokens(response);
      if (!body) throw new SignInError('unavailable', 'The server answered without tokens. Try again in a moment.');
      const previous = tokens;
      const pair = adopt(body);
      if (previous) void revoke(previous);
      const signIn = ++signIns;
      const claims = readClaims(pair.access);
      setState({
        status: 'signed-in',
        user: { id: claims.sub, handle: typeof claims.handle === 'string' ? claims.handle : name, role: typeof claims.role === 'string' ? claims.role : 'user' },
      });
      void loadProfile(signIn);
    },
    async signOut() {
      const pair = tokens;
      end('signed-out');
      if (pair) await revoke(pair);
    },
  };
  return session;
}
