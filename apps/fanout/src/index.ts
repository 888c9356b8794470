/**
 * @herald/fanout: each user's news feed in DynamoDB, built from follow and post events. Ordinary
 * authors' posts are pushed into their followers' feeds; celebrities' (FANOUT_CELEBRITY_THRESHOLD
 * followers or more) are merged in when a feed is read.
 *
 * - loadFeedSettings / loadConfig: the settings (the API reads the feed settings too).
 * - fanoutConsumer / startFanout: the consumer, as a definition or running in-process.
 * - readFeedPage, positionOf, parsePosition: what the API's feed read uses.
 * - src/main.ts: the same consumer as a standalone process.
 */
export { loadConfig, loadFeedSettings, type FanoutConfig, type FeedSettings } from './config.js';
export {
  FANOUT_CONSUMER_NAME,
  FANOUT_TOPICS,
  createFanoutStores,
  fanoutConsumer,
  fanoutTasksConsumer,
  isTransientFanoutError,
  openFeedCache,
  startFanout,
  type RunningFanout,
  type StartFanoutOptions,
} from './consumer.js';
export { createAuthorPosts, type AuthorPosts, type PostRef } from './author-posts.js';
export { createFeedStore, readFeedPage, type FeedEntry, type FeedRead, type FeedStore } from './feed-store.js';
export { createFeedCache, type FeedCache, type FeedCacheOptions, type FeedCacheStats, type FeedPageRequest, type RebuildTicket } from './feed-cache.js';
export { createFeedReader, pageOf, type FeedReader } from './feed-read.js';
export { createFollowGraph, type FollowGraph, type FollowerRange, type StreamPosition } from './follow-graph.js';
export { FANOUT_ERROR_CODES, FanoutError, isFanoutError, type FanoutErrorCode } from './errors.js';
export { applyFanoutEvent, FANOUT_EVENT_TYPES, handleFanoutTask, type FanoutDeps } from './handlers/index.js';
export {
  createTaskPublisher,
  FANOUT_TASKS_CONSUMER_NAME,
  fanoutTaskTopic,
  parseTask,
  tasksOf,
  type FanoutTask,
  type FanoutTaskPublisher,
  type FanoutTaskStats,
} from './tasks.js';
export { ensureFanoutTables } from './tables.js';
export { feedKey, parsePosition, positionOf, postIdOf } from './keys.js';
