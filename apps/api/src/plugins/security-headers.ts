import { createHash } from 'node:crypto';
import helmet from '@fastify/helmet';
import type { FastifyInstance } from 'fastify';
import fp from 'fastify-plugin';

/**
 * The Content-Security-Policy of every response. The dashboard (apps/web, built by Vite) and
 * Swagger UI at /docs load only their own scripts and styles from this origin, with no inline
 * script; their icons and Swagger UI's pictures are `data:` URLs; both talk to this origin only
 * (the API, the event stream). Nothing may frame them. With object storage for post images, the
 * dashboard's policy adds that one origin (see `withStorageOrigin`).
 */
export const contentSecurityPolicy = {
  'default-src': ["'self'"],
  'base-uri': ["'self'"],
  'connect-src': ["'self'"],
  'font-src': ["'self'", 'data:'],
  'form-action': ["'self'"],
  'frame-ancestors': ["'none'"],
  'img-src': ["'self'", 'data:'],
  'object-src': ["'none'"],
  'script-src': ["'self'"],
  'script-src-attr': ["'none'"],
  'style-src': ["'self'"],
} as const;

/**
 * Swagger UI draws its logo as an inline SVG whose own `<style>` colours it: under /docs that one
 * style is allowed, by its hash (a new Swagger UI with another logo shows as a CSP violation in
 * the browser test, and an uncoloured logo).
 */
const SWAGGER_UI_LOGO_STYLE = '.logo_small_svg__cls-2{fill:#fff}.logo_small_svg__cls-3{fill:#85ea2d}';
const docsPolicy = {
  ...contentSecurityPolicy,
  'style-src': [...contentSecurityPolicy['style-src'], `'sha256-${createHash('sha256').update(SWAGGER_UI_LOGO_STYLE).digest('base64')}'`],
};

/**
 * The policy with the media storage's origin added where the dashboard needs it, and nowhere else:
 * `connect-src` (it uploads an image straight to storage with the presigned POST) and `img-src`
 * (it shows the converted image from its presigned GET). Only that origin: the one the presigned
 * URLs name (MEDIA_PUBLIC_ENDPOINT, else the S3 endpoint, the in-process one on the embedded default).
 */
export function withStorageOrigin(policy: Readonly<Record<string, readonly string[]>>, storageOrigin: string | undefined): Record<string, readonly string[]> {
  if (!storageOrigin) return policy;
  const origin = new URL(storageOrigin).origin;
  return { ...policy, 'connect-src': [...(policy['connect-src'] ?? []), origin], 'img-src': [...(policy['img-src'] ?? []), origin] };
}

const isDocumentation = (url: string) => url === '/docs' || url.startsWith('/docs/');
const directivesOf = (policy: Record<string, readonly string[]>) =>
  Object.fromEntries(Object.entries(policy).map(([name, values]) => [name, [...values]]));

/**
 * Security headers on every response, with @fastify/helmet: the CSP above, HSTS (which browsers
 * heed over HTTPS only), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, and helmet's cross-origin isolation defaults. Registered before
 * the error handler, so 404s and 405s carry them too. The event stream writes its own head after
 * hijacking the reply; Node merges these headers into it, and none of them affects streaming.
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { storageOrigin }: { storageOrigin?: string | undefined }) => {
    // Before helmet's own onRoute hook, which reads a route's `helmet` option.
    app.addHook('onRoute', (route) => {
      if (isDocumentation(route.url)) route.helmet = { contentSecurityPolicy: { useDefaults: false, directives: directivesOf(docsPolicy) } };
    });
    await app.register(helmet, {
      contentSecurityPolicy: { useDefaults: false, directives: directivesOf(withStorageOrigin(contentSecurityPolicy, storageOrigin)) },
      xFrameOptions: { action: 'deny' },
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
