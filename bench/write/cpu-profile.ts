import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@herald/stack';

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number }; children?: number[] }>;
  /** Microseconds on the monotonic clock, the one process.hrtime() reads in any process. */
  startTime: number;
  samples: number[];
  /** Microseconds since the previous sample, one per sample. */
  timeDeltas: number[];
}

export interface FunctionTime {
  functionName: string;
  /** Shortened: relative to the repository, `node_modules/<package>/…`, or as V8 gives it. */
  location: string;
  selfMs: number;
  /** Of the thread's busy time (everything but `(idle)`). */
  share: number;
}

/** Time charged to one package: its own functions, and the native or Node-internal calls they made. */
export interface PackageTime {
  /** `node_modules` package (`@scope/name`), a workspace folder (`apps/api`), or a V8 pseudo-frame. */
  name: string;
  selfMs: number;
  /** Of the thread's busy time. */
  share: number;
}

export interface ThreadProfile {
  file: string;
  threadId: number;
  label: string;
  busyMs: number;
  idleMs: number;
  top: FunctionTime[];
  packages: PackageTime[];
}

/** V8 names without a script: time spent outside JavaScript. */
const IDLE = '(idle)';

function shorten(url: string): string {
  if (url === '') return '';
  let path = url.startsWith('file://') ? decodeURIComponent(new URL(url).pathname) : url;
  const modules = path.lastIndexOf('/node_modules/');
  if (modules >= 0) return path.slice(modules + 1);
  const root = repoRoot.endsWith('/') ? repoRoot : `${repoRoot}/`;
  if (path.startsWith(root)) path = path.slice(root.length);
  return path;
}

/** The package a script belongs to, or undefined for Node's own modules and scriptless frames. */
function packageOf(url: string): string | undefined {
  const path = shorten(url);
  const modules = /^node_modules\/((?:@[^/]+\/)?[^/]+)/.exec(path);
  if (modules) return modules[1];
  const workspace = /^((?:apps|packages|tools|bench)\/[^/]+)/.exec(path);
  if (workspace) return workspace[1];
  return undefined;
}

/**
 * For each profile node, the package its time is charged to: the nearest frame on its stack that
 * belongs to a package (so `writev` under pg's socket write counts for pg), or, with none on the
 * stack, the V8 pseudo-frame or `node internals`.
 */
function chargeToPackages(profile: CpuProfile): Map<number, string> {
  const parentOf = new Map<number, number>();
  for (const node of profile.nodes) for (const child of node.children ?? []) parentOf.set(child, node.id);
  const byId = new Map(profile.nodes.map((node) => [node.id, node]));
  const charged = new Map<number, string>();
  const resolve = (id: number): string => {
    const known = charged.get(id);
    if (known !== undefined) return known;
    const node = byId.get(id)!;
    const own = packageOf(node.callFrame.url);
    const parent = parentOf.get(id);
    const name = own ?? (parent !== undefined && parentOf.has(parent) ? resolve(parent) : undefined) ??
      (node.callFrame.url ? 'node internals' : node.callFrame.functionName || '(anonymous)');
    charged.set(id, name);
    return name;
  };
  for (const node of profile.nodes) resolve(node.id);
  return charged;
}

/**
 * Names a thread by the scripts that ran on it over its whole life: the publisher worker runs the
 * outbox relay, the consumer worker (where there is one) the notifier and analytics; Node 20 runs
 * module hooks (tsx) on threads of their own, one for the main thread and one for each worker
 * that registers tsx.
 */
function labelThread(threadId: number, urls: Set<string>): string {
  if (threadId === 0) return 'main thread';
  const has = (pattern: RegExp) => [...urls].some((url) => pattern.test(url));
  if (has(/publisher\/(relay-worker|outbox-relay)\.ts$/)) return 'publisher worker (outbox relay)';
  // The worker's own module may never be sampled; the consumers' code always is.
  if (has(/consumers\/consumer-worker\.ts$/) || has(/^packages\/consumer-runtime\//)) return 'consumer worker (notifier, analytics)';
  if (has(/embedded\/journal-writer-thread\.mjs$/)) return 'broker journal writer';
  if (has(/^node:internal\/modules\/esm\/worker$/)) return 'module hooks thread (tsx)';
  return `worker thread ${threadId}`;
}

/**
 * Self time per function (aggregated by function name and script), highest first, counting only
 * samples taken within `window` (monotonic microseconds) when one is given.
 */
export function analyzeProfile(
  profile: CpuProfile,
  top: number,
  window?: [number, number],
): { busyMs: number; idleMs: number; top: FunctionTime[]; packages: PackageTime[]; urls: Set<string> } {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
  const packageOfNode = chargeToPackages(profile);
  const packageMicros = new Map<string, number>();
  const totals = new Map<string, { functionName: string; url: string; line: number; micros: number }>();
  /** Every script sampled, in or out of the window. */
  const urls = new Set<string>();
  let idle = 0;
  let busy = 0;
  let at = profile.startTime;
  profile.samples.forEach((nodeId, index) => {
    const micros = profile.timeDeltas[index] ?? 0;
    at += micros;
    const frame = byNode.get(nodeId);
    if (!frame) return;
    if (frame.url) urls.add(shorten(frame.url));
    if (window && (at < window[0] || at > window[1])) return;
    if (frame.functionName === IDLE) {
      idle += micros;
      return;
    }
    busy += micros;
    const charged = packageOfNode.get(nodeId)!;
    packageMicros.set(charged, (packageMicros.get(charged) ?? 0) + micros);
    const key = `${frame.functionName}\0${frame.url}`;
    const entry = totals.get(key) ?? { functionName: frame.functionName || '(anonymous)', url: frame.url, line: frame.lineNumber + 1, micros: 0 };
    entry.micros += micros;
    totals.set(key, entry);
  });
  const ranked = [...totals.values()].sort((a, b) => b.micros - a.micros).slice(0, top);
  return {
    busyMs: busy / 1000,
    idleMs: idle / 1000,
    urls,
    top: ranked.map((entry) => ({
      functionName: entry.functionName,
      // Lines of TypeScript sources are those of tsx's output, not of the file: left out.
      location: !entry.url ? '' : entry.url.endsWith('.ts') ? shorten(entry.url) : `${shorten(entry.url)}:${entry.line}`,
      selfMs: entry.micros / 1000,
      share: busy > 0 ? entry.micros / busy : 0,
    })),
    packages: [...packageMicros]
      .sort((a, b) => b[1] - a[1])
      .slice(0, top)
      .map(([name, micros]) => ({ name, selfMs: micros / 1000, share: busy > 0 ? micros / busy : 0 })),
  };
}

/** Every `.cpuprofile` in `dir` (one per thread: CPU.<date>.<time>.<pid>.<thread id>.<seq>.cpuprofile). */
export async function analyzeProfiles(dir: string, top: number, window?: [number, number]): Promise<ThreadProfile[]> {
  const files = (await readdir(dir)).filter((name) => name.endsWith('.cpuprofile'));
  const threads: ThreadProfile[] = [];
  for (const file of files) {
    const threadId = Number(file.split('.')[4]);
    const profile = JSON.parse(await readFile(join(dir, file), 'utf8')) as CpuProfile;
    const analysis = analyzeProfile(profile, top, window);
    threads.push({ file, threadId, label: labelThread(threadId, analysis.urls), busyMs: analysis.busyMs, idleMs: analysis.idleMs, top: analysis.top, packages: analysis.packages });
  }
  return threads.sort((a, b) => a.threadId - b.threadId);
}
