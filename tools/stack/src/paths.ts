import { fileURLToPath } from 'node:url';
import { join } from 'node:path';

/** Repository root, derived from this file's location (tools/stack/src). */
export const repoRoot: string = fileURLToPath(new URL('../../../', import.meta.url));

/**
 * Everything downloaded or built for the local stack lives under the git-ignored
 * `.cache/` folder so that a rerun is fast and works offline.
 */
export function cacheDir(...parts: string[]): string {
  return join(process.env.HERALD_STACK_CACHE_DIR ?? join(repoRoot, '.cache'), ...parts);
}
