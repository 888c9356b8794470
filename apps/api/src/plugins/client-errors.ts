import { STATUS_CODES, maxHeaderSize } from 'node:http';
import type { Duplex } from 'node:stream';
import type { FastifyInstance } from 'fastify';
import { HttpProblem } from '../errors.js';

/**
 * Requests that never become a Fastify request: Node's HTTP parser refused them (a bad request
 * line, a malformed header, headers over the size limit), or they use CONNECT, which Node hands to
 * a listener of its own. Both are answered here with a raw HTTP response written on the socket,
 * with the same `application/problem+json` body the error handler gives every other refusal.
 */

/** An error from Node's HTTP parser (`clientError` event). */
interface ClientError extends Error {
  code?: string;
  /** llhttp's reason, e.g. "Invalid header value char". */
  reason?: string;
}

/** A socket with the response Node may have started on it (then nothing more can be written). */
type ClientSocket = Duplex & { _httpMessage?: { headersSent?: boolean } | null };

/** The problem body and status line of a raw response, closing the connection. */
export function rawProblemResponse(problem: HttpProblem, options: { instance?: string; headers?: Record<string, string> } = {}): string {
  const body = JSON.stringify({
    type: problem.type,
    title: problem.title,
    status: problem.status,
    detail: problem.detail,
    ...(options.instance !== undefined ? { instance: options.instance } : {}),
    ...(problem.fieldErrors.length > 0 ? { errors: problem.fieldErrors } : {}),
  });
  const headers = {
    'Content-Type': 'application/problem+json; charset=utf-8',
    'Content-Length': String(Buffer.byteLength(body)),
    ...options.headers,
    Connection: 'close',
  };
  const lines = Object.entries(headers).map(([name, value]) => `${name}: ${value}`);
  return `HTTP/1.1 ${problem.status} ${STATUS_CODES[problem.status]}\r\n${lines.join('\r\n')}\r\n\r\n${body}`;
}

function problemOf(error: ClientError): HttpProblem {
  switch (error.code) {
    case 'ERR_HTTP_REQUEST_TIMEOUT':
      return new HttpProblem('HERALD_REQUEST_TIMEOUT', 'the request was not received in time');
    case 'HPE_HEADER_OVERFLOW':
      return new HttpProblem('HERALD_HEADERS_TOO_LARGE', `the request line and headers exceed the limit of ${maxHeaderSize} bytes`);
    default: {
      // llhttp's reasons are fixed texts ("Invalid header value char"); the request itself is never echoed.
      const reason = error.reason ?? 'malformed request';
      return new HttpProblem('HERALD_BAD_REQUEST', `the request is not valid HTTP/1.1: ${reason}${error.code ? ` (${error.code})` : ''}`);
    }
  }
}

/** Fastify's `clientErrorHandler`: `this` is the Fastify instance. */
export function clientErrorHandler(this: FastifyInstance, error: ClientError, socket: ClientSocket): void {
  // A reset connection has nobody left to answer.
  if (error.code === 'ECONNRESET' || socket.destroyed) return;
  const problem = problemOf(error);
  this.log.info({ problem: problem.code, detail: problem.detail }, 'client error');
  // As Node does: nothing can be written once a response has started on this socket.
  if (socket.writable && !socket._httpMessage?.headersSent) socket.write(rawProblemResponse(problem));
  socket.destroy(error);
}

/**
 * CONNECT is parsed by Node but never reaches Fastify's router; without a listener Node just drops
 * the connection. The contract defines no CONNECT, so it is a 405 listing the methods of the path,
 * or a 404 for a path the contract does not know, like any other undeclared method.
 */
export function answerConnect(app: FastifyInstance, methodsFor: (path: string) => string[]) {
  app.server.on('connect', (request: { url?: string }, socket: ClientSocket) => {
    const path = (request.url ?? '').split('?')[0]!;
    const allowed = path.startsWith('/') ? methodsFor(path) : [];
    const response =
      allowed.length > 0
        ? rawProblemResponse(
            new HttpProblem('HERALD_METHOD_NOT_ALLOWED', `CONNECT is not allowed on ${path}; use ${allowed.join(', ')}`),
            { instance: path, headers: { Allow: allowed.join(', ') } },
          )
        : rawProblemResponse(new HttpProblem('HERALD_NOT_FOUND', `no route CONNECT ${path}`), path.startsWith('/') ? { instance: path } : {});
    socket.on('error', () => socket.destroy());
    socket.end(response);
  });
}
