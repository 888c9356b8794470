import { createServer } from 'node:net';

// Ports handed out recently by this process. The OS may return the same
// ephemeral port twice in a row once the probe socket is closed, and two
// services started back to back must not be given the same port.
const handedOut = new Set<number>();

function probePort(host: string): Promise<number> {
  return new Promise((resolve, reject) => {
    const server = createServer();
    server.unref();
    server.once('error', reject);
    server.listen({ port: 0, host, exclusive: true }, () => {
      const address = server.address();
      const port = typeof address === 'object' && address ? address.port : 0;
      server.close(() => resolve(port));
    });
  });
}

/** A TCP port on 127.0.0.1 that is free right now and was not handed out before. */
export async function findFreePort(host = '127.0.0.1'): Promise<number> {
  for (let attempt = 0; attempt < 50; attempt++) {
    const port = await probePort(host);
    if (port > 0 && !handedOut.has(port)) {
      handedOut.add(port);
      return port;
    }
  }
  throw new Error('findFreePort: could not find a free port after 50 attempts');
}
