/**
 * Child process entry: runs one variant's server, so the API under test has a process (and event
 * loop) of its own and the load generator in the parent never competes with it on one thread.
 */
import type { VariantName } from './variants/names.js';
import { startVariant, type RunningVariant, type VariantSettings } from './variants/start.js';

export interface ServeRequest {
  variant: VariantName;
  settings: VariantSettings;
}

export type ParentToServer = { type: 'stats' } | { type: 'cpu' } | { type: 'stop' };
export type ServerToParent =
  | { type: 'ready'; url: string; authorization?: string }
  | { type: 'stats'; stats: Record<string, unknown> }
  /** CPU time of the whole process, every thread included (user + system, microseconds). */
  | { type: 'cpu'; micros: number }
  | { type: 'stopped' }
  | { type: 'failed'; error: string };

const send = (message: ServerToParent, then?: () => void) => process.send!(message, undefined, {}, then);
// An orchestrator that died must not leave a server (and its workers) behind.
process.on('disconnect', () => process.exit(1));

const request = JSON.parse(process.argv[2]!) as ServeRequest;
let running: RunningVariant;
try {
  running = await startVariant(request.variant, request.settings);
} catch (error) {
  send({ type: 'failed', error: String((error as Error).stack ?? error) });
  process.exit(1);
}
send({ type: 'ready', url: running.url, ...(running.authorization ? { authorization: running.authorization } : {}) });

process.on('message', async (message: ParentToServer) => {
  if (message.type === 'stats') send({ type: 'stats', stats: running.stats() });
  if (message.type === 'cpu') {
    const { user, system } = process.cpuUsage();
    send({ type: 'cpu', micros: user + system });
  }
  if (message.type === 'stop') {
    await running.close().catch((error) => send({ type: 'failed', error: String(error) }));
    // Exit explicitly: a handle left open by a dependency must not keep the next variant waiting.
    send({ type: 'stopped' }, () => process.exit(0));
  }
});
