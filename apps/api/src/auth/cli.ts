/**
 * `npm run auth:add-key [-- --stage]`: adds a new Ed25519 signing key to the key file
 * (AUTH_KEYS_FILE, else the embedded default's under DATA_DIR). The last key with a private part
 * signs; every key verifies. With --stage the key goes first, so that it only verifies until it is
 * moved last: deployments with several instances restart them all with the staged key first, then
 * promote it, so no instance ever meets a token signed by a key it does not know yet.
 */
import { ConfigError, loadConfig } from '../config.js';
import { addSigningKey } from './keys.js';
import { defaultKeysFile } from './start-up.js';

try {
  const config = loadConfig(process.env);
  const file = config.auth.keysFile ?? defaultKeysFile(config.dataDir);
  const stage = process.argv.includes('--stage');
  const kid = await addSigningKey(file, { stage });
  process.stdout.write(
    stage
      ? `added key ${kid} to ${file}, first: it verifies tokens but does not sign yet; move it last to make it sign\n`
      : `added key ${kid} to ${file}: new tokens are signed with it after a restart; remove the previous key once its tokens have expired (ACCESS_TOKEN_TTL_SECONDS)\n`,
  );
} catch (error) {
  if (!(error instanceof ConfigError)) throw error;
  process.stderr.write(`herald: ${error.message}\n`);
  process.exit(78);
}
