import http from 'node:http';

export interface Receipt {
  subject: string;
  receivedAt: number;
}

export interface SseClientPool {
  /** Connections whose response headers arrived. */
  connected(): number;
  /** All receipts of ProductCreated events, per client. */
  receipts(): Receipt[][];
  /** Clients that ended before close() (overflow or error). */
  dropped(): number;
  close(): void;
}

const SUBJECT = /"subject":"([^"]+)"/;

/**
 * Opens `count` SSE connections and records, per client, when each ProductCreated arrived. Parsing
 * is kept to a split and one regex per message: with thousands of clients the load generator, not
 * the server, would otherwise be what is measured.
 */
export function openClients(url: string, count: number, authorization: string): SseClientPool {
  const receipts: Receipt[][] = [];
  const requests: http.ClientRequest[] = [];
  let connected = 0;
  let dropped = 0;
  let closing = false;
  for (let i = 0; i < count; i++) {
    const mine: Receipt[] = [];
    receipts.push(mine);
    const request = http.get(url, { agent: false, headers: { accept: 'text/event-stream', authorization } }, (response) => {
      if (response.statusCode !== 200) {
        // Refused (a limit, a bad token): a client that never got the stream.
        dropped += 1;
        response.resume();
        return;
      }
      connected += 1;
      response.setEncoding('utf8');
      let buffer = '';
      response.on('data', (chunk: string) => {
        buffer += chunk;
        let end: number;
        while ((end = buffer.indexOf('\n\n')) >= 0) {
          const block = buffer.slice(0, end);
          buffer = buffer.slice(end + 2);
          if (!block.includes('event: ProductCreated')) continue;
          const match = SUBJECT.exec(block);
          if (match) mine.push({ subject: match[1]!, receivedAt: performance.timeOrigin + performance.now() });
        }
      });
      response.on('close', () => {
        if (!closing) dropped += 1;
      });
    });
    request.on('error', () => {
      if (!closing) dropped += 1;
    });
    requests.push(request);
  }
  return {
    connected: () => connected,
    receipts: () => receipts,
    dropped: () => dropped,
    close() {
      closing = true;
      for (const request of requests) request.destroy();
    },
  };
}
