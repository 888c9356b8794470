import { randomUUID } from 'node:crypto';
import type { TransportLogger } from '@herald/event-transport';
import { Redis } from 'ioredis';
import type { FeedEntry, FeedRead } from './feed-store.js';

/**
 * The Redis in front of the feed table: one sorted set per user holding the newest
 * `FEED_MAX_ENTRIES` entries of their feed, written before the table and read before it.
 *
 * - Members are `<timestamp>#<postId>#<authorId>` (all scored 0, so they sort by bytes, as the
 *   table's sort keys do) and one marker at the head: `!all` (the set is the whole feed), `!top`
 *   (its newest part; an older page than the set holds is read from the table) or `!b:<token>`
 *   (being rebuilt: a miss).
 * - A set exists only for someone who read their feed lately: a miss creates it with a rebuild
 *   marker, reads the table, then fills it and sets the real marker, unless something removed
 *   entries meanwhile (which deletes a set being rebuilt) or the token is gone. Pushes add to sets
 *   that exist, before the table write (a cached feed shows the post at once) and once more after
 *   it (a set rebuilt from a table read that came before the entry landed gets it too). Removals
 *   write the table first, then the set.
 * - A set lives `FEED_CACHE_TTL_SECONDS` from its rebuild; reads and writes do not extend it.
 * - Staleness after an outage: a write that could not reach Redis is followed (after the table
 *   write) by deleting the users' sets; when that fails too, the writer bumps the cache's epoch
 *   (part of every key name) as soon as its connection is back, before any other write, so every
 *   set written before is never read again (and expires). A set therefore does not miss an entry
 *   that reached the table while Redis was unreachable, even if Redis kept its data, except in
 *   the moment between Redis answering again and that writer reconnecting (at most ~2 s).
 */
export interface FeedCache {
  /** Adds the entries to the users' sets that exist (complete or being rebuilt); idempotent. */
  add(entries: readonly FeedEntry[]): Promise<void>;
  /** Takes entries out (a set being rebuilt is deleted instead). */
  remove(entries: readonly FeedEntry[]): Promise<void>;
  /** Deletes the users' sets: the next read rebuilds them from the table. */
  forget(userIds: readonly string[]): Promise<void>;
  /**
   * A page, newest first (or, with `after`, the nearest newer entries, oldest first, like
   * readFeedPage), or undefined when the set is missing or does not hold the whole page.
   */
  read(userId: string, page: FeedPageRequest): Promise<FeedRead[] | undefined>;
  /** Starts a rebuild: undefined when a set exists already (complete or being rebuilt by another reader). */
  beginRebuild(userId: string): Promise<RebuildTicket | undefined>;
  /** Fills the set from the table's newest entries; false when the rebuild was overtaken. */
  commitRebuild(ticket: RebuildTicket, entries: readonly FeedRead[], wholeFeed: boolean): Promise<boolean>;
  /** After a failed write: the next successful call first invalidates every set (the epoch). */
  markStale(): void;
  stats(): FeedCacheStats;
  /** Waits until the connection is up, at most `ms`; false when it is not (a cache that is down is no error). */
  connected(ms: number): Promise<boolean>;
  close(): Promise<void>;
}

export interface FeedPageRequest {
  limit: number;
  before?: string | undefined;
  after?: string | undefined;
}

export interface RebuildTicket {
  userId: string;
  epoch: string;
  token: string;
}

export interface FeedCacheStats {
  hits: number;
  misses: number;
  rebuilds: number;
  /** Commands that failed (Redis unreachable, timed out). */
  failures: number;
  /** Times the epoch was bumped after a write failed. */
  invalidations: number;
}

export interface FeedCacheOptions {
  /** Key prefix (the deployment's FANOUT_TABLE_PREFIX: several deployments can share a Redis). */
  prefix: string;
  maxEntries: number;
  ttlSeconds: number;
  log?: TransportLogger;
  /** A command slower than this fails (and the caller falls back to the table). */
  commandTimeoutMs?: number;
}

/** How long a rebuild may take before its marker expires and another reader may start one. */
const REBUILD_MARKER_MS = 30_000;
/** Users per script call: keeps each call short, as Redis runs one script at a time. */
const USERS_PER_CALL = 500;

// Every script reads the epoch first: KEYS[1] is the epoch key, ARGV[1] the prefix of the sets.
const EPOCH = `local epoch = redis.call('GET', KEYS[1]) or '0'
local prefix = ARGV[1] .. epoch .. ':'`;

const ADD = `${EPOCH}
local cap = tonumber(ARGV[2])
for i = 3, #ARGV, 2 do
  local key = prefix .. ARGV[i]
  local head = redis.call('ZRANGE', key, 0, 0)[1]
  if head then
    redis.call('ZADD', key, 0, ARGV[i + 1])
    local n = redis.call('ZCARD', key) - 1
    if n > cap then
      redis.call('ZREMRANGEBYRANK', key, 1, n - cap)
      if head == '!all' then
        redis.call('ZREM', key, '!all')
        redis.call('ZADD', key, 0, '!top')
      end
    end
  end
end
return 0`;

const REMOVE = `${EPOCH}
for i = 2, #ARGV, 2 do
  local key = prefix .. ARGV[i]
  local head = redis.call('ZRANGE', key, 0, 0)[1]
  if head then
    if string.sub(head, 1, 3) == '!b:' then redis.call('DEL', key) else redis.call('ZREM', key, ARGV[i + 1]) end
  end
end
return 0`;

const FORGET = `${EPOCH}
for i = 2, #ARGV do redis.call('DEL', prefix .. ARGV[i]) end
return 0`;

// ARGV: prefix, userId, mode (newest | before | after), bound, limit. A member's position part
// compares with a bound as the table's sort keys do: '#' sorts below every id character, so
// "(bound" ends just below the bound's own entry and "(bound$" starts just above it.
const READ = `${EPOCH}
local key = prefix .. ARGV[2]
local head = redis.call('ZRANGE', key, 0, 0)[1]
if head ~= '!all' and head ~= '!top' then return {'miss'} end
local limit = tonumber(ARGV[5])
local items
if ARGV[3] == 'after' then
  if head == '!top' and #redis.call('ZRANGE', key, '[0', '(' .. ARGV[4] .. '$', 'BYLEX', 'LIMIT', 0, 1) == 0 then return {'partial'} end
  items = redis.call('ZRANGE', key, '(' .. ARGV[4] .. '$', '+', 'BYLEX', 'LIMIT', 0, limit)
else
  local top = ARGV[3] == 'before' and ('(' .. ARGV[4]) or '+'
  items = redis.call('ZRANGE', key, top, '[0', 'BYLEX', 'REV', 'LIMIT', 0, limit)
  if head == '!top' and #items < limit then return {'partial'} end
end
table.insert(items, 1, head)
return items`;

const BEGIN = `${EPOCH}
local key = prefix .. ARGV[2]
if redis.call('EXISTS', key) == 1 then return {epoch, ''} end
redis.call('ZADD', key, 0, '!b:' .. ARGV[3])
redis.call('PEXPIRE', key, ARGV[4])
return {epoch, ARGV[3]}`;

// ARGV: prefix, userId, epoch, token, cap, whole ('1' | '0'), ttl seconds, members...
const COMMIT = `${EPOCH}
if epoch ~= ARGV[3] then return 0 end
local key = prefix .. ARGV[2]
local marker = '!b:' .. ARGV[4]
if not redis.call('ZSCORE', key, marker) then return 0 end
for i = 8, #ARGV, 500 do
  local args = {}
  for j = i, math.min(i + 499, #ARGV) do
    args[#args + 1] = 0
    args[#args + 1] = ARGV[j]
  end
  redis.call('ZADD', key, unpack(args))
end
redis.call('ZREM', key, marker)
local cap = tonumber(ARGV[5])
local n = redis.call('ZCARD', key)
if n > cap then redis.call('ZREMRANGEBYRANK', key, 0, n - cap - 1) end
redis.call('ZADD', key, 0, (ARGV[6] == '1' and n <= cap) and '!all' or '!top')
redis.call('EXPIRE', key, ARGV[7])
return 1`;

type Script = (...args: Array<string | number>) => Promise<unknown>;

const memberOf = (entry: { position: string; authorId: string }) => `${entry.position}#${entry.authorId}`;

function entryOf(member: string): FeedRead {
  const last = member.lastIndexOf('#');
  const position = member.slice(0, last);
  return { position, postId: position.slice(position.indexOf('#') + 1), authorId: member.slice(last + 1) };
}

function chunks<T>(items: readonly T[], size: number): T[][] {
  const out: T[][] = [];
  for (let i = 0; i < items.length; i += size) out.push(items.slice(i, i + size));
  return out;
}

/**
 * Opens the cache on `url`. Commands fail at once while Redis is unreachable (no offline queue,
 * no retries of a command) and after `commandTimeoutMs`; the client reconnects in the background.
 */
export function createFeedCache(url: string, options: FeedCacheOptions): FeedCache {
  const redis = new Redis(url, {
    enableOfflineQueue: false,
    maxRetriesPerRequest: 0,
    commandTimeout: options.commandTimeoutMs ?? 1_000,
    connectTimeout: 2_000,
    retryStrategy: (times) => Math.min(50 * 2 ** Math.min(times, 6), 2_000),
  });
  let lastErrorLog = 0;
  redis.on('error', (error: Error) => {
    // Reconnection is automatic; one line every 10 s at most while Redis is away.
    if (Date.now() - lastErrorLog > 10_000) {
      lastErrorLog = Date.now();
      options.log?.warn({ err: error }, 'feed cache: Redis unreachable; feeds are read from and written to DynamoDB');
    }
  });
  const script = (name: string, lua: string): Script => {
    redis.defineCommand(name, { numberOfKeys: 1, lua });
    return (redis as unknown as Record<string, Script>)[name]!.bind(redis);
  };
  const scripts = {
    add: script('heraldFeedAdd', ADD),
    remove: script('heraldFeedRemove', REMOVE),
    forget: script('heraldFeedForget', FORGET),
    read: script('heraldFeedRead', READ),
    begin: script('heraldFeedBegin', BEGIN),
    commit: script('heraldFeedCommit', COMMIT),
  };
  const epochKey = `${options.prefix}feed-cache-epoch`;
  const setsPrefix = `${options.prefix}feed:`;
  const counts: FeedCacheStats = { hits: 0, misses: 0, rebuilds: 0, failures: 0, invalidations: 0 };
  let stale = false;

  const invalidate = async () => {
    await redis.incr(epochKey);
    stale = false;
    counts.invalidations++;
    options.log?.warn({}, 'feed cache: every cached feed invalidated (a write missed Redis); feeds are rebuilt from DynamoDB as they are read');
  };
  // As soon as the connection is back, not at the next write: readers must not find a stale set.
  redis.on('ready', () => {
    if (stale) invalidate().catch(() => counts.failures++);
  });

  /** Runs a command; a pending invalidation goes first, and the command fails if it cannot. */
  const call = async <T>(work: () => Promise<T>): Promise<T> => {
    try {
      if (stale) await invalidate();
      return await work();
    } catch (error) {
      counts.failures++;
      throw error;
    }
  };

  return {
    async add(entries) {
      for (const part of chunks(entries, USERS_PER_CALL)) {
        await call(() => scripts.add(epochKey, setsPrefix, options.maxEntries, ...part.flatMap((entry) => [entry.userId, memberOf(entry)])));
      }
    },
    async remove(entries) {
      for (const part of chunks(entries, USERS_PER_CALL)) {
        await call(() => scripts.remove(epochKey, setsPrefix, ...part.flatMap((entry) => [entry.userId, memberOf(entry)])));
      }
    },
    async forget(userIds) {
      for (const part of chunks([...new Set(userIds)], USERS_PER_CALL)) await call(() => scripts.forget(epochKey, setsPrefix, ...part));
    },
    async read(userId, page) {
      const mode = page.after !== undefined ? 'after' : page.before !== undefined ? 'before' : 'newest';
      const reply = (await call(() => scripts.read(epochKey, setsPrefix, userId, mode, page.after ?? page.before ?? '', page.limit))) as string[];
      if (reply[0] !== '!all' && reply[0] !== '!top') {
        counts.misses++;
        return undefined;
      }
      counts.hits++;
      return reply.slice(1).map(entryOf);
    },
    async beginRebuild(userId) {
      const [epoch, token] = (await call(() => scripts.begin(epochKey, setsPrefix, userId, randomUUID(), REBUILD_MARKER_MS))) as [string, string];
      return token ? { userId, epoch, token } : undefined;
    },
    async commitRebuild(ticket, entries, wholeFeed) {
      const done = await call(() =>
        scripts.commit(epochKey, setsPrefix, ticket.userId, ticket.epoch, ticket.token, options.maxEntries, wholeFeed ? '1' : '0', options.ttlSeconds, ...entries.map(memberOf)),
      );
      if (done === 1) counts.rebuilds++;
      return done === 1;
    },
    markStale() {
      if (!stale) options.log?.warn({}, 'feed cache: a write missed Redis; every cached feed will be invalidated when Redis answers');
      stale = true;
    },
    stats: () => ({ ...counts }),
    async connected(ms) {
      if (redis.status === 'ready') return true;
      return new Promise<boolean>((resolve) => {
        const timer = setTimeout(() => (redis.off('ready', onReady), resolve(false)), ms);
        const onReady = () => (clearTimeout(timer), resolve(true));
        redis.once('ready', onReady);
      });
    },
    async close() {
      redis.disconnect();
    },
  };
}

