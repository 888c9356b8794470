import autocannon from 'autocannon';
import type { LoadResult } from '../publish/load.js';

export type ReadKind = 'by-id' | 'list';

/**
 * Read load: `GET /api/v1/products/{id}` over the given ids in turn, or the first page of
 * `GET /api/v1/products?limit=20`. The same shape of result as the write load (publish/load.ts).
 */
export async function runReadLoad(options: {
  url: string;
  kind: ReadKind;
  ids: string[];
  connections: number;
  durationSeconds: number;
}): Promise<LoadResult> {
  const { ids } = options;
  if (options.kind === 'by-id' && ids.length === 0) throw new Error('no product ids to read');
  let next = 0;
  const request: autocannon.Request =
    options.kind === 'list'
      ? { method: 'GET', path: '/api/v1/products?limit=20' }
      : { method: 'GET', setupRequest: (r) => ({ ...r, path: `/api/v1/products/${ids[(next += 1) % ids.length]}` }) };
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests: [request],
  });
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    non2xx: result.non2xx,
    errors: result.errors,
    durationSeconds: result.duration,
  };
}
