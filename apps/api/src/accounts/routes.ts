import type { FastifyInstance, FastifyReply } from 'fastify';
import type { Pool } from '../db/pool.js';
import { signedIn } from '../auth/plugin.js';
import type { RefreshTokens } from './refresh-tokens.js';
import { toOwnAccount, toPublicProfile, type UserRow } from './representation.js';
import { principalOf, type AccountChange, type AccountService, type Registration } from './service.js';

type IdParams = { id: string };

export interface AccountRoutesOptions {
  service: AccountService;
  refreshTokens: RefreshTokens;
  pool: Pool;
  refreshTokenTtlSeconds: number;
}

/** Users, sign-in and tokens. Thin handlers: requests are validated against openapi.yaml already. */
export async function accountRoutes(app: FastifyInstance, { service, refreshTokens, pool, refreshTokenTtlSeconds }: AccountRoutesOptions) {
  /** Tokens are credentials: no cache may keep them (RFC 6749 §5.1). */
  const sendTokens = (reply: FastifyReply, user: UserRow, refreshToken: string) => {
    const { accessToken, expiresIn } = app.auth.issueAccessToken(principalOf(user));
    return reply
      .header('cache-control', 'no-store')
      .header('pragma', 'no-cache')
      .send({
        access_token: accessToken,
        token_type: 'Bearer',
        expires_in: expiresIn,
        refresh_token: refreshToken,
        refresh_expires_in: refreshTokenTtlSeconds,
      });
  };

  app.openapi.route(app, 'createUser', async (request, reply) => {
    const user = await service.register(request.body as Registration);
    return reply.code(201).header('location', `/api/v1/users/${user.id}`).send(toPublicProfile(user));
  });

  app.openapi.route(app, 'getUser', async (request) => toPublicProfile(await service.get((request.params as IdParams).id)));

  app.openapi.route(app, 'getUserByHandle', async (request) =>
    toPublicProfile(await service.getByHandle((request.params as { handle: string }).handle)),
  );

  app.openapi.route(
    app,
    'updateUser',
    async (request) => toOwnAccount(await service.update((request.params as IdParams).id, request.body as AccountChange)),
    { preHandler: app.auth.requireOwner('user') },
  );

  app.openapi.route(app, 'getMe', async (request, reply) => {
    reply.header('cache-control', 'private, no-cache');
    return toOwnAccount(await service.get(signedIn(request).userId));
  });

  app.openapi.route(app, 'updateMe', async (request) =>
    toOwnAccount(await service.update(signedIn(request).userId, request.body as AccountChange)),
  );

  app.openapi.route(app, 'issueToken', async (request, reply) => {
    const { handle, password } = request.body as { handle: string; password: string };
    const { user, refreshToken } = await service.signIn(handle, password);
    return sendTokens(reply, user, refreshToken);
  });

  app.openapi.route(app, 'refreshToken', async (request, reply) => {
    const { user, refreshToken } = await refreshTokens.rotate((request.body as { refresh_token: string }).refresh_token);
    return sendTokens(reply, user, refreshToken);
  });

  app.openapi.route(app, 'revokeTokens', async (request, reply) => {
    const { userId } = signedIn(request);
    const body = request.body as { refresh_token?: string; everywhere?: boolean };
    if (body.everywhere) await refreshTokens.revokeAll(pool, userId);
    else if (body.refresh_token !== undefined) await refreshTokens.revokeFamily(body.refresh_token, userId);
    return reply.code(204).send();
  });

  app.openapi.route(app, 'getJwks', async (_request, reply) => {
    // Verifiers may cache the keys briefly; a new key is published well before it signs (see the README).
    reply.header('cache-control', 'public, max-age=300');
    return app.auth.jwks;
  });
}
