import { fork, type ChildProcess } from 'node:child_process';
import { fileURLToPath } from 'node:url';
import type { ParentToServer, ServeRequest, ServerToParent } from './serve.js';

export interface ServerProcess {
  url: string;
  /** The `Authorization` header its writes need, if any. */
  authorization?: string;
  stats(): Promise<Record<string, unknown>>;
  /** CPU seconds the server process has used so far, all threads included. */
  cpuSeconds(): Promise<number>;
  stop(): Promise<void>;
}

const STOP_TIMEOUT_MS = 30_000;

function next<T extends ServerToParent['type']>(child: ChildProcess, type: T): Promise<Extract<ServerToParent, { type: T }>> {
  return new Promise((resolve, reject) => {
    const onMessage = (message: ServerToParent) => {
      if (message.type === 'failed') {
        cleanup();
        reject(new Error(`variant server failed: ${message.error}`));
      } else if (message.type === type) {
        cleanup();
        resolve(message as Extract<ServerToParent, { type: T }>);
      }
    };
    const onExit = (code: number | null) => {
      cleanup();
      reject(new Error(`variant server exited with code ${code} while waiting for "${type}"`));
    };
    const cleanup = () => {
      child.off('message', onMessage);
      child.off('exit', onExit);
    };
    child.on('message', onMessage);
    child.on('exit', onExit);
  });
}

/**
 * Starts `serve.ts` in a child process with this process's Node flags (tsx and the source
 * condition) and waits until it listens.
 */
export async function startServerProcess(request: ServeRequest): Promise<ServerProcess> {
  const child = fork(fileURLToPath(new URL('./serve.ts', import.meta.url)), [JSON.stringify(request)], { stdio: 'inherit' });
  const send = (message: ParentToServer) => child.send(message);
  const { url, authorization } = await next(child, 'ready').catch((error) => {
    child.kill('SIGKILL');
    throw error;
  });

  return {
    url,
    authorization,
    async stats() {
      const reply = next(child, 'stats');
      send({ type: 'stats' });
      return (await reply).stats;
    },
    async cpuSeconds() {
      const reply = next(child, 'cpu');
      send({ type: 'cpu' });
      return (await reply).micros / 1e6;
    },
    async stop() {
      if (child.exitCode !== null) return;
      const exited = new Promise<void>((resolve) => child.once('exit', () => resolve()));
      const timer = setTimeout(() => child.kill('SIGKILL'), STOP_TIMEOUT_MS);
      send({ type: 'stop' });
      await exited;
      clearTimeout(timer);
    },
  };
}
