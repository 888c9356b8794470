import type { ConsumerDefinition, ParsedRecord } from '@herald/consumer-runtime';
import type { DeliveredRecord, EventProducer } from '@herald/event-transport';
import type { FollowerRange } from './follow-graph.js';

/**
 * Large fan-outs split into tasks. On `PostCreated` for an author with more than
 * `FANOUT_TASK_SPAN` followers, the replica that consumes it reads the author's follower keys once
 * (keys only, a page per span) and publishes one task per span of followers on a topic of its own;
 * every fan-out replica consumes that topic in one consumer group, so several replicas share one
 * large fan-out, each task writing its followers' feeds as a small fan-out would.
 */

/** Consumer group (before the prefix) of the task consumers; also names their dead-letter topic. */
export const FANOUT_TASKS_CONSUMER_NAME = 'fanout-tasks';

/** The task topic (not an event topic: its records are tasks between fan-out replicas, not CloudEvents). */
export const fanoutTaskTopic = (prefix = '') => `${prefix}herald.fanout-tasks`;

const TASK_TYPE = 'FanoutTask';
const CONTENT_TYPE = 'application/vnd.herald.fanout-task+json';

/** One part of a large fan-out: a post, to the author's followers in one range of sort keys. */
export interface FanoutTask {
  /** `<postId>#<part>`: the same on every publication of the same part (a redelivered PostCreated). */
  id: string;
  type: typeof TASK_TYPE;
  post: { id: string; authorId: string; position: string };
  followers: FollowerRange;
  /** 0-based index of this part and the number of parts. */
  part: number;
  parts: number;
}

export interface FanoutTaskPublisher {
  /** Publishes the tasks, resolving once the broker acknowledged all of them. */
  publish(tasks: FanoutTask[]): Promise<void>;
}

/** Builds the tasks of one post from the boundaries of its author's follower ranges (last key of each span). */
export function tasksOf(post: FanoutTask['post'], boundaries: readonly string[]): FanoutTask[] {
  // The last range is open at the end: followers added since the keys were read are covered too.
  const ranges: FollowerRange[] = boundaries.map((to, i) => ({ from: i === 0 ? null : boundaries[i - 1]!, to: i === boundaries.length - 1 ? null : to }));
  return ranges.map((followers, part) => ({ id: `${post.id}#${part}`, type: TASK_TYPE, post, followers, part, parts: ranges.length }));
}

/**
 * Tasks on `topic`, keyed by task id, so the parts of one post spread over the partitions (and so
 * over the replicas) instead of following the post's key to one partition.
 */
export function createTaskPublisher(producer: EventProducer, topic: string): FanoutTaskPublisher {
  return {
    async publish(tasks) {
      if (tasks.length === 0) return;
      await producer.send(tasks.map((task) => ({ topic, key: task.id, value: JSON.stringify(task), headers: { 'content-type': CONTENT_TYPE } })));
    },
  };
}

const isKey = (value: unknown) => value === null || (typeof value === 'string' && value.startsWith('follower#'));

/** Reads a task record; anything else is refused (and dead-lettered by the runtime). */
export function parseTask(record: DeliveredRecord): ParsedRecord<FanoutTask> {
  let task: FanoutTask;
  try {
    task = JSON.parse(record.value) as FanoutTask;
  } catch {
    return { valid: false, issues: [{ path: '', message: 'is not JSON' }] };
  }
  const post = task?.post;
  const ok =
    task?.type === TASK_TYPE &&
    typeof task.id === 'string' &&
    typeof post?.id === 'string' &&
    typeof post.authorId === 'string' &&
    typeof post.position === 'string' &&
    isKey(task.followers?.from) &&
    isKey(task.followers?.to) &&
    Number.isInteger(task.part) &&
    Number.isInteger(task.parts);
  return ok ? { valid: true, event: task } : { valid: false, issues: [{ path: '', message: 'is not a fan-out task' }] };
}

/** What the task consumers of one replica did. */
export interface FanoutTaskStats {
  tasks: number;
  /** Followers whose feeds the tasks wrote (a redelivered task counts again). */
  followers: number;
}

/** The task consumer's definition around its handler (see handlers/fanout-task.ts). */
export function taskConsumerDefinition(
  topic: string,
  handle: (task: FanoutTask, signal: AbortSignal) => Promise<void>,
  isTransient: (error: unknown) => boolean,
): ConsumerDefinition<FanoutTask> {
  return {
    name: FANOUT_TASKS_CONSUMER_NAME,
    topics: [topic],
    parse: parseTask,
    handle: (task, context) => handle(task, context.signal),
    isTransient,
  };
}
