import { fileURLToPath } from 'node:url';
import { createPasswordHasher } from '../auth/passwords.js';
import { defineFeature } from '../feature.js';
import { createRefreshTokens } from './refresh-tokens.js';
import { accountRoutes } from './routes.js';
import { createAccountService } from './service.js';

/**
 * Accounts: users, sign-in, access and refresh tokens, the published keys. With an admin
 * password configured, start-up makes sure the `admin` account has it.
 */
export const accountsFeature = defineFeature({
  name: 'accounts',
  migrationsDir: fileURLToPath(new URL('./migrations', import.meta.url)),
  async register(app, { pool, unitOfWork, config }) {
    const refreshTokens = createRefreshTokens({ pool, ttlSeconds: config.auth.refreshTokenTtlSeconds });
    const service = createAccountService({ pool, unitOfWork, passwords: createPasswordHasher(), refreshTokens, eventSource: config.eventSource });
    app.auth.defineOwnership('user', service.ownerOf);
    await accountRoutes(app, { service, refreshTokens, pool, refreshTokenTtlSeconds: config.auth.refreshTokenTtlSeconds });

    const adminPassword = config.auth.adminPassword;
    if (adminPassword !== undefined) {
      app.addHook('onReady', async () => {
        const outcome = await service.ensureAdmin(adminPassword);
        if (outcome !== 'unchanged') app.log.info({ handle: 'admin', outcome }, 'admin account set up from configuration');
      });
    }
  },
});
