/**
 * @herald/api as a library: what tools around the API (benchmarks, operations scripts) build on.
 * The process entry point is src/main.ts.
 */
export { buildApp, type AppDependencies } from './app.js';
export { ConfigError, loadConfig, type Config } from './config.js';
export { startPublisher, type Publisher, type PublisherOptions, type PublisherState } from './publisher/publisher.js';
export { OutboxRelay, type OutboxRelayOptions } from './publisher/outbox-relay.js';
export { startHerald, type Herald } from './runtime.js';
