import net from 'node:net';
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
 *
 * The client is a minimal HTTP/1.1 one (keep-alive, one request at a time per socket, responses
 * with a Content-Length) reading every socket into one reused buffer: the client's own pauses are
 * added to every latency it measures. With node:http, every chunk read was a new buffer; at 26 MB/s
 * of listing pages that made the benchmark's process stop for a full collection of 10-22 ms every
 * second or so (a `PerformanceObserver` on the client and server showed those pauses, not the
 * server's, lining up with the slow requests).
 */
export async function runPaced(options: {
  url: string;
  rate: number;
  durationSeconds: number;
  maxSockets: number;
  next: () => RequestSpec;
}): Promise<LoadResult> {
  const { hostname, port } = new URL(options.url);
  const total = Math.max(1, Math.round(options.rate * options.durationSeconds));
  const interval = 1000 / options.rate;
  const latencies: number[] = [];
  const lags: number[] = [];
  let non2xx = 0;
  let errors = 0;
  let settled = 0;
  let sent = 0;
  const start = performance.now() + 5;
  const readBuffer = Buffer.allocUnsafe(256 * 1024);

  interface Pending {
    due: number;
    request: string;
  }
  interface Connection {
    socket: net.Socket;
    /** The request on this socket, if any. */
    current: (Pending & { timer: NodeJS.Timeout }) | undefined;
    /** Response head read so far (latin1), until its blank line. */
    head: string;
    /** Body bytes still to come, or -1 while reading the head. */
    remaining: number;
    status: number;
  }
  const idle: Connection[] = [];
  const waiting: Pending[] = [];
  let open = 0;

  await new Promise<void>((resolve) => {
    const settle = () => {
      settled += 1;
      if (settled === total) resolve();
    };
    const finish = (connection: Connection, ok: boolean) => {
      const current = connection.current!;
      clearTimeout(current.timer);
      connection.current = undefined;
      if (!ok) errors += 1;
      else {
        latencies.push(performance.now() - current.due);
        if (connection.status < 200 || connection.status > 299) non2xx += 1;
      }
      settle();
    };
    const dispatch = (connection: Connection, pending: Pending) => {
      connection.current = {
        ...pending,
        timer: setTimeout(() => connection.socket.destroy(new Error('timeout')), REQUEST_TIMEOUT_MS),
      };
      connection.head = '';
      connection.remaining = -1;
      connection.socket.write(pending.request, 'latin1');
    };
    const release = (connection: Connection) => {
      const pending = waiting.shift();
      if (pending) dispatch(connection, pending);
      else idle.push(connection);
    };
    const onBytes = (connection: Connection, bytes: number) => {
      let at = 0;
      while (at < bytes && connection.current) {
        if (connection.remaining < 0) {
          // The head is small: kept as text until its end is found, possibly across reads (a
          // window at a time, so the body that follows it is not copied as well).
          const before = connection.head.length;
          const windowEnd = Math.min(bytes, at + 4096);
          connection.head += readBuffer.toString('latin1', at, windowEnd);
          const end = connection.head.indexOf('\r\n\r\n');
          if (end < 0) {
            at = windowEnd;
            continue;
          }
          const headText = connection.head.slice(0, end);
          connection.status = Number(headText.slice(9, 12));
          const length = /\r\ncontent-length: *(\d+)/i.exec(headText);
          if (!length) {
            connection.socket.destroy(new Error('a response without Content-Length'));
            return;
          }
          connection.remaining = Number(length[1]);
          at += end + 4 - before;
        } else {
          const take = Math.min(connection.remaining, bytes - at);
          connection.remaining -= take;
          at += take;
        }
        if (connection.remaining === 0) {
          finish(connection, true);
          release(connection);
        }
      }
    };
    const connect = (pending: Pending) => {
      open += 1;
      const connection: Connection = { socket: undefined as unknown as net.Socket, current: undefined, head: '', remaining: -1, status: 0 };
      connection.socket = net.connect({
        host: hostname,
        port: Number(port),
        noDelay: true,
        onread: { buffer: readBuffer, callback: (bytes) => (onBytes(connection, bytes), true) },
      });
      // Written once connected (a socket queues what is written before).
      dispatch(connection, pending);
      connection.socket.once('close', () => {
        open -= 1;
        const at = idle.indexOf(connection);
        if (at >= 0) idle.splice(at, 1);
        if (connection.current) finish(connection, false);
        // Whatever waited for a socket gets a new one.
        const next = waiting.shift();
        if (next) connect(next);
      });
      connection.socket.on('error', () => {});
    };
    const send = (due: number) => {
      const spec = options.next();
      const headers = { ...spec.headers, ...(spec.body === undefined ? {} : { 'content-length': String(Buffer.byteLength(spec.body)) }) };
      const request =
        `${spec.method} ${spec.path} HTTP/1.1\r\nhost: ${hostname}:${port}\r\n` +
        Object.entries(headers)
          .map(([name, value]) => `${name}: ${value}\r\n`)
          .join('') +
        `\r\n${spec.body ?? ''}`;
      const pending = { due, request };
      const connection = idle.pop();
      if (connection) dispatch(connection, pending);
      else if (open < options.maxSockets) connect(pending);
      else waiting.push(pending);
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
  for (const connection of idle) connection.socket.destroy();
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
