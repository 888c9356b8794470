import { createHash } from 'node:crypto';
import type { IncomingMessage, ServerResponse } from 'node:http';
import helmet from 'helmet';
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

/**
 * Responses that are data, never a page: JSON, problem+json, the event stream, metrics. A browser
 * never renders them as a document, so they need no page policy; they get the strictest one.
 */
const isData = (url: string) => url.startsWith('/api/') || url.startsWith('/health/') || url.startsWith('/metrics') || url.startsWith('/openapi.json');

/**
 * The headers of data responses (after OWASP's REST security cheat sheet): a policy that allows
 * loading nothing and no framing, should one be opened as a page anyway; no sniffing it into
 * something else; HSTS; no referrer; readable by this origin only outside CORS. helmet's
 * document-only headers (COOP, Origin-Agent-Cluster, X-DNS-Prefetch-Control, X-Download-Options,
 * X-XSS-Protection, X-Permitted-Cross-Domain-Policies) mean nothing for them: leaving them out
 * makes each API response about 600 bytes smaller.
 */
const DATA_POLICY = "default-src 'none';frame-ancestors 'none'";
const KEPT_FOR_DATA = new Set(['cross-origin-resource-policy', 'referrer-policy', 'strict-transport-security', 'x-content-type-options', 'x-frame-options']);
const dataHeadersOf = (documentHeaders: ReadonlyArray<readonly [string, string]>): ReadonlyArray<readonly [string, string]> => [
  ['Content-Security-Policy', DATA_POLICY],
  ...documentHeaders.filter(([name]) => KEPT_FOR_DATA.has(name.toLowerCase())),
];

const directivesOf = (policy: Readonly<Record<string, readonly string[]>>) =>
  Object.fromEntries(Object.entries(policy).map(([name, values]) => [name, [...values]]));

type HelmetOptions = Parameters<typeof helmet>[0];

/**
 * The headers helmet sets with these options, worked out once. They depend on nothing in a
 * request, and @fastify/helmet builds helmet's whole middleware again (parsing the policy) on
 * every request, which showed in the profiles of every read.
 */
function headersOf(options: HelmetOptions): ReadonlyArray<readonly [string, string]> {
  const headers = new Map<string, string>();
  const response = {
    setHeader: (name: string, value: string | number) => headers.set(name, String(value)),
    removeHeader: (name: string) => headers.delete(name),
  };
  helmet(options)({} as IncomingMessage, response as unknown as ServerResponse, () => {});
  return [...headers];
}

/**
 * Security headers on every response, from helmet: on pages the CSP above, HSTS (which browsers
 * heed over HTTPS only), `X-Content-Type-Options: nosniff`, `X-Frame-Options: DENY`,
 * `Referrer-Policy: no-referrer`, and helmet's cross-origin isolation defaults; on data responses
 * the subset that concerns them, with a policy allowing nothing (see `isData`). Set on the reply
 * when a request arrives, so 404s, 405s and errors carry them too, and so does the event stream,
 * which copies the reply's headers into the head it writes after hijacking the reply (none of
 * them affects streaming).
 */
export const securityHeadersPlugin = fp(
  async (app: FastifyInstance, { storageOrigin }: { storageOrigin?: string | undefined }) => {
    const policy = (directives: Readonly<Record<string, readonly string[]>>): HelmetOptions => ({
      contentSecurityPolicy: { useDefaults: false, directives: directivesOf(directives) },
      xFrameOptions: { action: 'deny' },
    });
    const asObject = (headers: ReadonlyArray<readonly [string, string]>) => Object.freeze(Object.fromEntries(headers));
    const appHeaders = headersOf(policy(withStorageOrigin(contentSecurityPolicy, storageOrigin)));
    const docsHeaders = asObject(headersOf(policy(docsPolicy)));
    const dataHeaders = asObject(dataHeadersOf(appHeaders));
    const pageHeaders = asObject(appHeaders);
    app.addHook('onRequest', (request, reply, done) => {
      const { url } = request.raw;
      // On the reply, not the raw response: Node then writes them with the reply's own headers in
      // one pass, where headers already set on the raw response would make it set every one of
      // the reply's again, one by one (a measurable share of a read's CPU).
      reply.headers(isData(url ?? '') ? dataHeaders : isDocumentation(request.routeOptions.url ?? '') ? docsHeaders : pageHeaders);
      done();
    });
  },
  { name: 'security-headers', fastify: '5.x' },
);
