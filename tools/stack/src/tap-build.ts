import { readFileSync } from 'node:fs';
import { createRequire } from 'node:module';
import { dirname, join } from 'node:path';
import { repoRoot } from './paths.js';
import { lastLines, run } from './run.js';

/** Plugins tap's generated Test class was last built with, or undefined if unknown. */
function builtPlugins(): Set<string> | undefined {
  try {
    const fromTap = createRequire(join(repoRoot, 'node_modules', 'tap', 'package.json'));
    const testPkg = dirname(fromTap.resolve('@tapjs/test/package.json'));
    const source = readFileSync(join(testPkg, 'test-built', 'dist', 'esm', 'index.js'), 'utf8');
    const signature = /export const signature = `([^`]*)`/.exec(source)?.[1];
    return signature === undefined ? undefined : new Set(signature.split('\n').map((s) => s.trim()).filter(Boolean));
  } catch {
    return undefined;
  }
}

/**
 * tap rebuilds its Test class when the configured plugins changed (e.g. on a
 * fresh `npm ci`), but only after it has already chosen the loaders for that
 * run, so the first run would still load the excluded TypeScript plugin next to
 * tsx. Building up front keeps every run identical.
 */
export async function ensureTapBuilt(): Promise<void> {
  const built = builtPlugins();
  if (!built) return;
  const config = JSON.parse(readFileSync(join(repoRoot, 'package.json'), 'utf8')) as { tap?: { plugin?: string[] } };
  const wanted = config.tap?.plugin ?? [];
  const stale = wanted.some((p) => (p.startsWith('!') ? built.has(p.slice(1)) : !built.has(p)));
  if (!stale) return;
  console.error('# rebuilding tap for the configured plugins');
  const result = await run(join(repoRoot, 'node_modules', '.bin', 'tap'), ['build'], { cwd: repoRoot });
  if (result.code !== 0) throw new Error(`tap build failed:\n${lastLines(result.output)}`);
}
