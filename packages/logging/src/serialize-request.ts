/**
 * Query parameters that carry credentials: a stream ticket (EventSource cannot send headers), and
 * the names OAuth-style clients put tokens under. Matched without regard to case.
 */
export const secretQueryParameters: ReadonlySet<string> = new Set(['ticket', 'token', 'access_token', 'refresh_token']);

export const REDACTED = '[redacted]';

function decodedName(raw: string): string {
  try {
    return decodeURIComponent(raw.replace(/\+/g, ' ')).toLowerCase();
  } catch {
    // A malformed escape: the parser would not have read it as a secret's name either, but
    // compare it undecoded all the same.
    return raw.toLowerCase();
  }
}

/**
 * The URL with the value of every credential-bearing query parameter replaced by `[redacted]`;
 * the path and the other parameters are kept as sent. Names are compared decoded (`%74icket` is
 * `ticket`), as the query parser reads them.
 */
export function redactUrl(url: string): string {
  const start = url.indexOf('?');
  if (start < 0) return url;
  const parts = url.slice(start + 1).split('&');
  let changed = false;
  for (let i = 0; i < parts.length; i++) {
    const part = parts[i]!;
    const equals = part.indexOf('=');
    const name = equals < 0 ? part : part.slice(0, equals);
    if (!secretQueryParameters.has(decodedName(name))) continue;
    parts[i] = `${name}=${REDACTED}`;
    changed = true;
  }
  return changed ? `${url.slice(0, start)}?${parts.join('&')}` : url;
}

/** The parts of an HTTP request a log line is given: a Fastify request or Node's IncomingMessage. */
interface LoggedRequest {
  method?: string;
  url?: string;
  /** Fastify's client address (trust-proxy aware); Node's request has only its socket's. */
  ip?: string;
  host?: string;
  headers?: Record<string, string | string[] | undefined>;
  socket?: { remoteAddress?: string; remotePort?: number } | null;
}

/**
 * The request of an access-log line: method, URL (credentials in its query redacted), host and
 * client address. Headers are never written: `Authorization` and cookies would be among them.
 */
export function serializeRequest(request: LoggedRequest): Record<string, unknown> {
  return {
    method: request.method,
    url: typeof request.url === 'string' ? redactUrl(request.url) : request.url,
    host: request.host ?? request.headers?.host,
    remoteAddress: request.ip ?? request.socket?.remoteAddress,
    remotePort: request.socket?.remotePort,
  };
}
