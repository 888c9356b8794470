/**
 * The API's accounts endpoints as the dashboard sees them, in memory: tokens, refresh with
 * rotation (a used refresh token revokes its family), logout, /me and stream tickets, plus a
 * login limit answering 429 with Retry-After. Used as a `fetch` by the unit tests and behind
 * the fake HTTP API of the browser tests. The access tokens look like JWTs (the dashboard reads
 * the role from them) but are only checked against the set of tokens issued.
 */
import { randomUUID } from 'node:crypto';
import type { Fetch } from '../../src/api/client.js';

export interface FakeUser {
  id: string;
  handle: string;
  password: string;
  role: 'user' | 'admin';
}

export interface FakeAuthReply {
  status: number;
  headers?: Record<string, string>;
  body?: unknown;
}

/** One request to the accounts endpoints or one check of a bearer token. */
export interface AuthCall {
  method: string;
  path: string;
  authorization: string | undefined;
  body: unknown;
}

export interface FakeAuthOptions {
  /** Seconds an access token is valid (`expires_in`). */
  accessTtlSeconds?: number;
  /** Failed logins of one handle after which the token endpoint answers 429. */
  maxFailedLogins?: number;
  /** Retry-After of that 429, seconds. */
  retryAfterSeconds?: number;
  now?: () => number;
}

export interface FakeAuth {
  users: FakeUser[];
  calls: AuthCall[];
  accessTtlSeconds: number;
  /** Answers a request to /api/v1/auth/*, /api/v1/me or /api/v1/events/stream-tickets; undefined for any other path. */
  handle(method: string, path: string, authorization: string | undefined, body: unknown): FakeAuthReply | undefined;
  /** The user a bearer header stands for, if its token is valid now. */
  principal(authorization: string | undefined): FakeUser | undefined;
  /** The user a stream ticket was issued to; the ticket is spent. */
  redeemTicket(ticket: string | null): FakeUser | undefined;
  /** Every access token issued so far stops being valid (as when they expire). */
  expireAccessTokens(): void;
  /** Every refresh token stops being valid (as when the families are revoked). */
  revokeRefreshTokens(): void;
  /** Refresh tokens presented twice (each revoked its family). */
  reusedRefreshTokens: string[];
  /** Families revoked by logout. */
  loggedOut: number;
  /** Refresh tokens that would still be accepted (unused, family not revoked). */
  liveRefreshTokens(): number;
  /** The accounts endpoints as a fetch function. */
  fetch: Fetch;
}

const base64url = (value: unknown) => Buffer.from(JSON.stringify(value)).toString('base64url');

export function createFakeAuth(options: FakeAuthOptions = {}): FakeAuth {
  const now = options.now ?? Date.now;
  const maxFailedLogins = options.maxFailedLogins ?? 5;
  const retryAfter = options.retryAfterSeconds ?? 30;
  const users: FakeUser[] = [
    { id: randomUUID(), handle: 'admin', password: 'correct horse battery staple', role: 'admin' },
    { id: randomUUID(), handle: 'alice', password: 'alice has a long password', role: 'user' },
  ];
  const access = new Map<string, { user: FakeUser; expiresAt: number }>();
  const refresh = new Map<string, { user: FakeUser; family: string; used: boolean }>();
  const revokedFamilies = new Set<string>();
  const tickets = new Map<string, FakeUser>();
  const failedLogins = new Map<string, number>();
  const reusedRefreshTokens: string[] = [];
  const calls: AuthCall[] = [];

  function issue(user: FakeUser, family: string = randomUUID()) {
    const payload = { sub: user.id, role: user.role, iss: 'herald', aud: 'herald', exp: Math.floor(now() / 1000) + fake.accessTtlSeconds, jti: randomUUID() };
    const accessToken = `${base64url({ alg: 'EdDSA', typ: 'JWT', kid: 'k1' })}.${base64url(payload)}.${randomUUID().replace(/-/g, '')}`;
    const refreshToken = randomUUID() + randomUUID();
    access.set(accessToken, { user, expiresAt: now() + fake.accessTtlSeconds * 1000 });
    refresh.set(refreshToken, { user, family, used: false });
    return { access_token: accessToken, token_type: 'Bearer', expires_in: fake.accessTtlSeconds, refresh_token: refreshToken };
  }

  const unauthorized: FakeAuthReply = {
    status: 401,
    headers: { 'www-authenticate': 'Bearer' },
    body: { type: 'urn:herald:problem:unauthorized', title: 'Unauthorized', status: 401 },
  };

  function principal(authorization: string | undefined): FakeUser | undefined {
    const token = /^Bearer (.+)$/.exec(authorization ?? '')?.[1];
    const entry = token ? access.get(token) : undefined;
    return entry && entry.expiresAt > now() ? entry.user : undefined;
  }

  function handle(method: string, path: string, authorization: string | undefined, body: unknown): FakeAuthReply | undefined {
    const route = `${method} ${path}`;
    const known = ['POST /api/v1/auth/token', 'POST /api/v1/auth/refresh', 'POST /api/v1/auth/logout', 'GET /api/v1/me', 'POST /api/v1/events/stream-tickets'];
    if (!known.includes(route)) return undefined;
    calls.push({ method, path, authorization, body });
    const input = (body ?? {}) as Record<string, unknown>;
    switch (route) {
      case 'POST /api/v1/auth/token': {
        const handleName = String(input.handle ?? '').toLowerCase();
        if ((failedLogins.get(handleName) ?? 0) >= maxFailedLogins) {
          return { status: 429, headers: { 'retry-after': String(retryAfter) }, body: { title: 'Too Many Requests', status: 429 } };
        }
        const user = users.find((u) => u.handle === handleName && u.password === input.password);
        if (!user) {
          failedLogins.set(handleName, (failedLogins.get(handleName) ?? 0) + 1);
          return { ...unauthorized, body: { ...(unauthorized.body as object), detail: 'wrong handle or password' } };
        }
        return { status: 200, body: issue(user) };
      }
      case 'POST /api/v1/auth/refresh': {
        const token = String(input.refresh_token ?? '');
        const entry = refresh.get(token);
        if (!entry || revokedFamilies.has(entry.family)) return unauthorized;
        if (entry.used) {
          reusedRefreshTokens.push(token);
          revokedFamilies.add(entry.family);
          return unauthorized;
        }
        entry.used = true;
        return { status: 200, body: issue(entry.user, entry.family) };
      }
      case 'POST /api/v1/auth/logout': {
        if (!principal(authorization)) return unauthorized;
        const entry = refresh.get(String(input.refresh_token ?? ''));
        if (entry) {
          revokedFamilies.add(entry.family);
          fake.loggedOut++;
        }
        return { status: 204 };
      }
      case 'GET /api/v1/me': {
        const user = principal(authorization);
        if (!user) return unauthorized;
        return { status: 200, body: { id: user.id, handle: user.handle, display_name: '', role: user.role, created_at: new Date(0).toISOString() } };
      }
      case 'POST /api/v1/events/stream-tickets': {
        const user = principal(authorization);
        if (!user) return unauthorized;
        const ticket = randomUUID();
        tickets.set(ticket, user);
        return { status: 201, body: { ticket, expires_in: 30 } };
      }
    }
    return undefined;
  }

  const fake: FakeAuth = {
    users,
    calls,
    accessTtlSeconds: options.accessTtlSeconds ?? 900,
    handle,
    principal,
    redeemTicket(ticket) {
      if (!ticket) return undefined;
      const user = tickets.get(ticket);
      tickets.delete(ticket);
      return user;
    },
    expireAccessTokens() {
      access.clear();
    },
    revokeRefreshTokens() {
      for (const entry of refresh.values()) revokedFamilies.add(entry.family);
    },
    reusedRefreshTokens,
    loggedOut: 0,
    liveRefreshTokens: () => [...refresh.values()].filter((e) => !e.used && !revokedFamilies.has(e.family)).length,
    async fetch(input, init) {
      const url = new URL(input, 'http://dashboard.test');
      const headers = new Headers(init?.headers);
      const body = typeof init?.body === 'string' ? (JSON.parse(init.body) as unknown) : undefined;
      const reply = handle(init?.method ?? 'GET', url.pathname, headers.get('authorization') ?? undefined, body) ?? {
        status: 404,
        body: { title: 'Not Found', status: 404 },
      };
      const text = reply.body === undefined ? null : JSON.stringify(reply.body);
      return new Response(text, { status: reply.status, headers: { ...(text ? { 'content-type': 'application/json' } : {}), ...reply.headers } });
    },
  };
  return fake;
}
