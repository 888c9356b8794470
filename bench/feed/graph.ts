import { BatchWriteItemCommand, type DynamoDBClient, type WriteRequest } from '@aws-sdk/client-dynamodb';

/** A synthetic follow graph: follower counts with a power law, followers drawn uniformly. */
export interface Graph {
  users: string[];
  /** followers[i]: the followers of users[i]. */
  followers: string[][];
  /** following.get(id): the accounts `id` follows. */
  following: Map<string, string[]>;
  edges: number;
}

export interface GraphOptions {
  users: number;
  /** Followers of the most followed account; the account of rank r has about max / r^exponent. */
  maxFollowers: number;
  exponent: number;
  seed: number;
}

/** A small seeded generator (mulberry32), so a run's graph is the same every time. */
export function seededRandom(seed: number): () => number {
  let state = seed >>> 0;
  return () => {
    state = (state + 0x6d2b79f5) >>> 0;
    let t = state;
    t = Math.imul(t ^ (t >>> 15), t | 1);
    t ^= t + Math.imul(t ^ (t >>> 7), t | 61);
    return ((t ^ (t >>> 14)) >>> 0) / 4294967296;
  };
}

/**
 * Users `u000000`…; the account of rank r (0-based) has `floor(max / (r + 1)^exponent)` followers
 * (at least 1), drawn without repetition from the other users.
 */
export function generateGraph(options: GraphOptions): Graph {
  const random = seededRandom(options.seed);
  const users = Array.from({ length: options.users }, (_, i) => `u${String(i).padStart(6, '0')}`);
  const following = new Map<string, string[]>(users.map((id) => [id, []]));
  let edges = 0;
  const followers = users.map((id, rank) => {
    const count = Math.min(options.users - 1, Math.max(1, Math.floor(options.maxFollowers / (rank + 1) ** options.exponent)));
    const chosen = new Set<number>();
    while (chosen.size < count) {
      const other = Math.floor(random() * options.users);
      if (other !== rank) chosen.add(other);
    }
    const list = [...chosen].map((index) => users[index]!);
    for (const follower of list) following.get(follower)!.push(id);
    edges += list.length;
    return list;
  });
  return { users, followers, following, edges };
}

/**
 * Writes the graph's `follower#` edges and each account's follower counter into the follow-graph
 * table, as the fan-out's own writes would leave them (the `following#` direction is not needed
 * by the fan-out and is kept in memory by the benchmark).
 */
export async function loadGraph(client: DynamoDBClient, table: string, graph: Graph, onProgress: (done: number) => void): Promise<void> {
  const requests: WriteRequest[] = [];
  const at = new Date().toISOString();
  graph.users.forEach((id, i) => {
    const list = graph.followers[i]!;
    requests.push({ PutRequest: { Item: { PK: { S: `user#${id}` }, SK: { S: 'count' }, followers: { N: String(list.length) } } } });
    for (const follower of list) {
      requests.push({ PutRequest: { Item: { PK: { S: `user#${id}` }, SK: { S: `follower#${follower}` }, userId: { S: follower }, followedAt: { S: at } } } });
    }
  });
  let next = 0;
  let done = 0;
  const worker = async () => {
    while (next < requests.length) {
      let pending = requests.slice(next, next + 25);
      next += 25;
      while (pending.length > 0) {
        const { UnprocessedItems } = await client.send(new BatchWriteItemCommand({ RequestItems: { [table]: pending } }));
        pending = UnprocessedItems?.[table] ?? [];
      }
      done += 25;
      if (done % 20_000 < 25) onProgress(Math.min(done, requests.length));
    }
  };
  await Promise.all(Array.from({ length: 16 }, worker));
}

/** Author size classes (by follower count) that latencies are reported by. */
export const SIZE_CLASSES = [
  { name: '1–99', min: 1, max: 99 },
  { name: '100–999', min: 100, max: 999 },
  { name: '1 000–9 999', min: 1_000, max: 9_999 },
  { name: '10 000+', min: 10_000, max: Number.MAX_SAFE_INTEGER },
] as const;

export type SizeClass = (typeof SIZE_CLASSES)[number]['name'];

export function sizeClassOf(followers: number): SizeClass {
  return SIZE_CLASSES.find((size) => followers >= size.min && followers <= size.max)?.name ?? '1–99';
}
