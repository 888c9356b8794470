import { existsSync, readdirSync, statSync } from 'node:fs';
import { join, relative, sep } from 'node:path';
import { fileURLToPath } from 'node:url';
import fastifyStatic from '@fastify/static';
import type { FastifyInstance } from 'fastify';

/** Where `npm run build -w apps/web` puts the dashboard. */
export const defaultDashboardDir = fileURLToPath(new URL('../../../web/dist', import.meta.url));

function filesUnder(dir: string): string[] {
  return readdirSync(dir).flatMap((name) => {
    const path = join(dir, name);
    return statSync(path).isDirectory() ? filesUnder(path) : [path];
  });
}

/**
 * The URLs the built dashboard answers: `/` and each of its files. They are not operations of the
 * API contract; the OpenAPI guard lets exactly these through.
 */
export function dashboardUrls(dir = defaultDashboardDir): Set<string> {
  if (!existsSync(join(dir, 'index.html'))) return new Set();
  const urls = filesUnder(dir).map((file) => `/${relative(dir, file).split(sep).join('/')}`);
  return new Set(['/', ...urls]);
}

/** Paths that belong to the API, never to the single-page app's client-side routes. */
const API_PATHS = /^\/(api|health|metrics|docs|openapi\.json|asyncapi\.json)(\/|$)/;

/** True for a browser navigation the dashboard should answer with index.html (its own routing). */
export function isDashboardNavigation(method: string, url: string, accept: string | undefined): boolean {
  const path = url.split('?')[0]!;
  return (method === 'GET' || method === 'HEAD') && !API_PATHS.test(path) && !/\.[a-z0-9]+$/i.test(path) && Boolean(accept?.includes('text/html'));
}

/**
 * Serves the built dashboard at `/`: hashed assets cached for a year, index.html never cached so
 * a new deployment is picked up at once. Nothing is served when the dashboard was not built.
 */
export async function dashboardPlugin(app: FastifyInstance, { dir = defaultDashboardDir }: { dir?: string }) {
  if (!existsSync(join(dir, 'index.html'))) {
    app.log.warn({ dir }, 'dashboard not built (npm run build -w apps/web); / will answer 404');
    return;
  }
  await app.register(fastifyStatic, {
    root: dir,
    prefix: '/',
    wildcard: false,
    index: 'index.html',
    setHeaders(reply, path) {
      reply.header('cache-control', path.includes(`${sep}assets${sep}`) ? 'public, max-age=31536000, immutable' : 'no-cache');
    },
  });
}
