import type { DynamoDBClient } from '@aws-sdk/client-dynamodb';
import type { EventTransport } from '@herald/event-transport';
import type { NotificationStore } from '@herald/notifier';
import type { FastifyInstance } from 'fastify';
import type { Config } from './config.js';
import type { Pool } from './db/pool.js';
import type { UnitOfWork } from './outbox/unit-of-work.js';
import type { MediaStorage } from './images/storage.js';
import type { Publisher } from './publisher/publisher.js';

/** A consumer group and the topics it reads, by their full (prefixed) names. */
export interface ConsumerGroupTopics {
  group: string;
  topics: string[];
}

/** What the platform gives every feature: its shared parts, built once by the composition root. */
export interface Platform {
  config: Config;
  /** For reads. Writes go through `unitOfWork`, so that a change and its events commit together. */
  pool: Pool;
  unitOfWork: UnitOfWork;
  transport: EventTransport;
  publisher: Publisher;
  /** People's notifications (the notifier writes them); absent when the app runs without a store. */
  notifications?: NotificationStore;
  /** The DynamoDB of the feed tables (the fan-out writes them); absent when the app has none to read. */
  dynamodb?: DynamoDBClient;
  /** The media bucket of image posts; absent when the app runs without object storage. */
  media?: MediaStorage;
  /**
   * The consumer groups this deployment runs, with the topics each reads (full names, for lag
   * reports). A feature that runs a consumer group of its own adds it here when it registers.
   */
  consumerGroups: ConsumerGroupTopics[];
}

/**
 * A feature of the API: a folder holding its routes, service, repository and migrations, made
 * known to the app by one line in `features.ts`. Its events and topics are declared in
 * @herald/event-schemas, the published contract.
 */
export interface Feature {
  /** Names the feature in logs. */
  name: string;
  /**
   * Registers the feature's routes. Runs as an encapsulated Fastify plugin, so hooks and
   * decorators it adds stay inside the feature.
   */
  register(app: FastifyInstance, platform: Platform): Promise<void>;
  /** A folder of migrations of its own (node-pg-migrate files, named by timestamp). */
  migrationsDir?: string;
}

/** Identity, for type inference at the definition site. */
export const defineFeature = (feature: Feature): Feature => feature;
