import http from 'node:http';
import autocannon from 'autocannon';
import { percentile } from '../write/stats.js';

/** One request of a load: what the target's `next()` hands out for every request sent. */
export interface RequestSpec {
  method: 'GET' | 'POST';
  path: string;
  headers?: Record<string, string>;
  body?: string;
}

export interface LoadResult {
  /** Responses received (any status). */
  requests: number;
  requestsPerSecond: number;
  latencyP50Ms: number;
  latencyP99Ms: number;
  latencyMaxMs: number;
  non2xx: number;
  /** Requests that got no response at all (connection errors, timeouts). */
  errors: number;
  durationSeconds: number;
  /**
   * Paced loads only: 99th percentile of how late the client itself sent requests (its event loop
   * busy). Large values mean the machine, not the server, held requests back.
   */
  clientLagP99Ms?: number;
}

const REQUEST_TIMEOUT_MS = 10_000;

function fromAutocannon(result: autocannon.Result): LoadResult {
  return {
    requests: result.requests.total,
    requestsPerSecond: result.requests.total / result.duration,
    latencyP50Ms: result.latency.p50,
    latencyP99Ms: result.latency.p99,
    latencyMaxMs: result.latency.max,
    non2xx: result.non2xx,
    errors: result.errors + result.timeouts,
    durationSeconds: result.duration,
  };
}

const autocannonRequest = (next: () => RequestSpec): autocannon.Request => ({
  method: 'GET',
  setupRequest: (request) => ({ ...request, ...next() }),
});

/** Fixed concurrency: `connections` connections, each sending its next request when the last one is answered. */
export async function runClosedLoop(options: { url: string; connections: number; durationSeconds: number; next: () => RequestSpec }): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    duration: options.durationSeconds,
    timeout: REQUEST_TIMEOUT_MS / 1000,
    requests: [autocannonRequest(options.next)],
  });
  return fromAutocannon(result);
}

/**
 * autocannon's own fixed rate (`overallRate`). Each connection sends its share of a second's
 * requests back to back as soon as the second starts and then waits for the next one, so the
 * server sees bursts rather than a steady rate; and its coordinated-omission correction assumes
 * 1 ms between requests (`Math.ceil(1 / rate)`, a rate per second read as milliseconds), adding a
 * made-up sample for every millisecond of each response. Kept to compare with `runPaced`.
 */
export async function runAutocannonRate(options: {
  url: string;
  connections: number;
  rate: number;
  durationSeconds: number;
  next: () => RequestSpec;
}): Promise<LoadResult> {
  const result = await autocannon({
    url: options.url,
    connections: options.connections,
    overallRate: options.rate,
    duration: options.durationSeconds,
    timeout: REQUEST_TIMEOUT_MS / 1000,
    requests: [autocannonRequest(options.next)],
  });
  return fromAutocannon(result);
}

/**
 * Fixed rate, open loop: request i is due at start + i / rate, whatever happened to the ones
 * before, and its latency runs from when it was due until its response ended. A server that falls
 * behind therefore shows it as latency (requests wait for a free socket, up to `maxSockets` are
 * open), instead of being sent fewer requests: no coordinated omission.
 */
export async function runPaced(options: {
  url: string;
  rate: number;
  durationSeconds: number;
  maxSockets: number;
  next: () => RequestSpec;
}): Promise<LoadResult> {
  const { hostname, port } = new URL(options.url);
  const agent = new http.Agent({ keepAlive: true, maxSockets: options.maxSockets });
  const total = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let sent = 0;
  const start = performance.now() + 5;

  await new Promise<void>((resolve) => {
    const settle = () => {
      settled += 1;
      if (settled === total) resolve();
    };
    const send = (due: number) => {
      const spec = options.next();
      const headers = { ...spec.headers, ...(spec.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(spec.body)) }) };
      let done = false;
      const finish = (ok: boolean, status?: number) => {
        if (done) return;
        done = true;
        if (!ok) errors += 1;
        else {
          latencies.push(performance.now() - due);
          if (status! < 200 || status! > 299) non2xx += 1;
        }
        settle();
      };
      const request = http.request({ agent, host: hostname, port, method: spec.method, path: spec.path, headers }, (response) => {
        response.resume();
        response.once('end', () => finish(true, response.statusCode));
        response.once('error', () => finish(false));
      });
      request.setTimeout(REQUEST_TIMEOUT_MS, () => request.destroy(new Error('timeout')));
      request.once('error', () => finish(false));
      request.end(spec.body);
    };
    const tick = () => {
      const now = performance.now();
      while (sent < total && start + sent * interval <= now) {
        const due = start + sent * interval;
        lags.push(now - due);
        sent += 1;
        send(due);
      }
      if (sent < total) setTimeout(tick, Math.max(0, start + sent * interval - performance.now()));
    };
    setTimeout(tick, 5);
  });
  agent.destroy();
  const durationSeconds = (performance.now() - start) / 1000;
  latencies.sort((a, b) => a - b);
  lags.sort((a, b) => a - b);
  return {
    requests: latencies.length,
    requestsPerSecond: latencies.length / durationSeconds,
    latencyP50Ms: percentile(latencies, 50),
    latencyP99Ms: percentile(latencies, 99),
    latencyMaxMs: latencies[latencies.length - 1] ?? NaN,
    non2xx,
    errors,
    durationSeconds,
    clientLagP99Ms: percentile(lags, 99),
  };
}
