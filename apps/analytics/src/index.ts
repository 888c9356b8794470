/**
 * @herald/analytics: event rates, an inventory read model built from Herald's product events and
 * the statistics of each post's content built from its post events, kept in the `analytics` schema
 * of the API's PostgreSQL database.
 *
 * - migrateAnalytics: bring the schema up to date (before anything else).
 * - analyticsConsumer / startAnalytics: the consumer, as a definition or running in-process.
 * - createAnalyticsQueries: the figures, in the API's response shapes.
 * - src/main.ts: the same consumer as a standalone process.
 */
export { applyEvent, applyEvents, type ApplyOutcome, type BatchOutcome } from './apply-event.js';
export {
  ANALYTICS_CONSUMER_NAME,
  ANALYTICS_TOPICS,
  analyticsConsumer,
  startAnalytics,
  type AnalyticsConsumerOptions,
  type RunningAnalytics,
  type StartAnalyticsOptions,
} from './consumer.js';
export { isTransientDatabaseError } from './db.js';
export { ANALYTICS_ERROR_CODES, AnalyticsError, isAnalyticsError, type AnalyticsErrorCode } from './errors.js';
export { textStatistics, type TextStatistics } from './text-statistics.js';
export { ANALYTICS_SCHEMA, migrateAnalytics, type MigrationLogger } from './migrate.js';
export {
  DEFAULT_EVENT_RATE_MINUTES,
  MAX_EVENT_RATE_MINUTES,
  createAnalyticsQueries,
  type AnalyticsQueries,
  type AnalyticsQueriesOptions,
  type EventRatePoint,
  type EventRates,
  type EventRatesQuery,
  type InventoryFigures,
  type LowStockProduct,
  type MoneyTotal,
  type PostStatsFigures,
} from './queries.js';
export { postStatsChanges, type PostStatsChanges, type PostStatsDeletion, type PostStatsWrite } from './post-stats-changes.js';
