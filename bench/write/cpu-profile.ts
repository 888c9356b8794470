import { readdir, readFile } from 'node:fs/promises';
import { join } from 'node:path';
import { repoRoot } from '@herald/stack';

/** The parts of a V8 .cpuprofile (as written by `node --cpu-prof`) that self time needs. */
interface CpuProfile {
  nodes: Array<{ id: number; callFrame: { functionName: string; url: string; lineNumber: number } }>;
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

export interface ThreadProfile {
  file: string;
  threadId: number;
  label: string;
  busyMs: number;
  idleMs: number;
  top: FunctionTime[];
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
  if (has(/consumers\/consumer-worker\.ts$/)) return 'consumer worker (notifier, analytics)';
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
): { busyMs: number; idleMs: number; top: FunctionTime[]; urls: Set<string> } {
  const byNode = new Map(profile.nodes.map((node) => [node.id, node.callFrame]));
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
    threads.push({ file, threadId, label: labelThread(threadId, analysis.urls), busyMs: analysis.busyMs, idleMs: analysis.idleMs, top: analysis.top });
  }
  return threads.sort((a, b) => a.threadId - b.threadId);
}
