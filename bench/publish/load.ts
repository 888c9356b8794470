import autocannon from 'autocannon';

export interface LoadOptions {
  url: string;
  connections: number;
  durationSeconds: number;
  /** Makes skus unique across phases and variants; a repeated sku would be a 409, not a write. */
  skuPrefix: string;
  /** The ceiling variant is a hello-world GET; every other variant takes product creations. */
  kind: 'create-products' | 'hello-world';
  /** The `Authorization` header the writes carry (Herald's product writes need an admin's token). */
  authorization?: string;
}

export interface LoadResult {
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  non2xx: number;
  /** Connection errors and timeouts: requests that got no response at all. */
  errors: number;
  durationSeconds: number;
}

/**
 * One product per request. Stock starts above the low-stock threshold, so each creation writes
 * exactly one event (ProductCreated) and events can be compared with requests one to one.
 */
function productBody(sku: string): string {
  return JSON.stringify({ sku, name: `Bench product ${sku}`, price: { amount: 1999, currency: 'EUR' }, stock: 100 });
}

export async function runLoad(options: LoadOptions): Promise<LoadResult> {
  let counter = 0;
  const requests: autocannon.Request[] =
    options.kind === 'hello-world'
      ? [{ method: 'GET', path: '/' }]
      : [
          {
            method: 'POST',
            path: '/api/v1/products',
            headers: { 'content-type': 'application/json', ...(options.authorization ? { authorization: options.authorization } : {}) },
            setupRequest: (request) => ({ ...request, body: productBody(`${options.skuPrefix}-${(counter += 1)}`) }),
          },
        ];
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    requests,
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
