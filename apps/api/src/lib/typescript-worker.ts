import { Worker, type WorkerOptions } from 'node:worker_threads';

/**
 * Starts a worker from a module that may be TypeScript. Herald runs its sources through tsx; on
 * Node 20 the module hooks registered by `--import tsx` do not reach a worker's entry point, so a
 * `.ts` entry gets a one-line bootstrap that registers tsx inside the worker before importing it.
 * Node flags (e.g. `--conditions`) are inherited as usual.
 */
export function startModuleWorker(entry: URL, options: WorkerOptions): Worker {
  if (!entry.pathname.endsWith('.ts')) return new Worker(entry, options);
  const tsxApi = import.meta.resolve('tsx/esm/api');
  const bootstrap = `import { register } from ${JSON.stringify(tsxApi)}; register(); await import(${JSON.stringify(entry.href)});`;
  return new Worker(new URL(`data:text/javascript,${encodeURIComponent(bootstrap)}`), options);
}
