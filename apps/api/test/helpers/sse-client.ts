import http from 'node:http';

export interface SseMessage {
  id?: string;
  event: string;
  data: string;
}

export interface SseClient {
  messages: SseMessage[];
  comments: string[];
  /** Resolves when the server ends the stream or the client closes it. */
  ended: Promise<void>;
  response: Promise<http.IncomingMessage>;
  close(): void;
  /** Stops reading from the socket (a slow client); `resume()` reads again. */
  pause(): void;
  resume(): void;
  waitFor(predicate: (messages: SseMessage[]) => boolean, timeoutMs?: number): Promise<void>;
}

/** A minimal EventSource over node:http, so tests can pause reading, drop the connection and inspect comments. */
export function openSse(url: string, headers: Record<string, string> = {}): SseClient {
  const messages: SseMessage[] = [];
  const comments: string[] = [];
  const waiters = new Set<() => void>();
  let buffer = '';
  let responseRef: http.IncomingMessage | undefined;
  let resolveEnded!: () => void;
  const ended = new Promise<void>((resolve) => (resolveEnded = resolve));

  const parseBlock = (block: string) => {
    const message: SseMessage = { event: 'message', data: '' };
    let isMessage = false;
    for (const line of block.split('\n')) {
      if (line.startsWith(':')) comments.push(line.slice(1).trim());
      else if (line.startsWith('id: ')) message.id = line.slice(4);
      else if (line.startsWith('event: ')) message.event = line.slice(7);
      else if (line.startsWith('data: ')) {
        message.data += line.slice(6);
        isMessage = true;
      }
    }
    if (isMessage) messages.push(message);
  };

  const request = http.get(url, { headers: { accept: 'text/event-stream', ...headers } });
  const response = new Promise<http.IncomingMessage>((resolve, reject) => {
    request.on('response', (res) => {
      responseRef = res;
      res.setEncoding('utf8');
      res.on('data', (chunk: string) => {
        buffer += chunk;
        let boundary: number;
        while ((boundary = buffer.indexOf('\n\n')) >= 0) {
          parseBlock(buffer.slice(0, boundary));
          buffer = buffer.slice(boundary + 2);
        }
        for (const wake of [...waiters]) wake();
      });
      res.on('close', resolveEnded);
      resolve(res);
    });
    request.on('error', (error) => {
      resolveEnded();
      reject(error);
    });
  });
  response.catch(() => {});

  return {
    messages,
    comments,
    ended,
    response,
    close: () => request.destroy(),
    pause: () => responseRef?.pause(),
    resume: () => responseRef?.resume(),
    waitFor(predicate, timeoutMs = 20_000) {
      return new Promise<void>((resolve, reject) => {
        const check = () => {
          if (!predicate(messages)) return;
          cleanup();
          resolve();
        };
        const timer = setTimeout(() => {
          cleanup();
          reject(new Error(`SSE condition not met within ${timeoutMs} ms (${messages.length} messages)`));
        }, timeoutMs);
        const cleanup = () => {
          clearTimeout(timer);
          waiters.delete(check);
        };
        waiters.add(check);
        check();
      });
    },
  };
}
