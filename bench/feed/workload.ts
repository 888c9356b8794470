import { cpus, loadavg } from 'node:os';
import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { PostCreated } from '@herald/event-schemas';
import {
  applyFanoutEvent,
  createFanoutStores,
  createFeedReader,
  handleFanoutTask,
  type FanoutDeps,
  type FanoutTask,
  type FeedCache,
  type FeedSettings,
} from '@herald/fanout';
import { percentile } from '../write/stats.js';
import { seededRandom, sizeClassOf, SIZE_CLASSES, type Graph, type SizeClass } from './graph.js';

/** One way of building feeds: who is pushed and who is pulled. */
export interface Mode {
  name: string;
  /** FANOUT_CELEBRITY_THRESHOLD: authors with this many followers or more are pulled. */
  threshold: number;
}

export interface LatencySummary {
  count: number;
  p50Ms: number;
  p99Ms: number;
  maxMs: number;
}

export interface PhaseResult {
  mode: string;
  threshold: number;
  round: number;
  durationSeconds: number;
  loadAverage: { before: number; after: number };
  /** Share of the machine's CPU time that was busy during the measured load (every process). */
  machineBusyShare: number;
  /** CPU of the benchmark process (the fan-out replica and the readers) per second of load. */
  benchCpuMsPerSecond: number;
  posts: {
    published: number;
    /** Post published (its due time) → every follower's feed written (pushed), or recorded (pulled). */
    all: LatencySummary;
    byClass: Record<SizeClass, LatencySummary>;
    paths: { push: number; tasks: number; pull: number };
    failed: number;
  };
  fanout: {
    /** Feed entries written during the measured load (including each post's own author entry). */
    entries: number;
    entriesPerSecond: number;
    /** Seconds after the load until the replica had finished every post and task (capped). */
    drainSeconds: number;
    /** Posts not finished when the drain cap ran out. */
    unfinished: number;
  };
  reads: {
    count: number;
    perSecond: number;
    p50Ms: number;
    p99Ms: number;
    errors: number;
    /** Pages served from Redis / rebuilt from the table (the push part of the read). */
    cacheHits: number;
    cacheMisses: number;
    /** Followed pulled authors merged per read (mean). */
    pulledAuthorsPerRead: number;
  };
}

export interface WorkloadOptions {
  durationSeconds: number;
  warmupSeconds: number;
  /** Posts per second, due at even intervals. */
  postRate: number;
  /** Share of posts by authors of each size class, in SIZE_CLASSES order. */
  postMix: number[];
  readers: number;
  /** Users who read (the most active readers; the same set in every phase). */
  activeReaders: number;
  pageSize: number;
  /** Partitions of the posts topic one replica consumes, and of the task topic. */
  postLanes: number;
  taskLanes: number;
  drainCapSeconds: number;
}

const sleep = (ms: number) => new Promise((resolve) => setTimeout(resolve, ms));

/** FNV-1a: which lane (partition) a key goes to. */
function hashOf(text: string): number {
  let hash = 0x811c9dc5;
  for (let i = 0; i < text.length; i++) hash = Math.imul(hash ^ text.charCodeAt(i), 0x01000193);
  return hash >>> 0;
}

function summarize(values: number[]): LatencySummary {
  const sorted = [...values].sort((a, b) => a - b);
  return { count: sorted.length, p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99), maxMs: sorted.at(-1) ?? NaN };
}

function machineTimes() {
  let idle = 0;
  let total = 0;
  for (const cpu of cpus()) {
    idle += cpu.times.idle;
    total += cpu.times.idle + cpu.times.user + cpu.times.nice + cpu.times.sys + cpu.times.irq;
  }
  return { idle, total };
}

/** Retries what DynamoDB Local or Redis refuse under load (throttling, timeouts), a few times. */
async function withRetries<T>(work: () => Promise<T>, signal?: AbortSignal): Promise<T> {
  for (let attempt = 1; ; attempt++) {
    try {
      return await work();
    } catch (error) {
      if (attempt >= 5 || signal?.aborted) throw error;
      await sleep(50 * 2 ** attempt);
    }
  }
}

interface Tracked {
  due: number;
  size: SizeClass;
  outstanding: number;
  handled: boolean;
  measured: boolean;
}

/**
 * One fan-out replica, as the fan-out runs it: PostCreated events in `postLanes` lanes (the
 * partitions it owns, in order per lane) and the tasks of large fan-outs in `taskLanes` lanes,
 * with the fan-out's own handlers and stores (DynamoDB and Redis). Counts the feed entries it
 * writes and when each post's fan-out is complete.
 */
function createReplica(stores: Omit<FanoutDeps, 'log' | 'signal'>, options: WorkloadOptions) {
  const log = { debug() {}, info() {}, warn() {}, error() {} };
  let entries = 0;
  let pending = 0;
  let failed = 0;
  const latencies: Array<{ size: SizeClass; ms: number }> = [];
  const paths = { push: 0, tasks: 0, pull: 0 };
  const postLanes: Promise<void>[] = Array.from({ length: options.postLanes }, () => Promise.resolve());
  const taskLanes: Promise<void>[] = Array.from({ length: options.taskLanes }, () => Promise.resolve());
  const tracked = new Map<string, Tracked>();
  // Aborted when the drain cap runs out: what is left is given up, so no work spills into the next phase.
  const stopping = new AbortController();

  const complete = (postId: string) => {
    const post = tracked.get(postId)!;
    if (!post.handled || post.outstanding > 0) return;
    tracked.delete(postId);
    if (post.measured) latencies.push({ size: post.size, ms: Date.now() - post.due });
  };
  const feeds = {
    ...stores.feeds,
    push: async (list: Parameters<FanoutDeps['feeds']['push']>[0], signal?: AbortSignal) => {
      await stores.feeds.push(list, signal);
      entries += list.length;
    },
  };
  const enqueue = (lanes: Promise<void>[], lane: number, work: () => Promise<void>) => {
    pending++;
    lanes[lane] = lanes[lane]!.then(work).then(
      () => void pending--,
      () => {
        pending--;
        failed++;
      },
    );
  };
  const deps: FanoutDeps = {
    ...stores,
    feeds,
    log,
    signal: stopping.signal,
    tasks: {
      publish: async (tasks: FanoutTask[]) => {
        for (const task of tasks) {
          tracked.get(task.post.id)!.outstanding++;
          enqueue(taskLanes, hashOf(task.id) % options.taskLanes, async () => {
            await withRetries(() => handleFanoutTask(task, deps), stopping.signal);
            tracked.get(task.post.id)!.outstanding--;
            complete(task.post.id);
          });
        }
      },
    },
  };
  return {
    post(event: PostCreated, due: number, size: SizeClass, measured: boolean) {
      tracked.set(event.data.post.id, { due, size, outstanding: 0, handled: false, measured });
      enqueue(postLanes, hashOf(event.data.post.author_id) % options.postLanes, async () => {
        // The outcome tells the path (push, tasks, pull); retried like the runtime retries a failure.
        await withRetries(() => applyFanoutEvent(event, { partition: 0, offset: '0' }, deps), stopping.signal);
        const count = await stores.graph.followerCount(event.data.post.author_id);
        if (count >= stores.settings.celebrityThreshold) paths.pull++;
        else if (count > stores.settings.taskSpan) paths.tasks++;
        else paths.push++;
        tracked.get(event.data.post.id)!.handled = true;
        complete(event.data.post.id);
      });
    },
    entries: () => entries,
    pending: () => pending,
    failed: () => failed,
    latencies,
    paths,
    unfinished: () => tracked.size,
    abandon: () => stopping.abort(),
  };
}

function postEvent(postId: string, authorId: string, at: Date): PostCreated {
  const time = at.toISOString();
  return {
    specversion: '1.0',
    id: postId,
    source: '/herald/bench',
    type: 'PostCreated',
    subject: postId,
    time,
    datacontenttype: 'application/json',
    dataschema: 'urn:herald:event:PostCreated:1',
    data: { post: { id: postId, author_id: authorId, blog_id: null, title: '', content: 'bench', created_at: time, updated_at: time, version: 1 } },
  } as unknown as PostCreated;
}

export interface PhaseContext {
  client: DynamoDBClient;
  settings: FeedSettings;
  /** The fan-out's connection to Redis and the reader's (an API instance's). */
  writerCache: FeedCache;
  readerCache: FeedCache;
  graph: Graph;
  followerCounts: Map<string, number>;
  /** Authors of each size class. */
  authorsByClass: Map<SizeClass, string[]>;
  activeReaders: string[];
}

/**
 * One mode for one round: posts at a steady rate and readers reading feeds at once, for the
 * warm-up (not measured) and the measured duration, then the replica drains its backlog.
 */
export async function runPhase(mode: Mode, round: number, context: PhaseContext, options: WorkloadOptions): Promise<PhaseResult> {
  const stores = createFanoutStores(context.client, context.settings, context.writerCache);
  const replica = createReplica(stores, options);
  const reader = createFeedReader({ client: context.client, table: context.settings.tables.feeds, cache: context.readerCache, maxEntries: context.settings.feedMaxEntries });
  const random = seededRandom(round * 7919 + mode.threshold);
  const classes = SIZE_CLASSES.map((size) => size.name);
  const pickAuthor = (): [string, SizeClass] => {
    let roll = random();
    let index = 0;
    while (index < classes.length - 1 && roll >= options.postMix[index]!) roll -= options.postMix[index++]!;
    const authors = context.authorsByClass.get(classes[index]!)!;
    return [authors[Math.floor(random() * authors.length)]!, classes[index]!];
  };

  const total = options.warmupSeconds + options.durationSeconds;
  const start = Date.now();
  const measureFrom = start + options.warmupSeconds * 1000;
  const end = start + total * 1000;
  let entriesAtMeasure = 0;
  let entriesAtEnd = 0;
  let machineAtMeasure = machineTimes();
  let cpuAtMeasure = process.cpuUsage();
  const loadBefore = loadavg()[0]!;

  // Posts: one every 1/rate s, from when it was due (an open loop: a slow fan-out does not slow the posting).
  let published = 0;
  const posting = (async () => {
    for (let n = 0; ; n++) {
      const due = start + (n * 1000) / options.postRate;
      if (due >= end) break;
      const wait = due - Date.now();
      if (wait > 0) await sleep(wait);
      const [author, size] = pickAuthor();
      const measured = due >= measureFrom;
      if (measured) published++;
      replica.post(postEvent(`${mode.name}-r${round}-p${n}`, author, new Date(due)), due, size, measured);
    }
  })();

  // Readers: closed loops, each reading the first page of a random active reader's feed.
  const readLatencies: number[] = [];
  let readErrors = 0;
  let pulledAuthors = 0;
  const reading = Array.from({ length: options.readers }, async (_, i) => {
    const pick = seededRandom(round * 104729 + i);
    while (Date.now() < end) {
      const user = context.activeReaders[Math.floor(pick() * context.activeReaders.length)]!;
      const began = Date.now();
      try {
        const pulled = (context.graph.following.get(user) ?? []).filter((id) => (context.followerCounts.get(id) ?? 0) >= mode.threshold);
        const [pushed, merged] = await Promise.all([
          reader.read(user, { limit: options.pageSize }),
          Promise.all(pulled.map((id) => stores.authorPosts.recent(id, options.pageSize))),
        ]);
        const page = new Map<string, string>();
        for (const entry of [...pushed, ...merged.flat()]) page.set(entry.postId, entry.position);
        [...page.values()].sort().reverse().slice(0, options.pageSize);
        if (began >= measureFrom) {
          readLatencies.push(Date.now() - began);
          pulledAuthors += pulled.length;
        }
      } catch {
        if (began >= measureFrom) readErrors++;
      }
    }
  });

  await sleep(Math.max(0, measureFrom - Date.now()));
  entriesAtMeasure = replica.entries();
  machineAtMeasure = machineTimes();
  cpuAtMeasure = process.cpuUsage();
  const cacheAtMeasure = { ...context.readerCache.stats() };
  await Promise.all([posting, ...reading]);
  entriesAtEnd = replica.entries();
  const cpu = process.cpuUsage(cpuAtMeasure);
  const machine = machineTimes();
  const cacheAtEnd = context.readerCache.stats();
  const loadAfter = loadavg()[0]!;

  const drainStart = Date.now();
  while (replica.pending() > 0 && Date.now() - drainStart < options.drainCapSeconds * 1000) await sleep(50);
  const drainSeconds = (Date.now() - drainStart) / 1000;
  if (replica.pending() > 0) {
    replica.abandon();
    while (replica.pending() > 0) await sleep(50);
  }

  const byClass = Object.fromEntries(
    classes.map((size) => [size, summarize(replica.latencies.filter((latency) => latency.size === size).map((latency) => latency.ms))]),
  ) as Record<SizeClass, LatencySummary>;
  const busy = 1 - (machine.idle - machineAtMeasure.idle) / Math.max(1, machine.total - machineAtMeasure.total);
  return {
    mode: mode.name,
    threshold: mode.threshold,
    round,
    durationSeconds: options.durationSeconds,
    loadAverage: { before: loadBefore, after: loadAfter },
    machineBusyShare: busy,
    benchCpuMsPerSecond: (cpu.user + cpu.system) / 1000 / options.durationSeconds,
    posts: {
      published,
      all: summarize(replica.latencies.map((latency) => latency.ms)),
      byClass,
      paths: { ...replica.paths },
      failed: replica.failed(),
    },
    fanout: {
      entries: entriesAtEnd - entriesAtMeasure,
      entriesPerSecond: (entriesAtEnd - entriesAtMeasure) / options.durationSeconds,
      drainSeconds,
      unfinished: replica.unfinished(),
    },
    reads: {
      count: readLatencies.length,
      perSecond: readLatencies.length / options.durationSeconds,
      ...(() => {
        const sorted = [...readLatencies].sort((a, b) => a - b);
        return { p50Ms: percentile(sorted, 50), p99Ms: percentile(sorted, 99) };
      })(),
      errors: readErrors,
      cacheHits: cacheAtEnd.hits - cacheAtMeasure.hits,
      cacheMisses: cacheAtEnd.misses - cacheAtMeasure.misses,
      pulledAuthorsPerRead: readLatencies.length > 0 ? pulledAuthors / readLatencies.length : 0,
    },
  };
}

export interface BurstResult {
  round: number;
  followers: number;
  entries: number;
  seconds: number;
  entriesPerSecond: number;
  /** CPU of the replica (the benchmark process, nothing else running in it) per 1 000 entries. */
  cpuMsPerThousand: number;
  tasks: number;
}

/**
 * The replica's fan-out capacity: one post by the most followed account, pushed (split into
 * tasks), with nothing else running in the process: entries written per second and CPU per entry.
 */
export async function runBurst(round: number, context: PhaseContext, options: WorkloadOptions): Promise<BurstResult> {
  const stores = createFanoutStores(context.client, { ...context.settings, celebrityThreshold: 1_000_000_000 }, context.writerCache);
  const replica = createReplica(stores, options);
  const author = context.graph.users[0]!;
  const started = Date.now();
  const cpuStart = process.cpuUsage();
  replica.post(postEvent(`burst-r${round}`, author, new Date(started)), started, sizeClassOf(context.followerCounts.get(author)!), true);
  while (replica.pending() > 0) await sleep(10);
  const seconds = (Date.now() - started) / 1000;
  const cpu = process.cpuUsage(cpuStart);
  const entries = replica.entries();
  return {
    round,
    followers: context.followerCounts.get(author)!,
    entries,
    seconds,
    entriesPerSecond: entries / seconds,
    cpuMsPerThousand: ((cpu.user + cpu.system) / 1000 / entries) * 1000,
    tasks: Math.ceil(context.followerCounts.get(author)! / context.settings.taskSpan),
  };
}
